import type { FieldValueInput, ValueType } from '../../affinity/index.js';
import type { Destination, RecordType } from '../destinations.js';
import type { EntityKind, EntityRow } from '../mapping.js';
import type { MatchKey } from '../matching.js';

/** One value of one cell as we last wrote or read it; `ours` when we wrote it. */
export interface KnownEntry {
  id: number;
  key: string;
  ours?: boolean;
}

/**
 * What we know of a linked Affinity record (`sync_links.known_values`): per field id its values;
 * `list:<id>` → the list entry; `orgs` → the person's organization ids as last seen or written
 * (the whole set); `currentOrgs` → the person's current organizations as an index page showed them
 * (not the whole set: enough to know a link exists, never to rewrite the set); `wrote:<field id>` →
 * the values we wrote to that field and have not taken back (whatever a later read showed), so a
 * value a person changed is told apart from ours. A field with no key is unknown — never read or
 * written by us — and is read before anything is written to it.
 */
export type Known = Record<string, KnownEntry[]>;

export const listKey = (listId: number): string => `list:${listId}`;
export const wroteKey = (fieldId: number): string => `wrote:${fieldId}`;

/** One write a push sends; each costs exactly one API call unless noted. */
export type PushOp =
  | {
      kind: 'create';
      recordType: RecordType;
      /** The request body (organization, person or opportunity). */
      body: Record<string, unknown>;
    }
  | {
      kind: 'field-create';
      fieldId: number;
      fieldName: string;
      valueType: ValueType;
      /** The field takes several values (the value is added to those there). */
      multiple: boolean;
      /** The field's list when it is list-specific (the entry id is resolved when sending). */
      listId: number | null;
      value: FieldValueInput;
      key: string;
      /** The value in words, for plans and messages. */
      text: string;
    }
  | {
      kind: 'field-update';
      fieldId: number;
      fieldName: string;
      valueType: ValueType;
      fieldValueId: number;
      value: FieldValueInput;
      key: string;
      /** The value in words, and the one it replaces (null when not known). */
      text: string;
      fromText: string | null;
    }
  | {
      kind: 'field-delete';
      fieldId: number;
      fieldName: string;
      fieldValueId: number;
      key: string;
      /** The value taken back, in words. */
      text: string;
    }
  | { kind: 'list-add'; listId: number }
  /** Adds the organization to the person's set: one PUT, plus one GET when `organizationIds` is unknown. */
  | { kind: 'link-org'; organizationId: number; organizationIds: number[] | null };

/** API calls an operation costs when all goes well. */
export function opCost(op: PushOp): number {
  return op.kind === 'link-org' && op.organizationIds === null ? 2 : 1;
}

export type RecordAction = 'create' | 'update' | 'unchanged' | 'skipped' | 'ambiguous';

/** What a push will do to one of our records. */
export interface RecordPlan {
  entityKind: EntityKind;
  entityId: number;
  /** A readable name: the company's name and domain, the person's name and email. */
  label: string;
  action: RecordAction;
  affinityId: number | null;
  /** How the Affinity record was found: a remembered link, or a matching key. */
  matchedBy: MatchKey | 'link' | null;
  /** Ambiguous: the equally good candidates. */
  candidates?: number[];
  reason?: string;
  ops: PushOp[];
  /** Values left out because Affinity would reject them (no such option, company not in Affinity…). */
  skippedValues: string[];
  /** What is known of the Affinity record before the push (for diffing and for the link). */
  known: Known;
  /** Read again this push (a new match, or a record whose last write was in doubt). */
  refreshed: boolean;
  /** A link to remember (a new match), with what matched. */
  newLink: MatchKey | null;
  row: EntityRow;
}

/** How long a plan takes at the connection's rate. */
export interface PlanEstimate {
  calls: number;
  ratePerMinute: number;
  seconds: number;
  /** E.g. `56,232 calls ≈ 62 min at 900/min`. */
  text: string;
}

const grouped = (n: number): string => n.toLocaleString('en-US');

/** The time `calls` take at `ratePerMinute`, in seconds and in words. */
export function estimateOf(calls: number, ratePerMinute: number): PlanEstimate {
  const rate = Math.max(1, ratePerMinute);
  const seconds = Math.ceil((calls * 60) / rate);
  const duration =
    seconds < 90
      ? `${seconds} s`
      : seconds < 90 * 60
        ? `${Math.round(seconds / 60)} min`
        : `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  const text =
    calls === 0
      ? '0 calls'
      : `${grouped(calls)} ${calls === 1 ? 'call' : 'calls'} ≈ ${duration} at ${grouped(rate)}/min`;
  return { calls, ratePerMinute: rate, seconds, text };
}

export interface Plan {
  destination: Destination;
  records: RecordPlan[];
  /** How matching was done: links only, per-record searches, or the whole index paged. */
  matching: 'links' | 'search' | 'index' | 'list';
  /** Read calls spent planning (matching, reading values of newly matched records, list check). */
  reads: number;
  /** Calls the writes will cost. */
  writes: number;
  /** `reads + writes`: what the push costs in all. */
  apiCalls: number;
  counts: Record<RecordAction, number>;
  /** The time `apiCalls` take at the connection's rate. */
  estimate: PlanEstimate;
  /** Where the values diffed came from, for records that needed them: read now, or as a pull stored them. */
  values: { read: number; pulled: number };
  /** Journal rows left `sending` by an interrupted push that this plan settles. */
  inDoubt: number[];
}

/**
 * Parameter readers shared by the activity resources (interactions, notes, files, reminders,
 * webhooks). Affinity accepts JSON and form bodies alike, so every reader takes numbers or numeric
 * strings, and array parameters as `key` or `key[]`, repeated or single. Bad input is a 422 naming
 * the parameter, as Affinity answers.
 */
import { type EmulatorCore, type Table, unprocessable } from './framework.js';
import { tablesOf } from './model.js';

type Bag = Record<string, unknown>;

function raw(bag: Bag, name: string): unknown {
  if (bag[name] !== undefined) return bag[name];
  return bag[`${name}[]`];
}

/** Whether the parameter was sent at all (`null` counts as sent). */
export function has(bag: Bag, name: string): boolean {
  return raw(bag, name) !== undefined;
}

function toInt(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  throw unprocessable(`${name} must be an integer.`);
}

/** An integer parameter, or undefined when absent/empty; 422 when present but not an integer. */
export function optInt(bag: Bag, name: string): number | undefined {
  const v = raw(bag, name);
  if (v === undefined || v === null || v === '') return undefined;
  return toInt(Array.isArray(v) ? v[0] : v, name);
}

/** A required integer parameter (422 `<name> is required.` when absent). */
export function reqInt(bag: Bag, name: string): number {
  const v = optInt(bag, name);
  if (v === undefined) throw unprocessable(`${name} is required.`);
  return v;
}

/** An integer parameter restricted to `allowed` values. */
export function optEnum<T extends number>(bag: Bag, name: string, allowed: readonly T[]): T | undefined {
  const v = optInt(bag, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly number[]).includes(v)) throw unprocessable(`${name} is invalid.`);
  return v as T;
}

/** An integer array parameter (`ids`, `ids[]`, a single value or a comma-free list). */
export function optIntArray(bag: Bag, name: string): number[] | undefined {
  const v = raw(bag, name);
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  return items.filter((x) => x !== '').map((x) => toInt(x, name));
}

/** A string array parameter. */
export function optStringArray(bag: Bag, name: string): string[] | undefined {
  const v = raw(bag, name);
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  return items
    .filter((x) => x !== '')
    .map((x) => {
      if (typeof x !== 'string') throw unprocessable(`${name} must be an array of strings.`);
      return x;
    });
}

/** A string parameter; 422 when present but not a string. */
export function optString(bag: Bag, name: string): string | undefined {
  const v = raw(bag, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw unprocessable(`${name} must be a string.`);
  return v;
}

/** A boolean parameter given as JSON boolean, `true`/`false`, or `1`/`0`. */
export function optBool(bag: Bag, name: string): boolean | undefined {
  const v = raw(bag, name);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  throw unprocessable(`${name} must be a boolean.`);
}

/** Parses an ISO-8601 date or date-time; a bare date means midnight UTC. */
export function parseDate(v: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** An ISO-8601 date parameter; 422 when present but unparseable. */
export function optDate(bag: Bag, name: string): Date | undefined {
  const v = optString(bag, name);
  if (v === undefined || v === '') return undefined;
  const d = parseDate(v);
  if (!d) throw unprocessable(`${name} must be an ISO 8601 date.`);
  return d;
}

/** Path id parameter: a positive integer, else 404 like Affinity's router. */
export function pathId(params: Record<string, string>, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** A person as nested in interactions and reminders: `{id, type, first_name, last_name, primary_email, emails}`. */
export function personSummary(core: EmulatorCore, id: number | null): unknown {
  if (id === null) return null;
  const p = tablesOf(core).persons.get(id);
  if (!p) return null;
  return {
    id: p.id,
    type: p.type,
    first_name: p.first_name,
    last_name: p.last_name,
    primary_email: p.emails[0] ?? null,
    emails: p.emails,
  };
}

/** An organization as nested in reminders. */
export function organizationSummary(core: EmulatorCore, id: number | null): unknown {
  if (id === null) return null;
  const o = tablesOf(core).organizations.get(id);
  if (!o) return null;
  return {
    id: o.id,
    name: o.name,
    domain: o.domain,
    domains: o.domains,
    crunchbase_uuid: o.crunchbase_uuid,
    global: o.global,
  };
}

/** An opportunity as nested in reminders. */
export function opportunitySummary(core: EmulatorCore, id: number | null): unknown {
  if (id === null) return null;
  const o = tablesOf(core).opportunities.get(id);
  if (!o) return null;
  return { id: o.id, name: o.name, person_ids: o.person_ids, organization_ids: o.organization_ids };
}

/** 422 unless every id of parameter `param` names a row of `table` (see `unknownReference`). */
export function requireAll(
  table: Table<{ id: number }>,
  ids: readonly number[],
  what: string,
  param: string,
): void {
  for (const id of ids) table.reference(id, what, param);
}

/** Tables of the activity resources. */
export const ACTIVITY_TABLES = {
  interactions: 'interactions',
  notes: 'notes',
  entityFiles: 'entity_files',
  reminders: 'reminders',
  relationshipStrengths: 'relationship_strengths',
} as const;

/** 0 meeting, 1 call, 2 chat message, 3 email. */
export type InteractionType = 0 | 1 | 2 | 3;

/** An interaction of any type; the keys a type does not use stay null. */
export interface InteractionRow {
  id: number;
  type: InteractionType;
  /** Affinity timestamp of when it happened, and the same instant in ms for ranges and sorting. */
  date: string;
  date_ms: number;
  /** Everyone involved (internal and external). For emails: sender first. */
  person_ids: number[];
  /** 1 logged by hand (API or app), 0 logged automatically (mail or calendar sync). */
  logging_type: 0 | 1;
  /** 0 sent by an internal person, 1 received; chat messages and emails only. */
  direction: 0 | 1 | null;
  manual_creator_id: number | null;
  /**
   * Meetings: the calendar event's iCalendar UID for meetings synced from a calendar, null for
   * those logged by hand. Absent from rows saved before it existed (derived when rendered).
   */
  ical_uid?: string | null;
  /** Meetings and calls. */
  title: string | null;
  start_time: string | null;
  end_time: string | null;
  updated_at: string | null;
  /** Emails. */
  subject: string | null;
  from_id: number | null;
  to_ids: number[];
  cc_ids: number[];
  /** Notes attached to the interaction. */
  note_ids: number[];
}

/** A note; `person_ids` and friends are derived when rendered. */
export interface NoteRow {
  id: number;
  creator_id: number;
  associated_person_ids: number[];
  organization_ids: number[];
  opportunity_ids: number[];
  mentioned_person_ids: number[];
  interaction_id: number | null;
  interaction_type: InteractionType | null;
  parent_id: number | null;
  content: string;
  type: 0 | 1 | 2 | 3;
  created_at: string;
  created_ms: number;
  updated_at: string | null;
}

/** Typed access to the activity tables. */
export function activityTables(core: EmulatorCore): {
  interactions: Table<InteractionRow>;
  notes: Table<NoteRow>;
} {
  return {
    interactions: core.table<InteractionRow>(ACTIVITY_TABLES.interactions),
    notes: core.table<NoteRow>(ACTIVITY_TABLES.notes),
  };
}

/**
 * The note as the API answers it: `person_ids` is the union of the persons associated with the
 * note and those on the interaction it is attached to; replies carry no entities.
 */
export function renderNote(core: EmulatorCore, note: NoteRow): Record<string, unknown> {
  const interaction =
    note.interaction_id === null ? undefined : activityTables(core).interactions.get(note.interaction_id);
  const interactionPersonIds = interaction ? [...interaction.person_ids] : [];
  const personIds = [...new Set([...note.associated_person_ids, ...interactionPersonIds])];
  const interactionType = interaction ? interaction.type : null;
  return {
    id: note.id,
    creator_id: note.creator_id,
    person_ids: personIds,
    associated_person_ids: [...note.associated_person_ids],
    interaction_person_ids: interactionPersonIds,
    interaction_id: interaction ? interaction.id : null,
    interaction_type: interactionType,
    is_meeting: interactionType === 0 || interactionType === 1,
    mentioned_person_ids: [...note.mentioned_person_ids],
    organization_ids: [...note.organization_ids],
    opportunity_ids: [...note.opportunity_ids],
    parent_id: note.parent_id,
    content: note.content,
    type: note.type,
    created_at: note.created_at,
    updated_at: note.updated_at,
  };
}

/** The entity a `person.deleted` / `organization.deleted` / `opportunity.deleted` event is about. */
export function deletedEntity(
  type: string,
  body: unknown,
): { kind: 'person' | 'organization' | 'opportunity'; id: number } | undefined {
  const kind =
    type === 'person.deleted'
      ? 'person'
      : type === 'organization.deleted'
        ? 'organization'
        : type === 'opportunity.deleted'
          ? 'opportunity'
          : undefined;
  if (!kind || typeof body !== 'object' || body === null) return undefined;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'number' ? { kind, id } : undefined;
}

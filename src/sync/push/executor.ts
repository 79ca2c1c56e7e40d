/**
 * The push executor: sends a plan's writes, each journaled before it leaves (`sending`) and after
 * its answer (`done`/`failed`) together with what it changed in the link, so a crash, a kill, a 429
 * storm or a 5xx resumes without writing anything twice. A create whose outcome is unknown is
 * looked for in Affinity before it is sent again.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import {
  type AffinityClient,
  AffinityConnectionError,
  AffinityError,
  AffinityNotFoundError,
  AffinityQuotaExhaustedError,
  AffinityRateLimitError,
  AffinityServerError,
  AffinityValidationError,
  type FieldValueValue,
  type Opportunity,
  type Organization,
  type Person,
} from '../../affinity/index.js';
import { type Db, type Store, syncLinks, syncPushOps } from '../../store/index.js';
import type { Destination } from '../destinations.js';
import { valueKey } from '../mapping.js';
import { type Stop, stopFor } from '../stops.js';
import { CallCounter, searchMatch } from './planner.js';
import {
  type Known,
  type KnownEntry,
  listKey,
  type Plan,
  type PushOp,
  type RecordPlan,
  wroteKey,
} from './types.js';

/** Test and operations seams: called around every write; a throw stops the push like a crash. */
export interface PushHooks {
  /** Before the request leaves (the journal already says `sending`). `n` counts writes so far. */
  beforeSend?: (op: PushOp, n: number) => void | Promise<void>;
  /** After the answer arrived, before the journal records it. */
  afterSend?: (op: PushOp, n: number) => void | Promise<void>;
}

export type RecordOutcomeCode = 'created' | 'updated' | 'unchanged' | 'skipped' | 'ambiguous' | 'failed';

export interface RecordResult {
  plan: RecordPlan;
  outcome: RecordOutcomeCode;
  affinityId: number | null;
  errors: string[];
  addedToList: boolean;
  fieldWrites: number;
  /** Writes not sent because the push stopped or was interrupted (or whose outcome is unknown). */
  notSent: number;
  /** Writes sent and answered. */
  sent: number;
}

export interface ExecuteOptions {
  store: Store;
  client: AffinityClient;
  connectionId: number;
  runId: number;
  plan: Plan;
  concurrency?: number;
  hooks?: PushHooks;
  onProgress?: (done: number, total: number) => void;
  /** Once aborted, no new write starts; writes in flight finish and are journaled. */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  records: RecordResult[];
  stopped: Stop | null;
  /** The signal aborted the push before all its writes were sent. */
  interrupted: boolean;
  /** Calls the writes took (checks of unknown outcomes and fallbacks included). */
  calls: number;
}

function messageOf(err: unknown): string {
  if (err instanceof AffinityValidationError && err.messages.length > 0) {
    return `${err.status ?? 422}: ${err.messages.join('; ')}`;
  }
  if (err instanceof AffinityError) return `${err.status ?? 'no answer'}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** The reason a push must stop (see {@link stopFor} of `../stops.js`), or null when it can go on. */
export const pushStopFor = (err: unknown): Stop | null => stopFor(err, 'push');

const mayHaveLanded = (err: unknown): boolean =>
  (err instanceof AffinityServerError || err instanceof AffinityConnectionError) && err.mayHaveLanded;

/** Runs the plan's writes. Records run in parallel (one at a time each); the journal orders them. */
export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const { store, client, connectionId, runId, plan } = options;
  const destination = plan.destination;
  const calls = new CallCounter();
  const records = plan.records;

  // Matches and refreshed knowledge are remembered first: a re-run skips their searches and reads.
  const toLink = records.filter((r) => r.affinityId !== null && (r.newLink !== null || r.refreshed));
  for (let i = 0; i < toLink.length; i += 1000) {
    await store.db
      .insert(syncLinks)
      .values(
        toLink.slice(i, i + 1000).map((r) => ({
          connectionId,
          entityKind: destination.entityKind,
          entityId: r.entityId,
          affinityType: destination.recordType,
          affinityId: r.affinityId as number,
          linkedBy: r.newLink ?? 'link',
          knownValues: r.known,
        })),
      )
      .onConflictDoUpdate({
        target: [syncLinks.connectionId, syncLinks.entityKind, syncLinks.entityId, syncLinks.affinityType],
        set: {
          affinityId: sql`excluded.affinity_id`,
          knownValues: sql`excluded.known_values`,
          updatedAt: sql`now()`,
        },
      });
  }

  // Every write is journaled as planned before any is sent.
  const opIds = new Map<string, number>();
  const rows = records.flatMap((r) =>
    r.ops.map((op, seq) => ({
      runId,
      connectionId,
      entityKind: destination.entityKind,
      entityId: r.entityId,
      seq,
      kind: op.kind,
      payload: op as unknown as Record<string, unknown>,
    })),
  );
  for (let i = 0; i < rows.length; i += 1000) {
    const ids = await store.db
      .insert(syncPushOps)
      .values(rows.slice(i, i + 1000))
      .returning({ id: syncPushOps.id, entityId: syncPushOps.entityId, seq: syncPushOps.seq });
    for (const r of ids) opIds.set(`${r.entityId}:${r.seq}`, r.id);
  }

  let stopped: Stop | null = null;
  let interrupted = false;
  const halted = (): boolean => stopped !== null || options.signal?.aborted === true;
  let sent = 0;
  let done = 0;
  const results: RecordResult[] = new Array(records.length);
  const total = records.length;

  const runRecord = async (rec: RecordPlan): Promise<RecordResult> => {
    const result: RecordResult = {
      plan: rec,
      outcome:
        rec.action === 'create'
          ? 'created'
          : rec.action === 'update'
            ? 'updated'
            : rec.action === 'unchanged'
              ? 'unchanged'
              : rec.action,
      affinityId: rec.affinityId,
      errors: [],
      addedToList: false,
      fieldWrites: 0,
      notSent: 0,
      sent: 0,
    };
    const known: Known = structuredClone(rec.known);
    let affinityId = rec.affinityId;
    for (let seq = 0; seq < rec.ops.length; seq++) {
      const op = rec.ops[seq] as PushOp;
      const opId = opIds.get(`${rec.entityId}:${seq}`) as number;
      if (crashed) return result;
      if (halted() || (op.kind !== 'create' && affinityId === null)) {
        if (options.signal?.aborted && !stopped) interrupted = true;
        result.notSent += 1;
        await store.db.update(syncPushOps).set({ status: 'skipped' }).where(eq(syncPushOps.id, opId));
        continue;
      }
      await store.db
        .update(syncPushOps)
        .set({ status: 'sending', attempts: sql`${syncPushOps.attempts} + 1`, updatedAt: sql`now()` })
        .where(eq(syncPushOps.id, opId));
      try {
        await options.hooks?.beforeSend?.(op, sent);
        const resultId = await send(op, rec, known, affinityId);
        sent += 1;
        result.sent += 1;
        await options.hooks?.afterSend?.(op, sent);
        if (op.kind === 'create') affinityId = resultId;
        if (op.kind === 'list-add') result.addedToList = true;
        if (op.kind.startsWith('field-')) result.fieldWrites += 1;
        await store.db.transaction(async (tx) => {
          await tx
            .update(syncPushOps)
            .set({ status: 'done', resultId, updatedAt: sql`now()` })
            .where(eq(syncPushOps.id, opId));
          await saveLink(tx as unknown as Db, rec, affinityId as number, known, op.kind === 'create');
        });
      } catch (err) {
        const stop = pushStopFor(err);
        if (stop) {
          // Not this record's failure: the push stops. A write Affinity may have taken before it
          // went away stays `sending`, in doubt, for the next push to check before writing again.
          stopped ??= stop;
          result.notSent += 1;
          if (stop.code !== 'unreachable') {
            await store.db
              .update(syncPushOps)
              .set({ status: 'skipped', error: stop.reason, updatedAt: sql`now()` })
              .where(eq(syncPushOps.id, opId));
          }
          if (op.kind === 'create') affinityId = null;
          continue;
        }
        if (!(err instanceof AffinityError)) throw err;
        const message = messageOf(err);
        result.errors.push(`${describeOp(op)}: ${message}`);
        await store.db
          .update(syncPushOps)
          .set({ status: 'failed', error: message, updatedAt: sql`now()` })
          .where(eq(syncPushOps.id, opId));
        if (op.kind === 'create') affinityId = null;
      }
    }
    result.affinityId = affinityId;
    if (result.errors.length > 0) result.outcome = 'failed';
    else if (result.notSent > 0 && result.sent === 0) result.outcome = 'skipped';
    return result;
  };

  /** Sends one write, checking Affinity first when an earlier attempt may have landed. */
  const send = async (
    op: PushOp,
    rec: RecordPlan,
    known: Known,
    affinityId: number | null,
  ): Promise<number> => {
    let rateLimited = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await sendOnce(op, known, affinityId);
      } catch (err) {
        if (
          err instanceof AffinityRateLimitError &&
          !(err instanceof AffinityQuotaExhaustedError) &&
          rateLimited < 3
        ) {
          rateLimited += 1;
          await new Promise((r) => setTimeout(r, 1000 * rateLimited));
          continue;
        }
        if (err instanceof AffinityNotFoundError && op.kind === 'field-delete') {
          delete known[String(op.fieldId)];
          unwrote(known, op.fieldId, op.fieldValueId);
          return op.fieldValueId;
        }
        if (err instanceof AffinityNotFoundError && op.kind === 'field-update') {
          // A person deleted the value we wrote: ours is written again as a new value.
          known[String(op.fieldId)] = [];
          return sendOnce(
            {
              kind: 'field-create',
              fieldId: op.fieldId,
              fieldName: op.fieldName,
              valueType: op.valueType,
              multiple: false,
              listId: null,
              value: op.value,
              key: op.key,
              text: op.text,
            },
            known,
            affinityId,
          );
        }
        if (!mayHaveLanded(err) || attempt >= 2) throw err;
        const landed = await landedAs(op, rec, known, affinityId);
        if (landed !== null) return landed;
      }
    }
  };

  const sendOnce = async (op: PushOp, known: Known, affinityId: number | null): Promise<number> => {
    const id = affinityId as number;
    switch (op.kind) {
      case 'create': {
        const created: Organization | Person | Opportunity = await calls.call(
          (): Promise<Organization | Person | Opportunity> =>
            op.recordType === 'organization'
              ? client.organizations.create(op.body as never)
              : op.recordType === 'person'
                ? client.persons.create(op.body as never)
                : client.opportunities.create(op.body as never),
        );
        const entry = 'list_entries' in created ? created.list_entries?.[0] : undefined;
        if (op.recordType === 'opportunity' && entry)
          known[listKey(entry.list_id)] = [{ id: entry.id, key: 'member' }];
        if (op.recordType === 'person' && Array.isArray(op.body.organization_ids)) {
          known.orgs = (op.body.organization_ids as number[]).map((o) => ({ id: o, key: String(o) }));
        }
        return created.id;
      }
      case 'list-add': {
        const entry = await calls.call(() => client.listEntries.create(op.listId, { entity_id: id }));
        known[listKey(op.listId)] = [{ id: entry.id, key: 'member' }];
        return entry.id;
      }
      case 'field-create': {
        let listEntryId: number | undefined;
        if (op.listId !== null) {
          listEntryId = known[listKey(op.listId)]?.[0]?.id;
          if (listEntryId === undefined) {
            throw new AffinityValidationError({
              message: `the record is not on list ${op.listId}, which field "${op.fieldName}" belongs to`,
              endpoint: 'POST /field-values',
              method: 'POST',
              status: 422,
            });
          }
        }
        const v = await calls.call(() =>
          client.fieldValues.create({
            field_id: op.fieldId,
            entity_id: id,
            value: op.value,
            ...(listEntryId !== undefined ? { list_entry_id: listEntryId } : {}),
          }),
        );
        const k = String(op.fieldId);
        known[k] = [
          ...(known[k] ?? []).filter((e) => e.key !== op.key),
          { id: v.id, key: op.key, ours: true },
        ];
        wrote(known, op.fieldId, { id: v.id, key: op.key }, op.multiple);
        return v.id;
      }
      case 'field-update': {
        const v = await calls.call(() => client.fieldValues.update(op.fieldValueId, op.value));
        const k = String(op.fieldId);
        known[k] = [
          ...(known[k] ?? []).filter((e) => e.id !== op.fieldValueId),
          { id: v.id, key: op.key, ours: true },
        ];
        wrote(known, op.fieldId, { id: v.id, key: op.key }, false);
        return v.id;
      }
      case 'field-delete': {
        await calls.call(() => client.fieldValues.delete(op.fieldValueId));
        const k = String(op.fieldId);
        known[k] = (known[k] ?? []).filter((e) => e.id !== op.fieldValueId);
        unwrote(known, op.fieldId, op.fieldValueId);
        return op.fieldValueId;
      }
      case 'link-org': {
        let ids = op.organizationIds;
        if (ids === null) {
          const person = await calls.call(() => client.persons.get(id));
          ids = [...(person.organization_ids ?? [])];
          if (!ids.includes(op.organizationId)) ids.push(op.organizationId);
        }
        const updated = await calls.call(() => client.persons.update(id, { organization_ids: ids }));
        known.orgs = (updated.organization_ids ?? ids).map((o) => ({ id: o, key: String(o) }));
        return op.organizationId;
      }
    }
  };

  /** Whether a write whose answer was lost did land; its result id when it did. */
  const landedAs = async (
    op: PushOp,
    rec: RecordPlan,
    known: Known,
    affinityId: number | null,
  ): Promise<number | null> => {
    switch (op.kind) {
      case 'create': {
        const companyOrg =
          op.recordType === 'person' && Array.isArray(op.body.organization_ids)
            ? ((op.body.organization_ids as number[])[0] ?? null)
            : null;
        const m = await searchMatch(client, calls, destination, rec.row, companyOrg);
        if (m.code === 'matched') {
          if (op.recordType === 'opportunity') {
            const entries = await calls.call(() => client.listEntries.all(destination.listId as number));
            const entry = entries.find((e) => e.entity_id === m.affinityId);
            if (entry) known[listKey(entry.list_id)] = [{ id: entry.id, key: 'member' }];
          }
          return m.affinityId;
        }
        if (m.code === 'ambiguous') {
          throw new AffinityValidationError({
            message: `the create may have landed and ${m.candidates.length} records now match: not created again`,
            endpoint: 'POST',
            method: 'POST',
            status: 409,
          });
        }
        return null;
      }
      case 'field-create': {
        const owner = ownerOf(destination, affinityId as number);
        const values = await calls.call(() => client.fieldValues.all(owner));
        const found = values.find((v) => v.field_id === op.fieldId && keyOf(op, v.value) === op.key);
        if (!found) return null;
        const k = String(op.fieldId);
        known[k] = [
          ...(known[k] ?? []).filter((e) => e.key !== op.key),
          { id: found.id, key: op.key, ours: true },
        ];
        wrote(known, op.fieldId, { id: found.id, key: op.key }, op.multiple);
        return found.id;
      }
      case 'list-add': {
        const entries = await calls.call(() => client.listEntries.all(op.listId));
        const entry = entries.find((e) => e.entity_id === affinityId);
        if (!entry) return null;
        known[listKey(op.listId)] = [{ id: entry.id, key: 'member' }];
        return entry.id;
      }
      default:
        return null;
    }
  };

  const saveLink = async (
    db: Db,
    rec: RecordPlan,
    affinityId: number,
    known: Known,
    created: boolean,
  ): Promise<void> => {
    await db
      .insert(syncLinks)
      .values({
        connectionId,
        entityKind: destination.entityKind,
        entityId: rec.entityId,
        affinityType: destination.recordType,
        affinityId,
        linkedBy: created ? 'created' : (rec.newLink ?? 'link'),
        knownValues: known,
      })
      .onConflictDoUpdate({
        target: [syncLinks.connectionId, syncLinks.entityKind, syncLinks.entityId, syncLinks.affinityType],
        set: { affinityId, knownValues: known, updatedAt: sql`now()` },
      });
  };

  const queue = records.map((r, i) => ({ r, i }));
  // A failure that is not Affinity's (a bug, the store, a hook) stops every worker at its next write,
  // like a crash: what was in flight is finished or left `sending` for the next push to check.
  let crashed: { err: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (!crashed && !halted()) {
      const next = queue.shift();
      if (!next) return;
      try {
        results[next.i] = await runRecord(next.r);
      } catch (err) {
        crashed ??= { err };
        return;
      }
      done += 1;
      options.onProgress?.(done, total);
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 6, records.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (crashed) throw (crashed as { err: unknown }).err;
  // Records never started (the push stopped or was interrupted): their writes were not sent.
  const notStarted = queue.filter(({ r }) => r.ops.length > 0).map(({ r }) => r.entityId);
  if (notStarted.length > 0 && options.signal?.aborted && !stopped) interrupted = true;
  for (let i = 0; i < notStarted.length; i += 5000) {
    await store.db
      .update(syncPushOps)
      .set({ status: 'skipped', updatedAt: sql`now()` })
      .where(
        and(
          eq(syncPushOps.runId, runId),
          eq(syncPushOps.status, 'planned'),
          inArray(syncPushOps.entityId, notStarted.slice(i, i + 5000)),
        ),
      );
  }
  for (const { r, i } of queue) {
    results[i] = {
      plan: r,
      outcome:
        r.ops.length > 0 ? 'skipped' : r.action === 'update' ? 'updated' : (r.action as RecordOutcomeCode),
      affinityId: r.affinityId,
      errors: [],
      addedToList: false,
      fieldWrites: 0,
      notSent: r.ops.length,
      sent: 0,
    };
  }
  return { records: results, stopped, interrupted, calls: calls.n };
}

function ownerOf(d: Destination, id: number) {
  return d.recordType === 'organization'
    ? { organization_id: id }
    : d.recordType === 'person'
      ? { person_id: id }
      : { opportunity_id: id };
}

/** The planner's comparison form of a value Affinity answered. */
function keyOf(op: Extract<PushOp, { kind: 'field-create' }>, value: FieldValueValue): string | null {
  return valueKey(op.valueType, value);
}

/** Remembers a value we wrote to a field (the only one, for a single-valued field). */
function wrote(known: Known, fieldId: number, entry: KnownEntry, multiple: boolean): void {
  const k = wroteKey(fieldId);
  known[k] = multiple ? [...(known[k] ?? []).filter((e) => e.key !== entry.key), entry] : [entry];
}

/** Forgets a value we wrote and took back. */
function unwrote(known: Known, fieldId: number, fieldValueId: number): void {
  const k = wroteKey(fieldId);
  const left = (known[k] ?? []).filter((e) => e.id !== fieldValueId);
  if (left.length > 0) known[k] = left;
  else delete known[k];
}

/**
 * A change a plan makes, as shown to users and in `--json`: `set` a field (`to` one value, or
 * `add` values to a multi-valued one), `update` it (`from` → `to`, `from` null when not known),
 * `remove` values; or `create` the record, `add-to-list`, `link-organization` (`to` the list or
 * the organization).
 */
export interface PlannedChange {
  action: 'create' | 'add-to-list' | 'link-organization' | 'set' | 'update' | 'remove';
  field: string | null;
  from?: string | null;
  to?: string;
  add?: string[];
  remove?: string[];
}

/** One write as a change: one value set, updated, added or removed, or the record created or listed. */
export function changeOf(op: PushOp): PlannedChange {
  switch (op.kind) {
    case 'create':
      return { action: 'create', field: null, to: op.recordType };
    case 'list-add':
      return { action: 'add-to-list', field: null, to: String(op.listId) };
    case 'link-org':
      return { action: 'link-organization', field: null, to: String(op.organizationId) };
    case 'field-update':
      return { action: 'update', field: op.fieldName, from: op.fromText, to: op.text };
    case 'field-create':
      return op.multiple
        ? { action: 'set', field: op.fieldName, add: [op.text] }
        : { action: 'set', field: op.fieldName, to: op.text };
    case 'field-delete':
      return { action: 'remove', field: op.fieldName, remove: [op.text] };
  }
}

/**
 * Changes as people read them: the values added to one field as one change, and those removed
 * from it as another (`set "Tags" += fintech, ai`), in the order they first appear.
 */
export function groupChanges(changes: readonly PlannedChange[]): PlannedChange[] {
  const out: PlannedChange[] = [];
  const grouped = new Map<string, PlannedChange>();
  for (const c of changes) {
    const values = c.add ?? c.remove;
    if (!values) {
      out.push(c);
      continue;
    }
    const key = `${c.action}:${c.field}`;
    const g = grouped.get(key);
    if (g) (g.add ?? g.remove)?.push(...values);
    else {
      const copy = c.add ? { ...c, add: [...values] } : { ...c, remove: [...values] };
      grouped.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** `s` cut to `max` characters with an ellipsis (no cut without a `max`). */
function cut(s: string, max: number | undefined): string {
  return max !== undefined && s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

/**
 * A change in words: `set "Sector Tags" += fintech, ai`, `update "Headcount" 120 → 145`,
 * `remove "Tags" -= legacy`; values longer than `max` characters are cut with an ellipsis.
 */
export function describeChange(c: PlannedChange, max?: number): string {
  switch (c.action) {
    case 'create':
      return `create ${c.to}`;
    case 'add-to-list':
      return `add to list ${c.to}`;
    case 'link-organization':
      return `link to organization ${c.to}`;
    case 'update':
      return `update "${c.field}" ${c.from === null || c.from === undefined ? '' : `${cut(c.from, max)} → `}${cut(c.to ?? '', max)}`;
    case 'set':
      return c.add
        ? `set "${c.field}" += ${cut(c.add.join(', '), max)}`
        : `set "${c.field}" = ${cut(c.to ?? '', max)}`;
    case 'remove':
      return `remove "${c.field}" -= ${cut((c.remove ?? []).join(', '), max)}`;
  }
}

/** A write in words, its value whole: `set "Tags" += fintech`, `update "Headcount" 120 → 145`. */
export function describeOp(op: PushOp): string {
  return describeChange(changeOf(op));
}

/** Journal rows of a run by status, e.g. to show what an interrupted push left. */
export async function journalCounts(store: Store, runId: number): Promise<Record<string, number>> {
  const rows = await store.db
    .select({ status: syncPushOps.status, n: sql<number>`count(*)::int` })
    .from(syncPushOps)
    .where(and(eq(syncPushOps.runId, runId)))
    .groupBy(syncPushOps.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

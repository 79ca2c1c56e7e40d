import { sql } from 'drizzle-orm';
import type { AffinityClient, ClientStats, List, Opportunity } from '../../affinity/index.js';
import type { Store } from '../../store/index.js';
import {
  type ApiUsage,
  type RunRecorder,
  type RunStatus,
  type RunTrigger,
  type StepRecorder,
  startRun,
} from '../activity.js';
import {
  type AffinityType,
  affinityTypeOf,
  endListWalk,
  type FieldInfo,
  identityOf,
  ingestPage,
  listPulledBefore,
  type RecordFieldValues,
  type RecordIdentity,
  setOpportunityOrganizations,
  upsertRecords,
  writeFieldValues,
} from './ingest.js';
import { type MatchStatus, PullMatching, readyMatchIndexes } from './matching.js';

/**
 * The pull: several Affinity lists fetched concurrently within the connection's one rate budget
 * (the client's governor is per API key), each page ingested as it arrives, then matched to the
 * intelligence dataset — all recorded as one run in the activity log.
 *
 * Call cost: `GET /lists` once to resolve the lists, one call per 500 entries (entries carry the
 * entity's identity), plus — only for lists pulled with fields — `GET /fields` once and one
 * `GET /field-values` per record, and — only for opportunity lists — the opportunity index
 * (500 per page) for their organizations, plus one call per organization we have never seen.
 */

/** A list to pull: its id or exact name, and whether to fetch field values. */
export interface PullListRequest {
  list: number | string;
  withFields?: boolean;
}

export type PullProgress =
  | { type: 'list'; listId: number; name: string; fetched: number; done: boolean }
  | { type: 'fields'; listId: number; name: string; fetched: number; total: number }
  | { type: 'matching' }
  | { type: 'page'; listId: number; entries: number };

export interface PullOptions {
  lists: readonly PullListRequest[];
  trigger?: RunTrigger;
  actor?: string;
  /** Entries per page (default and maximum 500). */
  pageSize?: number;
  /** Field-value requests kept in flight at once (the governor still bounds them). */
  fieldConcurrency?: number;
  onProgress?: (p: PullProgress) => void;
}

export interface PullListReport {
  id: number;
  name: string;
  type: AffinityType;
  withFields: boolean;
  /** Entries on the list now (Affinity's count, duplicates included). */
  entries: number;
  /** Distinct records on the list. */
  records: number;
  added: number;
  removed: number;
  newRecords: number;
  updatedRecords: number;
  fieldValues: { inserted: number; updated: number; deleted: number };
}

export interface PullReport {
  runId: number;
  status: RunStatus;
  lists: PullListReport[];
  offList: number;
  match: { counts: Record<MatchStatus, number>; changed: number; linksAdded: number };
  api: ApiUsage;
}

export interface PullDeps {
  store: Store;
  client: AffinityClient;
  connectionId: number;
  /** The transport's counters, to record the run's API usage. */
  stats?: () => ClientStats;
}

export class PullInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PullInputError';
  }
}

/** Yields to the event loop: I/O callbacks that are due run before the caller goes on. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Entries written per statement while waiting on the network: short ones keep the thread free. */
const INGEST_SLICE = 250;

/**
 * Most entries written in one statement when pages wait to be written: a statement costs PGlite a
 * fixed part (transaction, staging, commit) whatever its size.
 */
export const GATHER_ENTRIES = 1000;

/** How many pages of a list may wait to be written before fetching pauses (memory bound). */
const PREFETCH_PAGES = 16;

/**
 * Walks an async iterator ahead of its consumer: up to `depth` items are fetched while the
 * consumer works on earlier ones. The first error is rethrown where the consumer reaches it; a
 * consumer that stops early stops the walk.
 */
export async function* prefetch<T>(
  source: AsyncIterable<T>,
  depth = PREFETCH_PAGES,
  /** Kept up to date with how many items are fetched and not taken yet. */
  ahead: { count: number } = { count: 0 },
): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Array<IteratorResult<T> | { error: unknown }> = [];
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  let stopped = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const producer = (async () => {
    try {
      for (;;) {
        while (queue.length >= depth && !stopped) await new Promise<void>((r) => (room = r));
        if (stopped) return;
        const next = await it.next();
        queue.push(next);
        ahead.count = queue.length;
        notify();
        if (next.done) return;
      }
    } catch (error) {
      queue.push({ error });
      notify();
    }
  })();
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const head = queue.shift() as IteratorResult<T> | { error: unknown };
      ahead.count = queue.length;
      room?.();
      room = undefined;
      if ('error' in head) throw head.error;
      if (head.done) return;
      yield head.value;
    }
  } finally {
    stopped = true;
    room?.();
    await producer;
    await it.return?.();
  }
}

/**
 * Takes pages one at a time, each with the pages already fetched and waiting behind it (`ahead`),
 * up to `most` entries in all.
 */
export async function* gathered<T extends { items: readonly unknown[] }>(
  pages: AsyncIterable<T>,
  ahead: { count: number },
  most: number,
): AsyncGenerator<T[]> {
  const it = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const first = await it.next();
      if (first.done) return;
      const group = [first.value];
      let size = first.value.items.length;
      let ended = false;
      while (ahead.count > 0 && size < most) {
        const next = await it.next();
        if (next.done) {
          ended = true;
          break;
        }
        group.push(next.value);
        size += next.value.items.length;
      }
      yield group;
      if (ended) return;
    }
  } finally {
    await it.return?.();
  }
}

function usageSince(before: ClientStats | undefined, after: ClientStats | undefined): ApiUsage {
  if (!before || !after) return { requests: 0, throttled: 0, retries: 0 };
  return {
    requests: after.requests - before.requests,
    throttled: after.throttled - before.throttled,
    retries: after.retries - before.retries,
  };
}

/** Finds the requested lists among the visible ones; unknown names or ids are a clear error. */
export function resolveLists(
  visible: readonly List[],
  requests: readonly PullListRequest[],
): Array<{ list: List; withFields: boolean }> {
  const out = new Map<number, { list: List; withFields: boolean }>();
  for (const r of requests) {
    const wanted = typeof r.list === 'number' || /^\d+$/.test(r.list) ? Number(r.list) : null;
    const hits =
      wanted !== null
        ? visible.filter((l) => l.id === wanted)
        : visible.filter((l) => l.name.toLowerCase() === String(r.list).toLowerCase());
    if (hits.length === 0) throw new PullInputError(`no Affinity list ${JSON.stringify(r.list)} is visible`);
    if (hits.length > 1)
      throw new PullInputError(`several Affinity lists are named ${JSON.stringify(r.list)}: give its id`);
    const list = hits[0] as List;
    const prior = out.get(list.id);
    out.set(list.id, { list, withFields: (prior?.withFields ?? false) || (r.withFields ?? false) });
  }
  return [...out.values()];
}

/** Runs a pull: fetch every list concurrently, ingest, mark what left, match, and log it all. */
export async function pull(deps: PullDeps, options: PullOptions): Promise<PullReport> {
  const { store, client, connectionId } = deps;
  if (options.lists.length === 0)
    throw new PullInputError('no lists to pull: give --list or add pull sources');
  const before = deps.stats?.();
  const run = await startRun(store, {
    kind: 'pull',
    trigger: options.trigger ?? 'cli',
    actor: options.actor ?? 'local-admin',
    connectionId,
    params: { lists: options.lists.map((l) => ({ list: l.list, withFields: l.withFields ?? false })) },
    exclusive: true,
    usage: () => usageSince(before, deps.stats?.()),
  });
  try {
    const targets = resolveLists(await client.lists.all(), options.lists);
    if (targets.some((t) => affinityTypeOf(t.list.type) === 'person')) await readyMatchIndexes(store);
    // Every list's step first, then the one that records what left every list, so the log reads
    // in that order whichever list finishes first.
    const steps: StepRecorder[] = [];
    for (const t of targets) steps.push(await run.step(`fetch list ${t.list.name} (${t.list.id})`));
    const presence = await run.step('presence');
    const matching = await run.step('matching');
    const shared = new PullShared(
      client,
      presence,
      new PullMatching(store, connectionId, { runId: run.id, stepId: matching.id }),
    );
    // Every list runs to its end (or its failure) before the run moves on or fails.
    const settled = await Promise.allSettled(
      targets.map((t, k) =>
        pullList(deps, run, shared, steps[k] as StepRecorder, t.list, t.withFields, options),
      ),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      await presence.finish('skipped');
      await matching.finish('skipped');
      throw failed.reason;
    }
    const reports = settled.map((r) => (r as PromiseFulfilledResult<PullListReport>).value);
    await presence.finish();

    const relate = await run.step('organizations of opportunities');
    await resolveOpportunityOrganizations(deps, shared, relate);
    await relate.finish();

    options.onProgress?.({ type: 'matching' });
    const match = await shared.matching.finish();
    for (const [outcome, n] of Object.entries(match.counts)) matching.tally(outcome, n);
    await matching.finish();

    const api = usageSince(before, deps.stats?.());
    const status = await run.finish({ api });
    return {
      runId: run.id,
      status,
      lists: reports,
      offList: shared.offList,
      match: { counts: match.counts, changed: match.changed, linksAdded: match.linksAdded },
      api,
    };
  } catch (err) {
    await run.finish({
      error: err instanceof Error ? err.message : String(err),
      api: usageSince(before, deps.stats?.()),
    });
    throw err;
  }
}

/** What concurrent list pulls of one run share, so nothing is fetched twice. */
class PullShared {
  #fields: Promise<Map<number, FieldInfo>> | undefined;
  #opportunities: Promise<Map<number, Opportunity>> | undefined;
  /** Records whose field values this run already fetched (a record may be on several lists). */
  readonly fieldsFetched = new Set<string>();
  readonly opportunityIds = new Set<number>();
  /** Records that left every list during this run. */
  offList = 0;
  #walkEnds: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: AffinityClient,
    /** The step that records what left every list. */
    readonly presence: StepRecorder,
    readonly matching: PullMatching,
  ) {}

  /** Runs the ends of list walks one at a time: each must see the memberships the others left. */
  oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#walkEnds.then(work, work);
    this.#walkEnds = done.catch(() => undefined);
    return done;
  }

  fields(): Promise<Map<number, FieldInfo>> {
    this.#fields ??= this.client.fields
      .all()
      .then(
        (all) =>
          new Map(
            all.map((f) => [f.id, { name: f.name, valueType: f.value_type, listId: f.list_id ?? null }]),
          ),
      );
    return this.#fields;
  }

  /** Every visible opportunity with its organizations, paged 500 at a time, once per run. */
  opportunities(): Promise<Map<number, Opportunity>> {
    this.#opportunities ??= (async () => {
      const out = new Map<number, Opportunity>();
      for await (const page of this.client.opportunities.pages({ page_size: 500 }))
        for (const o of page.items) out.set(o.id, o);
      return out;
    })();
    return this.#opportunities;
  }
}

async function pullList(
  deps: PullDeps,
  run: RunRecorder,
  shared: PullShared,
  step: StepRecorder,
  list: List,
  withFields: boolean,
  options: PullOptions,
): Promise<PullListReport> {
  const { store, client, connectionId } = deps;
  const type = affinityTypeOf(list.type);
  const report: PullListReport = {
    id: list.id,
    name: list.name,
    type,
    withFields,
    entries: 0,
    records: 0,
    added: 0,
    removed: 0,
    newRecords: 0,
    updatedRecords: 0,
    fieldValues: { inserted: 0, updated: 0, deleted: 0 },
  };
  const onList = new Set<number>();
  const seen = new Set<number>();
  // A person's LinkedIn URL comes with the field values, after the walk: such records are
  // matched at the end of the run. The others are matched as their pages are written.
  const matchPages = !(withFields && type === 'person');
  const target = {
    connectionId,
    listId: list.id,
    type,
    runId: run.id,
    stepId: step.id,
    repull: await listPulledBefore(store, connectionId, list.id),
    ...(matchPages ? { match: { stepId: shared.matching.step.stepId } } : {}),
  };
  try {
    options.onProgress?.({ type: 'list', listId: list.id, name: list.name, fetched: 0, done: false });
    // Pages are fetched ahead while earlier ones are written, so the rate-limited walk of the list
    // never waits on the database.
    const ahead = { count: 0 };
    const pages = prefetch(
      client.listEntries.pages(list.id, { page_size: options.pageSize ?? 500 }),
      PREFETCH_PAGES,
      ahead,
    );
    for await (const group of gathered(pages, ahead, GATHER_ENTRIES)) {
      for (const p of group) options.onProgress?.({ type: 'page', listId: list.id, entries: p.items.length });
      const page =
        group.length === 1 ? (group[0] as (typeof group)[0]) : { items: group.flatMap((p) => p.items) };
      // The database runs on this thread. While the walk waits for its next page, the page is
      // written a slice at a time, and before each statement the responses that came in are
      // handled, so the lists' next requests leave without waiting long for the database; with
      // pages queued up, they are written together, whole, which costs less.
      const slice = ahead.count === 0 && group.length === 1 ? INGEST_SLICE : page.items.length;
      const written = { newRecords: 0, updatedRecords: 0, added: 0 };
      for (let k = 0; k < page.items.length; k += slice) {
        await breathe();
        const w = await ingestPage(
          store,
          target,
          page.items.slice(k, k + slice).map((e) => ({
            listEntryId: e.id,
            createdAt: e.created_at,
            identity: identityOf(e, type),
          })),
        );
        written.newRecords += w.newRecords;
        written.updatedRecords += w.updatedRecords;
        written.added += w.added;
        for (const [outcome, n] of Object.entries(w.logged)) step.tally(outcome, n);
        if (w.matched) shared.matching.decided(type, w.matched);
      }
      for (const e of page.items) {
        seen.add(e.id);
        onList.add(e.entity_id);
        if (type === 'opportunity') shared.opportunityIds.add(e.entity_id);
      }
      if (matchPages)
        shared.matching.page(
          type,
          page.items.map((e) => e.entity_id),
        );
      // Waiting for the next page anyway: match what is written meanwhile. A walk that never
      // waits leaves it all to one pass at the end, which costs less.
      if (ahead.count === 0) {
        await breathe();
        await shared.matching.catchUp();
      }
      report.entries += page.items.length;
      report.added += written.added;
      report.newRecords += written.newRecords;
      report.updatedRecords += written.updatedRecords;
      options.onProgress?.({
        type: 'list',
        listId: list.id,
        name: list.name,
        fetched: report.entries,
        done: false,
      });
    }
    // Only a complete walk of the list proves an entry is gone.
    const ended = await shared.oneAtATime(() =>
      endListWalk(store, { ...target, listName: list.name }, shared.presence.id, seen),
    );
    report.removed = ended.removed;
    step.tally('removed', ended.removed);
    shared.presence.tally('removed', ended.offList);
    shared.offList += ended.offList;
    report.records = onList.size;
    await store.query(sql`
      INSERT INTO crm_lists (connection_id, affinity_list_id, name, list_type, entry_count, last_run_id, last_pulled_at)
      VALUES (${connectionId}, ${list.id}, ${list.name}, ${list.type}, ${report.entries}, ${run.id}, now())
      ON CONFLICT (connection_id, affinity_list_id) DO UPDATE SET name = excluded.name, list_type = excluded.list_type,
        entry_count = excluded.entry_count, last_run_id = excluded.last_run_id, last_pulled_at = excluded.last_pulled_at`);
    options.onProgress?.({
      type: 'list',
      listId: list.id,
      name: list.name,
      fetched: report.entries,
      done: true,
    });
    await step.finish();
  } catch (err) {
    await step.finish('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }

  if (withFields) {
    const fstep = await run.step(`field values of ${list.name} (${list.id})`);
    try {
      report.fieldValues = await pullFieldValues(deps, shared, list, type, [...onList], options);
      // Their field values may have given persons a LinkedIn URL to match by.
      if (type === 'person') shared.matching.later(type, onList);
      await fstep.finish();
    } catch (err) {
      await fstep.finish('failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
  }
  return report;
}

const FIELD_BATCH = 500;

/** One `GET /field-values` per record not fetched yet in this run; written 500 records at a time. */
async function pullFieldValues(
  deps: PullDeps,
  shared: PullShared,
  list: List,
  type: AffinityType,
  ids: number[],
  options: PullOptions,
): Promise<PullListReport['fieldValues']> {
  const { store, client, connectionId } = deps;
  const fields = await shared.fields();
  const todo = ids.filter((id) => {
    const key = `${type}:${id}`;
    if (shared.fieldsFetched.has(key)) return false;
    shared.fieldsFetched.add(key);
    return true;
  });
  const totals = { inserted: 0, updated: 0, deleted: 0 };
  let fetched = 0;
  const owner = (id: number) =>
    type === 'person'
      ? { person_id: id }
      : type === 'organization'
        ? { organization_id: id }
        : { opportunity_id: id };
  const concurrency = Math.max(1, options.fieldConcurrency ?? 16);
  for (let k = 0; k < todo.length; k += FIELD_BATCH) {
    const slice = todo.slice(k, k + FIELD_BATCH);
    const batch: RecordFieldValues[] = new Array(slice.length);
    let next = 0;
    const worker = async () => {
      while (next < slice.length) {
        const at = next++;
        const id = slice[at] as number;
        batch[at] = { affinityType: type, affinityId: id, values: await client.fieldValues.all(owner(id)) };
        fetched++;
        if (fetched % 50 === 0 || fetched === todo.length)
          options.onProgress?.({
            type: 'fields',
            listId: list.id,
            name: list.name,
            fetched,
            total: todo.length,
          });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, slice.length) }, worker));
    const w = await writeFieldValues(store, connectionId, batch, fields);
    totals.inserted += w.inserted;
    totals.updated += w.updated;
    totals.deleted += w.deleted;
  }
  return totals;
}

/**
 * Gives pulled opportunities their organizations (from the opportunity index, fetched once) and
 * makes sure each of those organizations is a My CRM record, fetching only the ones never seen.
 */
async function resolveOpportunityOrganizations(
  deps: PullDeps,
  shared: PullShared,
  step: StepRecorder,
): Promise<void> {
  if (shared.opportunityIds.size === 0) return;
  const { store, client, connectionId } = deps;
  const index = await shared.opportunities();
  const rows: Array<{ affinityId: number; organizationIds: number[] }> = [];
  const orgIds = new Set<number>();
  for (const id of shared.opportunityIds) {
    const o = index.get(id);
    const ids = o?.organization_ids ?? [];
    rows.push({ affinityId: id, organizationIds: ids });
    for (const x of ids) orgIds.add(x);
  }
  await setOpportunityOrganizations(store, connectionId, rows);
  if (orgIds.size === 0) return;
  const known = await store.query<{ affinity_id: number }>(sql`
    SELECT affinity_id FROM crm_records WHERE connection_id = ${connectionId} AND affinity_type = 'organization'
      AND affinity_id = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify([...orgIds])}::jsonb))::bigint[])`);
  const knownIds = new Set(known.map((k) => k.affinity_id));
  const missing = [...orgIds].filter((id) => !knownIds.has(id));
  const fetched: RecordIdentity[] = [];
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const id = missing[next++] as number;
      const o = await client.organizations.get(id);
      fetched.push(
        identityOf(
          {
            id: 0,
            list_id: 0,
            creator_id: null,
            entity_id: id,
            created_at: '1970-01-01T00:00:00Z',
            entity: o,
          },
          'organization',
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, missing.length) }, worker));
  const inserted = await upsertRecords(store, connectionId, fetched, 'related');
  await step.batch(
    'fetched',
    inserted.map((c) => ({
      affinityType: c.affinityType,
      affinityId: c.affinityId,
      details: { crmId: c.id },
    })),
    { message: "an opportunity's organization, on no pulled list" },
  );
}

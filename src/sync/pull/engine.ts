import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import type { AffinityClient, ClientEvent, ClientStats, List, Opportunity } from '../../affinity/index.js';
import type { Store } from '../../store/index.js';
import {
  type ApiUsage,
  type RunRecorder,
  type RunStartOptions,
  type RunStatus,
  type RunTrigger,
  type StepRecorder,
  startRun,
} from '../activity.js';
import { type Stop, stopFor } from '../stops.js';
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
  /**
   * Aborting it stops the pull: no new page or field-value read is started, what was fetched is
   * written, and the run ends `interrupted` (the report says so; nothing is thrown). A re-run
   * walks the lists again (one call per 500 entries) and reads only the field values the
   * interrupted runs did not store.
   */
  signal?: AbortSignal;
  /** How the run starts: a queued run's id to start it, progress and cancel hooks (see `startRun`). */
  run?: RunStartOptions;
}

/** Why a pull stopped before its end: Affinity cannot be used now; re-running resumes. */
export type PullStop = Stop;

/** Match states of records, counted once each. `ignored`: set aside in review. */
export interface MatchCounts {
  matched: number;
  ambiguous: number;
  unmatched: number;
  ignored: number;
}

export interface PullListReport {
  id: number;
  name: string;
  type: AffinityType;
  withFields: boolean;
  /**
   * `complete`: walked to its end (and its field values read); `interrupted`/`stopped`: the pull
   * ended before (what was fetched is written); `failed`: see `error`.
   */
  status: 'complete' | 'interrupted' | 'stopped' | 'failed';
  error?: string;
  /** Entries on the list now (Affinity's count, duplicates included). */
  entries: number;
  /** Distinct records on the list. */
  records: number;
  added: number;
  removed: number;
  newRecords: number;
  updatedRecords: number;
  /** The match states of the list's records after the run (each record once). */
  match: MatchCounts;
  /** API calls this list's walk and its field-value reads spent (retries included). */
  calls: number;
  fieldValues: {
    inserted: number;
    updated: number;
    deleted: number;
    /** Records whose field values this run read. */
    read: number;
    /** Records left out because an interrupted pull of this list already stored their values. */
    resumed: number;
  };
}

export interface PullReport {
  runId: number;
  status: RunStatus;
  lists: PullListReport[];
  offList: number;
  /**
   * The records on the pulled lists (each once, however many of them it is on): their match
   * states after the run; `changed` and `linksAdded` count what the run's matching did.
   */
  match: {
    counts: Record<MatchStatus, number>;
    ignored: number;
    records: number;
    changed: number;
    linksAdded: number;
  };
  api: ApiUsage;
  /** Calls no single list spent: resolving the lists, the fields, the opportunities' organizations. */
  sharedCalls: number;
  /** Set when the run stopped early because Affinity could not be used. */
  stopped?: PullStop;
  /** Why lists failed (a run that is `partial` or `failed`). */
  error?: string;
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

/** The walk of a list ended before its end because the pull was halted (interrupted or stopped). */
export class WalkHalted extends Error {
  constructor() {
    super('halted before the end of the list');
    this.name = 'WalkHalted';
  }
}

/**
 * Walks an async iterator ahead of its consumer: up to `depth` items are fetched while the
 * consumer works on earlier ones. The first error is rethrown where the consumer reaches it; a
 * consumer that stops early stops the walk. Once `signal` aborts no new item is asked for: the
 * consumer gets the items already fetched (and the one in flight), then {@link WalkHalted}.
 */
export async function* prefetch<T>(
  source: AsyncIterable<T>,
  depth = PREFETCH_PAGES,
  /** Kept up to date with how many items are fetched and not taken yet. */
  ahead: { count: number } = { count: 0 },
  signal?: AbortSignal,
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
  const onAbort = () => {
    room?.();
    room = undefined;
  };
  signal?.addEventListener('abort', onAbort);
  const producer = (async () => {
    try {
      for (;;) {
        while (queue.length >= depth && !stopped && !signal?.aborted)
          await new Promise<void>((r) => (room = r));
        if (stopped) return;
        if (signal?.aborted) {
          queue.push({ error: new WalkHalted() });
          notify();
          return;
        }
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
    signal?.removeEventListener('abort', onAbort);
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
    if (hits.length === 0) {
      const names = visible.map((l) => l.name);
      throw new PullInputError(
        `no Affinity list ${JSON.stringify(r.list)} is visible; visible lists: ${
          names.length === 0 ? 'none' : names.slice(0, 20).join(', ') + (names.length > 20 ? ', …' : '')
        }`,
      );
    }
    if (hits.length > 1)
      throw new PullInputError(`several Affinity lists are named ${JSON.stringify(r.list)}: give its id`);
    const list = hits[0] as List;
    const prior = out.get(list.id);
    out.set(list.id, { list, withFields: (prior?.withFields ?? false) || (r.withFields ?? false) });
  }
  return [...out.values()];
}

/** Run statuses a pull ends with. */
type PullEnd = Exclude<RunStatus, 'running'>;

/** The reason a pull must stop (see {@link stopFor} of `../stops.js`), or null when it can go on. */
export const pullStopFor = (err: unknown): PullStop | null => stopFor(err, 'pull');

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Why a pull ends early: the caller's signal (interrupted) or Affinity becoming unusable
 * (stopped). Either way `signal` aborts, so every list stops starting requests.
 */
class Halt {
  readonly #controller = new AbortController();
  stop: PullStop | undefined;
  readonly #dispose: () => void;

  constructor(readonly external: AbortSignal | undefined) {
    const onAbort = () => this.#controller.abort();
    if (external?.aborted) this.#controller.abort();
    external?.addEventListener('abort', onAbort);
    this.#dispose = () => external?.removeEventListener('abort', onAbort);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get halted(): boolean {
    return this.#controller.signal.aborted;
  }

  get interrupted(): boolean {
    return this.external?.aborted === true && this.stop === undefined;
  }

  /** Takes an error: a reason to stop the whole pull (it does), or null. */
  noteStop(err: unknown): PullStop | null {
    const stop = pullStopFor(err);
    if (stop) {
      this.stop ??= stop;
      this.#controller.abort();
    }
    return stop;
  }

  /** The outcome of a list that ended on `err`. */
  outcome(err: unknown): { status: PullListReport['status']; error: string } {
    // A list that ended because another one stopped the pull is stopped too, with its reason.
    if (this.noteStop(err) || ((err instanceof WalkHalted || this.halted) && this.stop))
      return { status: 'stopped', error: this.stop?.reason ?? messageOf(err) };
    if (err instanceof WalkHalted || this.halted)
      return { status: 'interrupted', error: 'interrupted: the next pull resumes' };
    return { status: 'failed', error: messageOf(err) };
  }

  dispose(): void {
    this.#dispose();
  }
}

/**
 * Counts the API calls of each list: requests are attributed to the list whose walk (or field
 * reads) sent them, through the async context they were sent from — the transport is shared.
 */
class CallCounter {
  static readonly #scope = new AsyncLocalStorage<{ calls: number }>();
  readonly #off: () => void;
  total = 0;

  constructor(client: AffinityClient) {
    const transport = client.transport as { on?: (l: (e: ClientEvent) => void) => () => void };
    this.#off =
      typeof transport.on === 'function'
        ? transport.on((e) => {
            if (e.type !== 'request') return;
            this.total++;
            const owner = CallCounter.#scope.getStore();
            if (owner) owner.calls++;
          })
        : () => {};
  }

  /** Runs `work` with its requests counted on `owner.calls`. */
  within<T>(owner: { calls: number }, work: () => Promise<T>): Promise<T> {
    return CallCounter.#scope.run(owner, work);
  }

  /** Runs `work` with its requests counted on no list (work shared by the lists). */
  shared<T>(work: () => Promise<T>): Promise<T> {
    return CallCounter.#scope.exit(work);
  }

  dispose(): void {
    this.#off();
  }
}

/** Replaces a step's counts (a list's step shows the numbers the pull reports for it). */
async function writeStepCounts(store: Store, stepId: number, counts: Record<string, number>): Promise<void> {
  await store.query(
    sql`UPDATE sync_run_steps SET counts = ${JSON.stringify(counts)}::jsonb WHERE id = ${stepId}`,
  );
}

/** A list's numbers as its activity step shows them: the same as the pull's report. */
function listStepCounts(r: PullListReport): Record<string, number> {
  return {
    entries: r.entries,
    records: r.records,
    new: r.newRecords,
    updated: r.updatedRecords,
    added: r.added,
    removed: r.removed,
    matched: r.match.matched,
    ambiguous: r.match.ambiguous,
    unmatched: r.match.unmatched,
    ignored: r.match.ignored,
    calls: r.calls,
  };
}

const emptyMatch = (): MatchCounts => ({ matched: 0, ambiguous: 0, unmatched: 0, ignored: 0 });

/** The match states of the records on each of these lists, and of all of them (each record once). */
async function matchStatesOf(
  store: Store,
  connectionId: number,
  listIds: readonly number[],
): Promise<{ perList: Map<number, MatchCounts>; all: MatchCounts }> {
  const perList = new Map<number, MatchCounts>();
  const all = emptyMatch();
  if (listIds.length === 0) return { perList, all };
  const rows = await store.query<{ list: number | null; s: string; ignored: boolean; n: number }>(sql`
    WITH m AS (
      SELECT DISTINCT affinity_list_id, affinity_type, affinity_id FROM crm_memberships
      WHERE connection_id = ${connectionId} AND affinity_list_id = ANY(${`{${listIds.join(',')}}`}::bigint[])
    ),
    r AS (
      SELECT m.affinity_list_id, r.id, r.match_status, r.review_decision = 'ignored' AS ignored
      FROM m JOIN crm_records r ON r.connection_id = ${connectionId}
        AND r.affinity_type = m.affinity_type AND r.affinity_id = m.affinity_id
    )
    SELECT affinity_list_id AS list, match_status AS s, COALESCE(ignored, false) AS ignored, count(*)::int AS n
    FROM r GROUP BY 1, 2, 3
    UNION ALL
    SELECT NULL, s, ignored, count(*)::int FROM (
      SELECT DISTINCT id, match_status AS s, COALESCE(ignored, false) AS ignored FROM r) d
    GROUP BY 2, 3`);
  for (const row of rows) {
    const into =
      row.list === null
        ? all
        : (perList.get(Number(row.list)) ??
          perList.set(Number(row.list), emptyMatch()).get(Number(row.list)));
    if (!into) continue;
    const key: keyof MatchCounts = row.ignored
      ? 'ignored'
      : row.s === 'matched' || row.s === 'ambiguous'
        ? row.s
        : 'unmatched';
    into[key] += row.n;
  }
  return { perList, all };
}

/**
 * The My CRM records a run matches at its end: those on the lists it pulled and the
 * organizations of the opportunities on them. Records on other lists keep their state until their
 * own list is pulled, so a run's activity speaks only of what it pulled.
 */
async function recordsOfPulledLists(
  store: Store,
  connectionId: number,
  listIds: readonly number[],
  opportunityIds: ReadonlySet<number>,
): Promise<number[]> {
  const rows = await store.query<{ id: number }>(sql`
    SELECT r.id FROM crm_records r
    WHERE r.connection_id = ${connectionId} AND r.review_decision IS NULL AND (
      EXISTS (SELECT 1 FROM crm_memberships m
        WHERE m.connection_id = r.connection_id AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id
          AND m.affinity_list_id = ANY(${`{${listIds.join(',')}}`}::bigint[]))
      OR (r.affinity_type = 'organization' AND r.affinity_id = ANY(ARRAY(
        SELECT DISTINCT unnest(o.organization_ids) FROM crm_records o
        WHERE o.connection_id = r.connection_id AND o.affinity_type = 'opportunity'
          AND o.affinity_id = ANY(${`{${[...opportunityIds].join(',')}}`}::bigint[])))))`);
  return rows.map((r) => Number(r.id));
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
    ...options.run,
  });
  const halt = new Halt(options.signal);
  const counter = new CallCounter(client);
  const reports: PullListReport[] = [];
  /** Each list's step, by list id: it shows the list's numbers as the report gives them. */
  const listSteps = new Map<number, number>();
  let offList = 0;
  let matchReport = { changed: 0, linksAdded: 0 };
  const finish = async (status: PullEnd, error?: string): Promise<PullReport> => {
    const states = await matchStatesOf(
      store,
      connectionId,
      reports.map((r) => r.id),
    );
    for (const r of reports) {
      r.match = states.perList.get(r.id) ?? emptyMatch();
      const stepId = listSteps.get(r.id);
      if (stepId !== undefined) await writeStepCounts(store, stepId, listStepCounts(r));
    }
    const api = usageSince(before, deps.stats?.());
    const listCalls = reports.reduce((n, r) => n + r.calls, 0);
    const sharedCalls = Math.max(0, counter.total - listCalls);
    // The run's counts are the pull's own numbers, summed over its lists.
    for (const k of Object.keys(run.counts)) delete run.counts[k];
    const sum = (f: (r: PullListReport) => number) => reports.reduce((n, r) => n + f(r), 0);
    Object.assign(run.counts, {
      entries: sum((r) => r.entries),
      new: sum((r) => r.newRecords),
      updated: sum((r) => r.updatedRecords),
      added: sum((r) => r.added),
      removed: sum((r) => r.removed),
      'off-list': offList,
      matched: states.all.matched,
      ambiguous: states.all.ambiguous,
      unmatched: states.all.unmatched,
      ignored: states.all.ignored,
    });
    for (const k of Object.keys(run.counts)) if (run.counts[k] === 0) delete run.counts[k];
    const final = await run.finish({ status, ...(error !== undefined ? { error } : {}), api });
    return {
      runId: run.id,
      status: final,
      lists: reports,
      offList,
      match: {
        counts: {
          matched: states.all.matched,
          ambiguous: states.all.ambiguous,
          unmatched: states.all.unmatched,
        },
        ignored: states.all.ignored,
        records: states.all.matched + states.all.ambiguous + states.all.unmatched + states.all.ignored,
        changed: matchReport.changed,
        linksAdded: matchReport.linksAdded,
      },
      api,
      sharedCalls,
      ...(halt.stop ? { stopped: halt.stop } : {}),
      ...(error !== undefined && !halt.stop ? { error } : {}),
    };
  };
  try {
    let targets: Array<{ list: List; withFields: boolean }>;
    try {
      targets = resolveLists(await counter.shared(() => client.lists.all()), options.lists);
    } catch (err) {
      if (halt.noteStop(err)) return await finish('stopped', halt.stop?.reason);
      throw err;
    }
    if (targets.some((t) => affinityTypeOf(t.list.type) === 'person')) await readyMatchIndexes(store);
    // Every list's step first, then the one that records what left every list, so the log reads
    // in that order whichever list finishes first.
    const steps: StepRecorder[] = [];
    for (const t of targets) {
      const step = await run.step(`fetch list ${t.list.name} (${t.list.id})`);
      steps.push(step);
      listSteps.set(t.list.id, step.id);
    }
    const presence = await run.step('presence');
    const matching = await run.step('matching');
    const shared = new PullShared(
      client,
      presence,
      new PullMatching(store, connectionId, { runId: run.id, stepId: matching.id }),
      halt,
      counter,
    );
    // Every list runs to its end (its failure, or the halt) before the run moves on. A list
    // reports how it ended rather than throwing; what is settled as rejected is a fault of ours.
    const settled = await Promise.allSettled(
      targets.map((t, k) =>
        pullList(deps, run, shared, steps[k] as StepRecorder, t.list, t.withFields, options),
      ),
    );
    for (const s of settled) if (s.status === 'fulfilled') reports.push(s.value);
    offList = shared.offList;
    const bug = settled.find((r) => r.status === 'rejected');
    if (bug) {
      await presence.finish('skipped');
      await matching.finish('skipped');
      throw bug.reason;
    }
    await presence.finish();

    if (!halt.halted) {
      const relate = await run.step('organizations of opportunities');
      try {
        await counter.shared(() => resolveOpportunityOrganizations(deps, shared, relate));
        await relate.finish();
      } catch (err) {
        const out = halt.outcome(err);
        await relate.finish(out.status === 'failed' ? 'failed' : 'skipped', out.error);
        if (out.status === 'failed') throw err;
      }
    }
    if (halt.halted) {
      // Records written so far keep the state they were written with; the next pull matches them.
      await matching.finish('skipped', halt.stop ? halt.stop.reason : 'interrupted');
    } else {
      options.onProgress?.({ type: 'matching' });
      const pulled = reports.filter((r) => r.status === 'complete').map((r) => r.id);
      const within = await recordsOfPulledLists(store, connectionId, pulled, shared.opportunityIds);
      const match = await shared.matching.finish(within);
      for (const [outcome, n] of Object.entries(match.counts)) matching.tally(outcome, n);
      await matching.finish();
      matchReport = { changed: match.changed, linksAdded: match.linksAdded };
    }

    const failed = reports.filter((r) => r.status === 'failed');
    const failures =
      failed.length === 0 ? undefined : failed.map((r) => `${r.name}: ${r.error ?? 'failed'}`).join('; ');
    if (halt.stop) return await finish('stopped', halt.stop.reason);
    if (halt.interrupted)
      return await finish('interrupted', 'interrupted: run the same pull again to resume');
    if (failed.length > 0)
      return await finish(failed.length === reports.length ? 'failed' : 'partial', failures);
    return await finish('succeeded');
  } catch (err) {
    await run.finish({
      error: err instanceof Error ? err.message : String(err),
      api: usageSince(before, deps.stats?.()),
    });
    throw err;
  } finally {
    halt.dispose();
    counter.dispose();
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
    readonly halt: Halt,
    readonly calls: CallCounter,
  ) {}

  /** Runs the ends of list walks one at a time: each must see the memberships the others left. */
  oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#walkEnds.then(work, work);
    this.#walkEnds = done.catch(() => undefined);
    return done;
  }

  fields(): Promise<Map<number, FieldInfo>> {
    this.#fields ??= this.calls
      .shared(() => this.client.fields.all())
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
      for await (const page of this.client.opportunities.pages({ page_size: 500 })) {
        for (const o of page.items) out.set(o.id, o);
        if (this.halt.halted) throw new WalkHalted();
      }
      return out;
    })();
    return this.#opportunities;
  }
}

/** How a record is named in the activity log: its name, and its domain or email. */
type Named = { name: string; domain?: string; email?: string };

function namedOf(identity: RecordIdentity): Named {
  return {
    name: identity.name,
    ...(identity.domains[0] !== undefined ? { domain: identity.domains[0] } : {}),
    ...(identity.emails[0] !== undefined ? { email: identity.emails[0] } : {}),
  };
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
  const report: PullListReport = {
    id: list.id,
    name: list.name,
    type: affinityTypeOf(list.type),
    withFields,
    status: 'complete',
    entries: 0,
    records: 0,
    added: 0,
    removed: 0,
    newRecords: 0,
    updatedRecords: 0,
    match: emptyMatch(),
    calls: 0,
    fieldValues: { inserted: 0, updated: 0, deleted: 0, read: 0, resumed: 0 },
  };
  return shared.calls.within(report, () =>
    walkList(deps, run, shared, step, list, withFields, options, report),
  );
}

async function walkList(
  deps: PullDeps,
  run: RunRecorder,
  shared: PullShared,
  step: StepRecorder,
  list: List,
  withFields: boolean,
  options: PullOptions,
  report: PullListReport,
): Promise<PullListReport> {
  const { store, client, connectionId } = deps;
  const type = report.type;
  const onList = new Map<number, Named>();
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
    // never waits on the database. Once the pull is halted no new page is asked for: the pages
    // already fetched are written, and the walk ends incomplete.
    const ahead = { count: 0 };
    const pages = prefetch(
      client.listEntries.pages(list.id, { page_size: options.pageSize ?? 500 }),
      PREFETCH_PAGES,
      ahead,
      shared.halt.signal,
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
        if (!onList.has(e.entity_id)) onList.set(e.entity_id, namedOf(identityOf(e, type)));
        if (type === 'opportunity') shared.opportunityIds.add(e.entity_id);
      }
      if (matchPages)
        shared.matching.page(
          type,
          page.items.map((e) => e.entity_id),
        );
      // Waiting for the next page anyway: match what is written meanwhile. A walk that never
      // waits leaves it all to one pass at the end, which costs less.
      if (ahead.count === 0 && !shared.halt.halted) {
        await breathe();
        await shared.matching.catchUp();
      }
      report.entries += page.items.length;
      report.added += written.added;
      report.newRecords += written.newRecords;
      report.updatedRecords += written.updatedRecords;
      report.records = onList.size;
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
    await writeStepCounts(store, step.id, listStepCounts(report));
  } catch (err) {
    const out = shared.halt.outcome(err);
    report.status = out.status;
    report.error = out.status === 'interrupted' ? `interrupted after ${report.entries} entries` : out.error;
    await step.finish(out.status === 'failed' ? 'failed' : 'skipped', report.error);
    await writeStepCounts(store, step.id, listStepCounts(report));
    return report;
  }

  if (withFields) {
    if (shared.halt.halted) {
      report.status = shared.halt.stop ? 'stopped' : 'interrupted';
      report.error = 'field values not read: the pull ended first; the next pull reads them';
      return report;
    }
    const fstep = await run.step(`field values of ${list.name} (${list.id})`);
    const callsBefore = report.calls;
    try {
      await pullFieldValues(deps, shared, fstep, list, type, onList, options, report);
      // Their field values may have given persons a LinkedIn URL to match by.
      if (type === 'person') shared.matching.later(type, onList.keys());
      await fstep.finish();
    } catch (err) {
      const out = shared.halt.outcome(err);
      report.status = out.status;
      report.error =
        out.status === 'interrupted'
          ? `interrupted after reading the field values of ${report.fieldValues.read} records; the next pull reads only the rest`
          : out.error;
      if (type === 'person') shared.matching.later(type, onList.keys());
      await fstep.finish(out.status === 'failed' ? 'failed' : 'skipped', report.error);
    }
    const f = report.fieldValues;
    await writeStepCounts(store, fstep.id, {
      read: f.read,
      resumed: f.resumed,
      'values new': f.inserted,
      'values changed': f.updated,
      'values gone': f.deleted,
      calls: report.calls - callsBefore,
    });
  }
  return report;
}

/** Records whose field values are written (and logged as read) together. */
const FIELD_BATCH = 500;

/**
 * The records of a list whose field values pulls already stored since the list's field values
 * were last read to the end: each pull with fields records, batch by batch, the records it read
 * (in its step for that list), and a re-run of an interrupted pull reads only the others.
 */
async function fieldValuesReadBefore(
  store: Store,
  connectionId: number,
  listId: number,
): Promise<Set<number>> {
  const rows = await store.query<{ a: string }>(sql`
    WITH complete AS (
      SELECT COALESCE(max(s.run_id), 0) AS run_id FROM sync_run_steps s JOIN sync_runs r ON r.id = s.run_id
      WHERE r.connection_id = ${connectionId} AND r.kind = 'pull' AND s.status = 'succeeded'
        AND s.name LIKE 'field values of %' AND right(s.name, ${` (${listId})`.length}) = ${` (${listId})`}
    )
    SELECT DISTINCT jsonb_array_elements_text(x.items->'affinityId') AS a
    FROM sync_run_records x
    WHERE x.run_id IN (SELECT r.id FROM sync_runs r WHERE r.connection_id = ${connectionId} AND r.kind = 'pull'
        AND r.id > (SELECT run_id FROM complete))
      AND x.outcome = 'fetched' AND x.details @> ${JSON.stringify({ listId, fieldValues: true })}::jsonb`);
  return new Set(rows.map((r) => Number(r.a)));
}

/**
 * One `GET /field-values` per record not read yet — in this run (a record may be on several
 * lists) or by an interrupted pull of this list — written while the reads go on, 500 records at
 * a time, each batch's records logged so a re-run skips them.
 * Halted, it starts no new read, writes what it read, and throws.
 */
async function pullFieldValues(
  deps: PullDeps,
  shared: PullShared,
  step: StepRecorder,
  list: List,
  type: AffinityType,
  records: ReadonlyMap<number, Named>,
  options: PullOptions,
  report: PullListReport,
): Promise<void> {
  const { store, client, connectionId } = deps;
  const halt = shared.halt;
  const fields = await shared.fields();
  const before = await fieldValuesReadBefore(store, connectionId, list.id);
  const todo: number[] = [];
  for (const id of records.keys()) {
    const key = `${type}:${id}`;
    if (shared.fieldsFetched.has(key)) continue;
    shared.fieldsFetched.add(key);
    if (before.has(id)) report.fieldValues.resumed++;
    else todo.push(id);
  }
  const totals = report.fieldValues;
  const owner = (id: number) =>
    type === 'person'
      ? { person_id: id }
      : type === 'organization'
        ? { organization_id: id }
        : { opportunity_id: id };
  const concurrency = Math.max(1, options.fieldConcurrency ?? 16);
  let failure: { error: unknown } | undefined;
  let pending: RecordFieldValues[] = [];
  let writing: Promise<void> = Promise.resolve();
  // Writes what was read so far, one batch at a time, and logs its records as read.
  const flush = (): Promise<void> => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      const w = await writeFieldValues(store, connectionId, batch, fields);
      totals.inserted += w.inserted;
      totals.updated += w.updated;
      totals.deleted += w.deleted;
      await step.batch(
        'fetched',
        batch.map((b) => ({ affinityId: b.affinityId, details: { ...records.get(b.affinityId) } })),
        {
          affinityType: type,
          message: 'field values read',
          details: { listId: list.id, fieldValues: true },
        },
      );
    });
    return writing;
  };
  let next = 0;
  const worker = async () => {
    while (next < todo.length && failure === undefined && !halt.halted) {
      const id = todo[next++] as number;
      let values: RecordFieldValues['values'];
      try {
        values = await client.fieldValues.all(owner(id));
      } catch (error) {
        failure ??= { error };
        halt.noteStop(error);
        break;
      }
      pending.push({ affinityType: type, affinityId: id, values });
      totals.read++;
      options.onProgress?.({
        type: 'fields',
        listId: list.id,
        name: list.name,
        fetched: totals.read,
        total: todo.length,
      });
      if (pending.length >= FIELD_BATCH) await flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  } finally {
    // Whatever was read is written, however the reads ended.
    await flush();
  }
  if (failure) throw failure.error;
  if (halt.halted && totals.read < todo.length) throw new WalkHalted();
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
  const named = new Map<number, Named>();
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const id = missing[next++] as number;
      const o = await client.organizations.get(id);
      const identity = identityOf(
        {
          id: 0,
          list_id: 0,
          creator_id: null,
          entity_id: id,
          created_at: '1970-01-01T00:00:00Z',
          entity: o,
        },
        'organization',
      );
      named.set(id, namedOf(identity));
      fetched.push(identity);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, missing.length) }, worker));
  const inserted = await upsertRecords(store, connectionId, fetched, 'related');
  await step.batch(
    'fetched',
    inserted.map((c) => ({
      affinityType: c.affinityType,
      affinityId: c.affinityId,
      details: { crmId: c.id, ...named.get(c.affinityId) },
    })),
    { message: "an opportunity's organization, on no pulled list" },
  );
}

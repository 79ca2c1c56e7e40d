import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Store } from '../store/index.js';
import { syncRunRecords, syncRunSteps, syncRuns } from '../store/index.js';
import { holdRun, OWNER, type RunHold, reapDeadRuns } from './run-lease.js';

export { reapDeadRuns } from './run-lease.js';

/**
 * The activity log shared by push and pull: every sync is a run, made of steps (matching,
 * creating, updating, list assignment, fetching a list…), each with record-level outcomes, so a
 * user can see exactly what happened to which record and where a sync failed.
 */
export type RunKind = 'push' | 'pull';
export type RunTrigger = 'cli' | 'schedule' | 'webhook' | 'api' | 'demo';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'stopped' | 'interrupted';
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped';
export type RecordOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'skipped'
  | 'ambiguous'
  | 'failed'
  | 'matched'
  | 'unmatched'
  | 'removed'
  | 'added-to-list'
  | 'fetched'
  | 'planned';

export interface RecordOutcomeRow {
  outcome: RecordOutcome;
  entityKind?: string | null;
  entityId?: number | null;
  affinityType?: string | null;
  affinityId?: number | null;
  message?: string | null;
  details?: Record<string, unknown>;
}

/** API usage of a run, as the client's counters report it. */
export interface ApiUsage {
  requests: number;
  throttled: number;
  retries: number;
}

export type Counts = Record<string, number>;

function bump(counts: Counts, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/**
 * One record's outcome inside a batch row: what is not given (or null) is the batch row's;
 * `details` are merged over the row's.
 */
export type OutcomeItem = Omit<RecordOutcomeRow, 'outcome'>;

const ITEM_FIELDS = ['entityKind', 'entityId', 'affinityType', 'affinityId', 'message'] as const;

/**
 * The stored form of a batch's items (`sync_run_records.items`): columns rather than one object
 * per record, which PostgreSQL builds several times faster from a set — `{"count": n, "<field>":
 * [n values], "details": {"<key>": [n values]}}`, fields as in {@link OutcomeItem}, only the
 * columns some item has. Set-based statements build the same shape with `array_agg`.
 */
export function packOutcomeItems(items: readonly OutcomeItem[]): Record<string, unknown> {
  const packed: Record<string, unknown> = { count: items.length };
  for (const field of ITEM_FIELDS)
    if (items.some((i) => i[field] != null)) packed[field] = items.map((i) => i[field] ?? null);
  const keys = new Set(items.flatMap((i) => Object.keys(i.details ?? {})));
  if (keys.size > 0) {
    const details: Record<string, unknown[]> = {};
    for (const k of keys) details[k] = items.map((i) => i.details?.[k] ?? null);
    packed.details = details;
  }
  return packed;
}

/** Records the outcomes of one step; outcomes are written in batches, one statement each. */
export class StepRecorder {
  readonly counts: Counts = {};
  #finished = false;

  constructor(
    private readonly store: Store,
    readonly run: RunRecorder,
    readonly id: number,
    readonly name: string,
  ) {}

  /** Appends record-level outcomes (one INSERT for the whole batch) and counts them. */
  async records(rows: readonly RecordOutcomeRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.store.db.insert(syncRunRecords).values(
      rows.map((r) => ({
        runId: this.run.id,
        stepId: this.id,
        outcome: r.outcome,
        entityKind: r.entityKind ?? null,
        entityId: r.entityId ?? null,
        affinityType: r.affinityType ?? null,
        affinityId: r.affinityId ?? null,
        message: r.message ?? null,
        details: r.details ?? {},
      })),
    );
    for (const r of rows) this.tally(r.outcome, 1);
  }

  /**
   * Appends many outcomes of one kind as a single row (a batch): what the items share — the
   * outcome, and `shared` fields such as the Affinity type, a message or common details — is
   * stored once. `getRun` lists them as separate records, in order.
   */
  async batch(
    outcome: RecordOutcome,
    items: readonly OutcomeItem[],
    shared: OutcomeItem = {},
  ): Promise<void> {
    if (items.length === 0) return;
    await this.store.db.insert(syncRunRecords).values({
      runId: this.run.id,
      stepId: this.id,
      outcome,
      entityKind: shared.entityKind ?? null,
      entityId: shared.entityId ?? null,
      affinityType: shared.affinityType ?? null,
      affinityId: shared.affinityId ?? null,
      message: shared.message ?? null,
      details: shared.details ?? {},
      items: packOutcomeItems(items),
    });
    this.tally(outcome, items.length);
  }

  /** Counts outcomes written by a statement of the caller's own (set-based ingest and matching). */
  tally(outcome: string, n: number): void {
    if (n <= 0) return;
    bump(this.counts, outcome, n);
    this.run.count(outcome, n);
  }

  /** Closes the step; its status defaults to failed when any record failed. */
  async finish(status?: StepStatus, error?: string): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const final: StepStatus = status ?? ((this.counts.failed ?? 0) > 0 ? 'failed' : 'succeeded');
    await this.store.db
      .update(syncRunSteps)
      .set({ status: final, counts: this.counts, error: error ?? null, finishedAt: sql`now()` })
      .where(eq(syncRunSteps.id, this.id));
  }
}

/** How often a running run writes its API usage and a sign of life (default 1 s). */
export const HEARTBEAT_MS = 1_000;

/**
 * A run being recorded. Counts accumulate from its steps' outcomes. While it runs, a heartbeat
 * writes its counts, its API usage so far and the time, so a run whose process is killed still
 * shows what it spent and how long it ran. {@link finish} ends it and releases its locks.
 */
export class RunRecorder {
  readonly counts: Counts = {};
  #steps = 0;
  #finished: Promise<RunStatus> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #beat: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    readonly id: number,
    private readonly hold?: RunHold,
    private readonly usage?: () => ApiUsage,
    heartbeatMs: number = HEARTBEAT_MS,
  ) {
    if (heartbeatMs > 0) {
      this.#timer = setInterval(() => {
        this.#beat ??= this.heartbeat()
          .catch(() => {})
          .finally(() => {
            this.#beat = undefined;
          });
      }, heartbeatMs);
      // A heartbeat never keeps a finished command alive.
      this.#timer.unref();
    }
  }

  /** Writes the run's counts, API usage so far and sign of life now. */
  async heartbeat(): Promise<void> {
    const api = this.#usageNow();
    await this.store.db
      .update(syncRuns)
      .set({
        counts: this.counts,
        ...(api ? { apiCalls: api.requests, throttled: api.throttled, retries: api.retries } : {}),
        heartbeatAt: sql`now()`,
      })
      .where(and(eq(syncRuns.id, this.id), eq(syncRuns.status, 'running')));
  }

  #usageNow(): ApiUsage | undefined {
    try {
      return this.usage?.();
    } catch {
      return undefined;
    }
  }

  count(outcome: string, by = 1): void {
    bump(this.counts, outcome, by);
  }

  async step(name: string): Promise<StepRecorder> {
    const position = this.#steps++;
    const [row] = await this.store.db
      .insert(syncRunSteps)
      .values({ runId: this.id, position, name })
      .returning({ id: syncRunSteps.id });
    return new StepRecorder(this.store, this, row!.id, name);
  }

  /**
   * Closes the run. Without an explicit status: `failed` when an error is given, `partial` when
   * some records failed, else `succeeded`.
   */
  async finish(options: { status?: RunStatus; error?: string; api?: ApiUsage } = {}): Promise<RunStatus> {
    // A second call (a `finally` after a `catch` that finished it) changes nothing.
    this.#finished ??= this.#finish(options);
    return this.#finished;
  }

  async #finish(options: { status?: RunStatus; error?: string; api?: ApiUsage }): Promise<RunStatus> {
    clearInterval(this.#timer);
    const status: RunStatus =
      options.status ??
      (options.error !== undefined ? 'failed' : (this.counts.failed ?? 0) > 0 ? 'partial' : 'succeeded');
    try {
      await this.#beat;
      const api = options.api ?? this.#usageNow();
      await this.store.db
        .update(syncRuns)
        .set({
          status,
          counts: this.counts,
          error: options.error ?? null,
          apiCalls: api?.requests ?? 0,
          throttled: api?.throttled ?? 0,
          retries: api?.retries ?? 0,
          finishedAt: sql`now()`,
          heartbeatAt: sql`now()`,
        })
        .where(eq(syncRuns.id, this.id));
    } finally {
      // Released after the row says the run ended, so it is never seen running and unowned.
      await this.hold?.release();
    }
    return status;
  }
}

export interface StartRunOptions {
  kind: RunKind;
  trigger: RunTrigger;
  actor: string;
  connectionId?: number | null;
  dryRun?: boolean;
  params?: Record<string, unknown>;
  /**
   * Holds the connection's lease for the whole run, so no other exclusive run of the same Affinity
   * connection runs meanwhile, in this process or another: runs that write (pushes, pulls) set it.
   */
  exclusive?: boolean;
  /** With `exclusive`: wait for the running one to end instead of throwing {@link ConnectionBusyError}. */
  wait?: boolean;
  /** The API usage of the run so far, written by the heartbeat. */
  usage?: () => ApiUsage;
  /** Heartbeat period in ms (default {@link HEARTBEAT_MS}); 0 turns it off. */
  heartbeatMs?: number;
}

/**
 * Another run holds the Affinity connection's lease. `run` is that run (null when it was still
 * being recorded); the CLI exits with {@link exitCode}.
 */
export class ConnectionBusyError extends Error {
  override name = 'ConnectionBusyError';
  readonly exitCode = 4;
  constructor(
    readonly connectionId: number,
    readonly run: RunRow | null,
  ) {
    super(
      run
        ? `another ${run.kind} is running on this Affinity connection: run ${run.id}, ${run.trigger} by ${run.actor}, started ${run.startedAt}${run.ownerPid !== null ? ` by pid ${run.ownerPid}@${run.ownerHost ?? '?'}` : ''}; wait for it to finish (see \`affinity-sync activity ${run.id}\`), then run this again`
        : 'another run is starting on this Affinity connection; wait for it to finish, then run this again',
    );
  }
}

/**
 * Opens a run in the activity log. With `exclusive`, first takes the connection's lease: when
 * another run holds it, throws {@link ConnectionBusyError} naming that run (or waits, with `wait`).
 */
export async function startRun(store: Store, options: StartRunOptions): Promise<RunRecorder> {
  const connectionId = options.connectionId ?? null;
  const hold = await holdRun(
    store,
    { connectionId, exclusive: options.exclusive ?? false, wait: options.wait ?? false },
    async (db) => {
      const [row] = await db
        .insert(syncRuns)
        .values({
          kind: options.kind,
          trigger: options.trigger,
          actor: options.actor,
          connectionId,
          dryRun: options.dryRun ?? false,
          params: options.params ?? {},
          ownerPid: OWNER.pid,
          ownerHost: OWNER.host,
          heartbeatAt: sql`now()`,
        })
        .returning({ id: syncRuns.id });
      return row!.id;
    },
  );
  if (hold === 'busy') {
    const [running] = await store.db
      .select()
      .from(syncRuns)
      .where(
        and(
          eq(syncRuns.connectionId, connectionId as number),
          eq(syncRuns.status, 'running'),
          eq(syncRuns.dryRun, false),
        ),
      )
      .orderBy(desc(syncRuns.id))
      .limit(1);
    throw new ConnectionBusyError(connectionId as number, running ?? null);
  }
  return new RunRecorder(store, hold.runId, hold, options.usage, options.heartbeatMs);
}

export type RunRow = typeof syncRuns.$inferSelect;
export type StepRow = typeof syncRunSteps.$inferSelect;
/** One record's outcome, as stored or as expanded from a batch row (which then lends it its id). */
export type RecordRow = Omit<typeof syncRunRecords.$inferSelect, 'items'>;

/** The most recent runs, newest first. */
export async function listRuns(
  store: Store,
  options: { limit?: number; kind?: RunKind } = {},
): Promise<RunRow[]> {
  const q = store.db.select().from(syncRuns);
  const filtered = options.kind ? q.where(eq(syncRuns.kind, options.kind)) : q;
  return filtered.orderBy(desc(syncRuns.id)).limit(options.limit ?? 20);
}

export interface RunDetail {
  run: RunRow;
  steps: Array<StepRow & { records: RecordRow[] }>;
}

/**
 * One run with its steps and their record-level outcomes ("More Info"). `outcome` narrows the
 * records, e.g. to `failed`; `recordLimit` caps them per step.
 */
export async function getRun(
  store: Store,
  runId: number,
  options: { outcome?: RecordOutcome; recordLimit?: number } = {},
): Promise<RunDetail | null> {
  const [run] = await store.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
  if (!run) return null;
  const steps = await store.db
    .select()
    .from(syncRunSteps)
    .where(eq(syncRunSteps.runId, runId))
    .orderBy(asc(syncRunSteps.position));
  const detailed = [];
  for (const step of steps) {
    const outcome = options.outcome ? sql`AND r.outcome = ${options.outcome}` : sql``;
    // Batch rows are expanded in place, item by item; a single row stands for itself.
    const rows = await store.query<{
      id: number;
      run_id: number;
      step_id: number | null;
      entity_kind: string | null;
      entity_id: number | null;
      affinity_type: string | null;
      affinity_id: number | null;
      outcome: string;
      message: string | null;
      details: Record<string, unknown>;
      created_at: string;
    }>(sql`
      SELECT r.id, r.run_id, r.step_id, r.outcome,
        COALESCE(r.items->'entityKind'->>i.n, r.entity_kind) AS entity_kind,
        COALESCE((r.items->'entityId'->>i.n)::bigint, r.entity_id) AS entity_id,
        COALESCE(r.items->'affinityType'->>i.n, r.affinity_type) AS affinity_type,
        COALESCE((r.items->'affinityId'->>i.n)::bigint, r.affinity_id) AS affinity_id,
        COALESCE(r.items->'message'->>i.n, r.message) AS message,
        r.details || COALESCE((SELECT jsonb_object_agg(d.key, d.value->i.n) FROM jsonb_each(r.items->'details') AS d), '{}'::jsonb) AS details,
        r.created_at::text AS created_at
      FROM sync_run_records r
      LEFT JOIN LATERAL generate_series(0, (r.items->>'count')::int - 1) AS i(n) ON true
      WHERE r.step_id = ${step.id} ${outcome}
      ORDER BY r.id, i.n
      LIMIT ${options.recordLimit ?? 1000}`);
    const records: RecordRow[] = rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      stepId: r.step_id,
      entityKind: r.entity_kind,
      entityId: r.entity_id,
      affinityType: r.affinity_type,
      affinityId: r.affinity_id,
      outcome: r.outcome,
      message: r.message,
      details: r.details,
      createdAt: r.created_at,
    }));
    detailed.push({ ...step, records });
  }
  return { run, steps: detailed };
}

/**
 * Marks runs left `running` by a process that died as `interrupted` (see {@link reapDeadRuns}), so
 * the log never shows a crashed sync as still going; a live run, in this process or another, is
 * never marked. Returns how many were marked.
 */
export async function markInterruptedRuns(store: Store, connectionId?: number): Promise<number> {
  return (await reapDeadRuns(store, connectionId)).length;
}

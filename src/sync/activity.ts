import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db, Store } from '../store/index.js';
import { syncRunRecords, syncRunSteps, syncRuns } from '../store/index.js';
import { deadRun, holdRun, OWNER, type RunHold, reapDeadRuns } from './run-lease.js';

export { reapDeadRuns } from './run-lease.js';

/**
 * The activity log shared by push and pull: every sync is a run, made of steps (matching,
 * creating, updating, list assignment, fetching a list…), each with record-level outcomes, so a
 * user can see exactly what happened to which record and where a sync failed.
 */
export type RunKind = 'push' | 'pull';
export type RunTrigger = 'cli' | 'schedule' | 'webhook' | 'api' | 'demo' | 'auto-push';
/**
 * `queued`: asked for as a job, not started; `running`; then one of the ends. `stopped` and
 * `interrupted` runs resume when run again; a cancelled run is `stopped` with "cancelled by …".
 */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'stopped' | 'interrupted';
/** The statuses a run ends with. */
export const finalRunStatuses: readonly RunStatus[] = [
  'succeeded',
  'partial',
  'failed',
  'stopped',
  'interrupted',
];

/** Where a running run is, for progress bars: its current step and how far it is through it. */
export interface RunProgress {
  step: string;
  done: number;
  /** Null when the step does not know its size. */
  total: number | null;
}
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

  readonly #usage: (() => ApiUsage) | undefined;
  readonly #progress: (() => RunProgress | null) | undefined;
  readonly #onCancel: ((by: string) => void) | undefined;
  readonly #earlier: ApiUsage | undefined;
  #cancelSeen = false;

  constructor(
    private readonly store: Store,
    readonly id: number,
    private readonly hold?: RunHold,
    usage?: () => ApiUsage,
    heartbeatMs: number = HEARTBEAT_MS,
    options: {
      progress?: (() => RunProgress | null) | undefined;
      onCancelRequested?: ((by: string) => void) | undefined;
      /** Position of the first step (a resumed run's steps follow those of its earlier attempts). */
      firstStep?: number;
      /** API usage of the run's earlier attempts, added to this one's. */
      earlier?: ApiUsage;
    } = {},
  ) {
    this.#steps = options.firstStep ?? 0;
    const earlier = options.earlier;
    this.#earlier = earlier;
    this.#usage =
      usage && earlier
        ? () => {
            const u = usage();
            return {
              requests: u.requests + earlier.requests,
              throttled: u.throttled + earlier.throttled,
              retries: u.retries + earlier.retries,
            };
          }
        : usage;
    this.#progress = options.progress;
    this.#onCancel = options.onCancelRequested;
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

  /**
   * Writes the run's counts, API usage so far, progress and sign of life now, and reads whether a
   * cancel was asked for (then `onCancelRequested` is called, once).
   */
  async heartbeat(): Promise<void> {
    const api = this.#usageNow();
    const progress = this.#progressNow();
    const [row] = await this.store.db
      .update(syncRuns)
      .set({
        counts: this.counts,
        ...(api ? { apiCalls: api.requests, throttled: api.throttled, retries: api.retries } : {}),
        ...(progress !== undefined ? { progress } : {}),
        heartbeatAt: sql`now()`,
      })
      .where(and(eq(syncRuns.id, this.id), eq(syncRuns.status, 'running')))
      .returning({ cancelAt: syncRuns.cancelRequestedAt, cancelBy: syncRuns.cancelRequestedBy });
    if (row?.cancelAt && !this.#cancelSeen) {
      this.#cancelSeen = true;
      this.#onCancel?.(row.cancelBy ?? 'someone');
    }
  }

  #usageNow(): ApiUsage | undefined {
    try {
      return this.#usage?.();
    } catch {
      return undefined;
    }
  }

  #progressNow(): RunProgress | null | undefined {
    try {
      return this.#progress?.();
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
    let final: RunStatus = status;
    try {
      await this.#beat;
      const api = this.#withEarlier(options.api) ?? this.#usageNow();
      // An interruption that a cancel asked for ends the run `stopped`, saying who cancelled it.
      const cancelled = sql`${status} = 'interrupted' AND ${syncRuns.cancelRequestedAt} IS NOT NULL`;
      const [row] = await this.store.db
        .update(syncRuns)
        .set({
          status: sql`CASE WHEN ${cancelled} THEN 'stopped' ELSE ${status} END`,
          counts: this.counts,
          error: sql`CASE WHEN ${cancelled}
            THEN 'cancelled by ' || COALESCE(${syncRuns.cancelRequestedBy}, 'someone') || ': run it again to resume'
            ELSE ${options.error ?? null}::text END`,
          apiCalls: api?.requests ?? 0,
          throttled: api?.throttled ?? 0,
          retries: api?.retries ?? 0,
          progress: null,
          finishedAt: sql`now()`,
          heartbeatAt: sql`now()`,
        })
        .where(eq(syncRuns.id, this.id))
        .returning({ status: syncRuns.status });
      if (row) final = row.status as RunStatus;
    } finally {
      // Released after the row says the run ended, so it is never seen running and unowned.
      await this.hold?.release();
    }
    return final;
  }

  /** `api` of this attempt plus the run's earlier attempts', when it was resumed. */
  #withEarlier(api: ApiUsage | undefined): ApiUsage | undefined {
    if (!api || !this.#earlier) return api;
    return {
      requests: api.requests + this.#earlier.requests,
      throttled: api.throttled + this.#earlier.throttled,
      retries: api.retries + this.#earlier.retries,
    };
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
  /**
   * Start this run rather than a new one: a `queued` run (a job's), or one of its earlier attempts
   * left `interrupted` or `running` by a process that is gone. It keeps its id, steps and API usage;
   * `kind`, `trigger`, `actor` and `params` are those it was queued with. Throws
   * {@link RunNotStartableError} when the run ended meanwhile (cancelled, finished) or is alive.
   */
  runId?: number;
  /** Where the run is, written by the heartbeat. */
  progress?: () => RunProgress | null;
  /** Called (once) when the heartbeat finds a cancel asked for; the run should stop, interrupted. */
  onCancelRequested?: (by: string) => void;
}

/** What a use case passes through to {@link startRun} when it runs a queued run. */
export type RunStartOptions = Pick<
  StartRunOptions,
  'runId' | 'wait' | 'progress' | 'onCancelRequested' | 'heartbeatMs'
>;

/** A queued run that cannot be started: it ended (cancelled, finished) or another process runs it. */
export class RunNotStartableError extends Error {
  override name = 'RunNotStartableError';
  constructor(
    readonly runId: number,
    readonly status: string | null,
  ) {
    super(
      status === null
        ? `run ${runId} does not exist`
        : `run ${runId} is ${status}${status === 'running' ? ' in another process' : ''}: not started again`,
    );
  }
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
  let adopted: { firstStep: number; earlier: ApiUsage } | undefined;
  const hold = await holdRun(
    store,
    { connectionId, exclusive: options.exclusive ?? false, wait: options.wait ?? false },
    async (db) => {
      if (options.runId !== undefined) {
        adopted = await adoptRun(store, db, options.runId, options.params ?? {});
        return options.runId;
      }
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
  return new RunRecorder(store, hold.runId, hold, options.usage, options.heartbeatMs, {
    progress: options.progress,
    onCancelRequested: options.onCancelRequested,
    ...(adopted ?? {}),
  });
}

/**
 * Marks a queued run (or an earlier attempt of it whose process is gone) `running` in this
 * process (`params` added to those it was queued with); its connection's lease is already held. Returns where its steps go on and what its
 * earlier attempts spent.
 */
async function adoptRun(
  store: Store,
  db: Db,
  runId: number,
  params: Record<string, unknown>,
): Promise<{ firstStep: number; earlier: ApiUsage }> {
  const rows = await store.query<{
    first_step: number;
    api_calls: number;
    throttled: number;
    retries: number;
  }>(
    sql`
    UPDATE sync_runs SET
      status = 'running',
      params = params || ${JSON.stringify(params)}::jsonb,
      started_at = CASE WHEN status = 'queued' THEN now() ELSE started_at END,
      finished_at = NULL,
      error = NULL,
      owner_pid = ${OWNER.pid},
      owner_host = ${OWNER.host},
      heartbeat_at = now()
    WHERE id = ${runId}
      AND cancel_requested_at IS NULL
      AND (status IN ('queued', 'interrupted') OR (status = 'running' AND ${await deadRun(store, db)}))
    RETURNING
      (SELECT COALESCE(max(position) + 1, 0) FROM sync_run_steps WHERE run_id = ${runId}) AS first_step,
      api_calls, throttled, retries`,
    db,
  );
  const row = rows[0];
  if (!row) {
    const [current] = await db
      .select({ status: syncRuns.status })
      .from(syncRuns)
      .where(eq(syncRuns.id, runId));
    throw new RunNotStartableError(runId, current?.status ?? null);
  }
  // The steps an earlier attempt left running ended with it.
  await store.query(
    sql`UPDATE sync_run_steps SET status = 'failed', error = 'interrupted', finished_at = now()
      WHERE run_id = ${runId} AND status = 'running'`,
    db,
  );
  return {
    firstStep: Number(row.first_step),
    earlier: { requests: row.api_calls, throttled: row.throttled, retries: row.retries },
  };
}

/**
 * Records a run asked for as a job: `queued` in the activity log from this moment, with what was
 * asked (`params`, replayed when it starts). Returns its id.
 */
export async function queueRun(
  store: Store,
  options: {
    kind: RunKind;
    trigger: RunTrigger;
    actor: string;
    connectionId: number;
    params: Record<string, unknown>;
    dryRun?: boolean;
    scheduleId?: number | undefined;
    triggerNote?: string | undefined;
  },
): Promise<number> {
  const [row] = await store.db
    .insert(syncRuns)
    .values({
      kind: options.kind,
      trigger: options.trigger,
      actor: options.actor,
      connectionId: options.connectionId,
      dryRun: options.dryRun ?? false,
      params: options.params,
      status: 'queued',
      queuedAt: sql`now()`,
      scheduleId: options.scheduleId ?? null,
      triggerNote: options.triggerNote ?? null,
    })
    .returning({ id: syncRuns.id });
  return row!.id;
}

/**
 * Ends a run that never started (still `queued`) as `failed` with `error`: its job found it could
 * not run it (no destination, not connected…). A run that started is left as it ended.
 */
export async function failQueuedRun(store: Store, runId: number, error: string): Promise<boolean> {
  const rows = await store.db
    .update(syncRuns)
    .set({ status: 'failed', error, finishedAt: sql`now()` })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'queued')))
    .returning({ id: syncRuns.id });
  return rows.length > 0;
}

/** Notes the job carrying a queued run. */
export async function setRunJob(store: Store, runId: number, jobId: string): Promise<void> {
  await store.db.update(syncRuns).set({ jobId }).where(eq(syncRuns.id, runId));
}

/**
 * Cancels a run for `by`: a queued run ends at once, `stopped` with "cancelled by …"
 * (`cancelled`); a running one is asked to stop (`stopping`): its heartbeat sees it, it stops
 * after the writes in flight and ends `stopped`, resumable by running the same sync again. A run
 * that already ended is left as it is (`finished`). Null when there is no such run.
 */
export async function cancelRun(
  store: Store,
  runId: number,
  by: string,
): Promise<{ outcome: 'cancelled' | 'stopping' | 'finished'; run: RunRow } | null> {
  const [queued] = await store.db
    .update(syncRuns)
    .set({
      status: 'stopped',
      error: `cancelled by ${by} before it started`,
      finishedAt: sql`now()`,
      cancelRequestedAt: sql`now()`,
      cancelRequestedBy: by,
    })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'queued')))
    .returning();
  if (queued) return { outcome: 'cancelled', run: queued };
  const [running] = await store.db
    .update(syncRuns)
    .set({
      cancelRequestedAt: sql`COALESCE(${syncRuns.cancelRequestedAt}, now())`,
      cancelRequestedBy: sql`COALESCE(${syncRuns.cancelRequestedBy}, ${by})`,
    })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'running')))
    .returning();
  if (running) return { outcome: 'stopping', run: running };
  const [ended] = await store.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
  return ended ? { outcome: 'finished', run: ended } : null;
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
 * The columns of a record outcome row with batch rows (`items`, see {@link packOutcomeItems})
 * expanded item by item: select them from `sync_run_records r` with {@link expandedRecordItems}
 * joined; a single row stands for itself.
 */
export const expandedRecordColumns =
  sql.raw(`COALESCE(r.items->'entityKind'->>i.n, r.entity_kind) AS entity_kind,
        COALESCE((r.items->'entityId'->>i.n)::bigint, r.entity_id) AS entity_id,
        COALESCE(r.items->'affinityType'->>i.n, r.affinity_type) AS affinity_type,
        COALESCE((r.items->'affinityId'->>i.n)::bigint, r.affinity_id) AS affinity_id,
        COALESCE(r.items->'message'->>i.n, r.message) AS message,
        r.details || COALESCE((SELECT jsonb_object_agg(d.key, d.value->i.n) FROM jsonb_each(r.items->'details') AS d), '{}'::jsonb) AS details,
        r.created_at::text AS created_at`);

/** The join that expands each batch row of `sync_run_records r` into its items (`i.n`). */
export const expandedRecordItems = sql.raw(
  `LEFT JOIN LATERAL generate_series(0, (r.items->>'count')::int - 1) AS i(n) ON true`,
);

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
        ${expandedRecordColumns}
      FROM sync_run_records r
      ${expandedRecordItems}
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

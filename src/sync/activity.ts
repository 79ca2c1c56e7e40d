import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Store } from '../store/index.js';
import { syncRunRecords, syncRunSteps, syncRuns } from '../store/index.js';

/**
 * The activity log shared by push and pull: every sync is a run, made of steps (matching,
 * creating, updating, list assignment, fetching a list…), each with record-level outcomes, so a
 * user can see exactly what happened to which record and where a sync failed.
 */
export type RunKind = 'push' | 'pull';
export type RunTrigger = 'cli' | 'schedule' | 'webhook' | 'api' | 'demo';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';
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
    for (const r of rows) {
      bump(this.counts, r.outcome);
      this.run.count(r.outcome);
    }
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

/** A run being recorded. Counts accumulate from its steps' outcomes. */
export class RunRecorder {
  readonly counts: Counts = {};
  #steps = 0;

  constructor(
    private readonly store: Store,
    readonly id: number,
  ) {}

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
    const status: RunStatus =
      options.status ??
      (options.error !== undefined ? 'failed' : (this.counts.failed ?? 0) > 0 ? 'partial' : 'succeeded');
    await this.store.db
      .update(syncRuns)
      .set({
        status,
        counts: this.counts,
        error: options.error ?? null,
        apiCalls: options.api?.requests ?? 0,
        throttled: options.api?.throttled ?? 0,
        retries: options.api?.retries ?? 0,
        finishedAt: sql`now()`,
      })
      .where(eq(syncRuns.id, this.id));
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
}

/** Opens a run in the activity log. */
export async function startRun(store: Store, options: StartRunOptions): Promise<RunRecorder> {
  const [row] = await store.db
    .insert(syncRuns)
    .values({
      kind: options.kind,
      trigger: options.trigger,
      actor: options.actor,
      connectionId: options.connectionId ?? null,
      dryRun: options.dryRun ?? false,
      params: options.params ?? {},
    })
    .returning({ id: syncRuns.id });
  return new RunRecorder(store, row!.id);
}

export type RunRow = typeof syncRuns.$inferSelect;
export type StepRow = typeof syncRunSteps.$inferSelect;
export type RecordRow = typeof syncRunRecords.$inferSelect;

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
    const where = options.outcome
      ? and(eq(syncRunRecords.stepId, step.id), eq(syncRunRecords.outcome, options.outcome))
      : eq(syncRunRecords.stepId, step.id);
    const records = await store.db
      .select()
      .from(syncRunRecords)
      .where(where)
      .orderBy(asc(syncRunRecords.id))
      .limit(options.recordLimit ?? 1000);
    detailed.push({ ...step, records });
  }
  return { run, steps: detailed };
}

/**
 * Marks runs left `running` by a process that died as `interrupted`, so the log never shows a
 * crashed sync as still going. Callers that own the connection's work call it at start.
 */
export async function markInterruptedRuns(store: Store, connectionId?: number): Promise<number> {
  const where = connectionId
    ? and(eq(syncRuns.status, 'running'), eq(syncRuns.connectionId, connectionId))
    : eq(syncRuns.status, 'running');
  const rows = await store.db
    .update(syncRuns)
    .set({ status: 'interrupted', finishedAt: sql`now()` })
    .where(where)
    .returning({ id: syncRuns.id });
  return rows.length;
}

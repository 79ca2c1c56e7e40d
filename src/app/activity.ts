import { and, count, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { syncRuns } from '../store/index.js';
import {
  expandedRecordColumns,
  expandedRecordItems,
  getRun as getRunDetail,
  type RunRow,
  type StepRow,
} from '../sync/activity.js';
import { type AppContext, AppError, parseInput } from './context.js';

/**
 * Activity: every push and pull is a run, made of steps with record-level outcomes. Any signed-in
 * user may read it; only the runs themselves write it.
 */

export const runKinds = ['push', 'pull'] as const;
export const runStatuses = [
  'queued',
  'running',
  'succeeded',
  'partial',
  'failed',
  'stopped',
  'interrupted',
] as const;
export const runTriggers = ['cli', 'api', 'schedule', 'webhook', 'auto-push', 'demo'] as const;
/** The statuses of a run that did not do all its work: what `--failed` and `failed=true` keep. */
export const unsuccessfulStatuses = ['failed', 'partial', 'stopped', 'interrupted'] as const;

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]);
const when = z.iso.datetime({ offset: true }).or(z.iso.date()).describe('an ISO 8601 date or date-time');

const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

export const runSummarySchema = z.object({
  id: z.number(),
  kind: z.string(),
  trigger: z.string(),
  actor: z.string(),
  status: z.string().describe(runStatuses.join(' | ')),
  dryRun: z.boolean(),
  connectionId: z.number().nullable(),
  params: z.record(z.string(), z.unknown()).describe('what was asked: lists, search, entities…'),
  counts: z.record(z.string(), z.number()).describe('outcome counts, e.g. {"created": 3, "failed": 1}'),
  apiCalls: z.number(),
  throttled: z.number().describe('requests Affinity answered 429'),
  retries: z.number(),
  error: z.string().nullable(),
  queuedAt: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  cancelRequestedAt: z.string().nullable(),
  cancelRequestedBy: z.string().nullable(),
  jobId: z.string().nullable().describe('the job carrying a queued run'),
  ownerPid: z.number().nullable(),
  ownerHost: z.string().nullable(),
  progress: z
    .object({ step: z.string(), done: z.number(), total: z.number().nullable() })
    .nullable()
    .describe('where a running run is, for a progress bar (total null when unknown)'),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** A stored run as every door shows it: plain JSON, times in ISO 8601. */
export function runSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    kind: r.kind,
    trigger: r.trigger,
    actor: r.actor,
    status: r.status,
    dryRun: r.dryRun,
    connectionId: r.connectionId,
    params: (r.params ?? {}) as Record<string, unknown>,
    counts: (r.counts ?? {}) as Record<string, number>,
    apiCalls: r.apiCalls,
    throttled: r.throttled,
    retries: r.retries,
    error: r.error,
    queuedAt: iso(r.queuedAt),
    startedAt: iso(r.startedAt) as string,
    finishedAt: iso(r.finishedAt),
    heartbeatAt: iso(r.heartbeatAt),
    cancelRequestedAt: iso(r.cancelRequestedAt),
    cancelRequestedBy: r.cancelRequestedBy,
    jobId: r.jobId,
    ownerPid: r.ownerPid,
    ownerHost: r.ownerHost,
    progress: progressOf(r.progress),
  };
}

function progressOf(p: unknown): RunSummary['progress'] {
  if (p === null || typeof p !== 'object') return null;
  const o = p as { step?: unknown; done?: unknown; total?: unknown };
  return {
    step: typeof o.step === 'string' ? o.step : '',
    done: typeof o.done === 'number' ? o.done : 0,
    total: typeof o.total === 'number' ? o.total : null,
  };
}

// Runs -------------------------------------------------------------------------------------------

/** The most runs one page holds. */
export const MAX_RUNS_PAGE = 10_000;

export const listRunsInput = z.object({
  kind: z.enum(runKinds).optional(),
  status: oneOrMany(z.enum(runStatuses)).optional().describe('any of these statuses'),
  trigger: oneOrMany(z.enum(runTriggers)).optional(),
  connectionId: z.coerce.number().int().positive().optional(),
  /** Only runs that did not do all their work (failed, partial, stopped, interrupted). */
  failed: z.boolean().default(false),
  since: when.optional().describe('runs started at or after'),
  until: when.optional().describe('runs started at or before'),
  limit: z.coerce.number().int().min(1).max(MAX_RUNS_PAGE).default(20),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export const runList = z.object({
  runs: z.array(runSummarySchema),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});
export type RunList = z.infer<typeof runList>;

const asArray = <T>(v: T | T[] | undefined): T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

/** Runs, newest first, filtered by kind, status, trigger, connection and start time, a page at a time. */
export async function listRuns(ctx: AppContext, input: z.input<typeof listRunsInput> = {}): Promise<RunList> {
  const i = parseInput(listRunsInput, input);
  const conds: SQL[] = [];
  if (i.kind) conds.push(eq(syncRuns.kind, i.kind));
  const statuses = asArray(i.status);
  if (statuses) conds.push(inArray(syncRuns.status, statuses));
  if (i.failed) conds.push(inArray(syncRuns.status, [...unsuccessfulStatuses]));
  const triggers = asArray(i.trigger);
  if (triggers) conds.push(inArray(syncRuns.trigger, triggers));
  if (i.connectionId !== undefined) conds.push(eq(syncRuns.connectionId, i.connectionId));
  if (i.since) conds.push(gte(syncRuns.startedAt, new Date(i.since).toISOString()));
  if (i.until) conds.push(lte(syncRuns.startedAt, untilOf(i.until)));
  const where = conds.length > 0 ? and(...conds) : undefined;
  const db = ctx.deps.store.db;
  const rows = await db
    .select()
    .from(syncRuns)
    .where(where)
    .orderBy(desc(syncRuns.id))
    .limit(i.limit)
    .offset(i.offset);
  const [total] = await db.select({ n: count() }).from(syncRuns).where(where);
  return { runs: rows.map(runSummary), total: Number(total?.n ?? 0), limit: i.limit, offset: i.offset };
}

/** A bare date as `until` means the whole day. */
function untilOf(v: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(v)
    ? new Date(Date.parse(`${v}T00:00:00Z`) + 86_400_000 - 1).toISOString()
    : new Date(v).toISOString();
}

// One run ----------------------------------------------------------------------------------------

export const getRunInput = z.object({
  runId: z.coerce.number().int().min(0),
  /** Record outcomes per step to include (0: none, the API's default: page them with `runRecords`). */
  recordsPerStep: z.number().int().min(0).max(100_000).default(0),
  /** With `recordsPerStep`: only records with this outcome (e.g. `failed`). */
  outcome: z.string().max(40).optional(),
});

export const recordSchema = z.object({
  id: z.number().describe('the stored row (a batch of records shares one)'),
  runId: z.number(),
  stepId: z.number().nullable(),
  outcome: z.string(),
  entityKind: z.string().nullable(),
  entityId: z.number().nullable(),
  affinityType: z.string().nullable(),
  affinityId: z.number().nullable(),
  message: z.string().nullable().describe("what went wrong, in Affinity's words when it refused"),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type RunRecord = z.infer<typeof recordSchema>;

export const stepSchema = z.object({
  id: z.number(),
  runId: z.number(),
  position: z.number(),
  name: z.string(),
  status: z.string().describe('running | succeeded | failed | skipped'),
  counts: z.record(z.string(), z.number()),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  records: z.array(recordSchema).optional(),
});
export type RunStep = z.infer<typeof stepSchema>;

export const runDetail = z.object({
  run: runSummarySchema,
  /** The step under way (the last one while the run runs), for a progress bar; null before any. */
  currentStep: stepSchema.omit({ records: true }).nullable(),
  steps: z.array(stepSchema),
});
export type RunDetail = z.infer<typeof runDetail>;

function stepOf(s: StepRow): Omit<RunStep, 'records'> {
  return {
    id: s.id,
    runId: s.runId,
    position: s.position,
    name: s.name,
    status: s.status,
    counts: (s.counts ?? {}) as Record<string, number>,
    error: s.error,
    startedAt: iso(s.startedAt) as string,
    finishedAt: iso(s.finishedAt),
  };
}

function recordOf(r: {
  id: number;
  runId: number;
  stepId: number | null;
  outcome: string;
  entityKind: string | null;
  entityId: number | null;
  affinityType: string | null;
  affinityId: number | null;
  message: string | null;
  details: unknown;
  createdAt: string;
}): RunRecord {
  return {
    id: Number(r.id),
    runId: Number(r.runId),
    stepId: r.stepId === null ? null : Number(r.stepId),
    outcome: r.outcome,
    entityKind: r.entityKind,
    entityId: r.entityId === null ? null : Number(r.entityId),
    affinityType: r.affinityType,
    affinityId: r.affinityId === null ? null : Number(r.affinityId),
    message: r.message,
    details: (r.details ?? {}) as Record<string, unknown>,
    createdAt: iso(r.createdAt) as string,
  };
}

/**
 * One run with its steps and counts, and what a progress bar needs (status, counts, API calls,
 * 429s, the current step, queued/started/finished times, the error); optionally each step's
 * records. An unknown run is `not_found`.
 */
export async function getRun(ctx: AppContext, input: z.input<typeof getRunInput>): Promise<RunDetail> {
  const i = parseInput(getRunInput, input);
  const detail = await getRunDetail(ctx.deps.store, i.runId, {
    ...(i.outcome === undefined ? {} : { outcome: i.outcome as never }),
    recordLimit: i.recordsPerStep,
  });
  if (!detail) throw new AppError('not_found', `no run ${i.runId}`);
  const steps = detail.steps.map((s) => ({
    ...stepOf(s),
    ...(i.recordsPerStep > 0 ? { records: s.records.map(recordOf) } : {}),
  }));
  const current = detail.steps.findLast((s) => s.status === 'running') ?? detail.steps.at(-1);
  return { run: runSummary(detail.run), currentStep: current ? stepOf(current) : null, steps };
}

// A run's records --------------------------------------------------------------------------------

export const runRecordsInput = z.object({
  runId: z.coerce.number().int().positive(),
  outcome: oneOrMany(z.string().trim().min(1).max(40))
    .optional()
    .describe('only these outcomes, e.g. failed'),
  stepId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export const runRecords = z.object({
  runId: z.number(),
  /** Records the filter keeps, and every outcome's count in the run. */
  total: z.number(),
  byOutcome: z.record(z.string(), z.number()),
  limit: z.number(),
  offset: z.number(),
  records: z.array(recordSchema.extend({ step: z.string().nullable() })),
});
export type RunRecords = z.infer<typeof runRecords>;

/**
 * A run's record-level outcomes, failed first, then in step order as they happened; optionally of
 * some outcomes or one step, a page at a time. Batch rows (a pull's pages) are listed record by
 * record, as `sync/activity`'s `getRun` lists them. An unknown run is `not_found`.
 */
export async function listRunRecords(
  ctx: AppContext,
  input: z.input<typeof runRecordsInput>,
): Promise<RunRecords> {
  const i = parseInput(runRecordsInput, input);
  const store = ctx.deps.store;
  const [run] = await store.db.select({ id: syncRuns.id }).from(syncRuns).where(eq(syncRuns.id, i.runId));
  if (!run) throw new AppError('not_found', `no run ${i.runId}`);
  const outcomes = asArray(i.outcome);
  const outcomeFilter = outcomes
    ? sql`AND r.outcome IN (${sql.join(
        outcomes.map((o) => sql`${o}`),
        sql`, `,
      )})`
    : sql``;
  const stepFilter = i.stepId === undefined ? sql`` : sql`AND r.step_id = ${i.stepId}`;
  const tally = await store.query<{ outcome: string; step_id: number | null; n: number }>(sql`
    SELECT r.outcome, r.step_id, sum(COALESCE((r.items->>'count')::int, 1))::int AS n
    FROM sync_run_records r WHERE r.run_id = ${i.runId} GROUP BY r.outcome, r.step_id`);
  const byOutcome: Record<string, number> = {};
  let total = 0;
  for (const t of tally) {
    byOutcome[t.outcome] = (byOutcome[t.outcome] ?? 0) + Number(t.n);
    const kept =
      (outcomes === undefined || outcomes.includes(t.outcome)) &&
      (i.stepId === undefined || Number(t.step_id) === i.stepId);
    if (kept) total += Number(t.n);
  }
  const rows = await store.query<{
    id: number;
    step_id: number | null;
    step: string | null;
    entity_kind: string | null;
    entity_id: number | null;
    affinity_type: string | null;
    affinity_id: number | null;
    outcome: string;
    message: string | null;
    details: Record<string, unknown>;
    created_at: string;
  }>(sql`
    SELECT r.id, r.step_id, s.name AS step, r.outcome,
      ${expandedRecordColumns}
    FROM sync_run_records r
    LEFT JOIN sync_run_steps s ON s.id = r.step_id
    ${expandedRecordItems}
    WHERE r.run_id = ${i.runId} ${outcomeFilter} ${stepFilter}
    ORDER BY (r.outcome = 'failed') DESC, s.position NULLS LAST, r.id, i.n
    LIMIT ${i.limit} OFFSET ${i.offset}`);
  return {
    runId: i.runId,
    total,
    byOutcome,
    limit: i.limit,
    offset: i.offset,
    records: rows.map((r) => ({
      ...recordOf({
        id: r.id,
        runId: i.runId,
        stepId: r.step_id,
        outcome: r.outcome,
        entityKind: r.entity_kind,
        entityId: r.entity_id,
        affinityType: r.affinity_type,
        affinityId: r.affinity_id,
        message: r.message,
        details: r.details,
        createdAt: r.created_at,
      }),
      step: r.step,
    })),
  };
}

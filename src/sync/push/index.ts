/**
 * Push: our companies, people and investors into Affinity, per their destination. Plans first
 * (matching, diffing, the exact call cost), then — unless it is a dry run — sends the writes through
 * the journal. Every push is a run in the activity log with its steps and record-level outcomes.
 */
import type { AffinityClient, HttpTransport } from '../../affinity/index.js';
import { ListError, SearchInputError } from '../../intelligence/index.js';
import type { Store } from '../../store/index.js';
import {
  type ApiUsage,
  type RecordOutcomeRow,
  type RunStartOptions,
  type RunStatus,
  type RunTrigger,
  type StepRecorder,
  startRun,
} from '../activity.js';
import { getDestination, type PushMode, recheckDestination } from '../destinations.js';
import type { Stop } from '../stops.js';
import {
  changeOf,
  describeOp,
  executePlan,
  type PlannedChange,
  type PushHooks,
  pushStopFor,
  type RecordResult,
} from './executor.js';
import { planPush, settleInDoubt } from './planner.js';
import { type PushSelection, SelectionError, selectRecords } from './records.js';
import { estimateOf, type Plan, type RecordPlan } from './types.js';

export type { Stop } from '../stops.js';
export {
  changeOf,
  describeChange,
  describeOp,
  executePlan,
  groupChanges,
  type PlannedChange,
  type PushHooks,
  type RecordResult,
} from './executor.js';
export type { PlanProgress } from './planner.js';
export { diffFields, planPush } from './planner.js';
export { loadRows, type PushSelection, SelectionError, selectRecords } from './records.js';
export {
  estimateOf,
  type Known,
  type KnownEntry,
  type Plan,
  type PlanEstimate,
  type PushOp,
  type RecordAction,
  type RecordPlan,
} from './types.js';

export interface PushOptions {
  store: Store;
  client: AffinityClient;
  /** The client's transport, for the run's API usage (calls, 429s, retries). */
  transport?: HttpTransport;
  connectionId: number;
  actor: string;
  trigger?: RunTrigger;
  selection: PushSelection;
  /**
   * The push mode for this run, over the destination's (a My CRM selection pushes update-only
   * unless this says otherwise).
   */
  mode?: PushMode;
  dryRun?: boolean;
  hooks?: PushHooks;
  concurrency?: number;
  /**
   * Progress: `planning` once at the start (0 of the records); `matching` while planning, a few
   * times a second at most — records matched so far and `detail.reads`, the read calls made;
   * `pushing` — records sent so far.
   */
  onProgress?: (
    phase: 'planning' | 'matching' | 'pushing',
    done: number,
    total: number,
    detail?: { reads: number },
  ) => void;
  /** The connection's rate, for the plan's time estimate (default 900 calls a minute, Affinity's). */
  ratePerMinute?: number;
  /**
   * Interrupts the push (Ctrl-C): planning stops at its next read; the executor starts no new
   * write, lets those in flight finish and journals them; the run ends `interrupted` and the
   * report says so. Running the same push again resumes it.
   */
  signal?: AbortSignal;
  /**
   * How old the cached workspace fields may be for the destination's check at the start of every
   * plan (default: the workspace cache's, 60 s; 0 reads them again).
   */
  workspaceMaxAgeMs?: number;
  /** How the run starts: a queued run's id to start it, progress and cancel hooks (see `startRun`). */
  run?: RunStartOptions;
}

/** One record of a plan, as shown to users. */
export interface PlannedRecord {
  entityId: number;
  label: string;
  action: RecordPlan['action'];
  affinityId: number | null;
  matchedBy: RecordPlan['matchedBy'];
  reason?: string;
  candidates?: number[];
  /** The writes in words, one per write, values whole: `set "Tags" += ai`, `update "Headcount" 120 → 145`. */
  operations: string[];
  /** The same writes, structured: the field, the action and the values (see `groupChanges`). */
  changes: PlannedChange[];
  skippedValues: string[];
}

export interface PushReport {
  runId: number;
  status: RunStatus;
  dryRun: boolean;
  entity: string;
  selection: string;
  destination: { recordType: string; mode: string; matchRule: string; list: string | null };
  plan: {
    matching: Plan['matching'];
    reads: number;
    writes: number;
    apiCalls: number;
    counts: Plan['counts'];
    /** The time `apiCalls` take at the connection's rate, e.g. `56,232 calls ≈ 62 min at 900/min`. */
    estimate: Plan['estimate'];
    /** Records whose Affinity values were needed: read now, or as a pull stored them. */
    values: Plan['values'];
    records: PlannedRecord[];
  };
  /**
   * What happened (absent for a dry run). `notSent`: records with writes not sent because the
   * push stopped or was interrupted (a re-run sends them).
   */
  outcome?: Record<
    'created' | 'updated' | 'unchanged' | 'skipped' | 'ambiguous' | 'failed' | 'addedToList' | 'notSent',
    number
  >;
  failures: Array<{ entityId: number; label: string; errors: string[] }>;
  stopped: Stop | null;
  api: ApiUsage;
}

export type PushResult =
  | { code: 'pushed'; report: PushReport }
  /** Stopped while planning (a refused key, a spent quota): nothing was written. */
  | { code: 'stopped'; runId: number; stop: Stop; message: string }
  | { code: 'no-destination'; message: string }
  /** The saved destination no longer fits the workspace (a mapped field deleted or retyped): nothing planned. */
  | { code: 'invalid-destination'; message: string }
  | { code: 'invalid-selection'; message: string };

/** A record's writes in words, one per write, values whole. */
const operationsOf = (ops: RecordPlan['ops']): string[] => ops.map(describeOp);

function view(r: RecordPlan): PlannedRecord {
  return {
    entityId: r.entityId,
    label: r.label,
    action: r.action,
    affinityId: r.affinityId,
    matchedBy: r.matchedBy,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    ...(r.candidates !== undefined ? { candidates: r.candidates } : {}),
    operations: operationsOf(r.ops),
    changes: r.ops.map(changeOf),
    skippedValues: r.skippedValues,
  };
}

async function recordAll(step: StepRecorder, rows: RecordOutcomeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await step.records(rows.slice(i, i + 1000));
}

/**
 * Pushes a selection of our records to Affinity. Expected outcomes (no destination, an unknown
 * saved search or list) are values; a refused key or a spent quota stops the run with a clear reason
 * (`report.stopped`) and running the same push again resumes it.
 */
export async function push(options: PushOptions): Promise<PushResult> {
  const { store, client, connectionId } = options;
  let selected: Awaited<ReturnType<typeof selectRecords>>;
  try {
    selected = await selectRecords(store, options.selection, connectionId);
  } catch (err) {
    if (err instanceof SelectionError || err instanceof ListError || err instanceof SearchInputError) {
      return { code: 'invalid-selection', message: err.message };
    }
    throw err;
  }
  const saved = await getDestination(store, connectionId, selected.entity);
  const mode = options.mode ?? ('crm' in options.selection ? 'update-only' : undefined);
  const destination = saved && mode ? { ...saved, mode } : saved;
  if (!destination) {
    return {
      code: 'no-destination',
      message: `no destination for ${selected.entity}: set one with \`affinity-sync destination set ${selected.entity} …\``,
    };
  }
  const dryRun = options.dryRun ?? false;
  const before = options.transport?.stats();
  const run = await startRun(store, {
    kind: 'push',
    trigger: options.trigger ?? 'cli',
    actor: options.actor,
    connectionId,
    dryRun,
    exclusive: !dryRun,
    usage: () => usage(0),
    params: { selection: options.selection, entity: selected.entity, description: selected.description },
    ...options.run,
  });
  const usage = (logical: number): ApiUsage => {
    if (!options.transport || !before) return { requests: logical, throttled: 0, retries: 0 };
    const now = options.transport.stats();
    return {
      requests: now.requests - before.requests,
      throttled: now.throttled - before.throttled,
      retries: now.retries - before.retries,
    };
  }; /** Ends the run on an error: `stopped` when Affinity cannot be used now (re-running resumes), else `failed` and rethrown. */
  const endStopped = async (err: unknown): Promise<PushResult> => {
    const stop = pushStopFor(err);
    await run.finish({
      status: stop ? 'stopped' : 'failed',
      error: stop ? stop.reason : err instanceof Error ? err.message : String(err),
      api: usage(0),
    });
    if (stop) return { code: 'stopped', runId: run.id, stop, message: stop.reason };
    throw err;
  };

  const report: PushReport = {
    runId: run.id,
    status: 'running',
    dryRun,
    entity: selected.entity,
    selection: selected.description,
    destination: {
      recordType: destination.recordType,
      mode: destination.mode,
      matchRule: destination.matchRule,
      list: destination.listName,
    },
    plan: {
      matching: 'links',
      reads: 0,
      writes: 0,
      apiCalls: 0,
      counts: { create: 0, update: 0, unchanged: 0, skipped: 0, ambiguous: 0 },
      estimate: estimateOf(0, options.ratePerMinute ?? 900),
      values: { read: 0, pulled: 0 },
      records: [],
    },
    failures: [],
    stopped: null,
    api: { requests: 0, throttled: 0, retries: 0 },
  };
  const interrupted = async (logical: number): Promise<PushResult> => {
    report.api = usage(logical);
    report.status = await run.finish({
      status: 'interrupted',
      error: 'interrupted: run the same push again to resume',
      api: report.api,
    });
    return { code: 'pushed', report };
  };

  // The saved mapping is checked against the workspace's live fields before any plan (dry runs
  // included): a field deleted or retyped in Affinity refuses the push, nothing written.
  try {
    const problems = await recheckDestination(
      store,
      client,
      destination,
      options.workspaceMaxAgeMs === undefined ? {} : { maxAgeMs: options.workspaceMaxAgeMs },
    );
    if (problems.length > 0) {
      const message = `push refused, nothing written: ${problems.join('; ')} — change it with \`affinity-sync destination set ${selected.entity} …\` or \`affinity-sync destination unmap ${selected.entity} …\``;
      await run.finish({ status: 'failed', error: message, api: usage(0) });
      return { code: 'invalid-destination', message };
    }
  } catch (err) {
    return endStopped(err);
  }

  let plan: Plan;
  try {
    options.onProgress?.('planning', 0, selected.rows.length);
    const matchingStep = await run.step('matching');
    try {
      plan = await planPush({
        store,
        client,
        connectionId,
        destination,
        rows: selected.rows,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.ratePerMinute !== undefined ? { ratePerMinute: options.ratePerMinute } : {}),
        onProgress: (p) => options.onProgress?.('matching', p.matched, p.total, { reads: p.reads }),
      });
    } catch (err) {
      await matchingStep.finish('failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
    await recordAll(
      matchingStep,
      plan.records.map((r) => ({
        outcome:
          r.action === 'ambiguous'
            ? 'ambiguous'
            : r.action === 'skipped'
              ? 'skipped'
              : r.affinityId !== null
                ? 'matched'
                : 'unmatched',
        entityKind: r.entityKind,
        entityId: r.entityId,
        affinityType: destination.recordType,
        affinityId: r.affinityId,
        message: r.reason ?? (r.matchedBy ? `matched by ${r.matchedBy}` : 'no match: will be created'),
        details: { label: r.label, ...(r.candidates ? { candidates: r.candidates } : {}) },
      })),
    );
    await matchingStep.finish('succeeded');
  } catch (err) {
    if (options.signal?.aborted) {
      report.outcome = { ...emptyOutcome(), notSent: selected.rows.length };
      return interrupted(0);
    }
    return endStopped(err);
  }

  report.plan = {
    matching: plan.matching,
    reads: plan.reads,
    writes: plan.writes,
    apiCalls: plan.apiCalls,
    counts: plan.counts,
    estimate: plan.estimate,
    values: plan.values,
    records: plan.records.map(view),
  };

  try {
    if (dryRun) {
      const step = await run.step('plan');
      await recordAll(
        step,
        plan.records.map((r) => ({
          outcome: 'planned',
          entityKind: r.entityKind,
          entityId: r.entityId,
          affinityType: destination.recordType,
          affinityId: r.affinityId,
          message: r.action,
          details: { label: r.label, operations: operationsOf(r.ops), skippedValues: r.skippedValues },
        })),
      );
      await step.finish('succeeded');
      report.api = usage(plan.reads);
      report.status = await run.finish({ api: report.api, status: 'succeeded' });
      return { code: 'pushed', report };
    }

    await settleInDoubt(store, plan.inDoubt);
    const executed = await executePlan({
      store,
      client,
      connectionId,
      runId: run.id,
      plan,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (done, total) => options.onProgress?.('pushing', done, total),
    });
    await recordOutcomes(run, destination.recordType, executed);
    const outcome = emptyOutcome();
    for (const r of executed.records) {
      outcome[r.outcome] += 1;
      if (r.addedToList) outcome.addedToList += 1;
      if (r.notSent > 0) outcome.notSent += 1;
      if (r.errors.length > 0)
        report.failures.push({ entityId: r.plan.entityId, label: r.plan.label, errors: r.errors });
    }
    report.outcome = outcome;
    report.stopped = executed.stopped;
    if (executed.interrupted) return interrupted(plan.reads + executed.calls);
    report.api = usage(plan.reads + executed.calls);
    const failed = report.failures.length;
    report.status = await run.finish({
      api: report.api,
      ...(executed.stopped
        ? { status: 'stopped' as const, error: executed.stopped.reason }
        : failed > 0
          ? {
              status: 'partial' as const,
              error: `${failed} ${failed === 1 ? 'record' : 'records'} failed`,
            }
          : { status: 'succeeded' as const }),
    });
    return { code: 'pushed', report };
  } catch (err) {
    return endStopped(err);
  }
}

function emptyOutcome(): NonNullable<PushReport['outcome']> {
  return {
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    ambiguous: 0,
    failed: 0,
    addedToList: 0,
    notSent: 0,
  };
}

async function recordOutcomes(
  run: Awaited<ReturnType<typeof startRun>>,
  affinityType: string,
  executed: { records: readonly RecordResult[]; stopped: Stop | null; interrupted: boolean },
): Promise<void> {
  const results = executed.records;
  const notSent = executed.stopped
    ? `not sent: the push stopped (${executed.stopped.code})`
    : executed.interrupted
      ? 'not sent: the push was interrupted'
      : 'not sent';
  const base = (r: RecordResult) => ({
    entityKind: r.plan.entityKind,
    entityId: r.plan.entityId,
    affinityType,
    affinityId: r.affinityId,
  });
  const creating = results.filter((r) => r.plan.action === 'create');
  const updating = results.filter((r) => r.plan.action !== 'create');
  const listed = results.filter((r) => r.addedToList);
  const createStep = await run.step('creating');
  await recordAll(
    createStep,
    creating.map((r) => ({
      ...base(r),
      outcome: r.errors.length > 0 ? 'failed' : r.affinityId !== null ? 'created' : 'skipped',
      message: r.errors.length > 0 ? r.errors.join('; ') : r.affinityId !== null ? null : notSent,
      details: { label: r.plan.label, fieldWrites: r.fieldWrites, skippedValues: r.plan.skippedValues },
    })),
  );
  await createStep.finish();
  const updateStep = await run.step('updating');
  await recordAll(
    updateStep,
    updating.map((r) => ({
      ...base(r),
      outcome: r.outcome,
      message:
        r.errors.length > 0
          ? r.errors.join('; ')
          : r.notSent > 0 && r.outcome === 'skipped'
            ? notSent
            : (r.plan.reason ?? null),
      details: {
        label: r.plan.label,
        operations: operationsOf(r.plan.ops),
        skippedValues: r.plan.skippedValues,
        ...(r.plan.candidates ? { candidates: r.plan.candidates } : {}),
      },
    })),
  );
  await updateStep.finish();
  const listStep = await run.step('list assignment');
  await recordAll(
    listStep,
    listed.map((r) => ({ ...base(r), outcome: 'added-to-list', details: { label: r.plan.label } })),
  );
  await listStep.finish();
}

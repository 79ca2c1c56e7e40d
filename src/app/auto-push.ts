import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AUTO_PUSH_DEBOUNCE_SECONDS, type AutoPushQueue, sendAutoPush } from '../jobs/auto-push.js';
import { openBoss } from '../jobs/boss.js';
import { intelLists, intelSavedSearches, syncRuns } from '../store/index.js';
import { type AutoPushTarget, autoPushTargets } from './auto-push-targets.js';
import type { AppContext, AppDeps } from './context.js';
import { AppError, parseInput } from './context.js';
import { type PushSelectionInput, runPush } from './push.js';
import { checkAutomationBudget, recordDeferredRun } from './usage.js';

/**
 * Auto-push: a saved search or a user list marked auto-push is pushed to Affinity after every
 * change to our data (an import, a signal update and the growth it recomputes, a record created
 * from review). The push planner diffs against what Affinity already holds, so a run writes exactly
 * the delta: new results are creates, changed values updates, the rest nothing. Changes are
 * debounced into one job (see `src/jobs/auto-push.ts`), whichever process made them; its runs are
 * ordinary push runs with trigger `auto-push`, planned first and checked against the automation
 * budget.
 */

/** Who auto-push runs act as, in activity. */
export const AUTO_PUSH_ACTOR = { id: 'auto-push', role: 'member' as const };

export {
  type AutoPushTarget,
  type AutoPushTargetKind,
  autoPushTarget,
  autoPushTargets,
} from './auto-push-targets.js';

const ref = z.union([z.number().int().positive(), z.string().trim().min(1).max(200)]);

export const setAutoPushInput = z.object({
  /** A saved search or a list, by id or name. */
  kind: z.enum(['search', 'list']),
  ref,
  on: z.boolean(),
});

/**
 * Marks a saved search or a list auto-push (or not). Members may: it is their search. Turning it on
 * notes a change, so the first auto-push run pushes what is not in Affinity yet.
 */
export async function setAutoPush(
  ctx: AppContext,
  input: z.input<typeof setAutoPushInput>,
): Promise<AutoPushTarget> {
  const i = parseInput(setAutoPushInput, input);
  const table = i.kind === 'search' ? intelSavedSearches : intelLists;
  const where = typeof i.ref === 'number' ? eq(table.id, i.ref) : eq(table.name, i.ref);
  const [row] = await ctx.deps.store.db
    .update(table)
    .set({ autoPush: i.on })
    .where(where)
    .returning({ id: table.id, name: table.name, autoPush: table.autoPush });
  if (!row) {
    const what = i.kind === 'search' ? 'saved search' : 'list';
    throw new AppError(
      'not_found',
      typeof i.ref === 'number' ? `no ${what} ${i.ref}` : `no ${what} named ${JSON.stringify(i.ref)}`,
    );
  }
  if (i.on) await notifyDataChanged(ctx.deps, `${i.kind} ${row.name} marked auto-push`);
  return { kind: i.kind, id: row.id, name: row.name, autoPush: row.autoPush };
}

/** The job queue's auto-push notices, when this process runs one (the server, a worker). */
function autoPushQueueOf(deps: Pick<AppDeps, 'jobs'>): AutoPushQueue | undefined {
  const jobs = deps.jobs as { autoPush?: AutoPushQueue } | undefined;
  return jobs?.autoPush;
}

/**
 * Notes a change to our data, so the auto-push targets are pushed once it settles. Nothing is sent
 * when no target is marked auto-push. A process with a job queue sends through it; any other (the
 * CLI's `import`, on a served or an embedded store) sends through pg-boss on the same store for the
 * occasion — the notice waits there for a worker, so a change made while no server runs is pushed
 * when one starts. Returns whether a notice was sent (false: none needed, or one already waits).
 */
export async function notifyDataChanged(
  deps: Pick<AppDeps, 'store' | 'jobs'>,
  reason: string,
  options: { debounceSeconds?: number } = {},
): Promise<boolean> {
  if ((await autoPushTargets(deps)).length === 0) return false;
  const queue = autoPushQueueOf(deps);
  if (queue) return queue.notify(reason);
  const boss = await openBoss(deps.store);
  try {
    return await sendAutoPush(boss, reason, options.debounceSeconds ?? AUTO_PUSH_DEBOUNCE_SECONDS);
  } finally {
    await boss.stop({ graceful: false, timeout: 5_000 }).catch(() => {});
  }
}

export interface AutoPushOutcome {
  target: AutoPushTarget;
  /**
   * `queued`: a run was queued; `unchanged`: nothing to write; `already-queued`: an auto-push run
   * of it waits already and takes the change too; `deferred`: over the automation budget (recorded
   * in activity); `refused`: it cannot be pushed (no destination…), with why.
   */
  outcome: 'queued' | 'unchanged' | 'already-queued' | 'deferred' | 'refused';
  runId?: number;
  plannedCalls?: number;
  writes?: number;
  message?: string;
}

function selectionOf(target: AutoPushTarget): PushSelectionInput {
  return target.kind === 'search' ? { search: target.name } : { list: target.name };
}

/**
 * Plans every auto-push target and queues one push run (trigger `auto-push`) for each with writes
 * to make, within the automation budget. The plan is a dry run recorded in activity (its reads are
 * the run's cost estimate); a target whose plan writes nothing queues nothing.
 */
export async function runAutoPush(deps: AppDeps): Promise<AutoPushOutcome[]> {
  const jobs = deps.jobs;
  if (!jobs) throw new AppError('unavailable', 'auto-push needs a job queue');
  const ctx: AppContext = { actor: AUTO_PUSH_ACTOR, deps };
  const outcomes: AutoPushOutcome[] = [];
  for (const target of await autoPushTargets(deps)) {
    const selection = selectionOf(target);
    const [waiting] = await deps.store.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(
        and(
          eq(syncRuns.trigger, 'auto-push'),
          eq(syncRuns.status, 'queued'),
          sql`${syncRuns.params}->'input'->'selection' = ${JSON.stringify(selection)}::jsonb`,
        ),
      )
      .limit(1);
    if (waiting) {
      outcomes.push({ target, outcome: 'already-queued', runId: waiting.id });
      continue;
    }
    let plan: Awaited<ReturnType<typeof runPush>>;
    try {
      plan = await runPush(ctx, { selection, dryRun: true }, { trigger: 'auto-push' });
    } catch (err) {
      outcomes.push({
        target,
        outcome: 'refused',
        message: err instanceof Error ? err.message : String(err),
      });
      continue;
    }
    const refused = plan.pushes.find((p) => p.result.code !== 'pushed');
    if (refused && 'message' in refused.result) {
      outcomes.push({ target, outcome: 'refused', message: refused.result.message });
      continue;
    }
    let writes = 0;
    let plannedCalls = 0;
    for (const p of plan.pushes)
      if (p.result.code === 'pushed') {
        writes += p.result.report.plan.writes;
        plannedCalls += p.result.report.plan.apiCalls;
      }
    if (writes === 0) {
      outcomes.push({ target, outcome: 'unchanged', writes, plannedCalls });
      continue;
    }
    const connectionId = plan.connection.id;
    const input = { selection };
    const verdict = await checkAutomationBudget(ctx, { connectionId, plannedCalls });
    if (!verdict.allowed) {
      const { runId } = await recordDeferredRun(ctx, {
        connectionId,
        kind: 'push',
        trigger: 'auto-push',
        reason: verdict.reason,
        params: { input },
      });
      outcomes.push({ target, outcome: 'deferred', runId, plannedCalls, writes, message: verdict.reason });
      continue;
    }
    const { runId } = await jobs.enqueue({
      kind: 'push',
      connectionId,
      trigger: 'auto-push',
      actor: AUTO_PUSH_ACTOR.id,
      params: { input },
      triggerNote: `${target.kind === 'search' ? 'saved search' : 'list'} ${target.name}: ${writes} writes planned, ${plannedCalls} calls`,
    });
    outcomes.push({ target, outcome: 'queued', runId, plannedCalls, writes });
  }
  return outcomes;
}

/**
 * Runs as jobs, on pg-boss: a push or a pull asked for through the API is recorded `queued` in
 * activity and sent as a job; a worker (in the server's process, or an `affinity-sync worker`
 * anywhere on the same PostgreSQL) takes it and runs it through the same use case the CLI runs in
 * the foreground. One run per Affinity connection at a time across every process (group
 * concurrency 1 keyed by the connection, and the connection's run lease); different connections
 * run in parallel. A worker that dies stops touching its job: after `heartbeatSeconds` pg-boss
 * gives the job to another worker, which takes over the same run and resumes it from the push
 * journal, writing nothing twice.
 */
import type { PgBoss } from 'pg-boss';
import { runAutoPush } from '../app/auto-push.js';
import type { Actor, AppDeps, RunQueue, RunRequest } from '../app/context.js';
import { AppError } from '../app/context.js';
import { toAppError } from '../app/errors.js';
import { type PullInput, runPull } from '../app/pull.js';
import { type PushInput, runPush } from '../app/push.js';
import { queuedRun } from '../app/runs.js';
import {
  cancelRun,
  failQueuedRun,
  queueRun,
  RunNotStartableError,
  type RunTrigger,
  setRunJob,
} from '../sync/activity.js';
import { type AutoPushQueue, startAutoPushJobs } from './auto-push.js';
import { type BossTuning, bossSchemaOf, openBoss } from './boss.js';
import { automationBudget, createScheduler, type Scheduler, type SchedulerOptions } from './scheduler.js';
import { startWebhookJobs, type WebhookQueue } from './webhooks.js';

export { type BossTuning, bossSchemaOf } from './boss.js';

/** The queue every run goes through (push and pull alike, so one connection's runs exclude each other). */
export const RUNS_QUEUE = 'runs';

export interface JobsOptions extends BossTuning {
  /** Run jobs in this process (`serve`, `worker`); false only queues them (`serve --no-workers`). */
  workers: boolean;
  /** Runs this process works on at once, each on a different connection (default 4). */
  concurrency?: number;
  /** Heartbeat of the runs themselves (their row: counts, progress, cancel checks), ms. */
  runHeartbeatMs?: number;
  /** How long an auto-push notice waits for more changes before its targets are planned (default 30 s). */
  autoPushDebounceSeconds?: number;
  /** The scheduler, started with the workers (default on with them); false: this process fires no schedule. */
  scheduler?: SchedulerOptions | false;
}

/** The job queue of a process: {@link RunQueue} for the use cases, and `stop()`. */
export interface Jobs extends RunQueue {
  /** The pg-boss schema (for operators and tests). */
  readonly schema: string;
  /** Webhook deliveries, processed as jobs (one at a time per connection). */
  readonly webhooks: WebhookQueue;
  /** Auto-push notices: one debounced job after changes to our data. */
  readonly autoPush: AutoPushQueue;
  /** Runs this process is working on now. */
  running(): number[];
  /** The scheduler this process runs (null without workers or with `scheduler: false`). */
  readonly scheduler: Scheduler | null;
  /**
   * Stops taking jobs; runs in progress stop after their writes in flight (ending `interrupted`)
   * and their jobs go back to the queue for another worker, which resumes them.
   */
  stop(): Promise<void>;
}

interface JobData {
  runId: number;
}

/** Starts pg-boss on the store and, with `workers`, this process's workers. */
export async function startJobs(deps: AppDeps, options: JobsOptions): Promise<Jobs> {
  const { store, logger } = deps;
  const heartbeatSeconds = Math.max(10, Math.round(options.heartbeatSeconds ?? 30));
  const boss = await openBoss(store, options);
  boss.on('error', (err) => logger.warn({ err: err.message }, 'job queue error'));
  const queue = {
    retryLimit: options.retryLimit ?? 5,
    retryDelay: 1,
    // A push may run for hours: a live worker's heartbeat, not a time limit, keeps its job.
    expireInSeconds: 24 * 60 * 60,
    heartbeatSeconds,
    notify: true,
  };
  if (await boss.getQueue(RUNS_QUEUE)) await boss.updateQueue(RUNS_QUEUE, queue);
  else await boss.createQueue(RUNS_QUEUE, queue);
  const webhooks = await startWebhookJobs(boss, deps, {
    workers: options.workers,
    pollingSeconds: options.pollingSeconds,
  });

  const active = new Map<number, AbortController>();
  let stopping = false;

  const handle = async (data: JobData, jobSignal: AbortSignal): Promise<object> => {
    const runId = data.runId;
    const run = await queuedRun(deps, runId);
    if (!run || !['queued', 'running', 'interrupted'].includes(run.status))
      return { skipped: run?.status ?? 'gone' };
    const controller = new AbortController();
    active.set(runId, controller);
    const onJobAbort = () => controller.abort(new Error('the job was stopped'));
    jobSignal.addEventListener('abort', onJobAbort);
    const ctx = {
      actor: { id: run.actor, role: 'member' as const },
      deps,
      signal: controller.signal,
    };
    const hooks = {
      runId,
      ...(run.connectionId !== null ? { connectionId: run.connectionId } : {}),
      trigger: 'api' as RunTrigger,
      onCancelRequested: (by: string) => controller.abort(new Error(`cancelled by ${by}`)),
      ...(options.runHeartbeatMs !== undefined ? { heartbeatMs: options.runHeartbeatMs } : {}),
    };
    const input = (run.params.input ?? {}) as Record<string, unknown>;
    try {
      let refusal: string | undefined;
      if (run.kind === 'push') {
        const outcome = await runPush(ctx, input as PushInput, hooks);
        refusal = outcome.pushes.map((p) => ('message' in p.result ? p.result.message : '')).find(Boolean);
      } else if (run.kind === 'pull') {
        await runPull(ctx, input as PullInput, hooks);
      } else refusal = `a ${run.kind} cannot run as a job`;
      // A run refused before it started (no destination, a selection naming nothing) ends failed.
      if (refusal !== undefined) await failQueuedRun(store, runId, refusal);
    } catch (err) {
      if (err instanceof RunNotStartableError) return { skipped: err.status };
      const refused = toAppError(err);
      if (refused) {
        await failQueuedRun(store, runId, refused.message);
        return { failed: refused.message };
      }
      await failQueuedRun(store, runId, err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      jobSignal.removeEventListener('abort', onJobAbort);
      active.delete(runId);
    }
    const after = await queuedRun(deps, runId);
    // Stopped with this worker: the job goes back to the queue and another worker resumes the run.
    if (stopping && after?.status === 'interrupted')
      throw new Error('the worker stopped; the run resumes on another');
    return { status: after?.status ?? 'gone' };
  };

  if (options.workers) {
    await boss.work<JobData>(
      RUNS_QUEUE,
      {
        localConcurrency: options.concurrency ?? 4,
        groupConcurrency: 1,
        pollingIntervalSeconds: options.pollingSeconds ?? 1,
        // NOTIFY only announces new runs: a worker with a backlog still looks for the next at this pace.
        notifyPollingIntervalSeconds: options.pollingSeconds ?? 1,
        // With a backlog (more than one run ready), a worker that just finished a run takes the next at once.
        burstWhenReadyExceeds: 1,
      },
      async ([job]) => (job ? handle(job.data, job.signal) : {}),
    );
  }

  let scheduler: Scheduler | null = null;
  let autoPush: AutoPushQueue | undefined;
  const jobs: Jobs = {
    schema: bossSchemaOf(store),
    webhooks,
    get autoPush() {
      if (!autoPush) throw new Error('the auto-push queue is starting');
      return autoPush;
    },
    running: () => [...active.keys()],
    get scheduler() {
      return scheduler;
    },
    enqueue: async (request: RunRequest) => {
      const runId = await queueRun(store, {
        kind: request.kind,
        trigger: request.trigger,
        actor: request.actor,
        connectionId: request.connectionId,
        params: request.params,
        scheduleId: request.scheduleId,
        triggerNote: request.triggerNote,
      });
      try {
        const jobId = await boss.send(RUNS_QUEUE, { runId } satisfies JobData, {
          group: { id: `connection-${request.connectionId}` },
        });
        if (jobId) await setRunJob(store, runId, jobId);
      } catch (err) {
        await failQueuedRun(store, runId, `could not be queued: ${err instanceof Error ? err.message : err}`);
        throw err;
      }
      return { runId };
    },
    cancel: async (runId: number, actor: Actor) => {
      const result = await cancelRun(store, runId, actor.id);
      if (!result) throw new AppError('not_found', `no run ${runId}`);
      if (result.outcome === 'cancelled' && result.run.jobId)
        await boss.cancel(RUNS_QUEUE, result.run.jobId).catch(() => {});
      // Running here: stop now rather than at its next heartbeat.
      if (result.outcome === 'stopping') active.get(runId)?.abort(new Error(`cancelled by ${actor.id}`));
      return result.outcome;
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await scheduler?.stop();
      for (const controller of active.values()) controller.abort(new Error('the worker is stopping'));
      await stopBoss(boss);
    },
  };
  // Started once `jobs` exists: its worker queues runs through them.
  autoPush = await startAutoPushJobs(boss, deps, jobs, {
    workers: options.workers,
    handler: runAutoPush,
    ...(options.autoPushDebounceSeconds !== undefined
      ? { debounceSeconds: options.autoPushDebounceSeconds }
      : {}),
    pollingSeconds: options.pollingSeconds,
  });
  if (options.workers && options.scheduler !== false) {
    scheduler = createScheduler(deps, jobs, { ...automationBudget, ...options.scheduler });
    scheduler.start();
  }
  return jobs;
}

async function stopBoss(boss: PgBoss): Promise<void> {
  await boss.stop({ graceful: true, timeout: 60_000 });
}

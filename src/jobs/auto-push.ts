/**
 * Auto-push as jobs: every change to our data sends one `auto-push` job, debounced — the queue's
 * `stately` policy keeps at most one job waiting per key, and a job waits `debounceSeconds` before
 * it starts, so the many notices of a large import (one per import, from any process) fold into
 * the one job already waiting. The job plans each auto-push target and queues one ordinary push run
 * per target with something to write (see `runAutoPush`).
 */
import type { PgBoss } from 'pg-boss';
import type { AppDeps, RunQueue } from '../app/context.js';

/** The queue of auto-push notices. */
export const AUTO_PUSH_QUEUE = 'auto-push';
/** All notices share one key: one waiting job covers every target. */
const KEY = 'data-changed';
/** How long a notice waits for more changes before the targets are planned (default 30 s). */
export const AUTO_PUSH_DEBOUNCE_SECONDS = 30;

export interface AutoPushQueue {
  /** Notes a change to our data: true when it started a new waiting job, false when one was waiting already. */
  notify(reason: string): Promise<boolean>;
  /** Auto-push jobs waiting to start (at most one). */
  waiting(): Promise<number>;
  /** Takes the waiting notice now (if any) and plans the targets in this process: what each came to. */
  runNow(): Promise<unknown>;
}

interface AutoPushJobData {
  reason: string;
}

async function ensureQueue(boss: PgBoss): Promise<void> {
  if (!(await boss.getQueue(AUTO_PUSH_QUEUE)))
    await boss.createQueue(AUTO_PUSH_QUEUE, { policy: 'stately', retryLimit: 2, retryDelay: 30 });
}

/** Sends one auto-push notice through `boss` (from any process on the store), debounced. */
export async function sendAutoPush(
  boss: PgBoss,
  reason: string,
  debounceSeconds = AUTO_PUSH_DEBOUNCE_SECONDS,
): Promise<boolean> {
  await ensureQueue(boss);
  const id = await boss.send(AUTO_PUSH_QUEUE, { reason } satisfies AutoPushJobData, {
    singletonKey: KEY,
    startAfter: debounceSeconds,
  });
  return id !== null;
}

export interface AutoPushJobsOptions {
  workers: boolean;
  /** What a due notice does (the auto-push use case): plans the targets and queues their runs. */
  handler: (deps: AppDeps) => Promise<unknown>;
  debounceSeconds?: number;
  pollingSeconds?: number | undefined;
}

/**
 * The auto-push queue of a process; with `workers`, this process plans the targets when a notice
 * comes due and queues their runs on `runs`.
 */
export async function startAutoPushJobs(
  boss: PgBoss,
  deps: AppDeps,
  runs: RunQueue,
  options: AutoPushJobsOptions,
): Promise<AutoPushQueue> {
  await ensureQueue(boss);
  const debounce = options.debounceSeconds ?? AUTO_PUSH_DEBOUNCE_SECONDS;
  if (options.workers) {
    await boss.work<AutoPushJobData>(
      AUTO_PUSH_QUEUE,
      { localConcurrency: 1, pollingIntervalSeconds: options.pollingSeconds ?? 1 },
      async ([job]) => {
        if (!job) return {};
        const outcomes = await options.handler({ ...deps, jobs: runs });
        return { reason: job.data.reason, outcomes };
      },
    );
  }
  const waitingJobs = () => boss.findJobs(AUTO_PUSH_QUEUE, { key: KEY, queued: true });
  return {
    notify: (reason) => sendAutoPush(boss, reason, debounce),
    waiting: async () => (await waitingJobs()).length,
    runNow: async () => {
      for (const job of await waitingJobs()) await boss.deleteJob(AUTO_PUSH_QUEUE, job.id);
      return options.handler({ ...deps, jobs: runs });
    },
  };
}

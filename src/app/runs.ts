import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AffinityClient, HttpTransport } from '../affinity/index.js';
import { syncConnections, syncRuns } from '../store/index.js';
import { cancelRun as cancelRunRow, finalRunStatuses, type RunStatus } from '../sync/activity.js';
import {
  type ConnectionInfo,
  NotConnectedError,
  openConnectionClient,
  secretBoxFor,
} from '../sync/connections.js';
import { type AppContext, type AppDeps, AppError, parseInput, type RunRequest } from './context.js';

/**
 * Runs as the doors see them while they go: cancelling one, reading its progress, and what a job
 * needs to run a queued one. Pushes and pulls themselves are in `push.ts` and `pull.ts`.
 */

/** An open Affinity connection for a run: the stored connection and a client with its transport. */
export interface OpenConnection {
  connection: ConnectionInfo;
  client: AffinityClient;
  transport: HttpTransport;
}

/**
 * The client of the connection a run uses: the one of the given id (a queued run's), else the
 * configured connection (`--connection`, else `default`).
 */
export async function openRunConnection(ctx: AppContext, connectionId?: number): Promise<OpenConnection> {
  const { store, config, logger } = ctx.deps;
  let name: string | undefined;
  if (connectionId !== undefined) {
    const [row] = await store.db
      .select({ name: syncConnections.name })
      .from(syncConnections)
      .where(eq(syncConnections.id, connectionId));
    if (!row) throw new NotConnectedError(`#${connectionId}`);
    name = row.name;
  }
  return openConnectionClient(store, await secretBoxFor(config), config, {
    ...(name !== undefined ? { name } : {}),
    logger,
  });
}

/** The job queue, or `unavailable` when this door has none (a run can then only go in the foreground). */
export function queueOf(ctx: AppContext): NonNullable<AppDeps['jobs']> {
  const jobs = ctx.deps.jobs;
  if (!jobs) throw new AppError('unavailable', 'runs cannot be queued here: no job queue is running');
  return jobs;
}

/** Enqueues a run for the actor, as the API does: `trigger` api unless given. */
export async function enqueueRun(
  ctx: AppContext,
  request: Omit<RunRequest, 'actor' | 'trigger'> & { trigger?: RunRequest['trigger'] },
): Promise<{ runId: number; status: 'queued' }> {
  const { runId } = await queueOf(ctx).enqueue({
    ...request,
    trigger: request.trigger ?? 'api',
    actor: ctx.actor.id,
  });
  return { runId, status: 'queued' };
}

export const runIdInput = z.object({ runId: z.coerce.number().int().positive() });

export const cancelRunResult = z.object({
  runId: z.number().int(),
  /** `cancelled`: it was queued and never starts; `stopping`: it stops after its writes in flight; `finished`: it had ended. */
  outcome: z.enum(['cancelled', 'stopping', 'finished']),
  status: z.string(),
});
export type CancelRunResult = z.output<typeof cancelRunResult>;

/**
 * Cancels a queued or running run (members may; it is recorded who did). A queued run ends at
 * once, `stopped` with "cancelled by …"; a running one stops after its writes in flight and ends
 * `stopped` the same way — running the same push or pull again resumes it from its journal.
 */
export async function cancelRun(
  ctx: AppContext,
  input: z.input<typeof runIdInput>,
): Promise<CancelRunResult> {
  const { runId } = parseInput(runIdInput, input);
  const outcome = ctx.deps.jobs
    ? await ctx.deps.jobs.cancel(runId, ctx.actor)
    : (await cancelRunRow(ctx.deps.store, runId, ctx.actor.id))?.outcome;
  if (outcome === undefined) throw new AppError('not_found', `no run ${runId}`);
  const [row] = await ctx.deps.store.db
    .select({ status: syncRuns.status })
    .from(syncRuns)
    .where(eq(syncRuns.id, runId));
  return { runId, outcome, status: row?.status ?? 'stopped' };
}

export const runProgressResult = z.object({
  runId: z.number().int(),
  kind: z.string(),
  status: z.string(),
  /** True once the run has ended: no later snapshot differs. */
  done: z.boolean(),
  dryRun: z.boolean(),
  trigger: z.string(),
  actor: z.string(),
  queuedAt: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  /** The current step and how far through it (null when queued or ended). */
  progress: z.object({ step: z.string(), done: z.number(), total: z.number().nullable() }).nullable(),
  counts: z.record(z.string(), z.number()),
  apiCalls: z.number().int(),
  throttled: z.number().int(),
  retries: z.number().int(),
  error: z.string().nullable(),
  cancelRequestedAt: z.string().nullable(),
  cancelRequestedBy: z.string().nullable(),
});
export type RunProgressSnapshot = z.output<typeof runProgressResult>;

/** A run's progress now: what a progress bar shows (status, counts, API calls, current step). */
export async function runProgress(
  ctx: AppContext,
  input: z.input<typeof runIdInput>,
): Promise<RunProgressSnapshot> {
  const { runId } = parseInput(runIdInput, input);
  const [r] = await ctx.deps.store.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
  if (!r) throw new AppError('not_found', `no run ${runId}`);
  const progress = r.progress as { step?: unknown; done?: unknown; total?: unknown } | null;
  return {
    runId: r.id,
    kind: r.kind,
    status: r.status,
    done: finalRunStatuses.includes(r.status as RunStatus),
    dryRun: r.dryRun,
    trigger: r.trigger,
    actor: r.actor,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    heartbeatAt: r.heartbeatAt,
    progress:
      r.status === 'running' && progress && typeof progress.step === 'string'
        ? {
            step: progress.step,
            done: Number(progress.done ?? 0),
            total: progress.total === null || progress.total === undefined ? null : Number(progress.total),
          }
        : null,
    counts: r.counts as Record<string, number>,
    apiCalls: r.apiCalls,
    throttled: r.throttled,
    retries: r.retries,
    error: r.error,
    cancelRequestedAt: r.cancelRequestedAt,
    cancelRequestedBy: r.cancelRequestedBy,
  };
}

/** A queued run as its job reads it: what to run, for whom and with what. */
export interface QueuedRun {
  runId: number;
  kind: string;
  status: string;
  actor: string;
  connectionId: number | null;
  params: Record<string, unknown>;
}

/** The run a job carries, or null when it is gone. */
export async function queuedRun(deps: AppDeps, runId: number): Promise<QueuedRun | null> {
  const [r] = await deps.store.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
  if (!r) return null;
  return {
    runId: r.id,
    kind: r.kind,
    status: r.status,
    actor: r.actor,
    connectionId: r.connectionId,
    params: r.params as Record<string, unknown>,
  };
}

/**
 * Webhook deliveries as jobs: the receiver stores a delivery and sends its id here; a worker
 * applies the event to My CRM (`applyWebhookEvent`) and records what it did — `processed` or
 * `ignored` with the calls it spent, or `failed` with the reason. Deliveries of one connection are
 * processed one at a time (group concurrency 1 keyed by the connection): they share its rate
 * budget with its runs, and two events about one record must apply in order. While a pull of the
 * connection runs, its deliveries wait for it to end.
 */
import { eq, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { AppDeps } from '../app/context.js';
import { openRunConnection } from '../app/runs.js';
import { syncWebhookDeliveries, syncWebhooks } from '../store/index.js';
import { type ApplyOutcome, applyWebhookEvent } from '../sync/pull/incremental.js';
import { LOCAL_ADMIN } from '../sync/roles.js';

export const WEBHOOKS_QUEUE = 'webhook-deliveries';

/** Sends a stored delivery to be processed. */
export interface WebhookQueue {
  enqueueDelivery(deliveryId: number, connectionId: number): Promise<void>;
}

export interface DeliveryResult {
  status: 'processed' | 'ignored' | 'failed' | 'skipped';
  apiCalls: number;
  note: string;
}

/**
 * Processes one stored delivery (a `queued` one; others are skipped, so a job run twice does the
 * work once) and records its outcome on the delivery row.
 */
export async function processDelivery(deps: AppDeps, deliveryId: number): Promise<DeliveryResult> {
  const { store } = deps;
  const [row] = await store.db
    .select({
      id: syncWebhookDeliveries.id,
      status: syncWebhookDeliveries.status,
      type: syncWebhookDeliveries.type,
      body: syncWebhookDeliveries.body,
      connectionId: syncWebhooks.connectionId,
    })
    .from(syncWebhookDeliveries)
    .innerJoin(syncWebhooks, eq(syncWebhooks.id, syncWebhookDeliveries.webhookId))
    .where(eq(syncWebhookDeliveries.id, deliveryId));
  if (row?.status !== 'queued') return { status: 'skipped', apiCalls: 0, note: row?.status ?? 'gone' };
  let calls = 0;
  let outcome: ApplyOutcome | undefined;
  let error: string | null = null;
  try {
    const { client, transport } = await openRunConnection({ actor: LOCAL_ADMIN, deps }, row.connectionId);
    const before = transport.stats().requests;
    try {
      outcome = await applyWebhookEvent(
        { store, client, connectionId: row.connectionId },
        { type: row.type, body: (row.body as { body?: unknown }).body },
      );
    } finally {
      calls = transport.stats().requests - before;
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ deliveryId, type: row.type, err: error }, 'webhook delivery failed');
  }
  const status = outcome?.status ?? 'failed';
  await store.db
    .update(syncWebhookDeliveries)
    .set({
      status,
      processedAt: new Date().toISOString(),
      apiCalls: calls,
      error: error ?? (outcome?.status === 'ignored' ? outcome.note : null),
    })
    .where(eq(syncWebhookDeliveries.id, deliveryId));
  return { status, apiCalls: calls, note: error ?? outcome?.note ?? '' };
}

/**
 * Processes deliveries in this process without a job queue (a server started without one): one
 * at a time per connection, after the receiver has answered.
 */
export function inProcessWebhookQueue(deps: AppDeps): WebhookQueue {
  const chains = new Map<number, Promise<unknown>>();
  return {
    enqueueDelivery: async (deliveryId, connectionId) => {
      const prev = chains.get(connectionId) ?? Promise.resolve();
      const next = prev.then(() => processDelivery(deps, deliveryId)).catch(() => undefined);
      chains.set(connectionId, next);
    },
  };
}

interface DeliveryJob {
  deliveryId: number;
  connectionId: number;
  /** How many times it waited for a pull of its connection to end. */
  deferrals?: number;
}

/** Seconds a delivery waits while a pull of its connection runs, and how often at most (1 hour). */
const DEFER_SECONDS = 15;
const MAX_DEFERRALS = 240;

/** The pull of this connection running now (its heartbeat fresh), if any. */
async function livePull(deps: AppDeps, connectionId: number): Promise<number | undefined> {
  const [row] = await deps.store.query<{ id: number }>(sql`
    SELECT id FROM sync_runs WHERE connection_id = ${connectionId} AND status = 'running' AND kind = 'pull'
      AND NOT dry_run AND coalesce(heartbeat_at, started_at) > now() - interval '2 minutes'
    LIMIT 1`);
  return row ? Number(row.id) : undefined;
}

/** Creates the deliveries queue on pg-boss and, with `workers`, works it in this process. */
export async function startWebhookJobs(
  boss: PgBoss,
  deps: AppDeps,
  options: { workers: boolean; pollingSeconds?: number | undefined },
): Promise<WebhookQueue> {
  const queue = { retryLimit: 2, retryDelay: 1, expireInSeconds: 15 * 60, notify: true };
  if (await boss.getQueue(WEBHOOKS_QUEUE)) await boss.updateQueue(WEBHOOKS_QUEUE, queue);
  else await boss.createQueue(WEBHOOKS_QUEUE, queue);
  const send = async (data: DeliveryJob, startAfter?: number) => {
    await boss.send(WEBHOOKS_QUEUE, data, {
      group: { id: `connection-${data.connectionId}` },
      ...(startAfter !== undefined ? { startAfter } : {}),
    });
  };
  let workerId: string | undefined;
  if (options.workers) {
    workerId = await boss.work<DeliveryJob>(
      WEBHOOKS_QUEUE,
      { localConcurrency: 2, groupConcurrency: 1, pollingIntervalSeconds: options.pollingSeconds ?? 1 },
      async ([job]) => {
        if (!job) return {};
        const data = job.data;
        // A pull walking this connection's lists now would undo an entry added behind its walk
        // (and spends the same rate budget): the event waits for the pull to end, then applies
        // to what the pull wrote.
        const pull = await livePull(deps, data.connectionId);
        if (pull !== undefined && (data.deferrals ?? 0) < MAX_DEFERRALS) {
          await send({ ...data, deferrals: (data.deferrals ?? 0) + 1 }, DEFER_SECONDS);
          return { deferredBehindRun: pull };
        }
        return processDelivery(deps, data.deliveryId);
      },
    );
  }
  return {
    enqueueDelivery: async (deliveryId, connectionId) => {
      await send({ deliveryId, connectionId });
      // Workers on the embedded store poll: wake ours now rather than at its next poll.
      if (workerId !== undefined) boss.notifyWorker(workerId);
    },
  };
}

/** The webhook queue of a door's job queue, when it has one. */
export function webhookQueueOf(jobs: unknown): WebhookQueue | undefined {
  const q = (jobs as { webhooks?: WebhookQueue } | undefined)?.webhooks;
  return q && typeof q.enqueueDelivery === 'function' ? q : undefined;
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../app/context.js';
import { hashSecret, RECEIVER_PATH } from '../app/webhooks.js';
import { inProcessWebhookQueue, type WebhookQueue, webhookQueueOf } from '../jobs/webhooks.js';
import { syncWebhookDeliveries, syncWebhooks } from '../store/index.js';
import { errorResponses } from './errors.js';

/**
 * The public receiver of Affinity webhooks: `POST /webhooks/affinity/:secret`. Deliveries are
 * unsigned, so the secret in the URL is the only proof of origin: an unknown one answers 404 (the
 * hashes compared in constant time). A delivery whose `sent_at` is outside the replay window is
 * refused without being processed; a body that is no delivery (Affinity checking the URL answers)
 * is answered 200 and dropped; a repeat (same type, sent_at and body) is answered 200 and not
 * stored again. Otherwise the delivery is stored and sent as a job, and the answer (202) goes out
 * at once: no Affinity call is made in the request.
 */

/** How far `sent_at` may be from our clock, either way. */
export const REPLAY_WINDOW_SECONDS = 10 * 60;

export const webhookPayload = z.object({
  type: z.string().min(1),
  body: z.unknown(),
  sent_at: z.number().int(),
});

const receipt = z.object({
  received: z.boolean(),
  deliveryId: z.number().int().nullable(),
  duplicate: z.boolean(),
});

export interface ReceiverOptions {
  /** Seconds since the epoch now (tests move it). */
  now?: () => number;
  replayWindowSeconds?: number;
}

function dedupeKey(type: string, sentAt: number, body: unknown): string {
  return createHash('sha256')
    .update(`${type}\n${sentAt}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

/** Registers the receiver on the server (outside `/api`; public: the secret is its auth). */
export async function webhookReceiver(app: FastifyInstance, options: ReceiverOptions = {}): Promise<void> {
  const now = options.now ?? (() => Date.now() / 1000);
  const window = options.replayWindowSeconds ?? REPLAY_WINDOW_SECONDS;
  let local: WebhookQueue | undefined;
  const queueOf = (): WebhookQueue => {
    const q = webhookQueueOf(app.deps.jobs);
    if (q) return q;
    local ??= inProcessWebhookQueue(app.deps);
    return local;
  };

  app.withTypeProvider<ZodTypeProvider>().post(
    `${RECEIVER_PATH}/:secret`,
    {
      config: { public: true },
      schema: {
        tags: ['webhooks'],
        summary: 'Receives an Affinity webhook delivery (the URL carries our secret)',
        security: [],
        params: z.object({ secret: z.string().min(1).max(200) }),
        // Checked after the secret: an unknown URL answers 404 whatever it is sent.
        body: z.unknown(),
        response: { 200: receipt, 202: receipt, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { store } = app.deps;
      const hash = Buffer.from(hashSecret(request.params.secret), 'hex');
      // At most three rows per connection: every hash is compared, each in constant time.
      const rows = await store.db
        .select({
          id: syncWebhooks.id,
          secretHash: syncWebhooks.secretHash,
          connectionId: syncWebhooks.connectionId,
        })
        .from(syncWebhooks);
      let webhook: (typeof rows)[number] | undefined;
      for (const row of rows) {
        const stored = Buffer.from(row.secretHash, 'hex');
        if (stored.length === hash.length && timingSafeEqual(stored, hash)) webhook = row;
      }
      if (!webhook) throw new AppError('not_found', 'no such webhook receiver');
      const parsed = webhookPayload.safeParse(request.body);
      // Affinity may call the URL to check it answers before subscribing: not a delivery, but fine.
      if (!parsed.success)
        return reply.code(200).send({ received: false, deliveryId: null, duplicate: false });
      const { type, body, sent_at: sentAt } = parsed.data;
      if (Math.abs(now() - sentAt) > window) {
        throw new AppError(
          'bad_request',
          `sent_at ${sentAt} is outside the replay window of ${window} seconds: refused`,
        );
      }
      const [stored] = await store.db
        .insert(syncWebhookDeliveries)
        .values({
          webhookId: webhook.id,
          dedupeKey: dedupeKey(type, sentAt, body),
          type,
          sentAt: new Date(sentAt * 1000).toISOString(),
          body: parsed.data,
        })
        .onConflictDoNothing()
        .returning({ id: syncWebhookDeliveries.id });
      await store.db
        .update(syncWebhooks)
        .set({ lastDeliveryAt: sql`now()` })
        .where(eq(syncWebhooks.id, webhook.id));
      if (!stored) return reply.code(200).send({ received: true, deliveryId: null, duplicate: true });
      await queueOf().enqueueDelivery(stored.id, webhook.connectionId);
      return reply.code(202).send({ received: true, deliveryId: stored.id, duplicate: false });
    },
  );
}

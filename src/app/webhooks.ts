import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AffinityError, AffinityNotFoundError, type WebhookSubscription } from '../affinity/index.js';
import { syncWebhookDeliveries, syncWebhooks } from '../store/index.js';
import { PULL_WEBHOOK_EVENTS } from '../sync/pull/incremental.js';
import { type AppContext, AppError, mustBeAdmin, parseInput } from './context.js';
import { openRunConnection } from './runs.js';

/**
 * Affinity webhooks for near-real-time pulls. Affinity allows three subscriptions per instance
 * and signs nothing: our receiver lives at `<publicUrl>/webhooks/affinity/<secret>`, the secret
 * (32 random bytes) is shown once and only its SHA-256 is kept. Subscriptions this server did not
 * make are listed as someone else's and never changed. Admins subscribe, rotate and remove;
 * everyone may read the slots and the deliveries.
 */

/** Affinity's limit of webhook subscriptions per instance. */
export const WEBHOOK_SLOTS = 3;

/** Where the receiver answers, under the server's public URL. */
export const RECEIVER_PATH = '/webhooks/affinity';

/** SHA-256 (hex) of a receiver secret: what the store keeps. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function receiverUrl(publicUrl: string, secret: string): string {
  return `${publicUrl}${RECEIVER_PATH}/${secret}`;
}

/** A receiver URL with its secret hidden (ours are shown so, the secret is shown once). */
function redact(url: string): string {
  const at = url.indexOf(`${RECEIVER_PATH}/`);
  return at < 0 ? url : `${url.slice(0, at + RECEIVER_PATH.length + 1)}…`;
}

/** What keeps My CRM fresh without webhooks: the pull schedules there are, or how to add one. */
async function fallbackOf(ctx: AppContext, connectionId: number): Promise<string> {
  const rows = await ctx.deps.store.query<{ name: string; next_run_at: string | null; paused: boolean }>(sql`
    SELECT name, next_run_at, paused FROM sync_schedules
    WHERE connection_id = ${connectionId} AND kind = 'pull' ORDER BY next_run_at NULLS LAST`);
  const live = rows.filter((r) => !r.paused);
  if (live.length === 0) {
    return 'near-real-time pulls are off: keep My CRM fresh with scheduled pulls (`affinity-sync schedule add NAME --pull --every 60`)';
  }
  const next = live[0]!.next_run_at;
  return `near-real-time pulls are off: scheduled pulls keep My CRM fresh (${live.map((r) => `"${r.name}"`).join(', ')}${next ? `, next at ${new Date(next).toISOString()}` : ''})`;
}

export const webhookSlot = z.object({
  /** Affinity's subscription id (null: ours, not (yet) at Affinity). */
  subscriptionId: z.number().int().nullable(),
  /** True when this server made it (and may rotate or remove it). */
  ours: z.boolean(),
  /** Our id of it (for rotate/remove), when ours. */
  webhookId: z.number().int().nullable(),
  /** The URL Affinity posts to (ours with the secret hidden). */
  url: z.string().nullable(),
  events: z.array(z.string()),
  disabled: z.boolean().nullable(),
  /** The Affinity user who created it. */
  affinityCreatedBy: z.number().int().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string().nullable(),
  rotatedAt: z.string().nullable(),
  lastDeliveryAt: z.string().nullable(),
  /** Ours but gone at Affinity (deleted there, or never created). */
  missing: z.boolean(),
});
export type WebhookSlot = z.output<typeof webhookSlot>;

export const webhooksResult = z.object({
  limit: z.number().int(),
  free: z.number().int(),
  slots: z.array(webhookSlot),
  /** What happens when no subscription is ours: the fallback to scheduled pulls. */
  note: z.string().nullable(),
});
export type WebhooksResult = z.output<typeof webhooksResult>;

type WebhookRow = typeof syncWebhooks.$inferSelect;

const iso = (d: string | null): string | null => (d ? new Date(d).toISOString() : null);

function ourSlot(row: WebhookRow, sub: WebhookSubscription | undefined): WebhookSlot {
  return {
    subscriptionId: row.subscriptionId,
    ours: true,
    webhookId: row.id,
    url: sub ? redact(sub.webhook_url) : `${row.publicUrl}${RECEIVER_PATH}/…`,
    events: sub ? [...sub.subscriptions] : ((row.events as string[]) ?? []),
    disabled: sub ? (sub.disabled ?? false) : null,
    affinityCreatedBy: sub?.created_by ?? null,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    rotatedAt: iso(row.rotatedAt),
    lastDeliveryAt: iso(row.lastDeliveryAt),
    missing: sub === undefined,
  };
}

function othersSlot(sub: WebhookSubscription): WebhookSlot {
  return {
    subscriptionId: sub.id,
    ours: false,
    webhookId: null,
    url: sub.webhook_url,
    events: [...sub.subscriptions],
    disabled: sub.disabled ?? false,
    affinityCreatedBy: sub.created_by ?? null,
    createdBy: null,
    createdAt: null,
    rotatedAt: null,
    lastDeliveryAt: null,
    missing: false,
  };
}

async function ourRows(ctx: AppContext, connectionId: number): Promise<WebhookRow[]> {
  return ctx.deps.store.db
    .select()
    .from(syncWebhooks)
    .where(eq(syncWebhooks.connectionId, connectionId))
    .orderBy(syncWebhooks.id);
}

async function slotsOf(ctx: AppContext) {
  const { connection, client } = await openRunConnection(ctx);
  const subs = await client.webhooks.all();
  const rows = await ourRows(ctx, connection.id);
  const ourIds = new Set(rows.map((r) => r.subscriptionId).filter((id) => id !== null));
  const slots = [
    ...rows.map((r) =>
      ourSlot(
        r,
        subs.find((s) => s.id === r.subscriptionId),
      ),
    ),
    ...subs.filter((s) => !ourIds.has(s.id)).map(othersSlot),
  ];
  return { connection, client, subs, rows, slots };
}

function noteOf(slots: WebhookSlot[], free: number, fallback: string): string | null {
  if (slots.some((s) => s.ours && !s.missing)) return null;
  return free > 0
    ? `no subscription of ours: ${fallback}`
    : `all ${WEBHOOK_SLOTS} subscriptions are someone else's: ${fallback}`;
}

/** The instance's webhook subscriptions: ours (with our bookkeeping) and others'. */
export async function listWebhooks(ctx: AppContext): Promise<WebhooksResult> {
  const { connection, subs, slots } = await slotsOf(ctx);
  const free = Math.max(0, WEBHOOK_SLOTS - subs.length);
  const note = noteOf(slots, free, await fallbackOf(ctx, connection.id));
  return { limit: WEBHOOK_SLOTS, free, slots, note };
}

export const subscribeWebhookInput = z.object({
  /** The server's public base URL Affinity can reach (e.g. https://sync.example.com). */
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
});

export const subscribeWebhookResult = z.object({
  webhookId: z.number().int(),
  subscriptionId: z.number().int(),
  /** The receiver URL with its secret: shown once, never again. */
  receiverUrl: z.string(),
  events: z.array(z.string()),
});
export type SubscribeWebhookResult = z.output<typeof subscribeWebhookResult>;

function affinityRefusal(err: unknown, action: string): never {
  if (err instanceof AffinityError && err.status !== undefined && err.status < 500 && err.status !== 401) {
    throw new AppError('conflict', `Affinity refused to ${action}: ${err.message}`);
  }
  throw err;
}

/**
 * Subscribes our receiver for the events a pull needs. Refused (`conflict`, naming them) when all
 * three subscriptions are taken — others' are never touched — or when one of ours exists.
 */
export async function subscribeWebhook(
  ctx: AppContext,
  input: z.input<typeof subscribeWebhookInput>,
): Promise<SubscribeWebhookResult> {
  const parsed = parseInput(subscribeWebhookInput, input);
  mustBeAdmin(ctx, 'subscribe webhooks');
  const { store, config } = ctx.deps;
  const publicUrl = parsed.publicUrl ?? `http://${config.host}:${config.port}`;
  const { connection, client, subs, rows } = await slotsOf(ctx);
  const live = rows.filter((r) => r.subscriptionId !== null && subs.some((s) => s.id === r.subscriptionId));
  if (live.length > 0) {
    throw new AppError(
      'conflict',
      `this server is already subscribed (webhook ${live[0]!.id}): rotate or remove it instead`,
      { webhookId: live[0]!.id },
    );
  }
  if (subs.length >= WEBHOOK_SLOTS) {
    const taken = subs.map((s) => ({
      subscriptionId: s.id,
      url: s.webhook_url,
      createdBy: s.created_by ?? null,
    }));
    throw new AppError(
      'conflict',
      `all ${WEBHOOK_SLOTS} webhook subscriptions of this Affinity instance are taken (${taken
        .map((t) => `#${t.subscriptionId} ${t.url}`)
        .join(', ')}); they are not ours and are left alone. ${await fallbackOf(ctx, connection.id)}`,
      { subscriptions: taken, fallback: 'schedule' },
    );
  }
  // Ours that Affinity no longer has: forgotten, their URLs die with them.
  for (const r of rows) await store.db.delete(syncWebhooks).where(eq(syncWebhooks.id, r.id));
  const secret = newSecret();
  const events = [...PULL_WEBHOOK_EVENTS];
  // The secret is known before Affinity is asked: it may call the URL to check it answers.
  const [row] = await store.db
    .insert(syncWebhooks)
    .values({
      connectionId: connection.id,
      secretHash: hashSecret(secret),
      publicUrl,
      events,
      createdBy: ctx.actor.id,
    })
    .returning();
  if (!row) throw new Error('the webhook row was not written');
  let sub: WebhookSubscription;
  try {
    sub = await client.webhooks.create({
      webhook_url: receiverUrl(publicUrl, secret),
      subscriptions: events,
    });
  } catch (err) {
    await store.db.delete(syncWebhooks).where(eq(syncWebhooks.id, row.id));
    affinityRefusal(err, 'subscribe');
  }
  await store.db.update(syncWebhooks).set({ subscriptionId: sub.id }).where(eq(syncWebhooks.id, row.id));
  return { webhookId: row.id, subscriptionId: sub.id, receiverUrl: receiverUrl(publicUrl, secret), events };
}

export const webhookIdInput = z.object({ id: z.coerce.number().int().positive() });

async function ourWebhook(ctx: AppContext, id: number) {
  const { connection, client } = await openRunConnection(ctx);
  const [row] = await ctx.deps.store.db
    .select()
    .from(syncWebhooks)
    .where(and(eq(syncWebhooks.id, id), eq(syncWebhooks.connectionId, connection.id)));
  if (!row) {
    throw new AppError(
      'not_found',
      `no webhook ${id} of this server (subscriptions made by others are never changed)`,
    );
  }
  return { row, client };
}

/**
 * A new secret for our subscription: the old receiver URL stops answering at once (404), and
 * Affinity is told the new one. If Affinity refuses, the old secret stays valid.
 */
export async function rotateWebhook(
  ctx: AppContext,
  input: z.input<typeof webhookIdInput>,
): Promise<SubscribeWebhookResult> {
  const { id } = parseInput(webhookIdInput, input);
  mustBeAdmin(ctx, 'rotate webhooks');
  const { row, client } = await ourWebhook(ctx, id);
  if (row.subscriptionId === null)
    throw new AppError('conflict', `webhook ${id} is not at Affinity: remove it and subscribe`);
  const { store } = ctx.deps;
  const secret = newSecret();
  await store.db
    .update(syncWebhooks)
    .set({ secretHash: hashSecret(secret), rotatedAt: new Date().toISOString() })
    .where(eq(syncWebhooks.id, id));
  try {
    await client.webhooks.update(row.subscriptionId, { webhook_url: receiverUrl(row.publicUrl, secret) });
  } catch (err) {
    await store.db
      .update(syncWebhooks)
      .set({ secretHash: row.secretHash, rotatedAt: row.rotatedAt })
      .where(eq(syncWebhooks.id, id));
    affinityRefusal(err, 'change the webhook URL');
  }
  return {
    webhookId: id,
    subscriptionId: row.subscriptionId,
    receiverUrl: receiverUrl(row.publicUrl, secret),
    events: (row.events as string[]) ?? [],
  };
}

export const removeWebhookResult = z.object({
  webhookId: z.number().int(),
  subscriptionId: z.number().int().nullable(),
  /** False when Affinity no longer had it. */
  deletedAtAffinity: z.boolean(),
});

/** Deletes our subscription at Affinity and here (its deliveries go with it). */
export async function removeWebhook(
  ctx: AppContext,
  input: z.input<typeof webhookIdInput>,
): Promise<z.output<typeof removeWebhookResult>> {
  const { id } = parseInput(webhookIdInput, input);
  mustBeAdmin(ctx, 'remove webhooks');
  const { row, client } = await ourWebhook(ctx, id);
  let deletedAtAffinity = false;
  if (row.subscriptionId !== null) {
    try {
      await client.webhooks.delete(row.subscriptionId);
      deletedAtAffinity = true;
    } catch (err) {
      if (!(err instanceof AffinityNotFoundError)) affinityRefusal(err, 'delete the subscription');
    }
  }
  await ctx.deps.store.db.delete(syncWebhooks).where(eq(syncWebhooks.id, id));
  return { webhookId: id, subscriptionId: row.subscriptionId, deletedAtAffinity };
}

export const deliveriesInput = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  status: z.enum(['queued', 'processed', 'ignored', 'failed']).optional(),
});

export const webhookDelivery = z.object({
  id: z.number().int(),
  webhookId: z.number().int(),
  type: z.string(),
  sentAt: z.string().nullable(),
  receivedAt: z.string(),
  status: z.string(),
  processedAt: z.string().nullable(),
  apiCalls: z.number().int(),
  error: z.string().nullable(),
  body: z.unknown(),
});
export const deliveriesResult = z.object({
  total: z.number().int(),
  deliveries: z.array(webhookDelivery),
});
export type DeliveriesResult = z.output<typeof deliveriesResult>;

/** Deliveries received, newest first, with what processing did (or why it failed). */
export async function listDeliveries(
  ctx: AppContext,
  input: z.input<typeof deliveriesInput> = {},
): Promise<DeliveriesResult> {
  const parsed = parseInput(deliveriesInput, input);
  const d = syncWebhookDeliveries;
  const where = parsed.status ? eq(d.status, parsed.status) : undefined;
  const [count] = await ctx.deps.store.db.select({ n: sql<number>`count(*)::int` }).from(d).where(where);
  const rows = await ctx.deps.store.db
    .select()
    .from(d)
    .where(where)
    .orderBy(desc(d.id))
    .limit(parsed.limit)
    .offset(parsed.offset);
  return {
    total: Number(count?.n ?? 0),
    deliveries: rows.map((r) => ({
      id: r.id,
      webhookId: r.webhookId,
      type: r.type,
      sentAt: iso(r.sentAt),
      receivedAt: new Date(r.receivedAt).toISOString(),
      status: r.status,
      processedAt: iso(r.processedAt),
      apiCalls: r.apiCalls,
      error: r.error,
      body: r.body,
    })),
  };
}

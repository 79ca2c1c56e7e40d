/**
 * Webhook delivery: every event passed to `core.emit` is POSTed as `{type, body, sent_at}` to each
 * enabled subscription that wants it, as Affinity does. Delivery runs after the API response (the
 * webhooks module only enqueues), keeps each subscription's events in order, retries failures with
 * capped exponential backoff, and disables a subscription whose events keep failing.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { webhookEventTypes } from '../affinity/schemas/common.js';
import type { EmulatorCore, WebhookEventType } from './framework.js';

/** The table holding webhook subscriptions. */
export const WEBHOOKS_TABLE = 'webhook_subscriptions';

/** A stored webhook subscription (the resource's own keys plus bookkeeping). */
export interface WebhookSubscriptionRow {
  id: number;
  webhook_url: string;
  subscriptions: string[];
  disabled: boolean;
  created_by: number;
  created_at: string;
  updated_at: string | null;
  /** Events in a row that exhausted their retries; reset by a success or a re-enable. */
  consecutive_failures: number;
}

/** Every event type the reference lists, in its order (one list, shared with the client's schemas). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = webhookEventTypes;

export interface WebhookDeliveryOptions {
  /** Delay before the first retry; doubles on each further retry. */
  baseDelayMs: number;
  /** Upper bound of one retry delay. */
  maxDelayMs: number;
  /** Attempts per event, the first one included. */
  maxAttempts: number;
  /** Events in a row that exhaust their retries before the subscription is disabled. */
  disableAfterFailedEvents: number;
  /** Time allowed for one POST. */
  timeoutMs: number;
  /** Pending events kept per subscription; the oldest are dropped beyond it. */
  maxQueue: number;
}

export const defaultWebhookDeliveryOptions: WebhookDeliveryOptions = {
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxAttempts: 5,
  disableAfterFailedEvents: 3,
  timeoutMs: 10_000,
  maxQueue: 10_000,
};

/** One POST attempt, kept for inspection (`deliverer.log`, the `attempt` event). */
export interface DeliveryAttempt {
  subscriptionId: number;
  type: WebhookEventType;
  attempt: number;
  /** HTTP status, or null when the request failed before a response. */
  status: number | null;
  ok: boolean;
  error: string | null;
  sentAt: number;
}

interface Pending {
  type: WebhookEventType;
  /** The body serialised at emit time, so later changes to the state do not leak into it. */
  bodyJson: string;
  attempts: number;
}

interface Queue {
  items: Pending[];
  running: boolean;
}

const LOG_LIMIT = 1_000;

/**
 * Delivers one emulator's webhook events. Emits `attempt` (DeliveryAttempt) after every POST,
 * `delivered` (the successful attempt) once an event is through, `failed` (the last attempt) once
 * an event has used up its attempts, and `disabled` (subscription id) when a subscription is
 * switched off for failing.
 */
export class WebhookDeliverer extends EventEmitter {
  private options: WebhookDeliveryOptions = { ...defaultWebhookDeliveryOptions };
  private readonly queues = new Map<number, Queue>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;
  /** The most recent attempts, oldest first. */
  readonly log: DeliveryAttempt[] = [];

  constructor(private readonly core: EmulatorCore) {
    super();
  }

  /** Changes the retry policy; applies to the next attempt. */
  configure(options: Partial<WebhookDeliveryOptions>): void {
    this.options = { ...this.options, ...options };
  }

  get config(): Readonly<WebhookDeliveryOptions> {
    return this.options;
  }

  /** Queues `type` for every enabled subscription that wants it. Never blocks, never throws. */
  enqueue(type: WebhookEventType, body: unknown): void {
    if (this.closed) return;
    const table = this.core.table<WebhookSubscriptionRow>(WEBHOOKS_TABLE);
    let bodyJson: string | undefined;
    for (const sub of table.values()) {
      if (sub.disabled) continue;
      if (sub.subscriptions.length > 0 && !sub.subscriptions.includes(type)) continue;
      bodyJson ??= JSON.stringify(body ?? null);
      let queue = this.queues.get(sub.id);
      if (!queue) {
        queue = { items: [], running: false };
        this.queues.set(sub.id, queue);
      }
      queue.items.push({ type, bodyJson, attempts: 0 });
      if (queue.items.length > this.options.maxQueue) queue.items.shift();
      if (!queue.running) {
        queue.running = true;
        // Start after the current request has been answered.
        setImmediate(() => void this.pump(sub.id));
      }
    }
  }

  /** Events waiting for delivery or retry, over all subscriptions. */
  pendingCount(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.items.length;
    return n;
  }

  /** Drops every pending event (after an emulator reset). */
  clear(): void {
    for (const queue of this.queues.values()) queue.items.length = 0;
    this.wakeAll();
  }

  /** Stops timers and aborts requests in flight; later events are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    this.clear();
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    this.removeAllListeners();
  }

  private wakeAll(): void {
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.set(timer, resolve);
    });
  }

  private subscription(id: number): WebhookSubscriptionRow | undefined {
    const sub = this.core.table<WebhookSubscriptionRow>(WEBHOOKS_TABLE).get(id);
    return sub && !sub.disabled ? sub : undefined;
  }

  private async pump(subId: number): Promise<void> {
    const queue = this.queues.get(subId);
    if (!queue) return;
    try {
      while (!this.closed && queue.items.length > 0) {
        const sub = this.subscription(subId);
        if (!sub) {
          queue.items.length = 0;
          break;
        }
        const item = queue.items[0]!;
        item.attempts += 1;
        const result = await this.post(sub, item);
        if (this.closed) break;
        if (result.ok) {
          queue.items.shift();
          sub.consecutive_failures = 0;
          this.emit('delivered', result);
          continue;
        }
        if (item.attempts < this.options.maxAttempts) {
          const delay = Math.min(
            this.options.maxDelayMs,
            this.options.baseDelayMs * 2 ** (item.attempts - 1),
          );
          await this.sleep(delay);
          continue;
        }
        queue.items.shift();
        sub.consecutive_failures += 1;
        this.emit('failed', result);
        if (sub.consecutive_failures >= this.options.disableAfterFailedEvents) {
          sub.disabled = true;
          sub.updated_at = this.core.timestamp();
          queue.items.length = 0;
          this.emit('disabled', sub.id);
        }
      }
    } finally {
      queue.running = false;
      if (queue.items.length === 0) this.queues.delete(subId);
    }
  }

  private post(sub: WebhookSubscriptionRow, item: Pending): Promise<DeliveryAttempt> {
    const sentAt = Math.floor(this.core.now().getTime() / 1000);
    const payload = `{"type":${JSON.stringify(item.type)},"body":${item.bodyJson},"sent_at":${sentAt}}`;
    const record = (status: number | null, error: string | null): DeliveryAttempt => {
      const attempt: DeliveryAttempt = {
        subscriptionId: sub.id,
        type: item.type,
        attempt: item.attempts,
        status,
        ok: status !== null && status >= 200 && status < 300,
        error,
        sentAt,
      };
      this.log.push(attempt);
      if (this.log.length > LOG_LIMIT) this.log.shift();
      this.emit('attempt', attempt);
      return attempt;
    };
    let url: URL;
    try {
      url = new URL(sub.webhook_url);
    } catch {
      return Promise.resolve(record(null, 'invalid webhook_url'));
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      const done = (status: number | null, error: string | null): void => {
        if (settled) return;
        settled = true;
        this.inflight.delete(req);
        resolve(record(status, error));
      };
      const req = client.request(
        url,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            'user-agent': 'Affinity-Webhooks/1.0',
          },
          timeout: this.options.timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? null, null));
          res.on('error', (err) => done(res.statusCode ?? null, err.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => done(null, err.message));
      req.on('close', () => done(null, 'closed'));
      this.inflight.add(req);
      req.end(payload);
    });
  }
}

const deliverers = new WeakMap<EmulatorCore, WebhookDeliverer>();
const open = new Set<WebhookDeliverer>();

/** The deliverer of one emulator (created on first use). */
export function webhookDeliverer(core: EmulatorCore): WebhookDeliverer {
  let d = deliverers.get(core);
  if (!d) {
    d = new WebhookDeliverer(core);
    deliverers.set(core, d);
    open.add(d);
  }
  return d;
}

/** Sets one emulator's retry policy (tests use delays of a few milliseconds). */
export function configureWebhookDelivery(core: EmulatorCore, options: Partial<WebhookDeliveryOptions>): void {
  webhookDeliverer(core).configure(options);
}

/** Closes one emulator's deliverer for good: events emitted afterwards are dropped. */
export async function closeWebhookDelivery(core: EmulatorCore): Promise<void> {
  const d = deliverers.get(core);
  if (!d) return;
  open.delete(d);
  await d.close();
}

/** Closes every deliverer of this process (when the caller cannot say which emulator closes). */
export async function closeAllWebhookDelivery(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((d) => d.close()));
}

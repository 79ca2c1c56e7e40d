import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from './core.js';
import { webhooksModule } from './routes/webhooks.js';
import {
  closeWebhookDelivery,
  type DeliveryAttempt,
  WEBHOOKS_TABLE,
  type WebhookDeliverer,
  type WebhookSubscriptionRow,
  webhookDeliverer,
} from './webhook-delivery.js';
import { type Receiver, startReceiver } from './webhook-receiver.test-support.js';

const NOW = new Date('2024-05-06T07:08:09.500Z');

let core: Core;
let deliverer: WebhookDeliverer;
const receivers: Receiver[] = [];

function subscribe(url: string, subscriptions: string[] = [], disabled = false): WebhookSubscriptionRow {
  return core.table<WebhookSubscriptionRow>(WEBHOOKS_TABLE).insert({
    id: core.nextId(),
    webhook_url: url,
    subscriptions,
    disabled,
    created_by: 1,
    created_at: core.timestamp(),
    updated_at: null,
    consecutive_failures: 0,
  });
}

async function receiver(fallbackStatus = 200): Promise<Receiver> {
  const r = await startReceiver(fallbackStatus);
  receivers.push(r);
  return r;
}

beforeEach(() => {
  core = new Core({ modules: [webhooksModule], now: () => NOW });
  deliverer = webhookDeliverer(core);
  deliverer.configure({ baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, disableAfterFailedEvents: 2 });
});

afterEach(async () => {
  await closeWebhookDelivery(core);
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('webhook delivery', () => {
  it('POSTs {type, body, sent_at} as JSON, with sent_at in Unix seconds of the emulator clock', async () => {
    const r = await receiver();
    subscribe(r.url);
    core.emit('person.created', { id: 7, first_name: 'Ada' });
    const [got] = await r.waitFor(1);
    expect(got?.json).toEqual({
      type: 'person.created',
      body: { id: 7, first_name: 'Ada' },
      sent_at: Math.floor(NOW.getTime() / 1000),
    });
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.path).toBe('/hook');
  });

  it('does not block the emitter: nothing is sent before the current turn ends', async () => {
    const r = await receiver();
    subscribe(r.url);
    core.emit('note.created', { id: 1 });
    expect(deliverer.pendingCount()).toBe(1);
    expect(r.received).toHaveLength(0);
    await r.waitFor(1);
  });

  it('sends each subscription only the events it subscribed to (empty = all), in order', async () => {
    const all = await receiver();
    const notesOnly = await receiver();
    const disabled = await receiver();
    subscribe(all.url);
    subscribe(notesOnly.url, ['note.created', 'note.deleted']);
    subscribe(disabled.url, [], true);
    core.emit('person.created', { id: 1 });
    core.emit('note.created', { id: 2 });
    core.emit('organization.merged', { id: 3 });
    core.emit('note.deleted', { id: 2 });
    const allGot = await all.waitFor(4);
    expect(allGot.map((x) => x.json.type)).toEqual([
      'person.created',
      'note.created',
      'organization.merged',
      'note.deleted',
    ]);
    // Per-subscription order is kept, so had person.created been queued it would have come first.
    const notesGot = await notesOnly.waitFor(2);
    expect(notesGot.map((x) => x.json.type)).toEqual(['note.created', 'note.deleted']);
    expect(disabled.received).toHaveLength(0);
  });

  it('snapshots the body when the event is emitted', async () => {
    const r = await receiver();
    subscribe(r.url);
    const body = { id: 1, content: 'before' };
    core.emit('note.updated', body);
    body.content = 'after';
    const [got] = await r.waitFor(1);
    expect(got?.json.body).toEqual({ id: 1, content: 'before' });
  });

  it('retries a failed attempt with the same event', async () => {
    const r = await receiver();
    r.statuses.push(503);
    const sub = subscribe(r.url);
    const delivered = once(deliverer, 'delivered') as Promise<[DeliveryAttempt]>;
    core.emit('reminder.created', { id: 9 });
    const [attempt] = await delivered;
    expect(attempt).toMatchObject({ subscriptionId: sub.id, type: 'reminder.created', attempt: 2, ok: true });
    const got = await r.waitFor(2);
    expect(got.map((x) => x.json.type)).toEqual(['reminder.created', 'reminder.created']);
    expect(got[1]?.json.body).toEqual({ id: 9 });
    expect(deliverer.log.filter((a) => a.subscriptionId === sub.id).map((a) => a.status)).toEqual([503, 200]);
    expect(sub.disabled).toBe(false);
  });

  it('retries when the endpoint cannot be reached', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    receivers.splice(receivers.indexOf(r), 1);
    const sub = subscribe(url);
    deliverer.configure({ disableAfterFailedEvents: 1 });
    const disabled = once(deliverer, 'disabled');
    core.emit('file.created', { id: 1 });
    expect(await disabled).toEqual([sub.id]);
    const attempts = deliverer.log.filter((a) => a.subscriptionId === sub.id);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => a.status === null && a.error !== null)).toBe(true);
  });

  it('disables a subscription whose events keep failing, and stops sending to it', async () => {
    const failing = await receiver(500);
    const healthy = await receiver();
    const bad = subscribe(failing.url);
    subscribe(healthy.url);
    const disabled = once(deliverer, 'disabled');
    core.emit('list.created', { id: 1 });
    core.emit('list.updated', { id: 1 });
    expect(await disabled).toEqual([bad.id]);
    // Two events, three attempts each, then the subscription is switched off.
    expect(failing.received.map((x) => x.json.type)).toEqual([
      'list.created',
      'list.created',
      'list.created',
      'list.updated',
      'list.updated',
      'list.updated',
    ]);
    expect(bad.disabled).toBe(true);
    expect(bad.updated_at).not.toBeNull();
    core.emit('list.deleted', { id: 1 });
    expect(deliverer.pendingCount()).toBe(1); // only the healthy subscription's
    const got = await healthy.waitFor(3);
    expect(got.map((x) => x.json.type)).toEqual(['list.created', 'list.updated', 'list.deleted']);
    expect(failing.received).toHaveLength(6);
  });

  it('a success resets the failure count', async () => {
    const r = await receiver();
    const sub = subscribe(r.url);
    // First event fails all three attempts, the second succeeds, the third fails again:
    // never two failed events in a row, so the subscription stays enabled.
    r.statuses.push(500, 500, 500, 200, 500, 500, 500);
    core.emit('field.created', { id: 1 });
    core.emit('field.updated', { id: 1 });
    core.emit('field.deleted', { id: 1 });
    const failures: DeliveryAttempt[] = [];
    const delivered: DeliveryAttempt[] = [];
    deliverer.on('failed', (a: DeliveryAttempt) => failures.push(a));
    deliverer.on('delivered', (a: DeliveryAttempt) => delivered.push(a));
    const secondFailure = new Promise<void>((resolve) =>
      deliverer.on('failed', () => failures.length === 2 && resolve()),
    );
    await secondFailure;
    expect(failures.map((a) => a.type)).toEqual(['field.created', 'field.deleted']);
    expect(delivered.map((a) => a.type)).toEqual(['field.updated']);
    expect(r.received).toHaveLength(7);
    expect(sub.disabled).toBe(false);
    expect(sub.consecutive_failures).toBe(1);
  });

  it('close() drops pending retries and ignores later events', async () => {
    const r = await receiver(500);
    subscribe(r.url);
    deliverer.configure({ baseDelayMs: 60_000, maxDelayMs: 60_000 });
    const firstAttempt = once(deliverer, 'attempt');
    core.emit('opportunity.created', { id: 1 });
    await firstAttempt;
    expect(deliverer.pendingCount()).toBe(1); // waiting for its retry
    await deliverer.close();
    expect(deliverer.pendingCount()).toBe(0);
    core.emit('opportunity.updated', { id: 1 });
    expect(deliverer.pendingCount()).toBe(0);
    expect(r.received).toHaveLength(1);
  });

  it('an emulator whose delivery was closed drops later events', async () => {
    const r = await receiver();
    subscribe(r.url);
    await closeWebhookDelivery(core);
    core.emit('person.created', { id: 1 });
    expect(webhookDeliverer(core)).toBe(deliverer);
    expect(deliverer.pendingCount()).toBe(0);
  });

  it('reset drops pending events', async () => {
    const r = await receiver(500);
    subscribe(r.url);
    deliverer.configure({ baseDelayMs: 60_000, maxDelayMs: 60_000 });
    const firstAttempt = once(deliverer, 'attempt');
    core.emit('person.deleted', { id: 1 });
    await firstAttempt;
    core.reset();
    expect(deliverer.pendingCount()).toBe(0);
  });
});

import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhookDeliverer } from '../webhook-delivery.js';
import { type Receiver, startReceiver } from '../webhook-receiver.test-support.js';
import { call, startWorkspace, type Workspace } from './activity.test-support.js';

interface Subscription {
  id: number;
  webhook_url: string;
  subscriptions: string[];
  disabled: boolean;
  created_by: number;
  updated_at: string | null;
}

let w: Workspace;
let receivers: Receiver[];

beforeEach(async () => {
  w = await startWorkspace({
    webhookRetry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2, disableAfterFailedEvents: 2 },
  });
  receivers = [];
});
afterEach(async () => {
  await w.em.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(fallbackStatus = 200): Promise<Receiver> {
  const r = await startReceiver(fallbackStatus);
  receivers.push(r);
  return r;
}

async function subscribe(body: Record<string, unknown>, key?: string): Promise<Subscription> {
  const r = await call<Subscription>(w, 'POST', '/webhook/subscribe', {
    json: body,
    ...(key ? { key } : {}),
  });
  expect(r.status).toBe(200);
  return r.body;
}

describe('webhook subscriptions', () => {
  it('creates (JSON or form), lists and gets subscriptions', async () => {
    const a = await subscribe({
      webhook_url: 'https://hooks.example.com/a',
      subscriptions: ['note.created'],
    });
    expect(a).toEqual({
      id: expect.any(Number),
      webhook_url: 'https://hooks.example.com/a',
      subscriptions: ['note.created'],
      disabled: false,
      created_by: w.ann,
      updated_at: null,
    });
    const b = await call<Subscription>(w, 'POST', '/webhook/subscribe', {
      form: `webhook_url=${encodeURIComponent('https://hooks.example.com/b')}`,
      key: w.carlKey,
    });
    expect(b.body).toMatchObject({ subscriptions: [], created_by: w.carl });
    expect((await call(w, 'GET', '/webhook')).body).toEqual([a, b.body]);
    expect((await call(w, 'GET', `/webhook/${a.id}`)).body).toEqual(a);
    expect((await call(w, 'GET', '/webhook/999999')).status).toBe(404);
  });

  it('allows three subscriptions per instance and validates url and events', async () => {
    const post = (json: Record<string, unknown>) => call(w, 'POST', '/webhook/subscribe', { json });
    expect((await post({})).status).toBe(422);
    expect((await post({ webhook_url: 'not a url' })).status).toBe(422);
    expect((await post({ webhook_url: 'ftp://x.example.com/' })).status).toBe(422);
    expect(
      (await post({ webhook_url: 'https://x.example.com/', subscriptions: ['note.exploded'] })).status,
    ).toBe(422);
    for (const n of [1, 2, 3]) await subscribe({ webhook_url: `https://x.example.com/${n}` });
    const fourth = await post({ webhook_url: 'https://x.example.com/4' });
    expect(fourth.status).toBe(422);
  });

  it('lets only the creator update, and the creator or an admin delete', async () => {
    const carls = await subscribe({ webhook_url: 'https://x.example.com/c' }, w.carlKey);
    const anns = await subscribe({ webhook_url: 'https://x.example.com/a' });
    expect((await call(w, 'PUT', `/webhook/${carls.id}`, { json: { disabled: true } })).status).toBe(403);
    w.clock.advance(1000);
    const up = await call<Subscription>(w, 'PUT', `/webhook/${carls.id}`, {
      form: 'disabled=true&subscriptions[]=person.created&subscriptions[]=file.created',
      key: w.carlKey,
    });
    expect(up.body).toMatchObject({
      disabled: true,
      subscriptions: ['person.created', 'file.created'],
      updated_at: '2024-03-15T05:00:01.000-07:00',
    });
    expect(
      (await call(w, 'PUT', `/webhook/${carls.id}`, { json: { webhook_url: 'nope' }, key: w.carlKey }))
        .status,
    ).toBe(422);
    expect((await call(w, 'PUT', '/webhook/999999', { json: { disabled: true } })).status).toBe(404);
    expect((await call(w, 'DELETE', `/webhook/${anns.id}`, { key: w.carlKey })).status).toBe(403);
    // Ann holds the instance's first key: she may delete Carl's subscription.
    expect((await call(w, 'DELETE', `/webhook/${carls.id}`)).body).toEqual({ success: true });
    expect((await call(w, 'GET', `/webhook/${carls.id}`)).status).toBe(404);
  });
});

describe('webhook delivery over HTTP', () => {
  it('delivers the events of notes, files, reminders and other modules with the API bodies', async () => {
    const r = await receiver();
    await subscribe({ webhook_url: r.url });
    const note = await call(w, 'POST', '/notes', { json: { person_ids: [w.bob], content: 'hi' } });
    const form = new FormData();
    form.append('person_id', String(w.bob));
    form.append('file', new Blob(['x']), 'x.txt');
    await call(w, 'POST', '/entity-files', { multipart: form });
    const rem = await call<{ id: number }>(w, 'POST', '/reminders', {
      json: { owner_id: w.ann, type: 0, due_date: '2024-04-01' },
    });
    await call(w, 'PUT', `/reminders/${rem.body.id}`, { json: { content: 'c' } });
    const person = await call(w, 'POST', '/persons', {
      json: { first_name: 'Eve', last_name: 'New', emails: ['eve@new.com'] },
    });
    expect(person.status).toBe(200);
    const got = await r.waitFor(5);
    expect(got.map((x) => x.json.type)).toEqual([
      'note.created',
      'file.created',
      'reminder.created',
      'reminder.updated',
      'person.created',
    ]);
    expect(got[0]?.json).toEqual({
      type: 'note.created',
      body: note.body,
      sent_at: Date.parse(w.clock.now.toISOString()) / 1000,
    });
    expect(got[1]?.json.body).toMatchObject({ name: 'x.txt', person_id: w.bob, personId: w.bob });
    expect(got[4]?.json.body).toEqual(person.body);
  });

  it('sends a subscription only the events it lists', async () => {
    const notes = await receiver();
    const all = await receiver();
    await subscribe({ webhook_url: notes.url, subscriptions: ['note.deleted'] });
    await subscribe({ webhook_url: all.url });
    const n = await call<{ id: number }>(w, 'POST', '/notes', {
      json: { person_ids: [w.bob], content: 'x' },
    });
    await call(w, 'DELETE', `/notes/${n.body.id}`);
    expect((await all.waitFor(2)).map((x) => x.json.type)).toEqual(['note.created', 'note.deleted']);
    // Deliveries to one subscription keep their order: a note.created would have come first.
    expect((await notes.waitFor(1)).map((x) => x.json.type)).toEqual(['note.deleted']);
  });

  it('retries after a failed attempt, and disables a subscription that keeps failing', async () => {
    const flaky = await receiver();
    flaky.statuses.push(500);
    const sub = await subscribe({ webhook_url: flaky.url, subscriptions: ['reminder.created'] });
    const deliverer = webhookDeliverer(w.em.core);
    const delivered = once(deliverer, 'delivered');
    await call(w, 'POST', '/reminders', { json: { owner_id: w.ann, type: 0, due_date: '2024-04-01' } });
    await delivered;
    const two = await flaky.waitFor(2);
    expect(two[0]?.json.body).toEqual(two[1]?.json.body);

    flaky.fallbackStatus = 503;
    const disabled = once(deliverer, 'disabled');
    await call(w, 'POST', '/reminders', { json: { owner_id: w.ann, type: 0, due_date: '2024-04-02' } });
    await call(w, 'POST', '/reminders', { json: { owner_id: w.ann, type: 0, due_date: '2024-04-03' } });
    expect(await disabled).toEqual([sub.id]);
    expect(flaky.received).toHaveLength(6);
    expect((await call<Subscription>(w, 'GET', `/webhook/${sub.id}`)).body.disabled).toBe(true);

    // Re-enabled by its creator, it receives events again.
    flaky.fallbackStatus = 200;
    await call(w, 'PUT', `/webhook/${sub.id}`, { json: { disabled: false } });
    await call(w, 'POST', '/reminders', { json: { owner_id: w.ann, type: 0, due_date: '2024-04-04' } });
    const seven = await flaky.waitFor(7);
    expect(seven[6]?.json.body).toMatchObject({ due_date: '2024-04-04T00:00:00.000-07:00' });
  });
});

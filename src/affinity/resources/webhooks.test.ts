import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEventSchema } from '../schemas/webhooks.js';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('webhooks', () => {
  it('list and get', async () => {
    h.server.on('GET', '/webhook', { json: ex.getWebhooks });
    const all = await h.client.webhooks.all();
    expect(h.server.last().path).toBe('/webhook');
    expect(all).toEqual(ex.getWebhooks);
    h.server.on('GET', '/webhook/1234', { json: ex.getWebhook }, { json: ex.webhookResource });
    expect(await h.client.webhooks.get(1234)).toEqual(ex.getWebhook);
    expect(await h.client.webhooks.get(1234)).toEqual(ex.webhookResource);
  });

  it('create posts to /webhook/subscribe', async () => {
    h.server.on('POST', '/webhook/subscribe', { json: ex.createWebhook });
    const created = await h.client.webhooks.create({ webhook_url: 'https://hooks.example.com/webhook' });
    expect(h.server.lastJson()).toEqual({ webhook_url: 'https://hooks.example.com/webhook' });
    expect(created).toEqual(ex.createWebhook);
    await h.client.webhooks.create({
      webhook_url: 'https://hooks.example.com/webhook',
      subscriptions: ['person.created', 'organization.merged'],
    });
    expect(h.server.lastJson()).toEqual({
      webhook_url: 'https://hooks.example.com/webhook',
      subscriptions: ['person.created', 'organization.merged'],
    });
  });

  it('update, delete; a live answer with updated_at parses', async () => {
    const live = { ...ex.updateWebhook, updated_at: '2024-05-01T10:00:00.000Z' };
    h.server.on('PUT', '/webhook/1234', { json: ex.updateWebhook }, { json: live });
    const updated = await h.client.webhooks.update(1234, {
      webhook_url: 'https://hooks.example.com/webhook',
      disabled: true,
    });
    expect(h.server.last().method).toBe('PUT');
    expect(h.server.lastJson()).toEqual({ webhook_url: 'https://hooks.example.com/webhook', disabled: true });
    expect(updated).toEqual(ex.updateWebhook);
    expect(await h.client.webhooks.update(1234, { subscriptions: [] })).toEqual(live);
    expect(h.server.lastJson()).toEqual({ subscriptions: [] });
    h.server.on('DELETE', '/webhook/1234', { json: ex.success });
    expect(await h.client.webhooks.delete(1234)).toEqual({ success: true });
  });

  it('refuses a webhook_url that is not an http(s) URL', async () => {
    await expect(h.client.webhooks.create({ webhook_url: 'hooks.example.com' })).rejects.toThrow(
      'webhook_url is not a URL',
    );
  });

  it('the delivered event example parses', () => {
    expect(webhookEventSchema.parse(ex.webhookEvent)).toEqual(ex.webhookEvent);
  });
});

describe('whoami and rate limit', () => {
  it('whoami keeps its camelCase keys', async () => {
    h.server.on('GET', '/auth/whoami', { json: ex.getWhoami });
    const me = await h.client.whoami.get();
    expect(h.server.last().path).toBe('/auth/whoami');
    expect(me).toEqual(ex.getWhoami);
    expect(me.user.firstName).toBe('John');
    expect(me.grant.createdAt).toBe('2020-12-14T09:00:00.000-05:00');
  });

  it('rate limit: numbers, and "unlimited" strings on unlimited plans', async () => {
    const unlimited = {
      rate: {
        org_monthly: { limit: 'unlimited', remaining: 'unlimited', reset: 2124845, used: 7 },
        api_key_per_minute: { limit: 900, remaining: 899, reset: 59, used: 1 },
      },
    };
    h.server.on('GET', '/rate-limit', { json: ex.getRateLimit }, { json: unlimited });
    expect(await h.client.rateLimit.get()).toEqual(ex.getRateLimit);
    const info = await h.client.rateLimit.get();
    expect(info.rate.org_monthly.limit).toBe('unlimited');
    expect(h.server.last().path).toBe('/rate-limit');
  });
});

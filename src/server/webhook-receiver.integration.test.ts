import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { runPull } from '../app/pull.js';
import { createSchedule } from '../app/schedules.js';
import { demoWorkspaceFacts } from '../emulator/seeds/index.js';

/**
 * Affinity webhooks end to end: the emulator delivers real webhooks over HTTP to the running
 * server's receiver; deliveries are processed as pg-boss jobs and change My CRM.
 */

let server: TestServer;
let portfolioId: number;
let dealsId: number;
const facts = demoWorkspaceFacts();

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A request to the emulator's Affinity API with a user's key. */
async function affinity<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  key?: string,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${server.emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`:${key ?? server.emulator.apiKey}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return server.store.query<T>(query);
}

/** Waits until every delivery is processed, ignored or failed; returns the newest of `type`. */
async function settled(type: string) {
  return until(`a settled ${type} delivery`, async () => {
    const [row] = await q<{ id: number; status: string; api_calls: number; error: string | null }>(sql`
      SELECT id, status, api_calls, error FROM sync_webhook_deliveries WHERE type = ${type} ORDER BY id DESC LIMIT 1`);
    return row && row.status !== 'queued' ? row : undefined;
  });
}

const calls = () => server.emulator.stats().total;

let receiverUrl: string;
let webhookId: number;

describe.each(['pglite', 'postgres'] as const)('Affinity webhooks on %s', (backend) => {
  beforeAll(async () => {
    server = await startTestServer({
      backend,
      jobs: true,
      emulator: { webhookRetry: { baseDelayMs: 20, maxDelayMs: 100 } },
    });
    const lists = await affinity<Array<{ id: number; name: string }>>('GET', '/lists');
    portfolioId = lists.json.find((l) => l.name === facts.lists.portfolio)!.id;
    await runPull(server.ctx('admin'), { lists: [portfolioId], withFields: true });
    dealsId = lists.json.find((l) => l.name === facts.lists.deals)!.id;
    await runPull(server.ctx('admin'), { lists: [dealsId] });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('lets only admins subscribe, rotate and remove; members read the slots', async () => {
    const denied = await server.fetch('/api/webhooks', {
      method: 'POST',
      body: {},
      token: server.member.token,
    });
    expect(denied.status).toBe(403);
    expect(
      (await server.fetch('/api/webhooks/1/rotate', { method: 'POST', token: server.member.token })).status,
    ).toBe(403);
    expect(
      (await server.fetch('/api/webhooks/1', { method: 'DELETE', token: server.member.token })).status,
    ).toBe(403);
    const read = await server.fetch<{ free: number; note: string }>('/api/webhooks', {
      token: server.member.token,
    });
    expect(read.status).toBe(200);
    expect(read.json.free).toBe(3);
    expect(read.json.note).toMatch(/scheduled pulls/);
  });

  it('subscribes the receiver for the events a pull needs', async () => {
    const res = await server.fetch<{
      webhookId: number;
      subscriptionId: number;
      receiverUrl: string;
      events: string[];
    }>('/api/webhooks', { method: 'POST', body: { publicUrl: server.url } });
    expect(res.status).toBe(201);
    expect(res.json.receiverUrl).toMatch(new RegExp(`^${server.url}/webhooks/affinity/[A-Za-z0-9_-]{43}$`));
    expect(res.json.events).toEqual(
      expect.arrayContaining(['list_entry.created', 'field_value.updated', 'organization.merged']),
    );
    receiverUrl = res.json.receiverUrl;
    webhookId = res.json.webhookId;
    const [stored] = await q<{ secret_hash: string }>(
      sql`SELECT secret_hash FROM sync_webhooks WHERE id = ${webhookId}`,
    );
    expect(receiverUrl).not.toContain(stored!.secret_hash);
    const at = await affinity<Array<{ id: number; webhook_url: string }>>('GET', '/webhook');
    expect(at.json).toEqual([
      expect.objectContaining({ id: res.json.subscriptionId, webhook_url: receiverUrl }),
    ]);
    const slots = await server.fetch<{ slots: Array<{ ours: boolean; url: string }> }>('/api/webhooks');
    expect(slots.json.slots).toEqual([expect.objectContaining({ ours: true })]);
    expect(slots.json.slots[0]!.url).not.toContain(receiverUrl.split('/').pop());
  });

  let addedEntry: { id: number; entityId: number };

  it('list_entry.created: the new entry is fetched and ingested into My CRM, matched, with a few calls', async () => {
    const inCrm = new Set(
      (
        await q<{ affinity_id: number }>(
          sql`SELECT affinity_id FROM crm_records WHERE affinity_type = 'organization'`,
        )
      ).map((r) => Number(r.affinity_id)),
    );
    const orgs = await affinity<{ organizations: Array<{ id: number }> }>(
      'GET',
      '/organizations?page_size=200',
    );
    const org = orgs.json.organizations.find((o) => !inCrm.has(o.id))!;
    const before = calls();
    const created = await affinity<{ id: number }>('POST', `/lists/${portfolioId}/list-entries`, {
      entity_id: org.id,
    });
    expect(created.status).toBe(200);
    addedEntry = { id: created.json.id, entityId: org.id };
    await until('the entry in My CRM', async () => {
      const [m] = await q(sql`SELECT 1 FROM crm_memberships WHERE list_entry_id = ${created.json.id}`);
      return m;
    });
    const delivery = await settled('list_entry.created');
    expect(delivery.status).toBe('processed');
    const [record] = await q<{ presence: string; match_status: string }>(sql`
      SELECT presence, match_status FROM crm_records WHERE affinity_type = 'organization' AND affinity_id = ${org.id}`);
    expect(record?.presence).toBe('listed');
    // The entry, its field values (the list is pulled with fields), perhaps the fields once.
    expect(delivery.api_calls).toBeGreaterThanOrEqual(2);
    expect(delivery.api_calls).toBeLessThanOrEqual(3);
    expect(calls() - before - 1).toBe(delivery.api_calls);
  });

  it('field_value.updated: the value is refreshed in My CRM with one call', async () => {
    const [value] = await q<{ field_value_id: number; affinity_id: number }>(sql`
      SELECT v.field_value_id, v.affinity_id FROM crm_field_values v
      WHERE v.list_id = ${portfolioId} AND v.value_type = 3 AND jsonb_typeof(v.value) = 'number'
      ORDER BY v.field_value_id LIMIT 1`);
    expect(value).toBeDefined();
    const before = calls();
    const put = await affinity('PUT', `/field-values/${value!.field_value_id}`, {
      value: 987654,
    });
    expect(put.status).toBe(200);
    await until('the new value in My CRM', async () => {
      const [v] = await q<{ value: unknown }>(
        sql`SELECT value FROM crm_field_values WHERE field_value_id = ${value!.field_value_id}`,
      );
      return Number(v?.value) === 987654;
    });
    const delivery = await settled('field_value.updated');
    expect(delivery.status).toBe('processed');
    expect(delivery.api_calls).toBe(1);
    expect(calls() - before - 1).toBe(1);
  });

  it('organization.merged: the merged record is relinked to the surviving organization', async () => {
    const [from] = await q<{ affinity_id: number }>(sql`
      SELECT m.affinity_id FROM crm_memberships m WHERE m.affinity_list_id = ${portfolioId}
        AND m.list_entry_id <> ${addedEntry.id} ORDER BY m.list_entry_id LIMIT 1`);
    const inCrm = new Set(
      (
        await q<{ affinity_id: number }>(
          sql`SELECT affinity_id FROM crm_records WHERE affinity_type = 'organization'`,
        )
      ).map((r) => Number(r.affinity_id)),
    );
    const orgs = await affinity<{ organizations: Array<{ id: number }> }>(
      'GET',
      '/organizations?page_size=200',
    );
    const into = orgs.json.organizations.find((o) => !inCrm.has(o.id))!;
    const fromId = Number(from!.affinity_id);
    const merged = await affinity('POST', '/_emulator/merge-organizations', { from: fromId, into: into.id });
    expect(merged.status).toBe(200);
    await until('the record relinked', async () => {
      const rows = await q<{ affinity_id: number }>(sql`
        SELECT affinity_id FROM crm_records WHERE affinity_type = 'organization' AND affinity_id IN (${fromId}, ${into.id})`);
      return rows.length === 1 && Number(rows[0]!.affinity_id) === into.id;
    });
    const delivery = await settled('organization.merged');
    expect(delivery.status).toBe('processed');
    expect(delivery.api_calls).toBeLessThanOrEqual(2);
    const [membership] = await q(sql`
      SELECT 1 FROM crm_memberships WHERE affinity_list_id = ${portfolioId} AND affinity_type = 'organization' AND affinity_id = ${into.id}`);
    expect(membership).toBeDefined();
  });

  it('list_entry.deleted: the entry leaves the list in My CRM', async () => {
    const del = await affinity('DELETE', `/lists/${portfolioId}/list-entries/${addedEntry.id}`);
    expect(del.status).toBe(200);
    await until('the entry gone from My CRM', async () => {
      const rows = await q(sql`SELECT 1 FROM crm_memberships WHERE list_entry_id = ${addedEntry.id}`);
      return rows.length === 0;
    });
    const [record] = await q<{ presence: string }>(sql`
      SELECT presence FROM crm_records WHERE affinity_type = 'organization' AND affinity_id = ${addedEntry.entityId}`);
    expect(record?.presence).toBe('off-list');
    expect((await settled('list_entry.deleted')).status).toBe('processed');
  });

  it('organization.updated: the record is refreshed; an Affinity error marks the delivery failed with the reason', async () => {
    // Global organizations cannot be renamed: take one of the list's own.
    const members = await q<{ affinity_id: number }>(sql`
      SELECT m.affinity_id FROM crm_memberships m WHERE m.affinity_list_id = ${portfolioId}
      ORDER BY m.list_entry_id`);
    let id = 0;
    for (const m of members) {
      const o = await affinity<{ global: boolean }>('GET', `/organizations/${m.affinity_id}`);
      if (!o.json.global) {
        id = Number(m.affinity_id);
        break;
      }
    }
    const renamed = await affinity('PUT', `/organizations/${id}`, { name: 'Renamed By Webhook Inc' });
    expect(renamed.status).toBe(200);
    await until('the new name in My CRM', async () => {
      const [r] = await q<{ name: string }>(sql`
        SELECT name FROM crm_records WHERE affinity_type = 'organization' AND affinity_id = ${id}`);
      return r?.name === 'Renamed By Webhook Inc';
    });
    expect((await settled('organization.updated')).status).toBe('processed');

    server.emulator.setConfig({ script: [{ route: 'GET /organizations/{organization_id}', status: 422 }] });
    await affinity('PUT', `/organizations/${id}`, { name: 'Never Seen In My CRM' });
    const failed = await until('the failed delivery', async () => {
      const [row] = await q<{ status: string; error: string | null }>(sql`
        SELECT status, error FROM sync_webhook_deliveries WHERE type = 'organization.updated'
          AND body->'body'->>'name' = 'Never Seen In My CRM' AND status <> 'queued'`);
      return row;
    });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBeTruthy();
    const [r] = await q<{ name: string }>(sql`
      SELECT name FROM crm_records WHERE affinity_type = 'organization' AND affinity_id = ${id}`);
    expect(r?.name).toBe('Renamed By Webhook Inc');
    const listed = await server.fetch<{ deliveries: Array<{ status: string; error: string | null }> }>(
      '/api/webhooks/deliveries?status=failed',
    );
    expect(listed.json.deliveries[0]).toMatchObject({ status: 'failed', error: failed.error });
  });

  it('an opportunity added to a pulled list: ingested with its organizations', async () => {
    const inCrm = new Set(
      (
        await q<{ affinity_id: number }>(
          sql`SELECT affinity_id FROM crm_records WHERE affinity_type = 'organization'`,
        )
      ).map((r) => Number(r.affinity_id)),
    );
    const orgs = await affinity<{ organizations: Array<{ id: number }> }>(
      'GET',
      '/organizations?page_size=300',
    );
    const org = orgs.json.organizations.filter((o) => !inCrm.has(o.id))[5]!;
    const made = await affinity<{ id: number }>('POST', '/opportunities', {
      name: 'Webhook Series A',
      list_id: dealsId,
      organization_ids: [org.id],
    });
    expect(made.status).toBe(200);
    const opp = await until('the opportunity in My CRM', async () => {
      const [r] = await q<{ name: string; organization_ids: number[]; presence: string }>(sql`
        SELECT name, organization_ids, presence FROM crm_records
        WHERE affinity_type = 'opportunity' AND affinity_id = ${made.json.id}`);
      return r && r.organization_ids.length > 0 ? r : undefined;
    });
    expect(opp).toMatchObject({ name: 'Webhook Series A', presence: 'listed' });
    expect((await settled('list_entry.created')).status).toBe('processed');
    expect(opp.organization_ids.map(Number)).toEqual([org.id]);
    const [related] = await q<{ presence: string }>(sql`
      SELECT presence FROM crm_records WHERE affinity_type = 'organization' AND affinity_id = ${org.id}`);
    expect(related?.presence).toBe('related');
  });

  it('while a pull of the connection runs, a delivery waits for it to end', async () => {
    if (backend !== 'pglite') return; // the same queue on both; once is enough (it waits 15 s)
    const [conn] = await q<{ id: number }>(sql`SELECT id FROM sync_connections LIMIT 1`);
    const [run] = await q<{ id: number }>(sql`
      INSERT INTO sync_runs (kind, trigger, actor, connection_id, status, heartbeat_at)
      VALUES ('pull', 'api', 'test', ${conn!.id}, 'running', now()) RETURNING id`);
    const [value] = await q<{ field_value_id: number }>(sql`
      SELECT field_value_id FROM crm_field_values WHERE list_id = ${portfolioId} AND value_type = 3
        AND jsonb_typeof(value) = 'number' ORDER BY field_value_id DESC LIMIT 1`);
    await affinity('PUT', `/field-values/${value!.field_value_id}`, { value: 55555 });
    const schema = (server.deps.jobs as unknown as { schema: string }).schema;
    await until('the delivery deferred behind the pull', async () => {
      const rows = await q(
        sql.raw(
          `SELECT 1 FROM "${schema}".job WHERE name = 'webhook-deliveries' AND (data->>'deferrals')::int >= 1`,
        ),
      );
      return rows.length > 0;
    });
    const [waiting] = await q<{ value: unknown }>(
      sql`SELECT value FROM crm_field_values WHERE field_value_id = ${value!.field_value_id}`,
    );
    expect(Number(waiting?.value)).not.toBe(55555);
    await q(sql`UPDATE sync_runs SET status = 'succeeded', finished_at = now() WHERE id = ${run!.id}`);
    await until(
      'the value once the pull ended',
      async () => {
        const [v] = await q<{ value: unknown }>(
          sql`SELECT value FROM crm_field_values WHERE field_value_id = ${value!.field_value_id}`,
        );
        return Number(v?.value) === 55555;
      },
      60_000,
    );
  }, 90_000);

  it('ignores events about lists My CRM does not pull, and says so', async () => {
    const lists = await affinity<Array<{ id: number; name: string }>>('GET', '/lists');
    const watchlist = lists.json.find((l) => l.name === facts.lists.watchlist)!.id;
    const orgs = await affinity<{ organizations: Array<{ id: number }> }>(
      'GET',
      '/organizations?page_size=50',
    );
    const before = calls();
    const created = await affinity<{ id: number }>('POST', `/lists/${watchlist}/list-entries`, {
      entity_id: orgs.json.organizations[3]!.id,
    });
    expect(created.status).toBe(200);
    const delivery = await until('the ignored delivery', async () => {
      const [row] = await q<{ status: string; api_calls: number; error: string }>(sql`
        SELECT status, api_calls, error FROM sync_webhook_deliveries
        WHERE type = 'list_entry.created' AND body->'body'->>'id' = ${String(created.json.id)} AND status <> 'queued'`);
      return row;
    });
    expect(delivery).toMatchObject({ status: 'ignored', api_calls: 0 });
    expect(delivery.error).toMatch(/not pulled/);
    expect(calls() - before).toBe(1);
  });

  it('refuses an unknown secret (404) and a stale sent_at, and dedupes a repeat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { type: 'list.created', body: { id: 424242, name: 'x' }, sent_at: now };
    const wrong = await fetch(`${server.url}/webhooks/affinity/not-the-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(wrong.status).toBe(404);
    const post = (body: unknown) =>
      fetch(receiverUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const count = async () =>
      Number((await q<{ n: number }>(sql`SELECT count(*)::int AS n FROM sync_webhook_deliveries`))[0]!.n);
    const n0 = await count();
    // No delivery (Affinity checking the URL answers): 200, nothing stored; an unknown URL still 404.
    const ping = await post({});
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ received: false });
    const unknownPing = await fetch(`${server.url}/webhooks/affinity/nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unknownPing.status).toBe(404);
    expect(await count()).toBe(n0);
    const stale = await post({ ...payload, sent_at: now - 3600 });
    expect(stale.status).toBe(400);
    expect(await stale.text()).toMatch(/replay window/);
    expect(await count()).toBe(n0);
    const first = await post(payload);
    expect(first.status).toBe(202);
    const again = await post(payload);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await count()).toBe(n0 + 1);
  });

  it('rotate: the old URL is dead at once and Affinity posts to the new one', async () => {
    const res = await server.fetch<{ receiverUrl: string }>(`/api/webhooks/${webhookId}/rotate`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
    expect(res.json.receiverUrl).not.toBe(receiverUrl);
    const payload = { type: 'list.created', body: { id: 1 }, sent_at: Math.floor(Date.now() / 1000) };
    const old = await fetch(receiverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(old.status).toBe(404);
    const at = await affinity<Array<{ webhook_url: string }>>('GET', '/webhook');
    expect(at.json[0]!.webhook_url).toBe(res.json.receiverUrl);
    receiverUrl = res.json.receiverUrl;
    // A real change after the rotation still reaches My CRM.
    const [value] = await q<{ field_value_id: number }>(sql`
      SELECT field_value_id FROM crm_field_values WHERE list_id = ${portfolioId} AND value_type = 3
        AND jsonb_typeof(value) = 'number' ORDER BY field_value_id LIMIT 1`);
    await affinity('PUT', `/field-values/${value!.field_value_id}`, { value: 123123 });
    await until('the value after rotation', async () => {
      const [v] = await q<{ value: unknown }>(
        sql`SELECT value FROM crm_field_values WHERE field_value_id = ${value!.field_value_id}`,
      );
      return Number(v?.value) === 123123;
    });
  });

  it('lists deliveries, paged', async () => {
    const page = await server.fetch<{ total: number; deliveries: Array<{ type: string; status: string }> }>(
      '/api/webhooks/deliveries?limit=2',
      { token: server.member.token },
    );
    expect(page.status).toBe(200);
    expect(page.json.deliveries).toHaveLength(2);
    expect(page.json.total).toBeGreaterThan(2);
  });

  it('when all 3 slots are someone else’s: refused naming them, theirs untouched, fallback to schedules', async () => {
    const removed = await server.fetch<{ deletedAtAffinity: boolean }>(`/api/webhooks/${webhookId}`, {
      method: 'DELETE',
    });
    expect(removed.status).toBe(200);
    expect(removed.json.deletedAtAffinity).toBe(true);
    expect((await affinity<unknown[]>('GET', '/webhook')).json).toEqual([]);
    const otherKey = facts.users[1]!.apiKey!;
    for (const n of [1, 2, 3]) {
      const made = await affinity(
        'POST',
        '/webhook/subscribe',
        { webhook_url: `https://hooks.example.com/other-${n}` },
        otherKey,
      );
      expect(made.status).toBe(200);
    }
    const theirs = (await affinity<unknown[]>('GET', '/webhook')).json;
    const refused = await server.fetch<{
      error: { code: string; message: string; details: { subscriptions: unknown[] } };
    }>('/api/webhooks', { method: 'POST', body: { publicUrl: server.url } });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/all 3 webhook subscriptions/);
    expect(refused.json.error.message).toContain('https://hooks.example.com/other-2');
    expect(refused.json.error.message).toMatch(/scheduled pulls/);
    expect(refused.json.error.details.subscriptions).toHaveLength(3);
    expect((await affinity<unknown[]>('GET', '/webhook')).json).toEqual(theirs);
    const slots = await server.fetch<{ free: number; slots: Array<{ ours: boolean }>; note: string }>(
      '/api/webhooks',
    );
    expect(slots.json.free).toBe(0);
    expect(slots.json.slots.map((s) => s.ours)).toEqual([false, false, false]);
    expect(slots.json.note).toMatch(/someone else's.*scheduled pulls/);
    // With a pull schedule, the fallback names it.
    await createSchedule(server.ctx('admin'), { name: 'daily pull', kind: 'pull', intervalMinutes: 1440 });
    const named = await server.fetch<{ note: string }>('/api/webhooks');
    expect(named.json.note).toMatch(/scheduled pulls keep My CRM fresh \("daily pull", next at /);
    const [row] = await q<{ n: number }>(sql`SELECT count(*)::int AS n FROM sync_webhooks`);
    expect(row?.n).toBe(0);
  });
});

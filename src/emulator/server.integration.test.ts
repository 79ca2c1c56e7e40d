import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Seed } from './seed-builder.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from './server.js';

const seed: Seed = (b) => {
  b.addUser({ firstName: 'Ada', lastName: 'Admin', email: 'ada@firm.vc', apiKey: 'key-ada' });
  b.addUser({ firstName: 'Bo', lastName: 'Basic', email: 'bo@firm.vc', apiKey: 'key-bo' });
  for (let i = 0; i < 12; i++) b.addOrganization({ name: `Acme ${i}`, domain: `acme${i}.com` });
};

const running: RunningEmulator[] = [];
async function start(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({ seed, ...opts });
  running.push(emu);
  return emu;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const basic = (key: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}`,
});

async function api(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
  key = emu.apiKey,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { ...basic(key), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const RATE_HEADERS = [
  'x-ratelimit-limit-user',
  'x-ratelimit-limit-user-remaining',
  'x-ratelimit-limit-user-reset',
  'x-ratelimit-limit-org',
  'x-ratelimit-limit-org-remaining',
  'x-ratelimit-limit-org-reset',
];

describe('auth', () => {
  it('accepts the key as Basic password (any username) or as Bearer, and 401s otherwise', async () => {
    const emu = await start();
    expect(emu.apiKey).toBe('key-ada');
    const withUser = await fetch(`${emu.url}/auth/whoami`, {
      headers: { Authorization: `Basic ${Buffer.from('whoever:key-bo').toString('base64')}` },
    });
    expect(withUser.status).toBe(200);
    expect(((await withUser.json()) as { user: { firstName: string } }).user.firstName).toBe('Bo');
    const bearer = await fetch(`${emu.url}/auth/whoami`, { headers: { Authorization: 'Bearer key-ada' } });
    expect(((await bearer.json()) as { user: { email: string } }).user.email).toBe('ada@firm.vc');
    for (const headers of [
      {},
      basic('wrong'),
      { Authorization: 'Bearer ' },
      { Authorization: 'Token key-ada' },
    ]) {
      const res = await fetch(`${emu.url}/organizations`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Your API key is invalid.' });
      for (const h of RATE_HEADERS) expect(res.headers.get(h)).not.toBeNull();
    }
  });

  it('whoami uses camelCase keys and names tenant, user and grant', async () => {
    const emu = await start();
    const { body } = await api(emu, 'GET', '/auth/whoami');
    expect(body).toMatchObject({
      tenant: { name: expect.any(String), subdomain: expect.any(String) },
      user: { firstName: 'Ada', lastName: 'Admin', email: 'ada@firm.vc' },
      grant: { type: 'api_key', scope: 'external_api', createdAt: expect.any(String) },
    });
  });

  it('--api-key style keys: the first replaces the default key, more keys map to further users', async () => {
    const emu = await startEmulator({ seed: 'empty', apiKeys: ['k1', 'k2', 'k3'] });
    running.push(emu);
    expect(emu.apiKey).toBe('k1');
    const ids = new Set<number>();
    for (const k of ['k1', 'k2', 'k3']) {
      const { status, body } = await api(emu, 'GET', '/auth/whoami', undefined, k);
      expect(status).toBe(200);
      ids.add((body as { user: { id: number } }).user.id);
    }
    expect(ids.size).toBe(3);
  });
});

describe('rate limits', () => {
  it('sends all six headers on every answer, consistent with GET /rate-limit', async () => {
    const emu = await start({ monthlyLimit: 1000 });
    for (const [m, p] of [
      ['GET', '/organizations'],
      ['GET', '/organizations/999999'],
      ['POST', '/organizations'],
      ['GET', '/no/such/route'],
    ] as const) {
      const r = await api(emu, m, p, m === 'POST' ? {} : undefined);
      for (const h of RATE_HEADERS) expect(r.headers.get(h), `${h} on ${m} ${p}`).not.toBeNull();
    }
    const r = await api(emu, 'GET', '/rate-limit');
    const rate = (r.body as { rate: Record<string, Record<string, number>> }).rate;
    expect(rate.api_key_per_minute).toMatchObject({ limit: 900, used: 5, remaining: 895 });
    expect(rate.org_monthly).toMatchObject({ limit: 1000, used: 5, remaining: 995 });
    expect(r.headers.get('x-ratelimit-limit-user-remaining')).toBe('895');
    expect(r.headers.get('x-ratelimit-limit-org-remaining')).toBe('995');
    expect(r.headers.get('x-ratelimit-limit-org')).toBe('1000');
  });

  it('shows "unlimited" strings on unlimited plans', async () => {
    const emu = await start({ monthlyLimit: 'unlimited' });
    const r = await api(emu, 'GET', '/rate-limit');
    expect((r.body as { rate: { org_monthly: unknown } }).rate.org_monthly).toMatchObject({
      limit: 'unlimited',
      remaining: 'unlimited',
    });
    expect(r.headers.get('x-ratelimit-limit-org')).toBe('unlimited');
  });

  it('429s past the per-minute limit of a key, other keys unaffected, until the minute turns', async () => {
    let now = Date.parse('2026-03-10T10:00:05Z');
    const emu = await start({ ratePerMinute: 3, now: () => new Date(now) });
    for (let i = 0; i < 3; i++) expect((await api(emu, 'GET', '/lists')).status).toBe(200);
    const limited = await api(emu, 'GET', '/lists');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: expect.any(String) });
    expect(limited.headers.get('x-ratelimit-limit-user-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-limit-user-reset')).toBe('55');
    expect((await api(emu, 'GET', '/lists', undefined, 'key-bo')).status).toBe(200);
    now += 60_000;
    expect((await api(emu, 'GET', '/lists')).status).toBe(200);
    expect(emu.stats().rateLimited).toBe(1);
  });

  it('429s past the monthly account limit', async () => {
    const emu = await start({ monthlyLimit: 2 });
    expect((await api(emu, 'GET', '/lists')).status).toBe(200);
    expect((await api(emu, 'GET', '/lists', undefined, 'key-bo')).status).toBe(200);
    const r = await api(emu, 'GET', '/lists');
    expect(r.status).toBe(429);
    expect(r.headers.get('x-ratelimit-limit-org-remaining')).toBe('0');
  });

  it('429s requests beyond the concurrency cap', async () => {
    const emu = await start({ maxConcurrent: 1, latencyMs: 300 });
    const [a, b] = await Promise.all([
      api(emu, 'GET', '/lists'),
      api(emu, 'GET', '/lists', undefined, 'key-bo'),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 429]);
  });
});

describe('faults', () => {
  it('injects faults per route template, and scripts "the write lands but the answer is a 500"', async () => {
    const emu = await start({ faults: { routes: { 'POST /organizations': { faultRate: 1, status: 503 } } } });
    const r = await api(emu, 'POST', '/organizations', { name: 'Never' });
    expect(r.status).toBe(503);
    for (const h of RATE_HEADERS) expect(r.headers.get(h)).not.toBeNull();
    expect((await api(emu, 'GET', '/organizations?term=never')).body).toMatchObject({ organizations: [] });

    emu.setConfig({ routes: {}, script: [{ route: 'POST /organizations', status: 500, afterWrite: true }] });
    const lost = await api(emu, 'POST', '/organizations', { name: 'Landed Inc' });
    expect(lost.status).toBe(500);
    const found = await api(emu, 'GET', '/organizations?term=landed');
    expect((found.body as { organizations: unknown[] }).organizations).toHaveLength(1);
    expect((await api(emu, 'POST', '/organizations', { name: 'Second Inc' })).status).toBe(200);
  });

  it('is deterministic with a fault seed', async () => {
    const statuses = async (): Promise<number[]> => {
      const emu = await start({ faultRate: 0.5, faultSeed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await api(emu, 'GET', '/lists')).status);
      return out;
    };
    const a = await statuses();
    const b = await statuses();
    expect(a).toEqual(b);
    expect(a.some((s) => s !== 200)).toBe(true);
    expect(a.some((s) => s === 200)).toBe(true);
    expect(a.every((s) => [200, 429, 500, 503].includes(s))).toBe(true);
  });
});

describe('pagination tokens', () => {
  it('pages with opaque tokens bound to their query; the last page has next_page_token null', async () => {
    const emu = await start();
    const first = await api(emu, 'GET', '/organizations?term=acme&page_size=5');
    const b1 = first.body as { organizations: Array<{ id: number }>; next_page_token: string };
    expect(b1.organizations).toHaveLength(5);
    const decoded = JSON.parse(Buffer.from(b1.next_page_token, 'base64').toString()) as Record<
      string,
      unknown
    >;
    expect(decoded).toMatchObject({ params: { term: 'acme' }, page_size: 5, offset: 5 });
    const second = await api(
      emu,
      'GET',
      `/organizations?term=acme&page_token=${encodeURIComponent(b1.next_page_token)}`,
    );
    const b2 = second.body as { organizations: Array<{ id: number }>; next_page_token: string };
    expect(b2.organizations).toHaveLength(5);
    expect(b2.organizations[0]?.id).not.toBe(b1.organizations[0]?.id);
    const third = await api(
      emu,
      'GET',
      `/organizations?term=acme&page_token=${encodeURIComponent(b2.next_page_token)}`,
    );
    expect(third.body).toMatchObject({ next_page_token: null });
    expect((third.body as { organizations: unknown[] }).organizations).toHaveLength(2);

    const reused = await api(
      emu,
      'GET',
      `/organizations?term=other&page_token=${encodeURIComponent(b1.next_page_token)}`,
    );
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ message: 'Invalid page_token variable' });
    const garbage = await api(emu, 'GET', '/organizations?page_token=not-a-token');
    expect(garbage.status).toBe(422);
  });

  it('caps page_size at 500', async () => {
    const emu = await start();
    const r = await api(emu, 'GET', '/organizations?page_size=100000');
    const token = (r.body as { next_page_token: string | null }).next_page_token;
    expect(token).toBeNull();
    expect((r.body as { organizations: unknown[] }).organizations).toHaveLength(12);
  });
});

describe('bodies', () => {
  it('parses form-encoded bodies with repeated key[] arrays and query arrays', async () => {
    const emu = await start();
    const res = await fetch(`${emu.url}/persons`, {
      method: 'POST',
      headers: { ...basic(emu.apiKey), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'first_name=Form&last_name=Body&emails[]=a%40form.io&emails[]=b%40form.io',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      emails: ['a@form.io', 'b@form.io'],
      primary_email: 'a@form.io',
    });
  });

  it('parses multipart bodies: fields into the body', async () => {
    const emu = await start();
    const form = new FormData();
    form.append('name', 'Multipart Co');
    form.append('domain', 'multipart.co');
    const res = await fetch(`${emu.url}/organizations`, {
      method: 'POST',
      headers: basic(emu.apiKey),
      body: form,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Multipart Co', domain: 'multipart.co' });
  });

  it('answers 422 to malformed JSON', async () => {
    const emu = await start();
    const res = await fetch(`${emu.url}/organizations`, {
      method: 'POST',
      headers: { ...basic(emu.apiKey), 'Content-Type': 'application/json' },
      body: '{nope',
    });
    expect(res.status).toBe(422);
  });
});

describe('admin API', () => {
  const admin = async (emu: RunningEmulator, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator/${path}`, {
      method,
      ...(body ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('counts requests by method, route template and status; resets them', async () => {
    const emu = await start();
    await api(emu, 'GET', '/organizations/1');
    await api(emu, 'GET', '/organizations/999999');
    await api(emu, 'GET', '/lists', undefined, 'bad');
    const { body } = await admin(emu, 'GET', 'stats');
    expect(body.total).toBe(3);
    expect(body.byRoute).toEqual(
      expect.arrayContaining([
        { method: 'GET', route: '/organizations/{organization_id}', status: 404, count: 2 },
        { method: 'GET', route: '/lists', status: 401, count: 1 },
      ]),
    );
    await admin(emu, 'DELETE', 'stats');
    expect((await admin(emu, 'GET', 'stats')).body).toMatchObject({ total: 0, byRoute: [] });
  });

  it('reads and changes the config (limits, faults, latency); rejects invalid config', async () => {
    const emu = await start();
    expect((await admin(emu, 'GET', 'config')).body).toMatchObject({ ratePerMinute: 900, faultRate: 0 });
    const put = await admin(emu, 'PUT', 'config', { ratePerMinute: 1, monthlyLimit: 50 });
    expect(put.body).toMatchObject({ ratePerMinute: 1, monthlyLimit: 50 });
    expect((await api(emu, 'GET', '/lists')).status).toBe(200);
    expect((await api(emu, 'GET', '/lists')).status).toBe(429);
    expect((await admin(emu, 'PUT', 'config', { faultRate: 2 })).status).toBe(422);
    expect((await admin(emu, 'PUT', 'config', { bogus: true })).status).toBe(422);
  });

  it('exports the workspace, reseeds from it, and resets to the start seed', async () => {
    const emu = await start();
    await api(emu, 'POST', '/organizations', { name: 'Exported Org', domain: 'exported.org' });
    const exported = (await admin(emu, 'GET', 'export')).body;
    expect(exported.format).toBe('affinity-emulator-workspace');
    await admin(emu, 'POST', 'reset');
    expect((await api(emu, 'GET', '/organizations?term=exported')).body).toMatchObject({ organizations: [] });
    expect((await admin(emu, 'POST', 'seed', exported)).status).toBe(200);
    const back = await api(emu, 'GET', '/organizations?term=exported');
    expect((back.body as { organizations: unknown[] }).organizations).toHaveLength(1);
    const empty = await admin(emu, 'POST', 'seed', { seed: 'empty' });
    expect(empty.status).toBe(200);
    expect(
      (await api(emu, 'GET', '/organizations', undefined, String(empty.body.apiKey))).body,
    ).toMatchObject({
      organizations: [],
    });
    expect((await admin(emu, 'POST', 'seed', { seed: 'nope' })).status).toBe(400);
  });

  it('refuses a malformed workspace with 400 naming each problem, and keeps the state', async () => {
    const emu = await start();
    const before = (await admin(emu, 'GET', 'export')).body;
    const orgs = async () =>
      ((await api(emu, 'GET', '/organizations')).body as { organizations: unknown[] }).organizations.length;
    expect(await orgs()).toBe(12);

    const envelope = await admin(emu, 'POST', 'seed', {
      format: 'affinity-emulator-workspace',
      version: 1,
      tables: { organizations: 'x' },
    });
    expect(envelope.status).toBe(400);
    expect(envelope.body.problems).toEqual([expect.stringMatching(/^tables\.organizations: .*array/)]);
    expect(envelope.body.message).toContain('tables.organizations');

    // Row by row: a bad person, an organization without its name, an id used twice.
    const tables = structuredClone(before.tables) as Record<string, Array<Record<string, unknown>>>;
    const persons = tables.persons as Array<Record<string, unknown>>;
    const organizations = tables.organizations as Array<Record<string, unknown>>;
    (persons[0] as Record<string, unknown>).emails = 'ada@firm.vc';
    delete (organizations[1] as Record<string, unknown>).name;
    (organizations[2] as Record<string, unknown>).id = (organizations[3] as { id: number }).id;
    const rows = await admin(emu, 'POST', 'seed', { ...before, tables });
    expect(rows.status).toBe(400);
    expect(rows.body.problems).toEqual([
      expect.stringMatching(/^tables\.persons\[0\]\.emails: /),
      expect.stringMatching(/^tables\.organizations\[1\]\.name: /),
      expect.stringMatching(
        /^tables\.organizations\[3\]\.id: id \d+ is already the id of tables\.organizations\[2\]$/,
      ),
    ]);
    for (const body of [{ format: 'something-else', tables: {} }, { seed: 'nope' }, { seed: 42 }, {}]) {
      expect((await admin(emu, 'POST', 'seed', body)).status).toBe(400);
    }
    expect(
      (await admin(emu, 'POST', 'reset', { seed: { format: 'affinity-emulator-workspace' } })).status,
    ).toBe(400);

    // Nothing was replaced: same workspace, same key.
    expect(await orgs()).toBe(12);
    expect((await admin(emu, 'GET', 'export')).body).toEqual(before);
    // A valid one still loads, given bare or as {"workspace": …} / {"seed": …}.
    for (const body of [before, { workspace: before }, { seed: before }]) {
      expect((await admin(emu, 'POST', 'seed', body)).status).toBe(200);
    }
  });

  it('merges organizations and emits organization.merged', async () => {
    const emu = await start();
    const events: string[] = [];
    const orgs = (await api(emu, 'GET', '/organizations?term=acme')).body as {
      organizations: Array<{ id: number }>;
    };
    const [a, b] = orgs.organizations as [{ id: number }, { id: number }];
    const seen = new Promise<void>((resolve) => {
      const orig = emu.core.emit.bind(emu.core);
      emu.core.emit = (type, body) => {
        events.push(type);
        orig(type, body);
        resolve();
      };
    });
    const r = await admin(emu, 'POST', 'merge-organizations', { from: a.id, into: b.id });
    expect(r.status).toBe(200);
    await seen;
    expect(events).toContain('organization.merged');
    expect((await api(emu, 'GET', `/organizations/${a.id}`)).status).toBe(404);
    expect((await api(emu, 'GET', `/organizations/${b.id}`)).body).toMatchObject({
      domains: ['acme1.com', 'acme0.com'],
    });
  });
});

describe('bodies over the limit', () => {
  /** One raw request with node:http: status, headers, body and how the connection ended. */
  function rawPost(
    emu: RunningEmulator,
    headers: Record<string, string>,
    body: Buffer | null,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${emu.url}/organizations`, {
        method: 'POST',
        headers: { ...basic(emu.apiKey), ...headers },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body) req.end(body);
      else req.flushHeaders();
    });
  }

  it("answers 413 in Affinity's error shape after the body, then closes the connection", async () => {
    const emu = await start();
    const body = Buffer.alloc(50 * 1024 * 1024 + 1, 0x20);
    const res = await rawPost(
      emu,
      { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
      body,
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ message: 'Request body too large: the limit is 50 MB.' });
    expect(res.headers.connection).toBe('close');
    for (const h of RATE_HEADERS) expect(res.headers[h]).toBeDefined();
    // Without a declared length too (chunked).
    const chunked = await rawPost(
      emu,
      { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body,
    );
    expect(chunked.status).toBe(413);
    // The emulator is fine afterwards, and nothing was written.
    const after = await api(emu, 'GET', '/organizations');
    expect((after.body as { organizations: unknown[] }).organizations).toHaveLength(12);
  });

  it('answers 413 at once to a client waiting for 100 Continue', async () => {
    const emu = await start();
    const res = await rawPost(
      emu,
      {
        'Content-Type': 'application/json',
        'Content-Length': String(60 * 1024 * 1024),
        Expect: '100-continue',
      },
      null,
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ message: 'Request body too large: the limit is 50 MB.' });
  });
});

describe('state file', () => {
  it('saves atomically on close and loads at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const state = join(dir, 'state.json');
      const emu = await startEmulator({ seed, state });
      await api(emu, 'POST', '/organizations', { name: 'Persisted Ltd', domain: 'persisted.io' });
      await emu.close();
      const saved = JSON.parse(readFileSync(state, 'utf8')) as { format: string };
      expect(saved.format).toBe('affinity-emulator-workspace');
      const again = await startEmulator({ state });
      expect(again.apiKey).toBe('key-ada');
      const r = await api(again, 'GET', '/organizations?term=persisted');
      expect((r.body as { organizations: Array<{ domain: string }> }).organizations[0]?.domain).toBe(
        'persisted.io',
      );
      const created = await api(again, 'POST', '/organizations', { name: 'After Load' });
      const ids = (
        (await api(again, 'GET', '/organizations')).body as { organizations: Array<{ id: number }> }
      ).organizations.map((o) => o.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toContain((created.body as { id: number }).id);
      await again.close();
      const resaved = JSON.parse(readFileSync(state, 'utf8')) as { tables: { organizations: unknown[] } };
      expect(resaved.tables.organizations).toHaveLength(14);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keys given at start replace the stored keys of those users', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const state = join(dir, 'state.json');
      const first = await startEmulator({ seed, state, apiKeys: ['old-key'] });
      expect((await api(first, 'GET', '/auth/whoami', undefined, 'old-key')).status).toBe(200);
      await first.close();
      const again = await startEmulator({ state, apiKeys: ['new-key'] });
      expect(again.apiKey).toBe('new-key');
      const whoami = await api(again, 'GET', '/auth/whoami', undefined, 'new-key');
      expect(whoami.status).toBe(200);
      expect(whoami.body).toMatchObject({ user: { email: 'ada@firm.vc' } });
      // The first user's former keys (the seed's and the previous run's) no longer work.
      expect((await api(again, 'GET', '/auth/whoami', undefined, 'old-key')).status).toBe(401);
      expect((await api(again, 'GET', '/auth/whoami', undefined, 'key-ada')).status).toBe(401);
      // A user no key was given for keeps its own.
      expect((await api(again, 'GET', '/auth/whoami', undefined, 'key-bo')).status).toBe(200);
      await again.close();
      const saved = JSON.parse(readFileSync(state, 'utf8')) as {
        tables: { api_keys: Array<{ key: string }> };
      };
      expect(saved.tables.api_keys.map((k) => k.key).sort()).toEqual(['key-bo', 'new-key']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start from an invalid state file, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const state = join(dir, 'state.json');
      writeFileSync(
        state,
        JSON.stringify({
          format: 'affinity-emulator-workspace',
          version: 1,
          sequence: 1,
          tables: { persons: [{ id: 1 }] },
        }),
      );
      await expect(startEmulator({ state })).rejects.toThrow(/tables\.persons\[0\]\.first_name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Conformance of the client's transport against the emulator's auth, limits, faults, pagination
 * tokens and request statistics: 401, 404, a per-minute 429 the client waits out (on the
 * emulator's clock, moved by the client's own sleeps), the monthly quota, injected 503s on a GET
 * (retried) and a POST (not retried), a reused page token, and the client's counters and events
 * against `GET /_emulator/stats`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AffinityAuthError,
  AffinityClient,
  type AffinityError,
  AffinityNotFoundError,
  AffinityQuotaExhaustedError,
  AffinityServerError,
  AffinityValidationError,
  type ClientEvent,
  createTransport,
  type HttpTransport,
  type TransportOptions,
} from '../../src/affinity/index.js';
import type { EmulatorStats, RunningEmulator } from '../../src/emulator/index.js';
import {
  caught,
  configure,
  countOf,
  type Ids,
  KEYS,
  raw,
  resetStats,
  resetWorkspace,
  startWorkspace,
  stats,
} from './support.js';

// Half a minute into a minute, so the per-minute window resets 30 s later on the emulator's clock.
const START = '2024-03-15T12:00:30.000Z';
const clock = { now: new Date(START) };

let em: RunningEmulator;
let ids: Ids;

beforeAll(async () => {
  ({ em, ids } = await startWorkspace({ now: () => clock.now }));
});
afterAll(async () => {
  await em.close();
});
beforeEach(async () => {
  clock.now = new Date(START);
  await resetWorkspace(em);
  await configure(em, {
    ratePerMinute: 900,
    monthlyLimit: 'unlimited',
    script: [],
    routes: {},
    faultRate: 0,
  });
  await resetStats(em);
});

interface Observed {
  client: AffinityClient;
  transport: HttpTransport;
  events: ClientEvent[];
  sleeps: number[];
}

/** A client whose transport's counters and events the test reads; retry waits are recorded, not slept. */
function observed(key: string, extra: Partial<TransportOptions> = {}): Observed {
  const events: ClientEvent[] = [];
  const sleeps: number[] = [];
  const transport = createTransport({
    apiKey: key,
    baseUrl: em.url,
    onEvent: (e) => events.push(e),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    ...extra,
  });
  return { client: new AffinityClient({ transport }), transport, events, sleeps };
}

/** The emulator's counts as `METHOD /route STATUS → n`. */
function byRoute(s: EmulatorStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of s.byRoute)
    out[`${r.method} ${r.route} ${r.status}`] = (out[`${r.method} ${r.route} ${r.status}`] ?? 0) + r.count;
  return out;
}

/** The client's `response` events counted the same way. */
function responsesOf(events: ClientEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    if (e.type !== 'response') continue;
    const key = `${e.endpoint} ${e.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('authentication and missing resources', () => {
  it('answers a bad key with AffinityAuthError, not retried', async () => {
    const o = observed('not-a-key');
    const err = await caught(() => o.client.whoami.get());
    expect(err).toBeInstanceOf(AffinityAuthError);
    expect((err as AffinityAuthError).status).toBe(401);
    expect((err as AffinityAuthError).message).toMatch(/invalid/i);
    expect((err as AffinityAuthError).message).not.toContain('not-a-key');
    expect(o.transport.stats()).toMatchObject({ requests: 1, retries: 0, responsesByStatus: { '401': 1 } });
    expect(countOf(await stats(em), 'GET', '/auth/whoami', 401)).toBe(1);
  });

  it('accepts the key as a Bearer token too', async () => {
    const me = await observed(KEYS.bo, { auth: 'bearer' }).client.whoami.get();
    expect(me.user.id).toBe(ids.bo);
  });

  it('answers 404 with AffinityNotFoundError on every kind of resource', async () => {
    const { client } = observed(KEYS.ada);
    const missing = 987_654_321;
    const calls: Array<() => Promise<unknown>> = [
      () => client.lists.get(missing),
      () => client.listEntries.get(ids.people, missing),
      () => client.persons.get(missing),
      () => client.organizations.get(missing),
      () => client.opportunities.get(missing),
      () => client.interactions.get(missing, 0),
      () => client.notes.get(missing),
      () => client.entityFiles.get(missing),
      () => client.reminders.get(missing),
      () => client.webhooks.get(missing),
      () => client.fieldValues.update(missing, 'x'),
      () => client.fields.delete(missing),
    ];
    for (const call of calls) {
      const err = await caught(call);
      expect(err).toBeInstanceOf(AffinityNotFoundError);
      expect((err as AffinityError).status).toBe(404);
    }
  });
});

describe('rate limits', () => {
  it('waits for the reset a per-minute 429 gives, then succeeds', async () => {
    await configure(em, { ratePerMinute: 2 });
    // Another process of the same key spends the minute's budget.
    expect((await raw(em, 'GET', '/auth/whoami', KEYS.cy)).status).toBe(200);
    expect((await raw(em, 'GET', '/auth/whoami', KEYS.cy)).status).toBe(200);

    // The client sleeps on the emulator's clock: waiting moves it.
    const o = observed(KEYS.cy, {
      now: () => clock.now.getTime(),
      sleep: async (ms) => {
        o.sleeps.push(ms);
        clock.now = new Date(clock.now.getTime() + ms);
      },
    });
    const me = await o.client.whoami.get();
    expect(me.user.id).toBe(ids.cy);

    expect(o.sleeps).toEqual([30_000]);
    expect(o.events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual([
      '429: waiting retry-after',
    ]);
    expect(o.events.some((e) => e.type === 'throttled' && e.source === 'server')).toBe(true);
    expect(o.transport.stats()).toMatchObject({ requests: 2, retries: 1, throttled: 1 });
    const s = await stats(em);
    expect(countOf(s, 'GET', '/auth/whoami', 429)).toBe(1);
    expect(countOf(s, 'GET', '/auth/whoami', 200)).toBe(3);
    expect(s.rateLimited).toBe(1);
  });

  it('fails fast with AffinityQuotaExhaustedError when the monthly quota is spent', async () => {
    await configure(em, { monthlyLimit: 0 });
    const o = observed(KEYS.bo);
    const err = await caught(() => o.client.organizations.get(ids.acme));
    expect(err).toBeInstanceOf(AffinityQuotaExhaustedError);
    const quota = err as AffinityQuotaExhaustedError;
    expect(quota.status).toBe(429);
    // Seconds to the end of March on the emulator's clock.
    expect(quota.resetSeconds).toBe((Date.parse('2024-04-01T00:00:00Z') - Date.parse(START)) / 1000);
    expect(o.sleeps).toEqual([]);
    expect(o.transport.stats()).toMatchObject({ requests: 1, retries: 0, throttled: 1 });
    expect(countOf(await stats(em), 'GET', '/organizations/{organization_id}', 429)).toBe(1);

    const numbers = await raw(em, 'GET', '/rate-limit', KEYS.bo);
    expect(numbers.status).toBe(429);
    expect(numbers.headers.get('x-ratelimit-limit-org-remaining')).toBe('0');
  });
});

describe('injected faults', () => {
  it('retries a GET answered 503 and succeeds', async () => {
    await configure(em, { script: [{ route: 'GET /organizations/{organization_id}', status: 503 }] });
    const o = observed(KEYS.ada);
    const acme = await o.client.organizations.get(ids.acme);
    expect(acme.id).toBe(ids.acme);
    expect(o.sleeps).toHaveLength(1);
    expect(o.transport.stats()).toMatchObject({
      requests: 2,
      retries: 1,
      responsesByStatus: { '503': 1, '200': 1 },
    });
    const s = await stats(em);
    expect(s.faultsInjected).toBe(1);
    expect(countOf(s, 'GET', '/organizations/{organization_id}', 503)).toBe(1);
    expect(countOf(s, 'GET', '/organizations/{organization_id}', 200)).toBe(1);
  });

  it('does not repeat a POST answered 503 and says it may have landed', async () => {
    await configure(em, { script: [{ route: 'POST /organizations', status: 503 }] });
    const o = observed(KEYS.ada);
    const err = await caught(() => o.client.organizations.create({ name: 'Once Only', domain: 'once.io' }));
    expect(err).toBeInstanceOf(AffinityServerError);
    expect((err as AffinityServerError).status).toBe(503);
    expect((err as AffinityServerError).mayHaveLanded).toBe(true);
    expect(o.sleeps).toEqual([]);
    expect(o.transport.stats()).toMatchObject({ requests: 1, retries: 0 });
    const s = await stats(em);
    expect(countOf(s, 'POST', '/organizations')).toBe(1);
    expect(countOf(s, 'POST', '/organizations', 503)).toBe(1);
  });

  it('shows why: a 503 after the write leaves the organization created, exactly once', async () => {
    await configure(em, { script: [{ route: 'POST /organizations', status: 503, afterWrite: true }] });
    const o = observed(KEYS.ada);
    const err = await caught(() =>
      o.client.organizations.create({ name: 'Landed Anyway', domain: 'landed.io' }),
    );
    expect((err as AffinityServerError).mayHaveLanded).toBe(true);
    const found = await o.client.organizations.search({ term: 'landed.io' });
    expect(found.organizations.map((x) => x.name)).toEqual(['Landed Anyway']);
    expect(countOf(await stats(em), 'POST', '/organizations')).toBe(1);
  });
});

describe('pagination tokens', () => {
  it('answers 422 when a page token is sent with other parameters', async () => {
    const { client } = observed(KEYS.ada);
    const first = await client.persons.search({ term: 'doe', page_size: 1 });
    const token = first.next_page_token as string;
    expect(token).toEqual(expect.any(String));
    const second = await client.persons.search({ term: 'doe', page_size: 1, page_token: token });
    expect(second.persons).toHaveLength(1);
    expect(second.persons[0]?.id).not.toBe(first.persons[0]?.id);

    const err = await caught(() => client.persons.search({ term: 'jane', page_size: 1, page_token: token }));
    expect(err).toBeInstanceOf(AffinityValidationError);
    expect((err as AffinityValidationError).messages).toEqual(['Invalid page_token variable']);
    const orgToken = (await client.organizations.search({ page_size: 1 })).next_page_token as string;
    const other = await caught(() =>
      client.organizations.search({ with_interaction_dates: true, page_size: 1, page_token: orgToken }),
    );
    expect((other as AffinityValidationError).messages).toEqual(['Invalid page_token variable']);
  });
});

describe('statistics', () => {
  it("matches the client's counters and events with GET /_emulator/stats", async () => {
    await configure(em, { script: [{ route: 'GET /lists', status: 500 }] });
    const o = observed(KEYS.ada);
    const { client } = o;
    await client.whoami.get();
    await client.lists.all();
    await client.persons.search({ term: 'doe' });
    await client.listEntries.create(ids.people, { entity_id: ids.john });
    await caught(() => client.persons.get(987_654_321));
    await caught(() =>
      client.fieldValues.create({
        field_id: ids.status,
        entity_id: ids.deal,
        list_entry_id: ids.dealEntry,
        value: 'Won',
      }),
    );
    for await (const _ of client.organizations.iterate({ page_size: 1 })) {
      // three pages of one organization each
    }
    await client.entityFiles.upload({ person_id: ids.jane, file: { name: 'a.txt', data: 'abc' } });
    const [file] = (await client.entityFiles.page({ person_id: ids.jane })).entity_files;
    const download = await client.entityFiles.download(file?.id as number);
    expect(await download.text()).toBe('abc');
    // Every API call counts against the key's minute, this one included; the file itself is
    // fetched from storage, outside the API and its budget.
    const budget = await client.rateLimit.get();
    expect(budget.rate.api_key_per_minute.used).toBe(o.transport.stats().requests);

    const all = await stats(em);
    // The storage fetch is the one request the emulator served outside the API.
    const storage = all.byRoute.filter((r) => r.route.startsWith('/_storage/'));
    expect(storage.map((r) => [r.method, r.status, r.count])).toEqual([['GET', 200, 1]]);
    const s = { ...all, total: all.total - 1, byRoute: all.byRoute.filter((r) => !storage.includes(r)) };
    const mine = o.transport.stats();
    expect(mine.requests).toBe(s.total);
    expect(mine.retries).toBe(1);
    const statuses: Record<string, number> = {};
    for (const r of s.byRoute) statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + r.count;
    expect(mine.responsesByStatus).toEqual(statuses);
    expect(responsesOf(o.events)).toEqual(byRoute(s));
    expect(o.events.filter((e) => e.type === 'request')).toHaveLength(s.total);
    expect(byRoute(s)).toMatchObject({
      'GET /lists 500': 1,
      'GET /lists 200': 1,
      'GET /organizations 200': 3,
      'POST /lists/{list_id}/list-entries 200': 1,
      'GET /persons/{person_id} 404': 1,
      'POST /field-values 422': 1,
      'GET /entity-files/download/{entity_file_id} 302': 1,
    });
  });
});

import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AffinityAuthError,
  AffinityConnectionError,
  AffinityQuotaExhaustedError,
  AffinityResponseValidationError,
  AffinityServerError,
  AffinityValidationError,
} from './errors.js';
import type { ClientEvent } from './events.js';
import { createTransport, type TransportOptions } from './http.js';
import {
  type Responder,
  type ScriptedReply,
  type ScriptedServer,
  startScriptedServer,
  virtualClock,
} from './test-server.js';

const API_KEY = 'sk_live_Zq9xY7wV5uT3sR1pO';
const anything = z.unknown();
const ok = z.looseObject({ ok: z.literal(true) });

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: ScriptedReply[] | Responder): Promise<ScriptedServer> {
  const server = await startScriptedServer(script);
  servers.push(server);
  return server;
}

/** A transport on a virtual clock, recording its events. Each server has its own port, hence its own governor. */
function client(server: ScriptedServer, options: Partial<TransportOptions> = {}) {
  const clock = virtualClock();
  const events: ClientEvent[] = [];
  const transport = createTransport({
    apiKey: API_KEY,
    baseUrl: server.url,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { transport, clock, events };
}

const get = { method: 'GET' as const, path: '/ping', endpoint: 'GET /ping', schema: ok };
const post = {
  method: 'POST' as const,
  path: '/persons',
  endpoint: 'POST /persons',
  json: { first_name: 'Jane', last_name: 'Doe', emails: ['jane@example.com'] },
  schema: anything,
};

describe('transport over real HTTP', () => {
  it('sends Basic auth with the key as password and an empty user, or Bearer', async () => {
    const server = await serve([{ json: { ok: true } }, { json: { ok: true } }]);
    await client(server).transport.request(get);
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`:${API_KEY}`).toString('base64')}`,
    );
    const bearer = createTransport({ apiKey: API_KEY, baseUrl: `${server.url}/`, auth: 'bearer' });
    await bearer.request(get);
    expect(server.requests[1]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('encodes queries and bodies as the reference does', async () => {
    const server = await serve(() => ({ json: { ok: true } }));
    const { transport } = client(server);
    await transport.request({
      ...get,
      query: { term: 'doe', person_ids: [1, 2], with_opportunities: true, page_token: undefined, x: null },
    });
    expect(server.requests[0]?.path).toBe('/ping');
    expect(server.requests[0]?.query.getAll('person_ids[]')).toEqual(['1', '2']);
    expect(server.requests[0]?.query.get('with_opportunities')).toBe('true');
    expect([...(server.requests[0]?.query.keys() ?? [])]).toEqual([
      'term',
      'person_ids[]',
      'person_ids[]',
      'with_opportunities',
    ]);

    await transport.request({ ...post, schema: ok });
    expect(server.requests[1]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[1]?.body ?? '')).toEqual(post.json);

    await transport.request({ ...get, method: 'PUT', form: { content: 'a&b', type: 2 } });
    expect(server.requests[2]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(server.requests[2]?.body).toBe('content=a%26b&type=2');

    const form = new FormData();
    form.append('person_id', '1');
    form.append('file', new Blob(['hello']), 'hello.txt');
    await transport.request({ ...post, multipart: form, json: undefined, schema: ok });
    expect(server.requests[3]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(server.requests[3]?.body).toContain('filename="hello.txt"');
  });

  it('429 → 429 → 200 waits as Retry-After and then the reset header say', async () => {
    const server = await serve([
      { status: 429, headers: { 'retry-after': '2' }, json: { message: 'Too many requests' } },
      {
        status: 429,
        headers: { 'x-ratelimit-limit-user-remaining': '0', 'x-ratelimit-limit-user-reset': '5' },
        text: 'slow down',
      },
      { json: { ok: true }, headers: { 'x-ratelimit-limit-user-remaining': '899' } },
    ]);
    const { transport, clock, events } = client(server);
    // A POST too: Affinity rejects with 429 before doing anything.
    await expect(transport.request({ ...post, schema: ok })).resolves.toEqual({ ok: true });
    // jitter (random 0.5): 0.5 * min(1000, 100 + 10% of the wait)
    expect(clock.waits).toEqual([2000 + 150, 5000 + 300]);
    expect(server.requests).toHaveLength(3);
    expect(transport.stats()).toMatchObject({
      requests: 3,
      retries: 2,
      throttled: 2,
      responsesByStatus: { '429': 2, '200': 1 },
      waitedMs: 7450,
    });
    expect(events.filter((e) => e.type === 'throttled')).toEqual([
      { type: 'throttled', endpoint: 'POST /persons', method: 'POST', delayMs: 2150, source: 'server' },
      { type: 'throttled', endpoint: 'POST /persons', method: 'POST', delayMs: 5300, source: 'server' },
    ]);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.reason)).toEqual([
      '429: waiting retry-after',
      '429: waiting user-reset',
    ]);
    expect(events.filter((e) => e.type === 'request').map((e) => e.type === 'request' && e.attempt)).toEqual([
      1, 2, 3,
    ]);
  });

  it('a 429 beyond maxRetryWaitMs is the exhausted monthly quota', async () => {
    const server = await serve([
      {
        status: 429,
        headers: {
          'x-ratelimit-limit-user-remaining': '880',
          'x-ratelimit-limit-org': '100000',
          'x-ratelimit-limit-org-remaining': '0',
          'x-ratelimit-limit-org-reset': '864000',
        },
        json: { message: 'Monthly limit reached' },
      },
    ]);
    const { transport, clock } = client(server);
    const err = await transport.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityQuotaExhaustedError);
    expect((err as AffinityQuotaExhaustedError).resetSeconds).toBe(864_000);
    expect(clock.waits).toEqual([]);
    expect(transport.rateLimit().org).toEqual({ limit: 100_000, remaining: 0, resetSeconds: 864_000 });
  });

  it('retries a GET after 503', async () => {
    const server = await serve([
      { status: 503, text: '<html><title>Down</title></html>' },
      { json: { ok: true } },
    ]);
    const { transport, clock } = client(server);
    await expect(transport.request(get)).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
    expect(clock.waits).toEqual([375]); // backoff: 250 + 0.5 * 250
    expect(transport.stats().retries).toBe(1);
  });

  it('never repeats a POST after 503 and says it may have landed', async () => {
    const server = await serve([{ status: 503, json: { message: 'unavailable' } }, { json: { ok: true } }]);
    const { transport, clock } = client(server);
    const err = await transport.request(post).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityServerError);
    expect((err as AffinityServerError).mayHaveLanded).toBe(true);
    expect((err as AffinityServerError).status).toBe(503);
    expect(server.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('retries a timed-out GET and gives up on a timed-out POST', async () => {
    const server = await serve([
      { hang: true },
      { json: { ok: true } },
      { hang: true },
      { json: { ok: true } },
    ]);
    // Generous timeout: on a loaded machine the answer to the retried GET must still fit in it.
    const { transport } = client(server, { timeoutMs: 1000 });
    await expect(transport.request(get)).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
    const err = await transport.request(post).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityConnectionError);
    expect(err).toMatchObject({ timedOut: true, mayHaveLanded: true });
    expect((err as Error).message).toBe(
      'POST /persons: timed out after 1000 ms (the write may have been applied)',
    );
    // The POST was sent once and never again (the server may not even have read it before the abort).
    expect(transport.stats().requests).toBe(3);
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(transport.stats().networkErrors).toBe(2);
  });

  it('a dropped connection: GET retried, POST reported as possibly landed', async () => {
    const server = await serve([{ destroy: true }, { json: { ok: true } }, { destroy: true }]);
    const { transport } = client(server);
    await expect(transport.request(get)).resolves.toEqual({ ok: true });
    const err = await transport.request(post).catch((e: unknown) => e);
    expect(err).toMatchObject({ timedOut: false, mayHaveLanded: true });
    expect(server.requests).toHaveLength(3);
  });

  it('a refused connection provably never left: retried, and never "may have landed"', async () => {
    const closed = await startScriptedServer([]);
    const url = closed.url;
    await closed.close();
    const clock = virtualClock();
    const transport = createTransport({ apiKey: API_KEY, baseUrl: url, maxRetries: 2, ...clock });
    const err = await transport.request(post).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityConnectionError);
    expect(err).toMatchObject({ mayHaveLanded: false, timedOut: false });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(transport.stats()).toMatchObject({ requests: 3, retries: 2, networkErrors: 3 });
  });

  it('422 with a bare array body becomes a validation error with its messages', async () => {
    const server = await serve([{ status: 422, json: ['There exists a contact with this email address.'] }]);
    const { transport } = client(server);
    const err = await transport.request(post).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityValidationError);
    expect((err as AffinityValidationError).messages).toEqual([
      'There exists a contact with this email address.',
    ]);
    expect((err as AffinityValidationError).body).toEqual([
      'There exists a contact with this email address.',
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('401 is an auth error, not retried', async () => {
    const server = await serve([{ status: 401, json: { message: 'Unauthorized' } }]);
    const { transport } = client(server);
    await expect(transport.request(get)).rejects.toBeInstanceOf(AffinityAuthError);
    expect(server.requests).toHaveLength(1);
  });

  it('a body that does not match the schema names endpoint and path', async () => {
    const server = await serve([{ json: { ok: 'yes' } }]);
    const { transport } = client(server);
    const err = await transport.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityResponseValidationError);
    expect((err as Error).message).toMatch(/^GET \/ping: ok: /);
  });

  it('requestRaw can stop at a 302 and still throws for errors', async () => {
    const server = await serve([
      { status: 302, headers: { location: 'https://files.example/abc?sig=1' } },
      { status: 404, json: { message: 'Entity file not found.' } },
    ]);
    const { transport } = client(server);
    const spec = {
      method: 'GET' as const,
      path: '/entity-files/download/12',
      endpoint: 'GET /entity-files/download/{entity_file_id}',
      redirect: 'manual' as const,
    };
    const res = await transport.requestRaw(spec);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://files.example/abc?sig=1');
    await expect(transport.requestRaw(spec)).rejects.toThrow('Entity file not found.');
  });

  it('never shows the key: inspect, toString, JSON, errors and events', async () => {
    // A hostile server echoing the credentials it received.
    const server = await serve((req) => ({
      status: 401,
      text: `bad credentials: ${req.headers.authorization}`,
    }));
    const { transport, events } = client(server);
    const basic = Buffer.from(`:${API_KEY}`).toString('base64');
    const err = await transport.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityAuthError);
    const shown = [
      inspect(transport, { showHidden: true, depth: 10 }),
      String(transport),
      JSON.stringify(transport),
      inspect(err, { showHidden: true, depth: 10 }),
      String(err),
      JSON.stringify((err as AffinityAuthError).body),
      JSON.stringify(events),
    ].join('\n');
    expect(shown).toContain('[redacted]');
    expect(shown).toContain(server.url);
    expect(shown).not.toContain(API_KEY);
    expect(shown).not.toContain(basic);
  });

  it('reports rate-limit headers, "unlimited" included, shared by transports of one key', async () => {
    const server = await serve(() => ({
      json: { ok: true },
      headers: {
        'x-ratelimit-limit-user': '900',
        'x-ratelimit-limit-user-remaining': '897',
        'x-ratelimit-limit-user-reset': '41',
        'x-ratelimit-limit-org': 'unlimited',
        'x-ratelimit-limit-org-remaining': 'unlimited',
        'x-ratelimit-limit-org-reset': '1000',
      },
    }));
    const a = client(server).transport;
    const b = client(server).transport;
    expect(a.rateLimit().observedAt).toBeNull();
    await a.request(get);
    expect(b.rateLimit()).toMatchObject({
      user: { limit: 900, remaining: 897, resetSeconds: 41 },
      org: { limit: 'unlimited', remaining: 'unlimited', resetSeconds: 1000 },
    });
    expect(b.stats().requests).toBe(0); // counters stay per transport
  });

  it('adapts to a low Remaining header: waits for the reset before the next request', async () => {
    const server = await serve((req) => ({
      json: { ok: true },
      headers: {
        'x-ratelimit-limit-user-remaining': String(Math.max(0, 1 - req.index)),
        'x-ratelimit-limit-user-reset': '30',
      },
    }));
    const { transport, clock, events } = client(server);
    await transport.request(get); // says 1 remains
    await transport.request(get); // says 0 remain
    expect(clock.now()).toBe(0);
    await transport.request(get);
    expect(clock.now()).toBe(30_000);
    expect(events.filter((e) => e.type === 'throttled')).toEqual([
      { type: 'throttled', endpoint: 'GET /ping', method: 'GET', delayMs: 30_000, source: 'client' },
    ]);
    expect(server.requests).toHaveLength(3);
  });

  it('listeners can unsubscribe, and a throwing listener changes nothing', async () => {
    const server = await serve(() => ({ json: { ok: true } }));
    const { transport } = client(server);
    const seen: string[] = [];
    const off = transport.on((e) => seen.push(e.type));
    transport.on(() => {
      throw new Error('listener bug');
    });
    await transport.request(get);
    off();
    await transport.request(get);
    expect(seen).toEqual(['request', 'response']);
  });
});

describe('governor over real HTTP (real clock)', () => {
  it('never exceeds its rate in any sliding window as the server sees it', async () => {
    const server = await serve(() => ({ json: { ok: true } }));
    const windowMs = 200;
    const rate = 20;
    const held: number[] = [];
    const transport = createTransport({
      apiKey: API_KEY,
      baseUrl: server.url,
      ratePerMinute: rate,
      rateWindowMs: windowMs,
      maxConcurrent: 100,
      onEvent: (e) => {
        if (e.type === 'throttled') held.push(e.delayMs);
      },
    });
    const results = await Promise.all(Array.from({ length: 100 }, () => transport.request(get)));
    expect(results).toHaveLength(100);
    const arrivals = server.requests.map((r) => r.arrivedAt).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(100);
    let worst = 0;
    for (const start of arrivals) {
      const inWindow = arrivals.filter((t) => t >= start && t < start + windowMs).length;
      worst = Math.max(worst, inWindow);
    }
    expect(worst).toBeLessThanOrEqual(rate);
    // At most the first window's budget goes out at once; every later request is held back (on a
    // loaded machine an early one may be held too, so this is a lower bound).
    expect(held.length).toBeGreaterThanOrEqual(100 - rate);
    expect(transport.stats().requests).toBe(100);
  });

  it('caps requests in flight as the server counts them', async () => {
    const server = await serve(() => ({ json: { ok: true }, delayMs: 15 }));
    const transport = createTransport({ apiKey: API_KEY, baseUrl: server.url, maxConcurrent: 3 });
    await Promise.all(Array.from({ length: 24 }, () => transport.request(get)));
    expect(server.requests).toHaveLength(24);
    expect(server.maxInFlight).toBe(3);
  });
});

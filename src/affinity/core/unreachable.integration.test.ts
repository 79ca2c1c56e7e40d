import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { AffinityClient } from '../client.js';
import {
  AffinityConnectionError,
  AffinityServerError,
  AffinityUnparsableResponseError,
  AffinityUnreachableError,
} from './errors.js';
import { createTransport, type TransportOptions } from './http.js';
import { type ScriptedReply, type ScriptedServer, startScriptedServer, virtualClock } from './test-server.js';

const API_KEY = 'sk_live_unreachable_test_key';
const ok = z.looseObject({ ok: z.literal(true) });
const created = z.looseObject({ id: z.number() });
const get = { method: 'GET' as const, path: '/ping', endpoint: 'GET /ping', schema: ok };
const post = {
  method: 'POST' as const,
  path: '/organizations',
  endpoint: 'POST /organizations',
  json: { name: 'Acme' },
  schema: created,
};

const servers: ScriptedServer[] = [];
const emulators: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function serve(script: ScriptedReply[], fallback?: ScriptedReply): Promise<ScriptedServer> {
  const server = await startScriptedServer(script, fallback ? { fallback } : {});
  servers.push(server);
  return server;
}

function transportFor(baseUrl: string, options: Partial<TransportOptions> = {}) {
  const clock = virtualClock();
  const transport = createTransport({
    apiKey: API_KEY,
    baseUrl,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...options,
  });
  return { transport, clock };
}

const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('a dead Affinity stops requests', () => {
  it('a closed port: unreachable after five refused attempts, then fails fast without sending', async () => {
    const closed = await startScriptedServer([]);
    const url = closed.url;
    await closed.close();
    const { transport } = transportFor(url, { maxRetries: 20 });
    const err = await caught(transport.request(get));
    expect(err).toBeInstanceOf(AffinityUnreachableError);
    expect(err).toBeInstanceOf(AffinityConnectionError);
    const e = err as AffinityUnreachableError;
    expect(e.baseUrl).toBe(url);
    expect(e.since).toBeInstanceOf(Date);
    expect(e.message).toBe(
      `Affinity unreachable at ${url} since ${e.since.toISOString()}: GET /ping: network error (ECONNREFUSED)`,
    );
    expect(e.mayHaveLanded).toBe(false);
    expect(transport.stats()).toMatchObject({ requests: 5, retries: 4 });

    // Later requests fail at once, naming the same start of the outage, and send nothing.
    const again = await caught(transport.request(post));
    expect(again).toBeInstanceOf(AffinityUnreachableError);
    expect((again as AffinityUnreachableError).since).toEqual(e.since);
    expect(transport.stats().requests).toBe(5);
  });

  it('counts failures across requests, and a probe that gets an answer brings it back', async () => {
    const down: ScriptedReply = { status: 503, json: { message: 'Service Unavailable' } };
    const server = await serve([down, down, down, down, down], { json: { ok: true, id: 1 } });
    const { transport, clock } = transportFor(server.url, { unreachableProbeMs: 5_000 });
    // POSTs are not repeated after a 5xx: each fails on its own, and the fifth in a row trips it.
    for (let i = 0; i < 4; i++) {
      const err = await caught(transport.request(post));
      expect(err).toBeInstanceOf(AffinityServerError);
      expect(err).not.toBeInstanceOf(AffinityUnreachableError);
    }
    const fifth = await caught(transport.request(post));
    expect(fifth).toBeInstanceOf(AffinityUnreachableError);
    expect(fifth).toMatchObject({ mayHaveLanded: true });
    expect((fifth as Error).message).toMatch(/: POST \/organizations: 503 /);
    expect(server.requests).toHaveLength(5);

    expect(await caught(transport.request(get))).toBeInstanceOf(AffinityUnreachableError);
    expect(server.requests).toHaveLength(5);

    await clock.sleep(5_000);
    await expect(transport.request(get)).resolves.toMatchObject({ ok: true });
    await expect(transport.request(get)).resolves.toMatchObject({ ok: true });
    expect(server.requests).toHaveLength(7);
  });

  it('a success between failures starts the count again', async () => {
    const down: ScriptedReply = { status: 500, json: { message: 'Internal Server Error' } };
    const server = await serve([down, down, down, down, { json: { ok: true } }, down, down, down, down], {
      json: { ok: true },
    });
    const { transport } = transportFor(server.url);
    await expect(transport.request(get)).resolves.toEqual({ ok: true });
    await expect(transport.request(get)).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(10);
  });

  it('does not retry a host name that does not resolve, and names the host', async () => {
    const { transport } = transportFor('http://affinity-sync-no-such-host.invalid', { maxRetries: 5 });
    const err = await caught(transport.request(get));
    expect(err).toBeInstanceOf(AffinityUnreachableError);
    expect((err as Error).message).toMatch(
      /^Affinity unreachable at http:\/\/affinity-sync-no-such-host\.invalid since .*: cannot resolve host affinity-sync-no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/,
    );
    expect(transport.stats()).toMatchObject({ requests: 1, retries: 0 });
  });

  it('the emulator answering 503 to every search: the client stops after five attempts', async () => {
    const emu = await startEmulator({
      port: 0,
      seed: 'empty',
      faults: { routes: { 'GET /organizations': { faultRate: 1, status: 503 } } },
    });
    emulators.push(emu);
    const clock = virtualClock();
    const client = new AffinityClient({
      apiKey: emu.apiKey,
      baseUrl: emu.url,
      now: clock.now,
      sleep: clock.sleep,
      maxRetries: 10,
    });
    const err = await caught(client.organizations.search({ term: 'acme' }));
    expect(err).toBeInstanceOf(AffinityUnreachableError);
    expect((err as Error).message).toContain(`Affinity unreachable at ${emu.url} since `);
    expect(emu.stats().faultsInjected).toBe(5);
    expect(await caught(client.organizations.search({ term: 'acme' }))).toBeInstanceOf(
      AffinityUnreachableError,
    );
    expect(emu.stats().faultsInjected).toBe(5);
  });
});

describe('a 2xx answer that cannot be read', () => {
  it('to a write is an unknown outcome that may have landed', async () => {
    const server = await serve([
      { headers: { 'content-type': 'application/json' }, text: '{"id": 12, "na' },
      { headers: { 'content-type': 'application/json' }, text: '' },
    ]);
    const { transport } = transportFor(server.url);
    const truncated = await caught(transport.request(post));
    expect(truncated).toBeInstanceOf(AffinityUnparsableResponseError);
    expect(truncated).toBeInstanceOf(AffinityServerError);
    expect(truncated).toMatchObject({ mayHaveLanded: true, status: 200 });
    expect((truncated as Error).message).toBe(
      'POST /organizations: 200 with a truncated body (the write may have been applied)',
    );
    const empty = await caught(transport.request(post));
    expect(empty).toMatchObject({ mayHaveLanded: true });
    expect((empty as Error).message).toMatch(/200 with an empty body/);
    expect(server.requests).toHaveLength(2);
  });

  it('to a read is not a write in doubt; a schema that accepts an empty body still gets it', async () => {
    const server = await serve([{ text: '' }, { text: '' }]);
    const { transport } = transportFor(server.url);
    expect(await caught(transport.request(get))).toMatchObject({
      name: 'AffinityUnparsableResponseError',
      mayHaveLanded: false,
    });
    await expect(transport.request({ ...post, schema: z.null() })).resolves.toBeNull();
  });
});

/**
 * Client throughput against the emulator (same machine, real HTTP): 2,000 `GET /organizations/{id}`
 * through `AffinityClient` at the default 8 in flight with a rate limit out of the way, beside the
 * same requests sent with bare `fetch` (what the client's governor, validation and events cost);
 * then 1,000 requests under the 900-per-window governor with the window scaled from a minute to
 * one second, to show the budget being held. Figures only: timings never live in tests.
 */
import { AffinityClient, createTransport } from '../src/affinity/index.js';
import { type Seed, startEmulator } from '../src/emulator/index.js';

const ORGS = 500;
const FAST_REQUESTS = 2_000;
const GOVERNED_REQUESTS = 1_000;
const IN_FLIGHT = 8;

const seed: Seed = (b) => {
  b.addUser({ firstName: 'Bench', lastName: 'Fast', email: 'fast@bench.dev', apiKey: 'bench-fast' });
  b.addUser({ firstName: 'Bench', lastName: 'Raw', email: 'raw@bench.dev', apiKey: 'bench-raw' });
  b.addUser({ firstName: 'Bench', lastName: 'Governed', email: 'gov@bench.dev', apiKey: 'bench-governed' });
  for (let i = 0; i < ORGS; i++) b.addOrganization({ name: `Bench Org ${i}`, domain: `bench-org-${i}.com` });
};

/** Runs `total` calls of `one(i)` with `width` in flight; returns elapsed ms. */
async function pool(total: number, width: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        const i = next++;
        await one(i);
      }
    }),
  );
  return performance.now() - started;
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function run(): Promise<void> {
  const em = await startEmulator({ seed, ratePerMinute: 10_000_000, maxConcurrent: 1_000 });
  try {
    const orgIds = em.core
      .table<{ id: number; name: string }>('organizations')
      .all()
      .map((o) => o.id);
    const idAt = (i: number): number => orgIds[i % orgIds.length] as number;

    // Warm up both paths (JIT, keep-alive sockets) outside the measured runs.
    const fast = new AffinityClient({
      apiKey: 'bench-fast',
      baseUrl: em.url,
      ratePerMinute: 10_000_000,
      maxConcurrent: IN_FLIGHT,
    });
    await pool(200, IN_FLIGHT, async (i) => {
      await fast.organizations.get(idAt(i));
    });
    const auth = `Basic ${Buffer.from(':bench-raw').toString('base64')}`;
    const bare = async (i: number): Promise<void> => {
      const res = await fetch(`${em.url}/organizations/${idAt(i)}`, { headers: { authorization: auth } });
      await res.json();
    };
    await pool(200, IN_FLIGHT, bare);

    const clientMs = await pool(FAST_REQUESTS, IN_FLIGHT, async (i) => {
      await fast.organizations.get(idAt(i));
    });
    const rawMs = await pool(FAST_REQUESTS, IN_FLIGHT, bare);
    const clientRate = (FAST_REQUESTS / clientMs) * 1000;
    const rawRate = (FAST_REQUESTS / rawMs) * 1000;
    process.stdout.write(
      `GET /organizations/{id} x ${fmt(FAST_REQUESTS)}, ${IN_FLIGHT} in flight, no effective rate limit\n` +
        `  client:     ${fmt(clientMs)} ms  ${fmt(clientRate)} req/s  ${fmt(clientMs / FAST_REQUESTS, 3)} ms/req\n` +
        `  bare fetch: ${fmt(rawMs)} ms  ${fmt(rawRate)} req/s  ${fmt(rawMs / FAST_REQUESTS, 3)} ms/req\n` +
        `  client / bare fetch throughput: ${fmt(clientRate / rawRate, 2)}\n`,
    );

    // 900 per minute, scaled to 900 per second: the same budget shape, 60 times faster.
    const sent: number[] = [];
    const governedTransport = createTransport({
      apiKey: 'bench-governed',
      baseUrl: em.url,
      ratePerMinute: 900,
      rateWindowMs: 1_000,
      onEvent: (e) => {
        if (e.type === 'request') sent.push(performance.now());
      },
    });
    const governed = new AffinityClient({ transport: governedTransport });
    const governedMs = await pool(GOVERNED_REQUESTS, IN_FLIGHT, async (i) => {
      await governed.organizations.get(idAt(i));
    });
    const heldMs = governedTransport.stats().waitedMs;
    let busiest = 0;
    let lo = 0;
    for (let hi = 0; hi < sent.length; hi++) {
      while ((sent[hi] as number) - (sent[lo] as number) >= 1_000) lo++;
      busiest = Math.max(busiest, hi - lo + 1);
    }
    const unthrottledMs = (GOVERNED_REQUESTS / clientRate) * 1000;
    process.stdout.write(
      `${fmt(GOVERNED_REQUESTS)} requests under a 900/min governor scaled to a 1 s window\n` +
        `  elapsed: ${fmt(governedMs)} ms (unthrottled at the rate above: ${fmt(unthrottledMs)} ms; ratio ${fmt(governedMs / unthrottledMs, 2)})\n` +
        `  busiest 1 s window: ${fmt(busiest)} requests sent (budget 900)\n` +
        `  time requests spent held by the governor, summed: ${fmt(heldMs)} ms\n`,
    );
  } finally {
    await em.close();
  }
}

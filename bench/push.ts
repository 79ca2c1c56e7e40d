/**
 * Push cost against the emulator (real HTTP, embedded PGlite): 1,000 new companies, each created
 * with 5 mapped fields and added to a list; then the same push again unchanged (aim: no writes and
 * at most ⌈1000/500⌉ + a few reads); then the same records from a fresh store that knows no links
 * (matching by paging the whole index, one read per matched record). Calls are counted by the
 * emulator's own statistics. Figures only: timings never live in tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { AffinityClient, createTransport } from '../src/affinity/index.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { demoWorkspaceFacts } from '../src/emulator/seeds/index.js';
import { ensureDemoDataset, importRecords } from '../src/intelligence/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { connect } from '../src/sync/connections.js';
import { setDestination } from '../src/sync/destinations.js';
import { pull } from '../src/sync/pull/index.js';
import { type PushReport, push } from '../src/sync/push/index.js';
import { pushSeed, SEED } from '../src/sync/push/test-support.js';
import { LOCAL_ADMIN } from '../src/sync/roles.js';
import { SecretBox } from '../src/sync/secret-box.js';

const N = 1_000;
const box = SecretBox.fromSecret('push bench secret');

function company(i: number): Record<string, string> {
  return {
    domain: `bench-co-${i}.com`,
    name: `Bench Co ${i}`,
    website: `https://bench-co-${i}.com`,
    stage: SEED.stageOptions[i % SEED.stageOptions.length] as string,
    total_funding_usd: String(1_000_000 + i * 1000),
    last_funding_date: `2024-${String((i % 12) + 1).padStart(2, '0')}-15`,
    tags: i % 2 === 0 ? 'ai' : 'fintech',
  };
}

async function prepare(
  emu: RunningEmulator,
  dir: string,
): Promise<{
  store: Store;
  client: AffinityClient;
  connectionId: number;
  transport: ReturnType<typeof createTransport>;
}> {
  const store = await openStore({ dataDir: dir });
  // The first transport of a key sets its budget for the process: lift it (the emulator's is lifted too).
  const { connection } = await connect(store, box, {
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    actor: LOCAL_ADMIN,
    transport: { ratePerMinute: 1_000_000 },
  });
  const rows = Array.from({ length: N }, (_, i) => ({ row: i + 1, line: i + 2, record: company(i) }));
  const imported = await importRecords(store, 'companies', rows);
  if (!imported.written) throw new Error('bench companies were not imported');
  const transport = createTransport({
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    ratePerMinute: 1_000_000,
    maxConcurrent: 8,
  });
  const client = new AffinityClient({ transport });
  const saved = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    map: [
      'website=Website',
      'stage=Stage',
      'total_funding_usd=Total Funding',
      'last_funding_date=Last Funding Date',
      'tags=Tags',
    ],
    list: SEED.dealflow,
  });
  if (saved.code !== 'saved') throw new Error(saved.problems.join('; '));
  return { store, client, connectionId: connection.id, transport };
}

async function measured(
  emu: RunningEmulator,
  ctx: Awaited<ReturnType<typeof prepare>>,
  dryRun = false,
): Promise<{ report: PushReport; ms: number; reads: number; writes: number }> {
  emu.resetStats();
  const started = performance.now();
  const result = await push({
    store: ctx.store,
    client: ctx.client,
    transport: ctx.transport,
    connectionId: ctx.connectionId,
    actor: 'bench',
    selection: { all: 'company' },
    dryRun,
    concurrency: 8,
  });
  const ms = performance.now() - started;
  if (result.code !== 'pushed') throw new Error(result.message);
  let reads = 0;
  let writes = 0;
  for (const r of emu.stats().byRoute) {
    if (r.method === 'GET') reads += r.count;
    else writes += r.count;
  }
  return { report: result.report, ms, reads, writes };
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function run(): Promise<void> {
  const wanted = new Set((process.env.BENCH_PUSH ?? 'companies,people').split(','));
  if (wanted.has('companies')) await companiesBench();
  if (wanted.has('people')) await peopleBench();
  if (wanted.has('crm')) await crmLoopBench();
}

/** Calls the emulator answered since its last reset, by route (`GET /organizations` …). */
function byRoute(emu: RunningEmulator): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of emu.stats().byRoute) {
    const key = `${r.method} ${r.route}`;
    out.set(key, (out.get(key) ?? 0) + r.count);
  }
  return out;
}

/**
 * The demo workspace on an emulator of its own and the demo dataset in a fresh store, connected,
 * with a client whose limit never holds a call back: the setting of the demo benches.
 */
async function demoBench(name: string) {
  const facts = demoWorkspaceFacts();
  const emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 1_000_000 });
  const dir = mkdtempSync(join(tmpdir(), `push-bench-${name}-`));
  const store = await openStore({ dataDir: dir });
  await ensureDemoDataset(store);
  const { connection } = await connect(store, box, {
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    actor: LOCAL_ADMIN,
    transport: { ratePerMinute: 1_000_000 },
  });
  const transport = createTransport({
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    ratePerMinute: 1_000_000,
    maxConcurrent: 8,
  });
  return { facts, emu, dir, store, connection, transport, client: new AffinityClient({ transport }) };
}

/**
 * The demo's people (15,000, at 5,000 companies) pushed to the demo workspace's persons, matched by
 * email, LinkedIn URL and location mapped: the dry run, the push, and the re-push. Bound of a plan:
 * the organization index and the person index paged once each (⌈n/500⌉ calls), plus one read of
 * values per newly matched person who has a value to write.
 */
async function peopleBench(): Promise<void> {
  const { facts, emu, dir, store, connection, transport, client } = await demoBench('people');
  try {
    const saved = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'person',
      match: 'email',
      map: ['linkedin_url=LinkedIn URL', 'location=Location'],
    });
    if (saved.code !== 'saved') throw new Error(saved.problems.join('; '));
    const [people] = await store.query<{ n: number; companies: number }>(
      sql`SELECT count(*)::int AS n, count(DISTINCT company_domain)::int AS companies FROM intel_people`,
    );
    const once = async (dryRun: boolean) => {
      emu.resetStats();
      const started = performance.now();
      const result = await push({
        store,
        client,
        transport,
        connectionId: connection.id,
        actor: 'bench',
        selection: { all: 'person' },
        dryRun,
        concurrency: 8,
      });
      const ms = performance.now() - started;
      if (result.code !== 'pushed') throw new Error(result.message);
      const routes = byRoute(emu);
      let total = 0;
      for (const n of routes.values()) total += n;
      return { report: result.report, ms, routes, total };
    };
    const orgPages = Math.ceil(facts.counts.organizations / 500);
    const personPages = Math.ceil(facts.counts.persons / 500);
    const dry = await once(true);
    const matched = dry.report.plan.records.filter(
      (r) => r.matchedBy !== null && r.affinityId !== null,
    ).length;
    const bound = orgPages + personPages + matched;
    const first = await once(false);
    const again = await once(true);
    await store.close();

    const routes = (m: Awaited<ReturnType<typeof once>>): string =>
      [...m.routes.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([k, n]) => `${k} ${fmt(n)}`)
        .join(', ');
    process.stdout.write(
      `\n${fmt(people?.n ?? 0)} demo people at ${fmt(people?.companies ?? 0)} companies → persons (match by email; LinkedIn URL, Location)\n` +
        `workspace: ${fmt(facts.counts.organizations)} organizations (${orgPages} pages), ${fmt(facts.counts.persons)} persons (${personPages} pages); ${fmt(matched)} people match a person\n`,
    );
    process.stdout.write(
      `${'dry run (plan only)'.padEnd(28)} ${fmt(dry.total).padStart(7)} calls, planned ${fmt(dry.report.plan.apiCalls)}, ${fmt(dry.ms / 1000, 1)} s — ${routes(dry)}\n` +
        `  bound: ${orgPages} + ${personPages} index pages + ${fmt(matched)} reads of matched people = ${fmt(bound)}; measured / bound = ${fmt(dry.total / bound, 2)}\n`,
    );
    process.stdout.write(
      `${'push'.padEnd(28)} ${fmt(first.total).padStart(7)} calls, planned ${fmt(first.report.plan.apiCalls)}, ${fmt(first.ms / 1000, 1)} s — ${routes(first)}\n` +
        `  bound: the dry run's reads + the planned writes = ${fmt(bound + first.report.plan.writes)}; measured / bound = ${fmt(first.total / (bound + first.report.plan.writes), 2)}\n`,
    );
    process.stdout.write(
      `${'dry run after the push'.padEnd(28)} ${fmt(again.total).padStart(7)} calls, planned ${fmt(again.report.plan.apiCalls)} (${fmt(again.report.plan.writes)} writes)\n` +
        `the dry run's own estimate of the push: ${dry.report.plan.estimate.text}\n`,
    );
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function companiesBench(): Promise<void> {
  const emu = await startEmulator({ port: 0, seed: pushSeed, ratePerMinute: 1_000_000 });
  const dirs = [mkdtempSync(join(tmpdir(), 'push-bench-a-')), mkdtempSync(join(tmpdir(), 'push-bench-b-'))];
  try {
    const a = await prepare(emu, dirs[0] as string);
    const dry = await measured(emu, a, true);
    const first = await measured(emu, a);
    const again = await measured(emu, a);
    const b = await prepare(emu, dirs[1] as string);
    const fresh = await measured(emu, b);
    await a.store.close();
    await b.store.close();

    const line = (label: string, m: Awaited<ReturnType<typeof measured>>): string =>
      `${label.padEnd(36)} ${fmt(m.reads + m.writes).padStart(6)} calls (${fmt(m.reads)} reads, ${fmt(m.writes)} writes), planned ${fmt(m.report.plan.apiCalls)}, ${fmt(m.ms / 1000, 1)} s`;
    process.stdout.write(`${N} companies, 5 mapped fields + list assignment each\n`);
    process.stdout.write(`${line('dry run (plan only)', dry)}\n`);
    process.stdout.write(`${line('first push (create)', first)}\n`);
    process.stdout.write(`${line('re-push, unchanged', again)}\n`);
    process.stdout.write(`${line('push from a store with no links', fresh)}\n`);
    process.stdout.write(
      `first push: ${fmt((first.reads + first.writes) / N, 2)} calls per company (ideal 7: create + 5 fields + list), ` +
        `${fmt(first.ms / N, 2)} ms per company; planned = measured: ${first.report.plan.apiCalls === first.reads + first.writes}\n`,
    );
    process.stdout.write(
      `at Affinity's 900 calls/minute the first push needs at least ${fmt((first.reads + first.writes) / 900, 1)} min, the re-push ${fmt((again.reads + again.writes) / 900, 2)} min\n`,
    );
    process.stdout.write(
      `re-push: ${fmt(again.writes)} writes, ${fmt(again.reads)} reads (budget ⌈${N}/500⌉ + few = ${Math.ceil(N / 500)} + few); ` +
        `${fmt(first.ms / Math.max(again.ms, 1), 0)}× faster than the first push\n`,
    );
    process.stdout.write(
      `unlinked store: matching by ${fresh.report.plan.matching} (${fmt(Math.ceil((N + 3) / 500))} pages), ` +
        `${fmt(fresh.report.plan.reads)} reads (one read of values per newly matched record), ${fmt(fresh.writes)} writes\n`,
    );
  } finally {
    await emu.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * The enrichment loop on the demo (`BENCH_PUSH=crm`): pull Deal Flow into My CRM, then push the
 * dataset's values onto its records matched to companies (`push --crm --list "Deal Flow"`, the
 * demo's company mapping, update-only) — the dry run, the push and the re-push, counted by the
 * emulator. Bound: one read of each record's values Affinity holds that we do not know, one call
 * per changed value, and no search; the re-push: nothing.
 */
async function crmLoopBench(): Promise<void> {
  const { facts, emu, dir, store, connection, transport, client } = await demoBench('crm');
  try {
    emu.resetStats();
    const pulled = await pull(
      { store, client, connectionId: connection.id, stats: () => transport.stats() },
      { lists: [{ list: facts.lists.dealFlow }], actor: 'bench' },
    );
    const pullCalls = [...byRoute(emu).values()].reduce((a, b) => a + b, 0);
    const saved = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      match: 'domain',
      map: [
        'linkedin_url=LinkedIn URL',
        'website=Website',
        'total_funding_usd=Total Funding',
        'last_funding_date=Last Funding Date',
        'growth_rank=Growth Rank',
      ],
      createMissingFields: true,
    });
    if (saved.code !== 'saved') throw new Error(saved.problems.join('; '));
    const once = async (dryRun: boolean) => {
      emu.resetStats();
      const started = performance.now();
      const result = await push({
        store,
        client,
        transport,
        connectionId: connection.id,
        actor: 'bench',
        selection: { crm: true, list: facts.lists.dealFlow, entity: 'company' },
        dryRun,
        concurrency: 8,
      });
      const ms = performance.now() - started;
      if (result.code !== 'pushed') throw new Error(result.message);
      const routes = byRoute(emu);
      const n = (k: string) => routes.get(k) ?? 0;
      const workspace = n('GET /fields') + n('GET /lists');
      let total = 0;
      for (const v of routes.values()) total += v;
      return {
        report: result.report,
        ms,
        total,
        workspace,
        searches: n('GET /organizations') + n('GET /persons'),
        valueReads: n('GET /field-values'),
      };
    };
    const dry = await once(true);
    const changed = dry.report.plan.records.reduce((a, r) => a + r.operations.length, 0);
    const first = await once(false);
    const again = await once(false);
    await store.close();
    const list = pulled.lists[0];
    const bound = first.report.plan.reads + changed;
    const line = (label: string, m: Awaited<ReturnType<typeof once>>) =>
      `${label.padEnd(24)} ${fmt(m.total).padStart(6)} calls: ${fmt(m.valueReads)} reads of values, ${fmt(m.total - m.valueReads - m.workspace - m.searches)} writes, ${fmt(m.searches)} searches, ${fmt(m.workspace)} workspace re-check reads; planned ${fmt(m.report.plan.apiCalls)}; ${fmt(m.ms / 1000, 1)} s`;
    process.stdout.write(
      `\nenrichment loop: pull "${facts.lists.dealFlow}" (${fmt(list?.entries ?? 0)} entries, ${fmt(list?.match.matched ?? 0)} matched) in ${fmt(pullCalls)} calls, then push --crm --list "${facts.lists.dealFlow}" (update-only, 5 mapped fields)\n` +
        `${fmt(dry.report.plan.records.length)} records matched to companies; ${fmt(dry.report.plan.counts.update)} to update, ${fmt(changed)} changed values\n` +
        `${line('dry run', dry)}\n${line('push', first)}\n${line('re-push', again)}\n` +
        `bound of the push: ${fmt(first.report.plan.reads)} reads of unknown values + ${fmt(changed)} changed values + 0 searches = ${fmt(bound)}; ` +
        `measured (without the re-check) ${fmt(first.total - first.workspace)}; measured / bound = ${fmt((first.total - first.workspace) / bound, 2)}; re-push ${fmt(again.total)} calls\n`,
    );
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

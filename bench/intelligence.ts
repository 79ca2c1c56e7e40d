/**
 * Intelligence dataset figures: import throughput for 100k companies from a generated CSV, and search
 * latency (p50/p95) over those 100k companies, on PGlite and on PostgreSQL (DATABASE_URL or the
 * local test database).
 */

import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  importFile,
  parseFilter,
  recomputeGrowth,
  type SearchSpec,
  search,
} from '../src/intelligence/index.js';
import { openStore, type Store } from '../src/store/index.js';

const ROWS = Number(process.env.BENCH_COMPANIES ?? 100_000);
const INDUSTRIES = [
  'Fintech',
  'Climate',
  'AI/ML',
  'Healthtech',
  'Devtools',
  'Cybersecurity',
  'Biotech',
  'Edtech',
];
const PLACES = [
  ['New York', 'United States'],
  ['San Francisco', 'United States'],
  ['London', 'United Kingdom'],
  ['Berlin', 'Germany'],
  ['Paris', 'France'],
  ['Toronto', 'Canada'],
  ['Singapore', 'Singapore'],
] as const;
const STAGES = ['Pre-Seed', 'Seed', 'Series A', 'Series B', 'Series C'];
const WORDS = [
  'nova',
  'lab',
  'stack',
  'flow',
  'quant',
  'orbit',
  'pulse',
  'forge',
  'grid',
  'ledger',
  'helix',
  'spark',
];

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write(
    'name,domain,description,hq_city,hq_country,founded_year,industries,stage,total_funding_usd,headcount,investors\n',
  );
  let seed = 42;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  for (let k = 0; k < ROWS; k++) {
    const name = `${pick(WORDS)}${pick(WORDS)} ${k}`;
    const [city, country] = pick(PLACES);
    const line = [
      name,
      `${name.replace(/\s+/g, '-').toLowerCase()}.com`,
      `"${pick(WORDS)} platform for ${pick(INDUSTRIES).toLowerCase()} teams"`,
      city,
      country,
      1990 + Math.floor(rnd() * 35),
      `${pick(INDUSTRIES)};${pick(INDUSTRIES)}`,
      pick(STAGES),
      Math.floor(rnd() * 200_000_000),
      1 + Math.floor(rnd() * 2000),
      `Investor ${Math.floor(rnd() * 500)}`,
    ].join(',');
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const SEARCHES: Array<[string, SearchSpec]> = [
  ['industry=fintech, by growth', { filters: [parseFilter('industry=fintech')] }],
  [
    'country + funding>=10M, by funding',
    { filters: [parseFilter('country=germany'), parseFilter('funding>=10M')], sort: 'funding' },
  ],
  ['text "ledger", by growth', { query: 'ledger' }],
  [
    'headcount 50..500 + founded>=2015',
    { filters: [parseFilter('headcount>=50'), parseFilter('headcount<=500'), parseFilter('founded>=2015')] },
  ],
  [
    'stage=seed + location=berlin, by name',
    { filters: [parseFilter('stage=seed'), parseFilter('location=berlin')], sort: 'name' },
  ],
  ['growth_rank>=90, by headcount', { filters: [parseFilter('growth_rank>=90')], sort: 'headcount' }],
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** CPU seconds this process spent since `from`: on PGlite that includes the database's own work. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
}

async function benchStore(label: string, store: Store, csv: string): Promise<void> {
  // Wall time is what a user waits; CPU time of this process is steadier on a shared machine.
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const report = await importFile(store, 'companies', csv, { recomputeGrowth: false });
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuSince(c0);
  process.stdout.write(
    `${label}: import ${report.inserted} companies in ${secs.toFixed(1)} s = ${Math.round(report.rows / secs)} rows/s (node CPU ${cpu.toFixed(1)} s)\n`,
  );
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const again = await importFile(store, 'companies', csv, { recomputeGrowth: false });
  const secs2 = (performance.now() - t1) / 1000;
  const cpu2 = cpuSince(c1);
  process.stdout.write(
    `${label}: re-import (${again.unchanged} unchanged) in ${secs2.toFixed(1)} s = ${Math.round(again.rows / secs2)} rows/s (node CPU ${cpu2.toFixed(1)} s)\n`,
  );
  const tg = performance.now();
  await recomputeGrowth(store);
  process.stdout.write(
    `${label}: growth recompute over ${ROWS} companies (no signals, nothing changes) ${Math.round(performance.now() - tg)} ms\n`,
  );
  // Growth values as signals would give them, so the growth sort and filter have data.
  await store.query(
    sql`UPDATE intel_companies SET growth_rank = ((id * 7919) % 1001) / 10.0, growth_12m = ((id * 104729) % 300) / 100.0 - 0.5`,
  );
  await store.query(sql`ANALYZE intel_companies`);
  for (const [name, spec] of SEARCHES) {
    for (let k = 0; k < 3; k++) await search(store, 'companies', spec, { limit: 25 });
    const times: number[] = [];
    let total = 0;
    for (let k = 0; k < 40; k++) {
      const s = performance.now();
      const page = await search(store, 'companies', spec, { limit: 25 });
      times.push(performance.now() - s);
      total = page.results.length;
    }
    times.sort((a, b) => a - b);
    process.stdout.write(
      `${label}: search ${name.padEnd(40)} p50 ${percentile(times, 50).toFixed(1)} ms  p95 ${percentile(times, 95).toFixed(1)} ms  (${total} shown)\n`,
    );
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-bench-'));
  try {
    const csv = join(dir, 'companies.csv');
    await writeCsv(csv);
    process.stdout.write(`generated ${ROWS} companies, ${(statSync(csv).size / 1e6).toFixed(1)} MB CSV\n`);

    const lite = await openStore({ dataDir: join(dir, 'data') });
    try {
      await benchStore('pglite', lite, csv);
    } finally {
      await lite.close();
    }

    const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `bench_${process.pid}`;
    let pg: Store;
    try {
      pg = await openStore({ dataDir: dir, databaseUrl: url, schema });
    } catch (err) {
      process.stdout.write(`postgres: skipped (${(err as Error).message})\n`);
      return;
    }
    try {
      await benchStore('postgres', pg, csv);
    } finally {
      await pg.query(sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      await pg.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

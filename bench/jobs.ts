/**
 * Jobs per second: N runs queued through the job queue (pg-boss) and run by this process's workers,
 * end to end — the `queued` row, the job, a worker taking it, the run started in activity, a dry-run
 * push of one company (connection opened, destination checked, one match read from the emulator,
 * the plan recorded) and the run ended. Four connections, so four runs go at once (one per
 * connection at a time). On embedded PGlite, and on PostgreSQL when `BENCH_DATABASE_URL` (or the
 * test database) answers. Run: `npm run bench jobs` (`BENCH_JOBS=N` to change N, default 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { AffinityClient, createTransport } from '../src/affinity/index.js';
import type { AppDeps } from '../src/app/context.js';
import { loadConfig } from '../src/config/index.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { importRecords } from '../src/intelligence/index.js';
import { startJobs } from '../src/jobs/index.js';
import { createLogger } from '../src/logging/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { connect } from '../src/sync/connections.js';
import { setDestination } from '../src/sync/destinations.js';
import { pushSeed } from '../src/sync/push/test-support.js';
import { LOCAL_ADMIN } from '../src/sync/roles.js';
import { SecretBox } from '../src/sync/secret-box.js';

const N = Number(process.env.BENCH_JOBS ?? 200);
const CONNECTIONS = 4;
const SECRET = 'jobs bench master secret';

async function measure(store: Store, emu: RunningEmulator, dataDir: string, label: string): Promise<void> {
  const box = SecretBox.fromSecret(SECRET);
  const client = new AffinityClient({
    transport: createTransport({ apiKey: emu.apiKey, baseUrl: emu.url, ratePerMinute: 1_000_000 }),
  });
  await importRecords(store, 'companies', [
    {
      row: 1,
      line: 2,
      record: { domain: 'jobs-bench.io', name: 'Jobs Bench', website: 'https://jobs-bench.io' },
    },
  ]);
  const connections: number[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const name = c === 0 ? 'default' : `bench-${c}`;
    const { connection } = await connect(store, box, {
      apiKey: emu.apiKey,
      baseUrl: emu.url,
      actor: LOCAL_ADMIN,
      name,
    });
    const saved = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      match: 'domain',
      mode: 'create-update',
      map: ['website=Website'],
    });
    if (saved.code !== 'saved') throw new Error(`destination not saved: ${JSON.stringify(saved)}`);
    connections.push(connection.id);
  }
  const config = loadConfig({
    AFFINITY_SYNC_DATA_DIR: dataDir,
    AFFINITY_SYNC_SECRET: SECRET,
    AFFINITY_RATE_PER_MINUTE: '100000',
    LOG_LEVEL: 'silent',
  });
  const deps: AppDeps = { store, config, logger: createLogger('silent') };
  const jobs = await startJobs(deps, { workers: true, concurrency: CONNECTIONS, pollingSeconds: 0.5 });
  try {
    const t0 = performance.now();
    const ids: number[] = [];
    for (let i = 0; i < N; i++) {
      const { runId } = await jobs.enqueue({
        kind: 'push',
        connectionId: connections[i % CONNECTIONS]!,
        trigger: 'api',
        actor: 'bench',
        params: { input: { selection: { company: 'jobs-bench.io' }, dryRun: true } },
      });
      ids.push(runId);
    }
    const queuedMs = performance.now() - t0;
    let open = N;
    let progressAt = performance.now();
    for (;;) {
      const [row] = await store.query<{ open: number; bad: number }>(sql`
        SELECT count(*) FILTER (WHERE status IN ('queued', 'running')) AS open,
               count(*) FILTER (WHERE status NOT IN ('queued', 'running', 'succeeded')) AS bad
        FROM sync_runs WHERE id = ANY(${`{${ids.join(',')}}`}::bigint[])`);
      if (row!.bad > 0) throw new Error(`${row!.bad} runs did not succeed`);
      if (row!.open === 0) break;
      if (row!.open < open) {
        open = row!.open;
        progressAt = performance.now();
      } else if (performance.now() - progressAt > 30_000) {
        const states = await store.query(
          sql.raw(`SELECT state, count(*)::int AS n FROM ${jobs.schema}.job GROUP BY state`),
        );
        const runs = await store.query(
          sql`SELECT r.status, r.connection_id, (SELECT string_agg(name || ':' || status, ',') FROM sync_run_steps s WHERE s.run_id = r.id) AS steps, count(*)::int AS n FROM sync_runs r WHERE status IN ('queued', 'running') GROUP BY 1, 2, 3`,
        );
        throw new Error(
          `stalled with ${open} runs open; jobs: ${JSON.stringify(states)}; runs: ${JSON.stringify(runs)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const totalMs = performance.now() - t0;
    process.stdout.write(
      `${label}: ${N} runs queued in ${(queuedMs / 1000).toFixed(2)} s (${(N / (queuedMs / 1000)).toFixed(0)} enqueues/s); ` +
        `all run in ${(totalMs / 1000).toFixed(2)} s: ${(N / (totalMs / 1000)).toFixed(1)} jobs/s ` +
        `(${CONNECTIONS} connections, ${CONNECTIONS} workers, one dry-run push of one record each)\n`,
    );
  } finally {
    await jobs.stop();
  }
}

export async function run(): Promise<void> {
  const emu = await startEmulator({ port: 0, seed: pushSeed, ratePerMinute: 1_000_000 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-jobs-bench-'));
    const store = await openStore({ dataDir: dir });
    try {
      await measure(store, emu, dir, 'PGlite (embedded)');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const url =
      process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/test';
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
    } catch {
      process.stdout.write(`PostgreSQL: skipped (${url} does not answer)\n`);
      return;
    }
    const schema = `bench_jobs_${process.pid}`;
    const pgDir = mkdtempSync(join(tmpdir(), 'affinity-sync-jobs-bench-'));
    const pgStore = await openStore({ dataDir: pgDir, databaseUrl: url, schema });
    try {
      await measure(pgStore, emu, pgDir, 'PostgreSQL');
    } finally {
      await pgStore.close();
      await probe.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await probe.query(`DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
      await probe.end();
      rmSync(pgDir, { recursive: true, force: true });
    }
  } finally {
    await emu.close();
  }
}

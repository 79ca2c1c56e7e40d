import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testDatabaseUrl } from '../../src/store/testing.js';
import { startRun } from '../../src/sync/activity.js';
import { pushSeed } from '../../src/sync/push/test-support.js';
import { bin, type CliResult, runCli } from '../support/cli.js';

/**
 * Runs across processes on one PostgreSQL database: one push per Affinity connection at a time,
 * read-only commands never touch a live run, and a killed run is marked interrupted by the next
 * command with its true duration and calls. Each test has a database of its own.
 */

const COMPANIES = [
  'name,domain,stage,total_funding_usd',
  'Helio,helio.energy,Seed,3M',
  'Existing Co,existing.com,Series A,9M',
  'Brightwave,brightwave.io,Seed,2.5M',
  'Corvid,corvid.dev,Series A,500k',
  'Quillon,quillon.ai,Series B,40M',
].join('\n');

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: pushSeed });
  return () => emu.close();
});

interface Env {
  dir: string;
  databaseUrl: string;
  database: string;
  store?: Store;
}
let env: Env | undefined;

afterEach(async () => {
  if (!env) return;
  await env.store?.close();
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${env.database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  rmSync(env.dir, { recursive: true, force: true });
  env = undefined;
  emu.setConfig({ latencyMs: 0, routes: {}, script: [] });
});

/** A fresh database, our companies imported and a company destination set, all through the CLI. */
async function setup(): Promise<Env> {
  emu.seed(pushSeed);
  const database = `lifecycle_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${database}`;
  env = {
    dir: mkdtempSync(join(tmpdir(), 'affinity-sync-lifecycle-')),
    databaseUrl: url.toString(),
    database,
  };
  const csv = join(env.dir, 'companies.csv');
  writeFileSync(csv, `${COMPANIES}\n`);
  const imported = await cli('import', 'companies', csv, '--json');
  expect(imported.code, imported.stderr).toBe(0);
  const set = await cli(
    'destination',
    'set',
    'company',
    '--record-type',
    'organization',
    '--match',
    'domain',
    '--map',
    'stage=Stage',
    '--map',
    'total_funding_usd=Total Funding',
    '--list',
    'Dealflow',
  );
  expect(set.code, set.stderr).toBe(0);
  return env;
}

function cliEnv(): Record<string, string> {
  if (!env) throw new Error('no test environment');
  return {
    DATABASE_URL: env.databaseUrl,
    AFFINITY_SYNC_DATA_DIR: join(env.dir, 'data'),
    AFFINITY_API_KEY: emu.apiKey,
    AFFINITY_BASE_URL: emu.url,
    AFFINITY_SYNC_SECRET: 'run lifecycle test secret',
  };
}

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { env: cliEnv() });
}

/** The test's own view of the database the CLI uses. */
async function store(): Promise<Store> {
  if (!env) throw new Error('no test environment');
  env.store ??= await openStore({ dataDir: join(env.dir, 'unused'), databaseUrl: env.databaseUrl });
  return env.store;
}

async function connectionId(): Promise<number> {
  const [row] = await (await store()).query<{ id: number }>(sql`SELECT id FROM sync_connections LIMIT 1`);
  if (!row) throw new Error('no stored connection');
  return row.id;
}

/**
 * What the emulator holds more than once: organizations by domain, list entries by list and
 * entity, field values by field, entity, entry and value. Empty when nothing was written twice.
 */
function duplicates(): string[] {
  const t = emu.exportState().tables as Record<string, Array<Record<string, unknown>>>;
  const keys = [
    ...(t.organizations ?? []).filter((o) => o.domain).map((o) => `organization ${o.domain}`),
    ...(t.list_entries ?? []).map((e) => `list entry ${e.list_id}/${e.entity_id}`),
    ...(t.field_values ?? []).map(
      (v) => `field value ${v.field_id}/${v.entity_id}/${v.list_entry_id}/${JSON.stringify(v.value)}`,
    ),
  ];
  const seen = new Set<string>();
  return keys.filter((k) => seen.has(k) || !seen.add(k));
}

interface RunRow {
  id: number;
  status: string;
  api_calls: number;
  error: string | null;
  heartbeat_at: string | null;
  finished_at: string | null;
}

async function runs(): Promise<RunRow[]> {
  return (await store()).query<RunRow>(
    sql`SELECT id, status, api_calls, error, heartbeat_at, finished_at FROM sync_runs ORDER BY id`,
  );
}

describe('runs across processes on PostgreSQL', { timeout: 240_000 }, () => {
  it('a push is refused while another run holds the connection, naming it; read-only commands leave it running', async () => {
    await setup();
    const held = await startRun(await store(), {
      kind: 'pull',
      trigger: 'schedule',
      actor: 'scheduler',
      connectionId: await connectionId(),
      exclusive: true,
    });
    try {
      const refused = await cli('push', '--all', 'company', '--json');
      expect(refused.code, refused.stderr).toBe(4);
      expect(refused.stderr).toContain(
        `another pull is running on this Affinity connection: run ${held.id}, schedule by scheduler, started `,
      );
      expect(refused.stderr).toContain(`by pid ${process.pid}@`);

      for (const args of [
        ['activity', '--json'],
        ['activity', String(held.id), '--json'],
        ['push', '--all', 'company', '--dry-run', '--json'],
      ]) {
        const r = await cli(...args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      // Whatever they answer on an empty My CRM, opening the store must not touch the live run.
      await cli('crm', '--json');
      await cli('review', '--json');
      expect((await runs()).find((r) => r.id === held.id)?.status).toBe('running');
    } finally {
      await held.finish();
    }
    const pushed = await cli('push', '--all', 'company', '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
  });

  it('two pushes started together: never both write, no duplicates, and a re-run converges', async () => {
    await setup();
    // Slow answers keep the first push going while the second starts.
    emu.setConfig({ latencyMs: 100 });
    const [a, b] = await Promise.all([
      cli('push', '--all', 'company', '--json'),
      cli('push', '--all', 'company', '--json'),
    ]);
    const codes = [a.code, b.code].sort();
    expect([
      [0, 0],
      [0, 4],
    ]).toContainEqual(codes);
    const refused = [a, b].find((r) => r.code === 4);
    if (refused)
      expect(refused.stderr).toMatch(/another push is running on this Affinity connection: run \d+/);
    expect(duplicates()).toEqual([]);
    expect(emu.exportState().tables.organizations?.length).toBeGreaterThan(3);

    emu.setConfig({ latencyMs: 0 });
    const again = await cli('push', '--all', 'company', '--json');
    expect(again.code, again.stderr).toBe(0);
    const report = (again.json as { report: { outcome: Record<string, number> } }).report;
    expect(report.outcome).toMatchObject({ created: 0, failed: 0 });
    expect(duplicates()).toEqual([]);
  });

  it('a push killed with SIGKILL is marked interrupted by the next command, with its calls and true duration', async () => {
    await setup();
    emu.setConfig({ latencyMs: 400 });
    const child = spawn(process.execPath, [bin, 'push', '--all', 'company', '--json'], {
      env: { ...process.env, ...cliEnv() },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_code, signal) => resolve(signal)),
    );
    // The heartbeat has recorded spent calls: the run is under way.
    let running: RunRow | undefined;
    for (;;) {
      running = (await runs()).find((r) => r.status === 'running' && r.api_calls > 0);
      if (running) break;
      if (child.exitCode !== null) throw new Error('the push ended before it could be killed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Nothing has looked at it yet: still shown running.
    expect((await runs()).find((r) => r.id === running.id)?.status).toBe('running');

    const activity = await cli('activity', '--json');
    expect(activity.code, activity.stderr).toBe(0);
    const after = (await runs()).find((r) => r.id === running.id);
    expect(after).toMatchObject({ status: 'interrupted' });
    expect(after?.api_calls).toBeGreaterThanOrEqual(running.api_calls);
    expect(after?.finished_at).toBe(after?.heartbeat_at);
    expect(after?.error).toMatch(/^interrupted: the process stopped \(last seen \d{4}-\d\d-\d\dT[\d:]+Z\)$/);
    const listed = (activity.json as { runs: Array<{ id: number; status: string }> }).runs;
    expect(listed.find((r) => r.id === running.id)?.status).toBe('interrupted');
  });
});

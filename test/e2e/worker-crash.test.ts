import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient } from '../../src/affinity/index.js';
import { loadConfig } from '../../src/config/index.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { importRecords } from '../../src/intelligence/index.js';
import { type Jobs, startJobs } from '../../src/jobs/index.js';
import { waitFor } from '../../src/jobs/testing.js';
import { createLogger } from '../../src/logging/index.js';
import { openStore, type Store, syncRuns } from '../../src/store/index.js';
import { connect } from '../../src/sync/connections.js';
import { setDestination } from '../../src/sync/destinations.js';
import { box, pushSeed, SEED, testTransport } from '../../src/sync/push/test-support.js';
import { LOCAL_ADMIN } from '../../src/sync/roles.js';
import { runCli } from '../support/cli.js';
import {
  createTestDatabase,
  startWorker as startWorker_,
  stopWorkers,
  type WorkerProcess,
} from '../support/workers.js';

/**
 * Scale-out on PostgreSQL: two `affinity-sync worker` processes share one database. The worker
 * running a push is killed with SIGKILL half-way; after its job's heartbeat lapses the other worker
 * takes the job, resumes the same run from the push journal and finishes it, and the workspace
 * holds every record exactly once — no organization, list entry or field value written twice.
 */

const RECORDS = 60;
const SECRET = 'push test master secret';

let emu: RunningEmulator;
let database: { url: string; drop(): Promise<void> };
let url: string;
let dataDir: string;
let store: Store;
let queue: Jobs;
const workers: WorkerProcess[] = [];

function startWorker(): WorkerProcess {
  return startWorker_(
    ['--concurrency', '1', '--heartbeat-seconds', '10', '--supervise-seconds', '1'],
    {
      DATABASE_URL: url,
      AFFINITY_SYNC_SECRET: SECRET,
      AFFINITY_SYNC_DATA_DIR: dataDir,
      // Two requests at a time against a slowed emulator: the push takes seconds, so it is mid-way when killed.
      AFFINITY_MAX_CONCURRENT: '2',
      AFFINITY_RATE_PER_MINUTE: '100000',
    },
    workers,
  );
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: pushSeed });
  // A database of its own: workers open the `public` schema of DATABASE_URL, as in production.
  database = await createTestDatabase('affinity_sync_crash');
  url = database.url;
  dataDir = mkdtempSync(join(tmpdir(), 'affinity-sync-crash-'));
  store = await openStore({ dataDir, databaseUrl: url });
  const { connection } = await connect(store, box, {
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    actor: LOCAL_ADMIN,
  });
  const imported = await importRecords(
    store,
    'companies',
    Array.from({ length: RECORDS }, (_, i) => ({
      row: i + 1,
      line: i + 2,
      record: { domain: `crash${i}.io`, name: `Crash ${i}`, website: `https://crash${i}.io` },
    })),
  );
  expect(imported.written).toBe(true);
  const client = new AffinityClient({ transport: testTransport(emu) });
  const saved = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    mode: 'create-update',
    map: ['website=Website'],
    list: SEED.dealflow,
  });
  expect(saved.code).toBe('saved');
  const config = loadConfig({
    DATABASE_URL: url,
    AFFINITY_SYNC_SECRET: SECRET,
    AFFINITY_SYNC_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  queue = await startJobs(
    { store, config, logger: createLogger('silent') },
    { workers: false, heartbeatSeconds: 10, superviseSeconds: 1 },
  );
});

afterAll(async () => {
  await stopWorkers(workers);
  await queue?.stop();
  await store?.close();
  await database?.drop();
  await emu?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Exported {
  tables: {
    organizations: Array<{ id: number; domain: string | null }>;
    list_entries: Array<{ list_id: number; entity_id: number }>;
    lists: Array<{ id: number; name: string }>;
    fields: Array<{ id: number; name: string; entity_type: number }>;
    field_values: Array<{ field_id: number; entity_id: number }>;
  };
}

describe('a worker killed mid-push', () => {
  it('is replaced by another worker, which resumes the run from the journal with nothing written twice', async () => {
    const [w1, w2] = [startWorker(), startWorker()];
    await waitFor(
      'both workers to be ready',
      async () => w1!.stderr.includes('ready') && w2!.stderr.includes('ready'),
    );
    emu.setConfig({ latencyMs: 100 });
    const [connection] = await store.query<{ id: number }>(sql`SELECT id FROM sync_connections`);
    const { runId } = await queue.enqueue({
      kind: 'push',
      connectionId: connection!.id,
      trigger: 'api',
      actor: 'crash-test',
      params: { input: { selection: { all: 'company' } } },
    });
    const row = async () => (await store.db.select().from(syncRuns).where(eq(syncRuns.id, runId)))[0]!;

    const midway = await waitFor('the push to be half-way', async () => {
      const r = await row();
      const p = r.progress as { step?: string; done?: number } | null;
      return r.status === 'running' && p?.step === 'pushing' && (p.done ?? 0) >= 10 && r;
    });
    const victim = workers.find((w) => w.child.pid === midway.ownerPid);
    const survivor = workers.find((w) => w !== victim);
    expect(victim, `the run's owner ${midway.ownerPid} is one of the workers`).toBeDefined();
    victim!.child.kill('SIGKILL');
    await victim!.exited;
    const before = (await exportWorkspace()).tables.organizations.filter((o) =>
      o.domain?.startsWith('crash'),
    );
    expect(before.length).toBeLessThan(RECORDS);

    const final = await waitFor(
      'the run to end on the other worker',
      async () => {
        const r = await row();
        return !['queued', 'running'].includes(r.status) && r;
      },
      150_000,
    );
    expect(final.status, final.error ?? '').toBe('succeeded');
    expect(final.ownerPid).toBe(survivor!.child.pid);

    const state = (await exportWorkspace()).tables;
    const orgs = state.organizations.filter((o) => o.domain?.startsWith('crash'));
    expect(orgs).toHaveLength(RECORDS);
    expect(new Set(orgs.map((o) => o.domain)).size).toBe(RECORDS);
    const ids = new Set(orgs.map((o) => o.id));
    const dealflow = state.lists.find((l) => l.name === SEED.dealflow)!;
    const entries = state.list_entries.filter((e) => e.list_id === dealflow.id && ids.has(e.entity_id));
    expect(entries).toHaveLength(RECORDS);
    expect(new Set(entries.map((e) => e.entity_id)).size).toBe(RECORDS);
    const website = state.fields.find((f) => f.name === 'Website' && f.entity_type === 1)!;
    const values = state.field_values.filter((v) => v.field_id === website.id && ids.has(v.entity_id));
    expect(values).toHaveLength(RECORDS);
    expect(new Set(values.map((v) => v.entity_id)).size).toBe(RECORDS);
    // The journal never has a record created twice: the create in flight when the worker died was
    // checked in Affinity by the resumed run (found: updated; not there: created once).
    const creates = await store.query<{ entity_id: number }>(
      sql`SELECT entity_id FROM sync_push_ops WHERE kind = 'create' AND status = 'done'`,
    );
    expect(new Set(creates.map((c) => c.entity_id)).size).toBe(creates.length);
    // The resumed run is the same run, in activity with the steps of both attempts.
    const steps = await store.query<{ name: string }>(
      sql`SELECT name FROM sync_run_steps WHERE run_id = ${runId} ORDER BY position`,
    );
    expect(steps.filter((s) => s.name === 'matching')).toHaveLength(2);

    // SIGTERM stops the other worker cleanly.
    survivor!.child.kill('SIGTERM');
    expect(await survivor!.exited).toBe(0);
    expect(survivor!.stderr).toMatch(/worker stopped/);
  });
});

describe('affinity-sync worker', () => {
  it('refuses the embedded store, saying what it needs', async () => {
    const res = await runCli(['worker'], {
      env: { AFFINITY_SYNC_DATA_DIR: dataDir, DATABASE_URL: '', AFFINITY_SYNC_SECRET: SECRET },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/a worker needs a shared PostgreSQL: set DATABASE_URL/);
  });
});

async function exportWorkspace(): Promise<Exported> {
  const res = await fetch(`${emu.url}/_emulator/export`);
  return (await res.json()) as Exported;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createSchedule } from '../../src/app/schedules.js';
import { loadConfig } from '../../src/config/index.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { waitFor } from '../../src/jobs/testing.js';
import { createLogger } from '../../src/logging/index.js';
import { openStore, type Store, syncRuns, syncSchedules } from '../../src/store/index.js';
import { connect } from '../../src/sync/connections.js';
import { box, pushSeed, SEED } from '../../src/sync/push/test-support.js';
import { LOCAL_ADMIN } from '../../src/sync/roles.js';
import {
  createTestDatabase,
  startWorker as startWorker_,
  stopWorkers,
  type WorkerProcess,
} from '../support/workers.js';

/**
 * Schedules on PostgreSQL with two `affinity-sync worker` processes, each running its scheduler:
 * every due time fires exactly one run whichever worker claims it, the runs run, and runs missed
 * while no worker was up fire once on start with a note saying so.
 */

const SECRET = 'push test master secret';
const SCHEDULES = 4;

let emu: RunningEmulator;
let database: { url: string; drop(): Promise<void> };
let url: string;
let dataDir: string;
let store: Store;
let ctx: AppContext;
const workers: WorkerProcess[] = [];

function startWorker(): WorkerProcess {
  return startWorker_(
    ['--concurrency', '2'],
    {
      DATABASE_URL: url,
      AFFINITY_SYNC_SECRET: SECRET,
      AFFINITY_SYNC_DATA_DIR: dataDir,
      AFFINITY_RATE_PER_MINUTE: '100000',
    },
    workers,
  );
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: pushSeed, ratePerMinute: 100_000 });
  database = await createTestDatabase('affinity_sync_sched');
  url = database.url;
  dataDir = mkdtempSync(join(tmpdir(), 'affinity-sync-sched-'));
  store = await openStore({ dataDir, databaseUrl: url });
  await connect(store, box, { apiKey: emu.apiKey, baseUrl: emu.url, actor: LOCAL_ADMIN });
  const config = loadConfig({
    DATABASE_URL: url,
    AFFINITY_SYNC_SECRET: SECRET,
    AFFINITY_SYNC_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  ctx = { actor: LOCAL_ADMIN, deps: { store, config, logger: createLogger('silent') } };
});

afterAll(async () => {
  await stopWorkers(workers);
  await store?.close();
  await database?.drop();
  await emu?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const ended = (status: string) => !['queued', 'running'].includes(status);

describe('schedules with two worker processes on PostgreSQL', () => {
  it('fire one run per due time, never two, and missed runs once with a note', async () => {
    // Created three hours ago, hourly: three due times were missed while no worker ran.
    const threeHoursAgo = new Date(Date.now() - 3 * 60 * 60_000 - 60_000);
    const ids: number[] = [];
    for (let i = 0; i < SCHEDULES; i++) {
      const s = await createSchedule(
        ctx,
        { name: `hourly ${i}`, kind: 'pull', intervalMinutes: 60, target: { lists: [SEED.dealflow] } },
        threeHoursAgo,
      );
      ids.push(s.id);
    }
    const runsOf = () => store.db.select().from(syncRuns).where(inArray(syncRuns.scheduleId, ids));

    const [w1, w2] = [startWorker(), startWorker()];
    await waitFor(
      'both workers to be ready',
      async () => w1!.stderr.includes('ready') && w2!.stderr.includes('ready'),
    );
    // Each worker ticked at start; every schedule's missed time is claimed once and its run ends.
    const first = await waitFor(
      'a run per schedule, ended',
      async () => {
        const runs = await runsOf();
        return runs.length >= SCHEDULES && runs.every((r) => ended(r.status)) && runs;
      },
      120_000,
    );
    expect(first).toHaveLength(SCHEDULES);
    expect(new Set(first.map((r) => r.scheduleId)).size).toBe(SCHEDULES);
    for (const r of first) {
      expect(r, r.error ?? '').toMatchObject({ trigger: 'schedule', kind: 'pull', status: 'succeeded' });
      expect(r.triggerNote).toMatch(
        /^missed at .* UTC while the server was down \(3 runs missed; run once\)$/,
      );
    }
    const owners = new Set(first.map((r) => r.ownerPid));
    expect([...owners].every((pid) => pid === w1!.child.pid || pid === w2!.child.pid)).toBe(true);

    // Due again now (not missed): the next ticks, 20 s apart in each worker, fire each once more.
    await store.query(
      sql`UPDATE sync_schedules SET next_run_at = now() - interval '1 second' WHERE id IN (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    const second = await waitFor(
      'a second run per schedule, ended',
      async () => {
        const runs = await runsOf();
        return runs.length >= 2 * SCHEDULES && runs.every((r) => ended(r.status)) && runs;
      },
      120_000,
    );
    // Claimed: every next run is an hour away, so no later tick of either worker fires them again.
    const schedules = await store.db.select().from(syncSchedules).where(inArray(syncSchedules.id, ids));
    for (const s of schedules)
      expect(new Date(s.nextRunAt!).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    const final = await runsOf();
    expect(final).toHaveLength(2 * SCHEDULES);
    for (const id of ids) expect(second.filter((r) => r.scheduleId === id)).toHaveLength(2);
    const fresh = final.filter((r) => !first.some((f) => f.id === r.id));
    for (const r of fresh) {
      expect(r, r.error ?? '').toMatchObject({ trigger: 'schedule', status: 'succeeded', triggerNote: null });
    }
  }, 300_000);
});

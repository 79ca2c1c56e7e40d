import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient, type Organization } from '../affinity/index.js';
import { type AppContext, type AppDeps, LOCAL_ADMIN } from '../app/context.js';
import { startPush } from '../app/push.js';
import { cancelRun, runProgress } from '../app/runs.js';
import { loadConfig } from '../config/index.js';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import { importRecords } from '../intelligence/index.js';
import { createLogger } from '../logging/index.js';
import { syncRuns } from '../store/index.js';
import { backends } from '../store/testing.js';
import { connect } from '../sync/connections.js';
import { setDestination } from '../sync/destinations.js';
import { box, type PushFixture, pushFixture, pushSeed, testTransport } from '../sync/push/test-support.js';
import { type Jobs, startJobs } from './index.js';
import { waitFor } from './testing.js';

const MANY = 40;

let emu: RunningEmulator;
/** A second workspace, for a second connection. */
let emu2: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
  emu2 = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
  await emu2.close();
});

describe.each(backends)('runs as jobs on %s', (backend) => {
  let f: PushFixture;
  let deps: AppDeps;
  const started: Jobs[] = [];
  const jobsOf = async (workers: boolean) => {
    const jobs = await startJobs(deps, {
      workers,
      pollingSeconds: 0.5,
      superviseSeconds: 1,
      heartbeatSeconds: 10,
    });
    started.push(jobs);
    return jobs;
  };
  const ctxOf = (jobs: Jobs): AppContext => ({
    actor: { id: 'maria@example.com', role: 'member' },
    deps: { ...deps, jobs },
  });
  const run = async (runId: number) => {
    const [row] = await f.t.store.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
    return row!;
  };
  const ended = (runId: number) =>
    waitFor(`run ${runId} to end`, async () => {
      const r = await run(runId);
      return !['queued', 'running'].includes(r.status) && r;
    });
  const organizations = async () => {
    const client = new AffinityClient({ transport: testTransport(emu) });
    const out: Organization[] = [];
    for await (const o of client.organizations.iterate({})) out.push(o);
    return out;
  };

  afterEach(async () => {
    for (const j of started.splice(0)) await j.stop();
    emu.setConfig({ latencyMs: 0 });
    emu2.setConfig({ latencyMs: 0 });
    await f?.cleanup();
  });

  async function setup(records = MANY): Promise<void> {
    f = await pushFixture(emu, backend);
    const imported = await importRecords(
      f.t.store,
      'companies',
      Array.from({ length: records }, (_, i) => ({
        row: i + 1,
        line: i + 2,
        record: { domain: `many${i}.io`, name: `Many ${i}`, website: `https://many${i}.io` },
      })),
    );
    expect(imported.written, JSON.stringify(imported.errors)).toBe(true);
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      match: 'domain',
      mode: 'create-update',
      map: ['website=Website'],
    });
    expect(saved.code).toBe('saved');
    const config = loadConfig({
      AFFINITY_SYNC_DATA_DIR: f.t.dataDir,
      AFFINITY_SYNC_SECRET: 'push test master secret',
      AFFINITY_RATE_PER_MINUTE: '100000',
      LOG_LEVEL: 'silent',
    });
    deps = { store: f.t.store, config, logger: createLogger('silent') };
  }

  it('a push is queued in activity at once, then run by a worker: queued → running → succeeded', async () => {
    await setup(5);
    const queueOnly = await jobsOf(false);
    const asked = await startPush(ctxOf(queueOnly), { selection: { all: 'company' } });
    const queued = await run(asked.runId);
    expect(queued).toMatchObject({
      status: 'queued',
      kind: 'push',
      trigger: 'api',
      actor: 'maria@example.com',
    });
    expect(queued.queuedAt).not.toBeNull();
    expect(queued.jobId).toBeTruthy();
    expect((await runProgress(ctxOf(queueOnly), { runId: asked.runId })).done).toBe(false);

    await jobsOf(true);
    const done = await ended(asked.runId);
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ created: 7 });
    const snapshot = await runProgress(ctxOf(queueOnly), { runId: asked.runId });
    expect(snapshot).toMatchObject({ done: true, status: 'succeeded', progress: null });
    expect(snapshot.apiCalls).toBeGreaterThan(0);
    const domains = (await organizations()).map((o) => o.domain);
    expect(domains.filter((d) => d?.startsWith('many'))).toHaveLength(5);
  });

  it('one run per connection at a time; another connection runs in parallel', async () => {
    await setup(8);
    // A second connection, to another workspace, with its own destination.
    emu2.seed(pushSeed);
    const { connection: other } = await connect(f.t.store, box, {
      apiKey: emu2.apiKey,
      baseUrl: emu2.url,
      actor: LOCAL_ADMIN,
      name: 'other',
    });
    const otherClient = new AffinityClient({ transport: testTransport(emu2) });
    const saved = await setDestination(f.t.store, otherClient, other.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      match: 'domain',
      mode: 'create-update',
      map: ['website=Website'],
    });
    expect(saved.code).toBe('saved');
    emu.setConfig({ latencyMs: 60 });
    emu2.setConfig({ latencyMs: 60 });
    // Two queued pushes on one connection and one on another, taken by workers at once.
    const queueOnly = await jobsOf(false);
    const a1 = await queueOnly.enqueue({
      kind: 'push',
      connectionId: f.connection.id,
      trigger: 'api',
      actor: 'a',
      params: { input: { selection: { all: 'company' } } },
    });
    const a2 = await queueOnly.enqueue({
      kind: 'push',
      connectionId: f.connection.id,
      trigger: 'api',
      actor: 'a',
      params: { input: { selection: { all: 'company' } } },
    });
    const b = await queueOnly.enqueue({
      kind: 'push',
      connectionId: other.id,
      trigger: 'api',
      actor: 'b',
      params: { input: { selection: { all: 'company' } } },
    });
    await jobsOf(true);
    const [r1, r2, rb] = [await ended(a1.runId), await ended(a2.runId), await ended(b.runId)];
    for (const r of [r1, r2, rb]) expect(r.status).toBe('succeeded');
    const span = (r: typeof r1) => [Date.parse(r.startedAt), Date.parse(r.finishedAt!)] as const;
    const [first, second] = span(r1)[0] < span(r2)[0] ? [span(r1), span(r2)] : [span(r2), span(r1)];
    // The same connection's runs never overlap…
    expect(second[0]).toBeGreaterThanOrEqual(first[1]);
    // …while the other connection's ran beside one of them.
    const [bs, be] = span(rb);
    expect(bs < first[1] || bs < second[1]).toBe(true);
    expect(be > first[0] || be > second[0]).toBe(true);
  });

  it('a queued run cancelled never starts; it says who cancelled it', async () => {
    await setup(3);
    const queueOnly = await jobsOf(false);
    const ctx = ctxOf(queueOnly);
    const asked = await startPush(ctx, { selection: { all: 'company' } });
    const cancelled = await cancelRun(ctx, { runId: asked.runId });
    expect(cancelled).toEqual({ runId: asked.runId, outcome: 'cancelled', status: 'stopped' });
    const row = await run(asked.runId);
    expect(row.error).toMatch(/cancelled by maria@example\.com/);
    expect(row.cancelRequestedBy).toBe('maria@example.com');
    // A worker started afterwards has nothing of it to run.
    const after = await startPush(ctx, { selection: { company: 'many0.io' } });
    await jobsOf(true);
    expect((await ended(after.runId)).status).toBe('succeeded');
    expect((await run(asked.runId)).status).toBe('stopped');
    expect((await organizations()).filter((o) => o.domain?.startsWith('many'))).toHaveLength(1);
    expect(await cancelRun(ctx, { runId: asked.runId })).toMatchObject({ outcome: 'finished' });
  });

  it('a running run cancelled stops after its writes in flight, ends stopped, and a new push resumes it', async () => {
    await setup(MANY);
    emu.setConfig({ latencyMs: 80 });
    const jobs = await jobsOf(true);
    const ctx = ctxOf(jobs);
    const asked = await startPush(ctx, { selection: { all: 'company' } });
    await waitFor('the push to be writing', async () => {
      const p = await runProgress(ctx, { runId: asked.runId });
      return p.progress?.step === 'pushing' && p.progress.done > 0;
    });
    const cancel = await cancelRun(ctx, { runId: asked.runId });
    expect(cancel.outcome).toBe('stopping');
    const row = await ended(asked.runId);
    expect(row.status).toBe('stopped');
    expect(row.error).toMatch(/^cancelled by maria@example\.com/);
    const partway = (await organizations()).filter((o) => o.domain?.startsWith('many')).length;
    expect(partway).toBeLessThan(MANY);
    emu.setConfig({ latencyMs: 0 });
    const again = await startPush(ctx, { selection: { all: 'company' } });
    expect((await ended(again.runId)).status).toBe('succeeded');
    const orgs = (await organizations()).filter((o) => o.domain?.startsWith('many'));
    expect(orgs).toHaveLength(MANY);
    expect(new Set(orgs.map((o) => o.domain)).size).toBe(MANY);
  });

  it('a worker stopped mid-push hands the run back; the next worker resumes the same run, nothing written twice', async () => {
    await setup(MANY);
    emu.setConfig({ latencyMs: 80 });
    const first = await jobsOf(true);
    const ctx = ctxOf(first);
    const asked = await startPush(ctx, { selection: { all: 'company' } });
    await waitFor('the push to be writing', async () => {
      const p = await runProgress(ctx, { runId: asked.runId });
      return p.progress?.step === 'pushing' && p.progress.done > 0;
    });
    await first.stop();
    const handedBack = await run(asked.runId);
    expect(handedBack.status).toBe('interrupted');
    const partway = (await organizations()).filter((o) => o.domain?.startsWith('many')).length;
    expect(partway).toBeLessThan(MANY);

    emu.setConfig({ latencyMs: 0 });
    await jobsOf(true);
    await waitFor(
      'the run to be resumed and finish',
      async () => (await run(asked.runId)).status === 'succeeded',
    );
    const orgs = (await organizations()).filter((o) => o.domain?.startsWith('many'));
    expect(orgs).toHaveLength(MANY);
    expect(new Set(orgs.map((o) => o.domain)).size).toBe(MANY);
    // One run in activity, with the steps of both attempts.
    const steps = await f.t.store.query<{ name: string }>(
      sql`SELECT name FROM sync_run_steps WHERE run_id = ${asked.runId} ORDER BY position`,
    );
    expect(steps.filter((x) => x.name === 'matching')).toHaveLength(2);
  });
});

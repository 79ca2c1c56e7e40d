/**
 * How a push ends, told honestly: partial when a record failed, stopped when Affinity cannot be
 * used (and a re-run resumes without duplicates), interrupted when its signal aborts (in-flight
 * writes finished and journaled, a re-run completes). Also planning's progress and time estimate,
 * and the call economy of people. Emulator over real HTTP, PGlite.
 */
import { createServer } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient, createTransport, type Organization } from '../../affinity/index.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { importRecords } from '../../intelligence/index.js';
import { syncPushOps } from '../../store/index.js';
import { getRun } from '../activity.js';
import { setDestination } from '../destinations.js';
import { LOCAL_ADMIN } from '../roles.js';
import { type PushOptions, type PushReport, push } from './index.js';
import {
  emulatorCalls,
  type PushFixture,
  pushFixture,
  SEED,
  standardMapping,
  testTransport,
} from './test-support.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
});

let f: PushFixture;
afterEach(async () => {
  emu.setConfig({ faultRate: 0, routes: {}, script: [] });
  await f?.cleanup();
});

async function destination(): Promise<void> {
  const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    map: standardMapping,
    list: SEED.dealflow,
  });
  expect(saved.code, JSON.stringify(saved)).toBe('saved');
}

async function pushAll(options: Partial<PushOptions> = {}): Promise<PushReport> {
  const result = await push({
    store: f.t.store,
    client: f.client,
    transport: f.transport,
    connectionId: f.connection.id,
    actor: 'local-admin',
    selection: { all: 'company' },
    ...options,
  });
  if (result.code !== 'pushed')
    throw new Error(`${result.code}: ${'message' in result ? result.message : ''}`);
  return result.report;
}

async function organizations(): Promise<Organization[]> {
  const out: Organization[] = [];
  for await (const o of f.client.organizations.iterate({})) out.push(o);
  return out;
}

/** No organization twice, no list entry twice, no single-valued field with two values. */
async function expectNoDuplicates(): Promise<void> {
  const orgs = await organizations();
  for (const d of ['existing.com', 'brightwave.io', 'corvid.dev'])
    expect(
      orgs.filter((o) => o.domain === d),
      d,
    ).toHaveLength(1);
  const dealflow = (await f.client.lists.all()).find((l) => l.name === SEED.dealflow);
  const entries = await f.client.listEntries.all(dealflow?.id as number);
  expect(entries).toHaveLength(3);
  expect(new Set(entries.map((e) => e.entity_id)).size).toBe(3);
  const fields = await f.client.fields.all({ entity_type: 1 });
  for (const o of orgs.filter((x) => x.domain !== null)) {
    const values = await f.client.fieldValues.all({ organization_id: o.id });
    const seen = new Map<string, number>();
    for (const v of values) {
      const key = `${v.field_id}:${JSON.stringify(v.value)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const field = fields.find((x) => x.id === v.field_id);
      if (field && !field.allows_multiple)
        expect(
          values.filter((x) => x.field_id === v.field_id),
          `${o.domain} ${field.name}`,
        ).toHaveLength(1);
    }
    for (const [key, n] of seen) expect(n, `${o.domain} ${key}`).toBe(1);
  }
}

describe('how a push ends', () => {
  it('is partial when a record failed, in the report and in the activity log', async () => {
    f = await pushFixture(emu);
    await destination();
    // Someone creates Corvid in Affinity between the plan and its create: Affinity answers 422.
    const report = await pushAll({
      hooks: {
        beforeSend: async (op) => {
          if (op.kind === 'create' && (op.body as { domain?: string }).domain === 'corvid.dev')
            await f.client.organizations.create({ name: 'Corvid (manual)', domain: 'corvid.dev' });
        },
      },
    });
    expect(report.status).toBe('partial');
    expect(report.failures).toHaveLength(1);
    expect((await getRun(f.t.store, report.runId))?.run.status).toBe('partial');
  });

  it('stops as unreachable when Affinity answers only 503, and a re-run resumes with no duplicates', async () => {
    f = await pushFixture(emu);
    await destination();
    const report = await pushAll({
      hooks: {
        beforeSend: (_op, n) => {
          if (n === 3) emu.setConfig({ faultRate: 1, faultStatus: 503 });
        },
      },
    });
    expect(report.status).toBe('stopped');
    expect(report.stopped?.code).toBe('unreachable');
    expect(report.stopped?.reason).toMatch(/Affinity unreachable at .* since .*run the push again/);
    expect(report.failures).toEqual([]);
    expect(report.outcome?.notSent).toBeGreaterThan(0);
    const detail = await getRun(f.t.store, report.runId);
    expect(detail?.run.status).toBe('stopped');
    expect(detail?.run.error).toMatch(/unreachable/);

    emu.setConfig({ faultRate: 0 });
    f.transport = testTransport(emu);
    f.client = new AffinityClient({ transport: f.transport });
    const resumed = await pushAll();
    expect(resumed.status).toBe('succeeded');
    await expectNoDuplicates();
    emu.resetStats();
    const again = await pushAll();
    expect(again.plan.writes).toBe(0);
    expect(emulatorCalls(emu).writes).toBe(0);
  });

  it('stops as throttled when Affinity answers only 429, and a re-run resumes with no duplicates', async () => {
    f = await pushFixture(emu);
    await destination();
    // One retry per request: each 429 still waits out the reset its headers give, in real time.
    const transport = createTransport({ apiKey: emu.apiKey, baseUrl: emu.url, maxRetries: 1 });
    const report = await pushAll({
      client: new AffinityClient({ transport }),
      transport,
      hooks: {
        beforeSend: (_op, n) => {
          if (n === 3) emu.setConfig({ faultRate: 1, faultStatus: 429 });
        },
      },
    });
    expect(report.status).toBe('stopped');
    expect(report.stopped?.code).toBe('throttled');
    expect(report.stopped?.reason).toMatch(/429 Too Many Requests after every retry.*run the push again/);
    expect(report.failures).toEqual([]);
    expect((await getRun(f.t.store, report.runId))?.run.status).toBe('stopped');

    emu.setConfig({ faultRate: 0 });
    const resumed = await pushAll();
    expect(resumed.status).toBe('succeeded');
    await expectNoDuplicates();
  });

  it('stops as unreachable, not failed, when nothing answers at the URL', async () => {
    f = await pushFixture(emu);
    await destination();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = createTransport({
      apiKey: emu.apiKey,
      baseUrl: `http://127.0.0.1:${port}`,
      sleep: async () => {},
      random: () => 0,
    });
    const result = await push({
      store: f.t.store,
      client: new AffinityClient({ transport: dead }),
      connectionId: f.connection.id,
      actor: 'local-admin',
      selection: { all: 'company' },
    });
    expect(result.code).toBe('stopped');
    if (result.code !== 'stopped') return;
    expect(result.stop.code).toBe('unreachable');
    expect(result.message).toContain(`127.0.0.1:${port}`);
    expect((await getRun(f.t.store, result.runId))?.run.status).toBe('stopped');
  });

  it('is interrupted when its signal aborts: writes in flight finish, a re-run completes', async () => {
    f = await pushFixture(emu);
    await destination();
    const controller = new AbortController();
    let sentAfterAbort = 0;
    const report = await pushAll({
      signal: controller.signal,
      concurrency: 1,
      hooks: {
        beforeSend: (_op, n) => {
          if (controller.signal.aborted) sentAfterAbort += 1;
          if (n === 3) controller.abort();
        },
      },
    });
    // The write whose send had begun when the signal aborted went out; none started after.
    expect(sentAfterAbort).toBe(0);
    expect(report.status).toBe('interrupted');
    expect(report.outcome?.notSent).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
    expect((await getRun(f.t.store, report.runId))?.run.status).toBe('interrupted');
    const journal = await f.t.store.db.select().from(syncPushOps).where(eq(syncPushOps.runId, report.runId));
    expect(journal.filter((o) => o.status === 'done')).toHaveLength(4);
    expect(journal.filter((o) => o.status === 'sending' || o.status === 'planned')).toEqual([]);

    const resumed = await pushAll();
    expect(resumed.status).toBe('succeeded');
    await expectNoDuplicates();
    emu.resetStats();
    await pushAll();
    expect(emulatorCalls(emu).writes).toBe(0);
  });

  it('is interrupted while planning, writing nothing', async () => {
    f = await pushFixture(emu);
    await destination();
    const controller = new AbortController();
    controller.abort();
    emu.resetStats();
    const report = await pushAll({ signal: controller.signal });
    expect(report.status).toBe('interrupted');
    expect(report.outcome?.notSent).toBe(4);
    expect(emulatorCalls(emu).total).toBe(0);
    expect((await getRun(f.t.store, report.runId))?.run.status).toBe('interrupted');
  });
});

describe('planning', () => {
  it('reports matching progress and carries its time at the configured rate', async () => {
    f = await pushFixture(emu);
    await destination();
    const seen: Array<{ phase: string; done: number; total: number; reads?: number }> = [];
    const report = await pushAll({
      dryRun: true,
      ratePerMinute: 60,
      onProgress: (phase, done, total, detail) =>
        seen.push({ phase, done, total, ...(detail ? { reads: detail.reads } : {}) }),
    });
    const matching = seen.filter((s) => s.phase === 'matching');
    expect(matching.length).toBeGreaterThan(0);
    expect(matching.at(-1)).toEqual({ phase: 'matching', done: 4, total: 4, reads: report.plan.reads });
    const calls = report.plan.apiCalls;
    expect(report.plan.estimate).toMatchObject({ calls, ratePerMinute: 60, seconds: calls });
    expect(report.plan.estimate.text).toBe(`${calls} calls ≈ ${calls} s at 60/min`);
  });

  it("resolves people's companies by paging the organization index once, each company once", async () => {
    f = await pushFixture(emu);
    await f.client.persons.create({
      first_name: 'Old',
      last_name: 'Friend',
      emails: ['old@existing.com'],
      organization_ids: [(await organizations()).find((o) => o.domain === 'existing.com')?.id as number],
    });
    const people = [
      { name: 'Old Friend', emails: 'old@existing.com', company_domain: 'existing.com' },
      { name: 'Eve Existing', emails: 'eve@existing.com', company_domain: 'existing.com' },
      { name: 'Nia Nimbus', emails: 'nia@nimbus.io', company_domain: 'nimbus.io' },
      { name: 'Cody Corvid', emails: 'cody@corvid.dev', company_domain: 'corvid.dev' },
      { name: 'Cara Corvid', emails: 'cara@corvid.dev', company_domain: 'corvid.dev' },
    ];
    const imported = await importRecords(
      f.t.store,
      'people',
      people.map((record, i) => ({ row: i + 1, line: i + 2, record })),
    );
    expect(imported.written).toBeTruthy();
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'person',
      match: 'email',
    });
    expect(saved.code, JSON.stringify(saved)).toBe('saved');
    const routes = () => {
      const out: Record<string, number> = {};
      for (const r of emu.stats().byRoute)
        out[`${r.method} ${r.route}`] = (out[`${r.method} ${r.route}`] ?? 0) + r.count;
      return out;
    };
    emu.resetStats();
    const dry = await pushAll({ selection: { all: 'person' }, dryRun: true });
    // Three companies: one page of the organization index, not three searches (nor five);
    // one page of the person index; no read of the matched person (the page said their company).
    expect(routes()).toEqual({ 'GET /organizations': 1, 'GET /persons': 1 });
    expect(dry.plan.reads).toBe(2);
    expect(dry.plan.counts).toMatchObject({ create: 4, unchanged: 1 });

    emu.resetStats();
    const real = await pushAll({ selection: { all: 'person' } });
    expect(real.status).toBe('succeeded');
    expect(emulatorCalls(emu).total).toBe(real.plan.apiCalls);
    const again = await pushAll({ selection: { all: 'person' }, dryRun: true });
    expect(again.plan.writes).toBe(0);
  });
});

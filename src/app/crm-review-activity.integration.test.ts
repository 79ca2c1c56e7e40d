import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import { demoWorkspaceFacts } from '../emulator/seeds/index.js';
import { createLogger } from '../logging/index.js';
import { syncRuns } from '../store/index.js';
import type { TestStore } from '../store/testing.js';
import { startRun } from '../sync/activity.js';
import { pull } from '../sync/pull/engine.js';
import { connectTo, openDatasetStore } from '../sync/pull/testing.js';
import { getRun, listRunRecords, listRuns, runDetail, runList, runRecords } from './activity.js';
import { type AppContext, AppError } from './context.js';
import { crmResult, viewCrm } from './crm.js';
import { decideReview, listReview, reviewResult } from './review.js';

/**
 * My CRM, review and activity on a store that pulled the emulator's demo workspace: each read
 * answers its schema, pages, filters; decisions settle records for good; refusals say why.
 */

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got a result');
}
const fields = (e: AppError) =>
  ((e.details as { issues?: Array<{ field: string }> } | undefined)?.issues ?? []).map((i) => i.field);

const facts = demoWorkspaceFacts();
let emu: RunningEmulator;
let t: TestStore;
let member: AppContext;
let pullDeps: Parameters<typeof pull>[0];
const lists = [{ list: facts.lists.dealFlow }, { list: facts.lists.founders }];
let pullRunId: number;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
  t = await openDatasetStore();
  const { connectionId, client } = await connectTo(t.store, emu);
  pullDeps = { store: t.store, client, connectionId };
  pullRunId = (await pull(pullDeps, { lists })).runId;
  member = {
    actor: { id: 'member@example.com', role: 'member' },
    deps: {
      store: t.store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: t.dataDir }),
      logger: createLogger('silent'),
    },
  };
});
afterAll(async () => {
  await t?.cleanup();
  await emu?.close();
});

describe('My CRM', () => {
  it('ranks by growth, pages, filters by pulled list, and carries each company’s signal series', async () => {
    const first = await viewCrm(member, { limit: 10 });
    expect(crmResult.safeParse(first).success).toBe(true);
    expect(first.scope).toBe('connection');
    expect(first.counts.lists).toBe(2);
    expect(first.counts.showing).toBe(10);
    const ranks = first.records.map((r) => r.company?.growthRank ?? -1);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const top = first.records[0];
    expect(top?.signals?.headcount.length).toBeGreaterThan(1);
    expect(top?.signals?.webVisits.length).toBeGreaterThan(1);
    const dates = top?.signals?.headcount.map((p) => p.date) ?? [];
    expect(dates).toEqual([...dates].sort());
    const noCompany = (await viewCrm(member, { limit: 1000 })).records.find((r) => r.company === null);
    if (noCompany) expect(noCompany.signals).toBeNull();

    const second = await viewCrm(member, { limit: 10, offset: 10 });
    const both = await viewCrm(member, { limit: 20, signals: false });
    expect([...first.records, ...second.records].map((r) => r.crmId)).toEqual(
      both.records.map((r) => r.crmId),
    );
    expect(both.records[0]?.signals).toBeUndefined();

    const deal = await viewCrm(member, {
      list: facts.lists.dealFlow.toUpperCase(),
      sort: 'name',
      limit: 1000,
    });
    expect(deal.list?.name).toBe(facts.lists.dealFlow);
    expect(deal.counts.matching).toBe(facts.counts.listEntries.dealFlow - 1);
    for (const r of deal.records) expect(r.lists).toContain(facts.lists.dealFlow);
    const byId = await viewCrm(member, { list: String(deal.list?.id), limit: 1 });
    expect(byId.list).toEqual(deal.list);

    const unknown = await refusal(viewCrm(member, { list: 'No Such List' }));
    expect(unknown.code).toBe('bad_request');
    expect(unknown.message).toMatch(/no pulled list named "No Such List"/);
    expect(fields(unknown)).toEqual(['list']);
    expect(fields(await refusal(viewCrm(member, { sort: 'size' as never })))).toEqual(['sort']);
  });
});

describe('review', () => {
  it('lists what to settle a page at a time; decisions settle records for good, across pulls', async () => {
    const all = await listReview(member, { limit: 1000 });
    expect(reviewResult.safeParse(all).success).toBe(true);
    expect(all.pulled).toBe(true);
    expect(all.items.length).toBe(all.counts.toSettle);
    expect(all.counts.toSettle).toBeGreaterThanOrEqual(3);
    // Ambiguous first: they have candidates to choose from.
    const statuses = all.items.map((i) => i.status);
    expect(statuses).toEqual([...statuses].sort());
    for (const i of all.items.filter((x) => x.status === 'ambiguous'))
      expect(i.candidates.length).toBeGreaterThan(1);
    const page = await listReview(member, { limit: 2, offset: 1 });
    expect(page.items.map((i) => i.crmId)).toEqual(all.items.slice(1, 3).map((i) => i.crmId));
    expect(page.counts.toSettle).toBe(all.counts.toSettle);

    const orgs = all.items.filter((i) => i.affinityType === 'organization' && i.domains.length > 0);
    const [toLink, toIgnore, toCreate] = orgs;
    if (!toLink || !toIgnore || !toCreate) throw new Error('expected three organizations with domains');
    const [company] = await t.store.query<{ id: number; domain: string }>(
      sql`SELECT id, domain FROM intel_companies ORDER BY id LIMIT 1`,
    );
    const linked = await decideReview(member, {
      crmId: toLink.crmId,
      decision: 'link',
      entity: company?.domain ?? '',
    });
    expect(linked).toEqual({
      ok: true,
      crmId: toLink.crmId,
      decision: 'linked',
      kind: 'company',
      entityId: company?.id,
    });
    expect(await decideReview(member, { crmId: toIgnore.crmId, decision: 'ignore' })).toMatchObject({
      decision: 'ignored',
    });
    expect(await decideReview(member, { crmId: toCreate.crmId, decision: 'create' })).toMatchObject({
      decision: 'created',
      kind: 'company',
    });

    const gone = await refusal(decideReview(member, { crmId: 999_999_999, decision: 'ignore' }));
    expect(gone.code).toBe('not_found');
    const badEntity = await refusal(
      decideReview(member, { crmId: toLink.crmId, decision: 'link', entity: 'person:1' }),
    );
    expect(badEntity.code).toBe('bad_request');
    expect(fields(badEntity)).toEqual(['entity']);
    const noEntity = await refusal(
      decideReview(member, { crmId: toLink.crmId, decision: 'link', entity: 'company:999999999' }),
    );
    expect(noEntity.code).toBe('bad_request');
    expect(fields(await refusal(decideReview(member, { crmId: 1, decision: 'merge' } as never)))).toContain(
      'decision',
    );

    await pull(pullDeps, { lists });
    const after = await listReview(member, { limit: 1000 });
    const decided = new Set([toLink.crmId, toIgnore.crmId, toCreate.crmId]);
    expect(after.items.some((i) => decided.has(i.crmId))).toBe(false);
    expect(after.counts.toSettle).toBe(all.counts.toSettle - 3);
    const onDeal = await listReview(member, { list: facts.lists.dealFlow, limit: 1000 });
    for (const i of onDeal.items) expect(i.lists).toContain(facts.lists.dealFlow);
  });
});

describe('activity', () => {
  it('lists runs filtered and paged; one run with steps and progress; its records failed first', async () => {
    // A push with a failed record among others, some stored as one batch row.
    const run = await startRun(t.store, {
      kind: 'push',
      trigger: 'api',
      actor: 'member@example.com',
      connectionId: pullDeps.connectionId,
      heartbeatMs: 0,
    });
    const matching = await run.step('matching');
    await matching.batch('matched', [{ entityId: 1 }, { entityId: 2 }, { entityId: 3 }], {
      entityKind: 'company',
    });
    await matching.finish();
    const writing = await run.step('creating');
    await writing.records([
      {
        outcome: 'created',
        entityKind: 'company',
        entityId: 1,
        affinityType: 'organization',
        affinityId: 11,
      },
      {
        outcome: 'failed',
        entityKind: 'company',
        entityId: 2,
        message: 'Affinity answered 422: domain is invalid',
        details: { status: 422 },
      },
      {
        outcome: 'created',
        entityKind: 'company',
        entityId: 3,
        affinityType: 'organization',
        affinityId: 13,
      },
    ]);
    await writing.finish();
    await run.finish();

    const runs = await listRuns(member, { limit: 10 });
    expect(runList.safeParse(runs).success).toBe(true);
    expect(runs.runs.map((r) => r.id)).toEqual([...runs.runs.map((r) => r.id)].sort((a, b) => b - a));
    expect(runs.total).toBeGreaterThanOrEqual(3);
    expect((await listRuns(member, { kind: 'push' })).runs.map((r) => r.id)).toEqual([run.id]);
    expect((await listRuns(member, { status: 'partial' })).runs.map((r) => r.id)).toEqual([run.id]);
    expect((await listRuns(member, { failed: true })).runs.map((r) => r.id)).toEqual([run.id]);
    expect((await listRuns(member, { trigger: ['api', 'schedule'] })).runs.map((r) => r.id)).toEqual([
      run.id,
    ]);
    expect((await listRuns(member, { kind: 'pull', limit: 1, offset: 1 })).runs[0]?.id).toBe(pullRunId);
    expect((await listRuns(member, { since: '2999-01-01' })).total).toBe(0);
    expect((await listRuns(member, { until: '2000-01-01' })).total).toBe(0);
    expect((await listRuns(member, { connectionId: pullDeps.connectionId })).total).toBe(runs.total);
    expect(fields(await refusal(listRuns(member, { status: 'exploded' as never })))).toEqual(['status']);
    expect(fields(await refusal(listRuns(member, { since: 'yesterday' })))).toEqual(['since']);

    const detail = await getRun(member, { runId: run.id });
    expect(runDetail.safeParse(detail).success).toBe(true);
    expect(detail.run).toMatchObject({
      id: run.id,
      status: 'partial',
      counts: { matched: 3, created: 2, failed: 1 },
      apiCalls: 0,
      throttled: 0,
    });
    expect(detail.run.startedAt).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(detail.steps.map((s) => [s.name, s.status])).toEqual([
      ['matching', 'succeeded'],
      ['creating', 'failed'],
    ]);
    expect(detail.currentStep?.name).toBe('creating');
    expect(detail.steps[0]?.records).toBeUndefined();
    const pulled = await getRun(member, { runId: pullRunId });
    expect(pulled.steps.length).toBeGreaterThan(1);
    expect((await refusal(getRun(member, { runId: 999_999 }))).code).toBe('not_found');

    const records = await listRunRecords(member, { runId: run.id, limit: 4 });
    expect(runRecords.safeParse(records).success).toBe(true);
    expect(records.total).toBe(6);
    expect(records.byOutcome).toEqual({ matched: 3, created: 2, failed: 1 });
    expect(records.records[0]).toMatchObject({
      outcome: 'failed',
      step: 'creating',
      entityId: 2,
      message: 'Affinity answered 422: domain is invalid',
      details: { status: 422 },
    });
    // Then in step order, a batch row record by record.
    expect(records.records.slice(1).map((r) => [r.outcome, r.entityId])).toEqual([
      ['matched', 1],
      ['matched', 2],
      ['matched', 3],
    ]);
    const rest = await listRunRecords(member, { runId: run.id, limit: 4, offset: 4 });
    expect(rest.records.map((r) => [r.outcome, r.entityId])).toEqual([
      ['created', 1],
      ['created', 3],
    ]);
    const created = await listRunRecords(member, { runId: run.id, outcome: 'created' });
    expect(created.total).toBe(2);
    expect(created.records.map((r) => r.affinityId)).toEqual([11, 13]);
    const pullRecords = await listRunRecords(member, { runId: pullRunId, limit: 5 });
    expect(pullRecords.total).toBeGreaterThan(5);
    expect(pullRecords.records).toHaveLength(5);
    expect((await refusal(listRunRecords(member, { runId: 999_999 }))).code).toBe('not_found');
  });

  it('shows a queued run from the moment it is asked for: no steps yet, its queue time', async () => {
    const [queued] = await t.store.db
      .insert(syncRuns)
      .values({
        kind: 'pull',
        trigger: 'schedule',
        actor: 'scheduler',
        status: 'queued',
        connectionId: pullDeps.connectionId,
        queuedAt: sql`now()`,
        jobId: 'job-1',
      })
      .returning({ id: syncRuns.id });
    const id = queued?.id as number;
    expect((await listRuns(member, { status: 'queued' })).runs.map((r) => r.id)).toEqual([id]);
    const detail = await getRun(member, { runId: id });
    expect(runDetail.safeParse(detail).success).toBe(true);
    expect(detail).toMatchObject({ steps: [], currentStep: null });
    expect(detail.run).toMatchObject({ status: 'queued', jobId: 'job-1', finishedAt: null, progress: null });
    expect(detail.run.queuedAt).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(await listRunRecords(member, { runId: id })).toMatchObject({ total: 0, records: [] });
  });
});

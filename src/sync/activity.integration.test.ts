import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { backends, openTestStore, type TestStore } from '../store/testing.js';
import { getRun, listRuns, markInterruptedRuns, startRun } from './activity.js';

describe.each(backends)('activity log on %s', (backend) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('records a run with ordered steps, record outcomes, counts and API usage', async () => {
    t = await openTestStore(backend);
    const run = await startRun(t.store, {
      kind: 'push',
      trigger: 'cli',
      actor: 'local-admin',
      params: { all: 'company' },
    });
    const matching = await run.step('matching');
    await matching.records([
      {
        outcome: 'matched',
        entityKind: 'company',
        entityId: 1,
        affinityType: 'organization',
        affinityId: 10,
      },
      { outcome: 'unmatched', entityKind: 'company', entityId: 2 },
    ]);
    await matching.finish();
    const creating = await run.step('creating');
    await creating.records([
      {
        outcome: 'created',
        entityKind: 'company',
        entityId: 2,
        affinityType: 'organization',
        affinityId: 11,
      },
      {
        outcome: 'failed',
        entityKind: 'company',
        entityId: 3,
        message: 'There exists a contact with this email address.',
      },
    ]);
    await creating.finish();
    const status = await run.finish({ api: { requests: 7, throttled: 1, retries: 2 } });

    expect(status).toBe('partial');
    const detail = await getRun(t.store, run.id);
    expect(detail?.run).toMatchObject({
      kind: 'push',
      status: 'partial',
      apiCalls: 7,
      throttled: 1,
      retries: 2,
      counts: { matched: 1, unmatched: 1, created: 1, failed: 1 },
    });
    expect(detail?.run.finishedAt).not.toBeNull();
    expect(detail?.steps.map((s) => [s.name, s.status])).toEqual([
      ['matching', 'succeeded'],
      ['creating', 'failed'],
    ]);
    expect(detail?.steps[1]?.records.find((r) => r.outcome === 'failed')?.message).toContain('There exists');

    const failedOnly = await getRun(t.store, run.id, { outcome: 'failed' });
    expect(failedOnly?.steps.flatMap((s) => s.records.map((r) => r.entityId))).toEqual([3]);
  });

  it('stores a batch of outcomes as one row and lists it record by record, in order', async () => {
    t = await openTestStore(backend);
    const run = await startRun(t.store, { kind: 'pull', trigger: 'cli', actor: 'local-admin' });
    const step = await run.step('fetch list Deal Flow (7)');
    await step.records([
      { outcome: 'removed', affinityType: 'organization', affinityId: 1, message: 'first' },
    ]);
    await step.batch(
      'fetched',
      [
        { affinityId: 10, details: { crmId: 100 } },
        { affinityId: 11, details: { crmId: 101 }, message: 'its own message' },
        { affinityId: 12, affinityType: 'person', details: { crmId: 102 } },
      ],
      { affinityType: 'organization', message: 'new in My CRM', details: { listId: 7 } },
    );
    await step.records([{ outcome: 'removed', affinityType: 'organization', affinityId: 2 }]);
    await step.finish();
    expect(step.counts).toEqual({ removed: 2, fetched: 3 });
    expect(run.counts).toEqual({ removed: 2, fetched: 3 });
    const [stored] = await t.store.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM sync_run_records WHERE run_id = ${run.id}`,
    );
    expect(stored?.n).toBe(3);

    const records = (await getRun(t.store, run.id))?.steps[0]?.records ?? [];
    expect(records.map((r) => [r.outcome, r.affinityType, r.affinityId, r.message])).toEqual([
      ['removed', 'organization', 1, 'first'],
      ['fetched', 'organization', 10, 'new in My CRM'],
      ['fetched', 'organization', 11, 'its own message'],
      ['fetched', 'person', 12, 'new in My CRM'],
      ['removed', 'organization', 2, null],
    ]);
    expect(records[2]).toMatchObject({ runId: run.id, details: { listId: 7, crmId: 101 }, entityKind: null });
    expect(records[4]?.details).toEqual({});

    const fetched = (await getRun(t.store, run.id, { outcome: 'fetched', recordLimit: 2 }))?.steps[0]
      ?.records;
    expect(fetched?.map((r) => r.affinityId)).toEqual([10, 11]);
  });

  it('lists runs newest first, filters by kind, and marks abandoned runs interrupted, never live ones', async () => {
    t = await openTestStore(backend);
    const a = await startRun(t.store, { kind: 'pull', trigger: 'cli', actor: 'local-admin' });
    await a.finish();
    const b = await startRun(t.store, { kind: 'push', trigger: 'schedule', actor: 'scheduler' });
    expect((await listRuns(t.store)).map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await listRuns(t.store, { kind: 'pull' })).map((r) => r.id)).toEqual([a.id]);
    // b is live (this process runs it): never marked. A run left by a process that died is.
    expect(await markInterruptedRuns(t.store)).toBe(0);
    await t.store.query(sql`INSERT INTO sync_runs (kind, trigger, actor) VALUES ('push', 'cli', 'gone')`);
    expect(await markInterruptedRuns(t.store)).toBe(1);
    expect((await getRun(t.store, b.id))?.run.status).toBe('running');
    await b.finish();
    expect((await getRun(t.store, b.id))?.run.status).toBe('succeeded');
    expect((await getRun(t.store, a.id))?.run.status).toBe('succeeded');
    expect(await getRun(t.store, 999_999)).toBeNull();
  });
});

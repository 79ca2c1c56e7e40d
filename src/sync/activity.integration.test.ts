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

  it('lists runs newest first, filters by kind, and marks abandoned runs interrupted', async () => {
    t = await openTestStore(backend);
    const a = await startRun(t.store, { kind: 'pull', trigger: 'cli', actor: 'local-admin' });
    await a.finish();
    const b = await startRun(t.store, { kind: 'push', trigger: 'schedule', actor: 'scheduler' });
    expect((await listRuns(t.store)).map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await listRuns(t.store, { kind: 'pull' })).map((r) => r.id)).toEqual([a.id]);
    expect(await markInterruptedRuns(t.store)).toBe(1);
    expect((await getRun(t.store, b.id))?.run.status).toBe('interrupted');
    expect((await getRun(t.store, a.id))?.run.status).toBe('succeeded');
    expect(await getRun(t.store, 999_999)).toBeNull();
  });
});

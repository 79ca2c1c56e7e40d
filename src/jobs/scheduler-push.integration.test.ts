import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, withCompaniesAndDestination } from '../../test/support/server.js';
import { addListMembers, createList } from '../app/lists.js';
import { createSchedule, getSchedule } from '../app/schedules.js';
import { syncRuns } from '../store/index.js';
import { startJobs } from './index.js';
import { createScheduler } from './scheduler.js';
import { waitFor } from './testing.js';

/**
 * A scheduled push of one of our lists, end to end on PGlite: the scheduler fires it at its time,
 * a worker runs it through the push use case, and the records reach the emulator; the schedule
 * shows that run as its last.
 */

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ jobs: (deps) => startJobs(deps, { workers: true, scheduler: false }) });
  await withCompaniesAndDestination(s, 'scheduled', 3);
  await createList(s.ctx('member'), { name: 'Weekly picks', entity: 'companies' });
  await addListMembers(s.ctx('member'), {
    list: 'Weekly picks',
    keys: ['scheduled0.io', 'scheduled1.io', 'scheduled2.io'],
  });
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('a scheduled push', () => {
  it('runs at its time through a worker and pushes the list', async () => {
    const t0 = new Date('2026-06-01T08:00:00Z');
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      {
        name: 'weekly picks',
        kind: 'push',
        cron: '0 9 * * 1',
        timezone: 'Europe/London',
        target: { selection: { list: 'Weekly picks' } },
      },
      t0,
    );
    // Monday 1 June 2026, 09:00 in London (BST) is 08:00 UTC — just passed; the next is the 8th.
    expect(sched.nextRunAt).toBe('2026-06-08T08:00:00.000Z');
    const scheduler = createScheduler(s.deps, s.deps.jobs!, { now: () => t0 });
    const [fired] = await scheduler.tick(new Date('2026-06-08T08:00:05Z'));
    expect(fired).toMatchObject({ outcome: 'queued', note: null });

    const run = await waitFor('the scheduled push to end', async () => {
      const [r] = await s.store.db.select().from(syncRuns).where(eq(syncRuns.id, fired!.runId!));
      return r && !['queued', 'running'].includes(r.status) && r;
    });
    expect(run, run.error ?? '').toMatchObject({
      kind: 'push',
      trigger: 'schedule',
      scheduleId: sched.id,
      status: 'succeeded',
    });
    const orgs = (
      s.emulator.exportState() as unknown as { tables: { organizations: Array<{ domain: string | null }> } }
    ).tables.organizations;
    expect(orgs.filter((o) => o.domain?.startsWith('scheduled'))).toHaveLength(3);
    const shown = await getSchedule(ctx, { id: sched.id });
    expect(shown.lastRun).toMatchObject({ runId: run.id, status: 'succeeded', trigger: 'schedule' });
    expect(shown.nextRunAt).toBe('2026-06-15T08:00:00.000Z');
  });
});

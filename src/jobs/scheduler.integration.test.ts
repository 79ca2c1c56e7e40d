import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { cancelRun } from '../app/runs.js';
import {
  createSchedule,
  getSchedule,
  nextRunAfter,
  pauseSchedule,
  removeSchedule,
  resumeSchedule,
  type Schedule,
} from '../app/schedules.js';
import { setBudget } from '../app/usage.js';
import { syncRuns } from '../store/index.js';
import { type Jobs, startJobs } from './index.js';
import { automationBudget, type BudgetCheck, createScheduler, type Scheduler } from './scheduler.js';

/**
 * Schedules on PGlite with a clock the test moves: the API and its rules, and the scheduler firing
 * due schedules as queued runs (no workers here, so a queued run stays queued until cancelled).
 */

let s: TestServer;
let jobs: Jobs;
let listName: string;

beforeAll(async () => {
  s = await startTestServer({
    // A monthly quota, so the automation budget can cap scheduled runs.
    emulator: { monthlyLimit: 1_000_000 },
    jobs: async (deps) => {
      jobs = await startJobs(deps, { workers: false });
      return jobs;
    },
  });
  const lists = await s.fetch<{ lists: Array<{ name: string }> }>('/api/workspace/lists');
  listName = lists.json.lists[0]!.name;
}, 120_000);

afterAll(async () => {
  await s?.close();
});

const runsOf = (scheduleId: number) =>
  s.store.db.select().from(syncRuns).where(eq(syncRuns.scheduleId, scheduleId)).orderBy(syncRuns.id);

function schedulerAt(options: { budget?: BudgetCheck } = {}): Scheduler {
  return createScheduler(s.deps, jobs, { now: () => new Date(0), ...options });
}

describe('schedules API', () => {
  it('creates, lists, edits, pauses, resumes and removes a schedule; members read only', async () => {
    const created = await s.fetch<Schedule>('/api/schedules', {
      method: 'POST',
      body: { name: 'nightly pull', kind: 'pull', cron: '0 3 * * *', timezone: 'Europe/Paris' },
    });
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect(created.json).toMatchObject({
      kind: 'pull',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      paused: false,
    });
    // 03:00 in Paris is 01:00 or 02:00 UTC.
    expect(new Date(created.json.nextRunAt!).getUTCMinutes()).toBe(0);
    expect([1, 2]).toContain(new Date(created.json.nextRunAt!).getUTCHours());
    expect(created.json.lastRun).toBeNull();

    const list = await s.fetch<{ schedules: Schedule[] }>('/api/schedules', { token: s.member.token });
    expect(list.status).toBe(200);
    expect(list.json.schedules.map((x) => x.name)).toContain('nightly pull');

    for (const [method, path, body] of [
      ['POST', '/api/schedules', { name: 'x', kind: 'pull', intervalMinutes: 5 }],
      ['PATCH', `/api/schedules/${id}`, { intervalMinutes: 5 }],
      ['POST', `/api/schedules/${id}/pause`, {}],
      ['POST', `/api/schedules/${id}/resume`, {}],
      ['DELETE', `/api/schedules/${id}`, undefined],
    ] as const) {
      const res = await s.fetch<{ error: { code: string } }>(path, { method, body, token: s.member.token });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.code).toBe('forbidden');
    }

    const edited = await s.fetch<Schedule>(`/api/schedules/${id}`, {
      method: 'PATCH',
      body: { intervalMinutes: 30 },
    });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ cron: null, intervalMinutes: 30 });

    const paused = await s.fetch<Schedule>(`/api/schedules/${id}/pause`, { method: 'POST', body: {} });
    expect(paused.json).toMatchObject({ paused: true, nextRunAt: null });
    const resumed = await s.fetch<Schedule>(`/api/schedules/${id}/resume`, { method: 'POST', body: {} });
    expect(resumed.json.paused).toBe(false);
    expect(resumed.json.nextRunAt).not.toBeNull();

    const removed = await s.fetch(`/api/schedules/${id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect((await s.fetch(`/api/schedules/${id}`)).status).toBe(404);
  });

  it('refuses a bad cron expression, an unknown zone, both or neither cadence, naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'a', kind: 'pull', cron: '61 * * * *' }, 'cron'],
      [{ name: 'a', kind: 'pull', cron: '0 3 * * * *' }, 'cron'],
      [{ name: 'a', kind: 'pull', cron: '0 3 * * *', timezone: 'Mars/Olympus' }, 'timezone'],
      [{ name: 'a', kind: 'pull', cron: '0 3 * * *', intervalMinutes: 5 }, 'cron'],
      [{ name: 'a', kind: 'pull' }, 'cron'],
      [{ name: 'a', kind: 'push', intervalMinutes: 5, target: { selection: { company: 'x.io' } } }, 'target'],
    ];
    for (const [body, field] of cases) {
      const res = await s.fetch<{ error: { code: string; message: string; details: unknown } }>(
        '/api/schedules',
        {
          method: 'POST',
          body,
        },
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json.error), JSON.stringify(body)).toContain(field);
    }
    const bad = await s.fetch<{ error: { message: string } }>('/api/schedules', {
      method: 'POST',
      body: { name: 'a', kind: 'pull', cron: '0 3 * * *', timezone: 'Mars/Olympus' },
    });
    expect(bad.json.error.message).toMatch(/time zone/);
  });

  it('runs a schedule now on request (admins), once at a time', async () => {
    const created = await s.fetch<Schedule>('/api/schedules', {
      method: 'POST',
      body: { name: 'on demand', kind: 'pull', intervalMinutes: 600, target: { lists: [listName] } },
    });
    const id = created.json.id;
    const member = await s.fetch(`/api/schedules/${id}/run-now`, {
      method: 'POST',
      body: {},
      token: s.member.token,
    });
    expect(member.status).toBe(403);
    const now = await s.fetch<{ runId: number; status: string }>(`/api/schedules/${id}/run-now`, {
      method: 'POST',
      body: {},
    });
    expect(now.status).toBe(202);
    const [run] = await runsOf(id);
    expect(run).toMatchObject({
      id: now.json.runId,
      trigger: 'schedule',
      status: 'queued',
      triggerNote: 'run now by admin@example.com',
    });
    const again = await s.fetch<{ error: { code: string; message: string } }>(
      `/api/schedules/${id}/run-now`,
      {
        method: 'POST',
        body: {},
      },
    );
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain(
      `run #${now.json.runId} of schedule "on demand" is still queued`,
    );
    const shown = await s.fetch<Schedule>(`/api/schedules/${id}`, { token: s.member.token });
    expect(shown.json.lastRun).toMatchObject({ runId: now.json.runId, status: 'queued' });
    expect(shown.json.nextRunAt).toBe(created.json.nextRunAt);
    await cancelRun(s.ctx('admin'), { runId: now.json.runId });
    await s.fetch(`/api/schedules/${id}`, { method: 'DELETE' });
  });

  it('refuses a second schedule of the same name', async () => {
    const body = { name: 'twice', kind: 'pull', intervalMinutes: 60 };
    expect((await s.fetch('/api/schedules', { method: 'POST', body })).status).toBe(201);
    const again = await s.fetch<{ error: { code: string } }>('/api/schedules', { method: 'POST', body });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
  });
});

describe('next run', () => {
  it('keeps local time in the zone across daylight saving', () => {
    const cadence = { cron: '0 9 * * *', intervalMinutes: null, timezone: 'America/New_York' };
    // 9:00 EST is 14:00 UTC; after the switch on 2026-03-08, 9:00 EDT is 13:00 UTC.
    expect(nextRunAfter(cadence, new Date('2026-03-07T12:00:00Z')).toISOString()).toBe(
      '2026-03-07T14:00:00.000Z',
    );
    expect(nextRunAfter(cadence, new Date('2026-03-07T15:00:00Z')).toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    const paris = { cron: '0 3 * * *', intervalMinutes: null, timezone: 'Europe/Paris' };
    expect(nextRunAfter(paris, new Date('2026-10-24T12:00:00Z')).toISOString()).toBe(
      '2026-10-25T02:00:00.000Z',
    );
    expect(nextRunAfter(paris, new Date('2026-10-25T12:00:00Z')).toISOString()).toBe(
      '2026-10-26T02:00:00.000Z',
    );
  });

  it('keeps an interval in phase with its slots', () => {
    const every15 = { cron: null, intervalMinutes: 15, timezone: 'UTC' };
    const anchor = new Date('2026-01-01T10:00:00Z');
    expect(nextRunAfter(every15, new Date('2026-01-01T10:07:00Z'), anchor).toISOString()).toBe(
      '2026-01-01T10:15:00.000Z',
    );
    expect(nextRunAfter(every15, new Date('2026-01-01T12:00:00Z'), anchor).toISOString()).toBe(
      '2026-01-01T12:15:00.000Z',
    );
  });
});

describe('the scheduler', () => {
  const t0 = new Date('2026-03-07T10:00:00Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  it('fires once per due time, never while its run is still queued, and shows its last run', async () => {
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      { name: 'every 10', kind: 'pull', intervalMinutes: 10, target: { lists: [listName] } },
      t0,
    );
    expect(sched.nextRunAt).toBe(at(10).toISOString());
    const scheduler = schedulerAt();

    expect(await scheduler.tick(at(5))).toEqual([]);
    const first = await scheduler.tick(at(10));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ outcome: 'queued', note: null });
    // The same due time ticked again (another tick, another process): nothing more.
    expect(await scheduler.tick(at(10))).toEqual([]);
    expect(await scheduler.tick(at(11))).toEqual([]);
    let runs = await runsOf(sched.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'queued', kind: 'pull' });

    const shown = await getSchedule(ctx, { id: sched.id });
    expect(shown.nextRunAt).toBe(at(20).toISOString());
    expect(shown.lastRun).toMatchObject({ runId: runs[0]!.id, status: 'queued' });

    // Due again while the first is still queued: skipped, and the schedule says so.
    const second = await scheduler.tick(at(20));
    expect(second[0]).toMatchObject({ outcome: 'skipped' });
    runs = await runsOf(sched.id);
    expect(runs.filter((r) => r.status === 'queued')).toHaveLength(1);
    const skipped = (await getSchedule(ctx, { id: sched.id })).lastRun!;
    expect(skipped.status).toBe('stopped');
    expect(skipped.error).toMatch(new RegExp(`run #${runs[0]!.id} of this schedule is still queued`));

    // Once it has ended, the next due time queues a new run.
    await cancelRun(ctx, { runId: runs[0]!.id });
    const third = await scheduler.tick(at(30));
    expect(third[0]).toMatchObject({ outcome: 'queued' });
    expect((await runsOf(sched.id)).filter((r) => r.status === 'queued')).toHaveLength(1);
    await cancelRun(ctx, { runId: third[0]!.runId! });
    await removeSchedule(ctx, { id: sched.id });
  });

  it('runs what was missed while down once, saying so, and moves to the next slot after now', async () => {
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      {
        name: 'hourly paris',
        kind: 'pull',
        cron: '0 * * * *',
        timezone: 'Europe/Paris',
        target: { lists: [listName] },
      },
      t0,
    );
    expect(sched.nextRunAt).toBe('2026-03-07T11:00:00.000Z');
    // The server comes back at 15:20 UTC: 11:00 … 15:00 were all missed.
    const fired = await schedulerAt().tick(new Date('2026-03-07T15:20:00Z'));
    expect(fired).toHaveLength(1);
    expect(fired[0]!.outcome).toBe('queued');
    expect(fired[0]!.note).toBe(
      'missed at 2026-03-07 12:00 Europe/Paris while the server was down (5 runs missed; run once)',
    );
    const runs = await runsOf(sched.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.triggerNote).toBe(fired[0]!.note);
    expect((await getSchedule(ctx, { id: sched.id })).nextRunAt).toBe('2026-03-07T16:00:00.000Z');
    await cancelRun(ctx, { runId: runs[0]!.id });
    await removeSchedule(ctx, { id: sched.id });
  });

  it('never fires a paused schedule; resumed, it fires from its next slot', async () => {
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      { name: 'paused one', kind: 'pull', intervalMinutes: 5, target: { lists: [listName] } },
      t0,
    );
    await pauseSchedule(ctx, { id: sched.id }, at(1));
    const scheduler = schedulerAt();
    for (const m of [5, 10, 60, 600]) expect(await scheduler.tick(at(m))).toEqual([]);
    expect(await runsOf(sched.id)).toHaveLength(0);
    const resumed = await resumeSchedule(ctx, { id: sched.id }, at(601));
    expect(resumed.nextRunAt).toBe(at(606).toISOString());
    const fired = await scheduler.tick(at(606));
    expect(fired).toHaveLength(1);
    expect(fired[0]!.note).toBeNull();
    await cancelRun(ctx, { runId: fired[0]!.runId! });
    await removeSchedule(ctx, { id: sched.id });
  });

  it('defers a firing the automation budget refuses, recording why in activity', async () => {
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      { name: 'over budget', kind: 'pull', intervalMinutes: 5, target: { lists: [listName] } },
      t0,
    );
    const asked: number[] = [];
    const budget: BudgetCheck = async (_ctx, request) => {
      asked.push(request.plannedCalls);
      return { allowed: false, reason: `${request.plannedCalls} calls would exceed the automation budget` };
    };
    const fired = await schedulerAt({ budget }).tick(at(5));
    expect(fired[0]).toMatchObject({ outcome: 'deferred' });
    expect(asked[0]).toBeGreaterThan(0);
    const runs = await runsOf(sched.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'stopped', trigger: 'schedule', apiCalls: 0 });
    expect(runs[0]!.error).toBe(`deferred: ${asked[0]} calls would exceed the automation budget`);
    await removeSchedule(ctx, { id: sched.id });
  });

  it('uses the automation share of the monthly quota: within it queues, over it defers with the reason', async () => {
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      { name: 'quota', kind: 'pull', intervalMinutes: 5, target: { lists: [listName] } },
      t0,
    );
    const scheduler = createScheduler(s.deps, jobs, { now: () => t0, ...automationBudget });
    const free = await scheduler.tick(at(5));
    expect(free[0]).toMatchObject({ outcome: 'queued' });
    await cancelRun(ctx, { runId: free[0]!.runId! });

    await setBudget(ctx, { automationBudgetPct: 0 });
    try {
      const capped = await scheduler.tick(at(10));
      expect(capped[0]).toMatchObject({ outcome: 'deferred' });
      const [run] = await s.store.db.select().from(syncRuns).where(eq(syncRuns.id, capped[0]!.runId!));
      expect(run).toMatchObject({
        status: 'stopped',
        trigger: 'schedule',
        scheduleId: sched.id,
        apiCalls: 0,
      });
      expect(run!.error).toMatch(/^deferred: planned \d+ calls, but only 0 are left/);
    } finally {
      await setBudget(ctx, { automationBudgetPct: null });
      await removeSchedule(ctx, { id: sched.id });
    }
  });

  it('two schedulers ticking the same due times fire each once', async () => {
    const ctx = s.ctx('admin');
    const sched = await createSchedule(
      ctx,
      { name: 'raced', kind: 'pull', intervalMinutes: 1, target: { lists: [listName] } },
      t0,
    );
    const a = schedulerAt();
    const b = schedulerAt();
    for (let m = 1; m <= 5; m++) {
      const [fa, fb] = await Promise.all([a.tick(at(m)), b.tick(at(m))]);
      expect(fa.length + fb.length).toBe(1);
      const runId = [...fa, ...fb][0]!.runId!;
      await cancelRun(ctx, { runId });
    }
    expect(await runsOf(sched.id)).toHaveLength(5);
  });
});

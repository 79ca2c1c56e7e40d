import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { AffinityClient, createTransport } from '../affinity/index.js';
import { importRecords } from '../intelligence/index.js';
import { syncConnections, syncRuns } from '../store/index.js';
import { getConnection } from '../sync/connections.js';
import { setDestination } from '../sync/destinations.js';
import { LOCAL_ADMIN } from '../sync/roles.js';
import { planPush, runPush } from './push.js';
import { checkAutomationBudget, recordDeferredRun, type UsageResult } from './usage.js';

/** The emulator's own count of the month, from `GET /rate-limit` (one call of its own). */
async function emulatorQuota(s: TestServer): Promise<{ limit: number; remaining: number }> {
  const res = await fetch(`${s.emulator.url}/rate-limit`, {
    headers: { authorization: `Bearer ${s.emulator.apiKey}` },
  });
  const body = (await res.json()) as { rate: { org_monthly: { limit: number; remaining: number } } };
  return body.rate.org_monthly;
}

describe('monthly call budget', () => {
  let s: TestServer;
  let connectionId: number;

  beforeAll(async () => {
    s = await startTestServer({ emulator: { monthlyLimit: 1000 } });
    connectionId = (await getConnection(s.store))!.id;
    await importRecords(
      s.store,
      'companies',
      Array.from({ length: 4 }, (_, i) => ({
        row: i + 1,
        line: i + 2,
        record: { domain: `quota${i}.io`, name: `Quota ${i}`, website: `https://quota${i}.io` },
      })),
    );
    const client = new AffinityClient({
      transport: createTransport({
        apiKey: s.emulator.apiKey,
        baseUrl: s.emulator.url,
        ratePerMinute: 100_000,
      }),
    });
    const saved = await setDestination(s.store, client, connectionId, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      match: 'domain',
      mode: 'create-update',
      map: ['website=Website'],
    });
    expect(saved.code).toBe('saved');
  });
  afterAll(async () => {
    await s?.close();
  });

  it("records the quota Affinity reports on a run's answers and counts the run's calls", async () => {
    const outcome = await runPush(s.ctx(), { selection: { all: 'company' } }, { trigger: 'api' });
    const pushed = outcome.pushes[0]!.result;
    expect(pushed.code).toBe('pushed');
    const [row] = await s.store.db.select().from(syncConnections).where(eq(syncConnections.id, connectionId));
    const emu = await emulatorQuota(s);
    expect(row!.quotaLimit).toBe(1000);
    // The run's last answer: the emulator has since answered our /rate-limit call only.
    expect(row!.quotaRemaining).toBe(emu.remaining + 1);
    expect(row!.quotaSeenAt).not.toBeNull();
    expect(new Date(row!.quotaResetAt!).getTime()).toBeGreaterThan(Date.now());

    const res = await s.fetch<UsageResult>('/api/usage', { token: s.member.token });
    expect(res.status).toBe(200);
    const [run] = await s.store.db.select().from(syncRuns).where(eq(syncRuns.trigger, 'api'));
    expect(run!.apiCalls).toBeGreaterThan(0);
    expect(res.json.total.apiCalls).toBe(run!.apiCalls);
    expect(res.json.byTrigger).toContainEqual({ trigger: 'api', runs: 1, apiCalls: run!.apiCalls });
    expect(res.json.runs[0]).toMatchObject({ runId: run!.id, apiCalls: run!.apiCalls });
    expect(res.json.quota).toMatchObject({
      limit: 1000,
      remaining: row!.quotaRemaining,
      remainingSource: 'affinity',
      unlimited: false,
    });
  });

  it('a member may not set the budget; an admin may', async () => {
    const denied = await s.fetch('/api/usage/budget', {
      method: 'PUT',
      token: s.member.token,
      body: { automationBudgetPct: 60 },
    });
    expect(denied.status).toBe(403);
    const set = await s.fetch('/api/usage/budget', {
      method: 'PUT',
      body: { automationBudgetPct: 60, manualWarnPct: 10 },
    });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ automationBudgetPct: 60, manualWarnPct: 10 });
    const read = await s.fetch<UsageResult>('/api/usage');
    expect(read.json.budget).toMatchObject({
      automationBudgetPct: 60,
      manualWarnPct: 10,
      automationShare: 600,
    });
    const bad = await s.fetch('/api/usage/budget', { method: 'PUT', body: { automationBudgetPct: 160 } });
    expect(bad.status).toBe(400);
  });

  it('refuses an automation run above what is left of its share, with the reason, recorded as a deferred run', async () => {
    await s.fetch('/api/usage/budget', { method: 'PUT', body: { automationBudgetPct: 2 } });
    // 2% of 1000 = 20 calls for automation; none spent yet.
    expect(await checkAutomationBudget(s.ctx(), { connectionId, plannedCalls: 20 })).toEqual({
      allowed: true,
    });
    const verdict = await checkAutomationBudget(s.ctx(), { connectionId, plannedCalls: 21 });
    expect(verdict.allowed).toBe(false);
    if (verdict.allowed) return;
    expect(verdict.reason).toMatch(
      /planned 21 calls, but only 20 are left of the automation share this month/,
    );
    expect(verdict.reason).toMatch(/2% of 1000/);
    expect(verdict.reason).toMatch(/resets at \d{4}-\d{2}-\d{2}T/);

    const { runId } = await recordDeferredRun(s.ctx(), {
      connectionId,
      kind: 'push',
      trigger: 'auto-push',
      reason: verdict.reason,
      params: { savedSearch: 'x' },
    });
    const shown = await s.fetch<{
      run: { status: string; error: string; apiCalls: number; trigger: string };
    }>(`/api/runs/${runId}`, { token: s.member.token });
    expect(shown.status).toBe(200);
    expect(shown.json.run).toMatchObject({
      status: 'stopped',
      trigger: 'auto-push',
      apiCalls: 0,
      error: verdict.reason,
    });
  });

  it('a manual plan warns when it would spend more than the set share of what is left', async () => {
    await importRecords(s.store, 'companies', [
      { row: 1, line: 2, record: { domain: 'fresh.io', name: 'Fresh', website: 'https://fresh.io' } },
    ]);
    await s.fetch('/api/usage/budget', { method: 'PUT', body: { manualWarnPct: 50 } });
    const calm = await planPush(s.ctx('member'), { selection: { all: 'company' } });
    expect(calm.plans[0]!.report!.plan.apiCalls).toBeGreaterThan(0);
    expect(calm.budget?.warn).toBe(false);
    await s.fetch('/api/usage/budget', { method: 'PUT', body: { manualWarnPct: 0 } });
    const res = await s.fetch<{ budget: { warn: boolean; message: string } }>('/api/push/plan', {
      method: 'POST',
      token: s.member.token,
      body: { selection: { all: 'company' } },
    });
    expect(res.status).toBe(200);
    expect(res.json.budget.warn).toBe(true);
    expect(res.json.budget.message).toMatch(/more than 0% \(0\) of the \d+ left of the monthly quota/);
  });

  it("a pull's estimate warns on the calls the pull will spend, not on the one call estimating it", async () => {
    await s.fetch('/api/usage/budget', { method: 'PUT', body: { manualWarnPct: 0 } });
    const res = await s.fetch<{ planned: { calls: number }; budget: { warn: boolean; message: string } }>(
      '/api/pull/estimate',
      { method: 'POST', token: s.member.token, body: { lists: ['Deal Flow'] } },
    );
    expect(res.status).toBe(200);
    expect(res.json.planned.calls).toBeGreaterThan(1);
    expect(res.json.budget.warn).toBe(true);
    expect(res.json.budget.message).toContain(`${res.json.planned.calls} calls`);
  });
});

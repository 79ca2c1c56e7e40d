import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { AffinityClient, createTransport } from '../affinity/index.js';
import { type AutoPushOutcome, notifyDataChanged } from '../app/auto-push.js';
import { createSavedSearch } from '../app/search.js';
import { importRecords } from '../intelligence/index.js';
import { syncRuns } from '../store/index.js';
import { getConnection } from '../sync/connections.js';
import { setDestination } from '../sync/destinations.js';
import { LOCAL_ADMIN } from '../sync/roles.js';
import { type Jobs, startJobs } from './index.js';
import { waitFor } from './testing.js';

/** Waits for a run to end by reading its progress events to their end (the server closes the stream). */
async function runEnd(s: TestServer, runId: number): Promise<void> {
  const res = await fetch(`${s.url}/api/runs/${runId}/events`, {
    headers: { authorization: `Bearer ${s.admin.token}` },
  });
  expect(res.status).toBe(200);
  await res.text();
}

const companies = (from: number, n: number, name: (i: number) => string) =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      row: k + 1,
      line: k + 2,
      record: { domain: `autopush${i}.io`, name: name(i), website: `https://autopush${i}.io` },
    };
  });

describe('auto-push', () => {
  let s: TestServer;
  let jobs: Jobs;

  beforeAll(async () => {
    s = await startTestServer({
      emulator: { monthlyLimit: 100_000 },
      jobs: async (deps) => {
        // A long debounce: the notice waits, and the test takes it with runNow.
        jobs = await startJobs(deps, { workers: true, scheduler: false, autoPushDebounceSeconds: 3600 });
        return jobs;
      },
    });
    const connectionId = (await getConnection(s.store))!.id;
    const client = new AffinityClient({
      transport: createTransport({
        apiKey: s.emulator.apiKey,
        baseUrl: s.emulator.url,
        ratePerMinute: 100_000,
      }),
    });
    expect(
      (
        await setDestination(s.store, client, connectionId, LOCAL_ADMIN, {
          entity: 'company',
          recordType: 'organization',
          match: 'domain',
          mode: 'create-update',
          map: ['website=Website'],
        })
      ).code,
    ).toBe('saved');
    await importRecords(
      s.store,
      'companies',
      companies(0, 2, (i) => `Zephyrlab ${i}`),
    );
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it('a member marks a saved search auto-push; one run pushes it', async () => {
    const { savedSearch } = await createSavedSearch(s.ctx('member'), {
      name: 'Zephyr',
      entity: 'companies',
      query: 'zephyrlab',
    });
    const marked = await s.fetch<{ autoPush: boolean; kind: string }>(
      `/api/saved-searches/${savedSearch.id}/auto-push`,
      { method: 'PUT', token: s.member.token, body: { on: true } },
    );
    expect(marked.status).toBe(200);
    expect(marked.json).toMatchObject({ kind: 'search', autoPush: true });
    expect(await jobs.autoPush.waiting()).toBe(1);
    const usage = await s.fetch<{ autoPush: unknown[] }>('/api/usage', { token: s.member.token });
    expect(usage.json.autoPush).toEqual([{ kind: 'search', id: savedSearch.id, name: 'Zephyr' }]);
    // The saved search itself says so (what the web UI's switch shows), and a list not marked says not.
    expect(savedSearch.autoPush).toBe(false);
    const saved = await s.fetch<{ autoPush: boolean }>(`/api/saved-searches/${savedSearch.id}`, {
      token: s.member.token,
    });
    expect(saved.json.autoPush).toBe(true);
    const all = await s.fetch<{ savedSearches: Array<{ id: number; autoPush: boolean }> }>(
      '/api/saved-searches',
      {
        token: s.member.token,
      },
    );
    expect(all.json.savedSearches.find((x) => x.id === savedSearch.id)?.autoPush).toBe(true);

    const outcomes = (await jobs.autoPush.runNow()) as AutoPushOutcome[];
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ outcome: 'queued', writes: expect.any(Number) });
    await runEnd(s, outcomes[0]!.runId!);
    const [run] = await s.store.db.select().from(syncRuns).where(eq(syncRuns.id, outcomes[0]!.runId!));
    expect(run).toMatchObject({ trigger: 'auto-push', status: 'succeeded', dryRun: false });
    expect(run!.counts).toMatchObject({ created: 2 });
    expect(await jobs.autoPush.waiting()).toBe(0);
  });

  it('a large import in several batches sends one notice; its one run creates only the new results; a re-trigger writes nothing', async () => {
    const sent: boolean[] = [];
    // 5 000 rows in 5 imports: 3 new matches among 4 997 others.
    for (let b = 0; b < 5; b++) {
      const rows = companies(1000 + b * 1000, b < 3 ? 999 : 1000, (i) => `Bulk ${i}`);
      if (b < 3)
        rows.push(
          ...companies(10 + b, 1, (i) => `Zephyrlab ${i}`).map((r) => ({ ...r, row: 1000, line: 1001 })),
        );
      const report = await importRecords(s.store, 'companies', rows);
      expect(report.written).toBe(true);
      sent.push(await notifyDataChanged(s.deps, `import batch ${b}`));
    }
    expect(sent).toEqual([true, false, false, false, false]);
    expect(await jobs.autoPush.waiting()).toBe(1);

    const outcomes = (await jobs.autoPush.runNow()) as AutoPushOutcome[];
    const queued = outcomes.filter((o) => o.outcome === 'queued');
    expect(queued).toHaveLength(1);
    await runEnd(s, queued[0]!.runId!);
    const [run] = await s.store.db.select().from(syncRuns).where(eq(syncRuns.id, queued[0]!.runId!));
    expect(run!.status).toBe('succeeded');
    expect(run!.counts).toMatchObject({ created: 3 });
    expect((run!.counts as Record<string, number>).updated ?? 0).toBe(0);
    const real = await s.store.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(and(eq(syncRuns.trigger, 'auto-push'), eq(syncRuns.dryRun, false)));
    expect(real).toHaveLength(2);

    // Nothing changed since: the plan writes nothing and no run is queued.
    const again = (await jobs.autoPush.runNow()) as AutoPushOutcome[];
    expect(again).toEqual([expect.objectContaining({ outcome: 'unchanged', writes: 0 })]);
    const after = await s.store.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(and(eq(syncRuns.trigger, 'auto-push'), eq(syncRuns.dryRun, false)));
    expect(after).toHaveLength(2);
  }, 120_000);

  it('an auto-push over the automation budget is deferred, with the reason in activity', async () => {
    expect(
      (await s.fetch('/api/usage/budget', { method: 'PUT', body: { automationBudgetPct: 0 } })).status,
    ).toBe(200);
    await importRecords(
      s.store,
      'companies',
      companies(20, 1, (i) => `Zephyrlab ${i}`),
    );
    expect(await notifyDataChanged(s.deps, 'one more')).toBe(true);
    const outcomes = (await jobs.autoPush.runNow()) as AutoPushOutcome[];
    expect(outcomes).toEqual([expect.objectContaining({ outcome: 'deferred' })]);
    const [run] = await s.store.db.select().from(syncRuns).where(eq(syncRuns.id, outcomes[0]!.runId!));
    expect(run).toMatchObject({ trigger: 'auto-push', status: 'stopped', apiCalls: 0, dryRun: false });
    expect(run!.error).toMatch(
      /^deferred: planned \d+ calls, but only 0 are left of the automation share this month \(0% of 100000 calls/,
    );
    expect(run!.error).toMatch(/the quota resets at /);
  });
});

describe('auto-push by the workers themselves', () => {
  it('a notice comes due after its debounce and a worker queues and runs the push, no call by hand', async () => {
    let jobs: Jobs | undefined;
    const s = await startTestServer({
      jobs: async (deps) => {
        jobs = await startJobs(deps, { workers: true, scheduler: false, autoPushDebounceSeconds: 1 });
        return jobs;
      },
    });
    try {
      const connectionId = (await getConnection(s.store))!.id;
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
      });
      expect(saved.code).toBe('saved');
      const { savedSearch } = await createSavedSearch(s.ctx('member'), {
        name: 'Worker path',
        entity: 'companies',
        query: 'workerpath',
      });
      const marked = await s.fetch(`/api/saved-searches/${savedSearch.id}/auto-push`, {
        method: 'PUT',
        token: s.member.token,
        body: { on: true },
      });
      expect(marked.status).toBe(200);
      await importRecords(
        s.store,
        'companies',
        companies(500, 3, (i) => `Workerpath ${i}`),
      );
      await notifyDataChanged(s.deps, 'import');
      const run = await waitFor('the auto-push run to end', async () => {
        const [r] = await s.store.db
          .select()
          .from(syncRuns)
          .where(and(eq(syncRuns.trigger, 'auto-push'), eq(syncRuns.dryRun, false)));
        return r && !['queued', 'running'].includes(r.status) ? r : undefined;
      });
      expect(run).toMatchObject({ status: 'succeeded', actor: 'auto-push' });
      expect(run.counts).toMatchObject({ created: 3 });
      expect(await jobs?.autoPush.waiting()).toBe(0);
    } finally {
      await s.close();
    }
  }, 120_000);
});

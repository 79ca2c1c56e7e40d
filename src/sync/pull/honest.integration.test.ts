import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import type { TestStore } from '../../store/testing.js';
import { getRun } from '../activity.js';
import { pull } from './engine.js';
import { connectTo, openDatasetStore } from './testing.js';

/**
 * A pull's report and its activity log say the same thing, about the lists it pulled only; an
 * interrupted pull with field values resumes without reading again what it stored; a pull that
 * cannot reach Affinity stops and says so.
 */

const facts = demoWorkspaceFacts();

let emu: RunningEmulator;
let t: TestStore;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  emu.seed('demo');
  emu.setConfig({ routes: {}, faultRate: 0 });
  emu.resetStats();
  t = await openDatasetStore();
});
afterEach(async () => {
  await t.cleanup();
});

/** Requests the emulator answered on a route template, e.g. `GET /field-values`. */
function served(route: string): number {
  return emu
    .stats()
    .byRoute.filter((r) => `${r.method} ${r.route}` === route)
    .reduce((n, r) => n + r.count, 0);
}

describe('a pull tells the truth about what it pulled', () => {
  it('reports one list of several: its own counts and calls, the same in the activity log', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    const deps = { store: t.store, client, connectionId, stats: () => transport.stats() };
    // Another list is in My CRM already: none of its records may count in the next run.
    const founders = await pull(deps, { lists: [{ list: facts.lists.founders }] });
    expect(founders.status).toBe('succeeded');

    const portfolio = (await client.lists.all()).find((l) => l.name === facts.lists.portfolio);
    const truth = await client.listEntries.all(portfolio?.id ?? 0);
    const distinct = new Set(truth.map((e) => e.entity_id)).size;
    emu.resetStats();
    const report = await pull(deps, { lists: [{ list: facts.lists.portfolio }] });
    expect(report.status).toBe('succeeded');
    expect(report.lists).toHaveLength(1);
    const l = report.lists[0];
    if (!l) throw new Error('no list in the report');
    // What is really in the list.
    expect(l.entries).toBe(truth.length);
    expect(l.records).toBe(distinct);
    expect(l.newRecords).toBe(distinct);
    expect(l.match.matched + l.match.ambiguous + l.match.unmatched + l.match.ignored).toBe(distinct);
    expect(l.match.matched).toBeGreaterThan(0);
    // The whole run is about Portfolio: the Founders' records are not counted.
    expect(report.match.records).toBe(distinct);
    expect(report.match.counts).toEqual({
      matched: l.match.matched,
      ambiguous: l.match.ambiguous,
      unmatched: l.match.unmatched,
    });
    // Calls: the list's own pages, and GET /lists shared; all the run spent, all the server saw.
    expect(l.calls).toBe(Math.ceil(truth.length / 500));
    expect(l.calls + report.sharedCalls).toBe(report.api.requests);
    expect(report.api.requests).toBe(emu.stats().total);

    const detail = await getRun(t.store, report.runId, { recordLimit: 10_000 });
    if (!detail) throw new Error('no run');
    const step = detail.steps.find((s) => s.name.startsWith(`fetch list ${facts.lists.portfolio}`));
    expect(step?.counts).toEqual({
      entries: l.entries,
      records: l.records,
      new: l.newRecords,
      updated: l.updatedRecords,
      added: l.added,
      removed: l.removed,
      matched: l.match.matched,
      ambiguous: l.match.ambiguous,
      unmatched: l.match.unmatched,
      ignored: l.match.ignored,
      calls: l.calls,
    });
    // The run's counts are the same numbers (those that are not zero).
    const nonZero = (o: Record<string, number>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
    expect(detail.run.counts).toEqual(
      nonZero({
        entries: l.entries,
        new: l.newRecords,
        updated: l.updatedRecords,
        added: l.added,
        removed: l.removed,
        matched: report.match.counts.matched,
        ambiguous: report.match.counts.ambiguous,
        unmatched: report.match.counts.unmatched,
      }),
    );
    expect(detail.run.apiCalls).toBe(report.api.requests);
    // The matching step decided Portfolio's records, each once, and nothing else.
    const matching = detail.steps.find((s) => s.name === 'matching');
    const decided = (matching?.records ?? []).map((r) => r.affinityId);
    expect(new Set(decided).size).toBe(decided.length);
    expect(new Set(decided)).toEqual(new Set(truth.map((e) => e.entity_id)));
    // Record lines name the record: its name and domain.
    const fetched = step?.records.filter((r) => r.outcome === 'fetched') ?? [];
    expect(fetched).toHaveLength(distinct);
    const byId = new Map(
      truth.map((e) => [e.entity_id, e.entity as { name: string; domain: string | null }]),
    );
    for (const r of fetched) {
      const org = byId.get(r.affinityId ?? 0);
      expect(r.details).toMatchObject({ name: org?.name });
      if (org?.domain) expect(r.details).toMatchObject({ domain: org.domain });
    }
  }, 120_000);

  it('resumes an interrupted pull with field values without reading again what it stored', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    const deps = { store: t.store, client, connectionId, stats: () => transport.stats() };
    const lists = [{ list: facts.lists.portfolio, withFields: true }];
    const controller = new AbortController();
    const first = await pull(deps, {
      lists,
      fieldConcurrency: 4,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.type === 'fields' && p.fetched >= 20) controller.abort();
      },
    });
    expect(first.status).toBe('interrupted');
    expect(first.lists[0]?.status).toBe('interrupted');
    const records = first.lists[0]?.records ?? 0;
    const readFirst = served('GET /field-values');
    expect(first.lists[0]?.fieldValues.read).toBe(readFirst);
    expect(readFirst).toBeGreaterThanOrEqual(20);
    expect(readFirst).toBeLessThan(records);
    const run1 = await getRun(t.store, first.runId);
    expect(run1?.run.status).toBe('interrupted');
    // What was read is stored.
    const [stored] = await t.store.query<{ n: number }>(
      sql`SELECT count(DISTINCT affinity_id)::int AS n FROM crm_field_values`,
    );
    expect(stored?.n).toBeGreaterThan(0);

    emu.resetStats();
    const second = await pull(deps, { lists });
    expect(second.status).toBe('succeeded');
    const f = second.lists[0]?.fieldValues;
    // Only the records the interrupted run did not read.
    expect(served('GET /field-values')).toBe(records - readFirst);
    expect(f?.read).toBe(records - readFirst);
    expect(f?.resumed).toBe(readFirst);

    // Every record's values are in, as a pull of the list from scratch stores them.
    const fresh = await openDatasetStore();
    try {
      const other = await connectTo(fresh.store, emu);
      await pull({ store: fresh.store, client: other.client, connectionId: other.connectionId }, { lists });
      const ids = sql`SELECT field_value_id FROM crm_field_values ORDER BY 1`;
      expect(await t.store.query(ids)).toEqual(await fresh.store.query(ids));
    } finally {
      await fresh.cleanup();
    }

    // Complete now: the next pull reads every record again.
    emu.resetStats();
    const third = await pull(deps, { lists });
    expect(third.lists[0]?.fieldValues).toMatchObject({ read: records, resumed: 0 });
  }, 180_000);

  it('stops when Affinity answers 503 to everything, and says why', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    const deps = { store: t.store, client, connectionId, stats: () => transport.stats() };
    emu.setConfig({ faultRate: 1, faultStatus: 503 });
    const report = await pull(deps, { lists: [{ list: facts.lists.portfolio }] });
    emu.setConfig({ faultRate: 0 });
    expect(report.status).toBe('stopped');
    expect(report.stopped?.code).toBe('unreachable');
    expect(report.stopped?.reason).toContain(emu.url);
    const detail = await getRun(t.store, report.runId);
    expect(detail?.run.status).toBe('stopped');
    expect(detail?.run.error).toContain(emu.url);
  }, 120_000);
});

import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import type { TestStore } from '../../store/testing.js';
import { pull } from './engine.js';
import { estimatePull } from './estimate.js';
import { connectTo, openDatasetStore } from './testing.js';

/**
 * `pull --dry-run`'s estimate: from one `GET /lists`, the calls a pull will spend — checked against
 * what a real pull of the same lists then spends at the emulator — and nothing written.
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
  emu.resetStats();
  t = await openDatasetStore();
});
afterEach(async () => {
  await t.cleanup();
});

/** Everything a pull writes, counted: My CRM and the activity log. */
async function written(): Promise<Record<string, number>> {
  const [row] = await t.store.query<Record<string, number>>(sql`
    SELECT (SELECT count(*)::int FROM crm_records) AS records,
      (SELECT count(*)::int FROM crm_memberships) AS memberships,
      (SELECT count(*)::int FROM crm_lists) AS lists,
      (SELECT count(*)::int FROM crm_field_values) AS "fieldValues",
      (SELECT count(*)::int FROM sync_links) AS links,
      (SELECT count(*)::int FROM sync_runs) AS runs`);
  return row ?? {};
}

describe('pull estimate (dry run)', () => {
  it('costs one call, writes nothing, and equals the calls a pull of Deal Flow then spends', async () => {
    const { connectionId, client } = await connectTo(t.store, emu);
    const before = await written();
    emu.resetStats();
    const dealFlow = [{ list: facts.lists.dealFlow }];
    const estimate = await estimatePull(client, dealFlow, { ratePerMinute: 900 });
    expect(emu.stats().total).toBe(1);
    expect(estimate.calls).toBe(1);
    expect(await written()).toEqual(before);

    const entries = facts.counts.listEntries.dealFlow;
    expect(estimate.lists).toEqual([
      {
        id: expect.any(Number),
        name: facts.lists.dealFlow,
        type: 'organization',
        entries,
        withFields: false,
        pageCalls: Math.ceil(entries / 500),
        fieldValueCalls: entries,
      },
    ]);
    expect(estimate.exact).toBe(true);
    expect(estimate.planned).toEqual(estimate.withoutFields);
    expect(estimate.withoutFields.calls).toBe(1 + Math.ceil(entries / 500));
    expect(estimate.withoutFields.text).toBe(`${estimate.withoutFields.calls} calls ≈ 1 s at 900/min`);
    expect(estimate.withFields.calls).toBe(estimate.withoutFields.calls + 1 + entries);

    emu.resetStats();
    const real = await pull({ store: t.store, client, connectionId }, { lists: dealFlow });
    expect(real.status).toBe('succeeded');
    expect(emu.stats().total).toBe(estimate.withoutFields.calls);

    // With field values: one read per record, so a record listed twice is read once.
    const withFields = await estimatePull(client, [{ list: facts.lists.dealFlow, withFields: true }], {
      ratePerMinute: 60,
    });
    expect(withFields.planned).toEqual(withFields.withFields);
    expect(withFields.withFields).toMatchObject({ ratePerMinute: 60, seconds: withFields.withFields.calls });
    emu.resetStats();
    const again = await pull(
      { store: t.store, client, connectionId },
      { lists: [{ list: facts.lists.dealFlow, withFields: true }] },
    );
    const l = again.lists[0];
    if (!l) throw new Error('no list report');
    // One organization is on Deal Flow twice.
    expect(l.entries - l.records).toBe(1);
    expect(emu.stats().total).toBe(withFields.withFields.calls - (l.entries - l.records));
  });

  it('counts the opportunity index for an opportunity list and says the rest is not counted', async () => {
    const { connectionId, client } = await connectTo(t.store, emu);
    const estimate = await estimatePull(client, [{ list: facts.lists.deals }], { ratePerMinute: 900 });
    const deals = facts.counts.listEntries.deals;
    expect(estimate.shared.opportunityIndex).toBe(Math.ceil(facts.counts.opportunities / 500));
    expect(estimate.withoutFields.calls).toBe(1 + Math.ceil(deals / 500) + estimate.shared.opportunityIndex);
    expect(estimate.exact).toBe(false);
    expect(estimate.notes.join(' ')).toMatch(/organization of their opportunities not yet in My CRM/);

    emu.resetStats();
    const real = await pull(
      { store: t.store, client, connectionId },
      { lists: [{ list: facts.lists.deals }] },
    );
    expect(real.status).toBe('succeeded');
    const orgReads =
      emu.stats().byRoute.find((r) => r.route === '/organizations/{organization_id}')?.count ?? 0;
    // What the estimate leaves out is exactly the organizations fetched one by one.
    expect(emu.stats().total).toBe(estimate.withoutFields.calls + orgReads);
  });

  it('refuses an unknown list as the pull does, naming the visible ones', async () => {
    const { client } = await connectTo(t.store, emu);
    await expect(estimatePull(client, [{ list: 'No Such List' }], { ratePerMinute: 900 })).rejects.toThrow(
      /no Affinity list "No Such List" is visible; visible lists: .*Deal Flow/,
    );
  });
});

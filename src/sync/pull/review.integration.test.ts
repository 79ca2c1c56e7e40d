import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import type { TestStore } from '../../store/testing.js';
import { pull } from './engine.js';
import { createFromRecord, ignoreRecord, linkRecord, reviewQueue } from './review.js';
import { connectTo, openDatasetStore } from './testing.js';
import { crmView } from './view.js';

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
  t = await openDatasetStore();
});
afterEach(async () => {
  await t.cleanup();
});

describe('review and the growth-ranked view', () => {
  it('flags unmatched records; link, ignore and create decisions survive a re-pull', async () => {
    const { connectionId, client } = await connectTo(t.store, emu);
    const deps = { store: t.store, client, connectionId };
    const lists = [{ list: facts.lists.dealFlow }, { list: facts.lists.watchlist }];
    const first = await pull(deps, { lists });

    const queue = await reviewQueue(t.store, connectionId);
    expect(queue.length).toBe(first.match.counts.unmatched + first.match.counts.ambiguous);
    expect(queue.length).toBeGreaterThanOrEqual(3);
    const onDealFlow = await reviewQueue(t.store, connectionId, { list: facts.lists.dealFlow });
    for (const item of onDealFlow) expect(item.lists).toContain(facts.lists.dealFlow);

    const withDomain = queue.filter((q) => q.domains.length > 0);
    const [toLink, toIgnore, toCreate] = withDomain;
    if (!toLink || !toIgnore || !toCreate)
      throw new Error('expected three unmatched organizations with domains');
    const [company] = await t.store.query<{ id: number }>(
      sql`SELECT id FROM intel_companies ORDER BY id LIMIT 1`,
    );

    expect(await linkRecord(t.store, connectionId, toLink.crmId, `company:${company?.id}`)).toMatchObject({
      ok: true,
      decision: 'linked',
    });
    expect(await ignoreRecord(t.store, connectionId, toIgnore.crmId)).toMatchObject({ ok: true });
    const created = await createFromRecord(t.store, connectionId, toCreate.crmId);
    expect(created).toMatchObject({ ok: true, decision: 'created', kind: 'company' });

    // Expected failures are values.
    expect(await linkRecord(t.store, connectionId, toLink.crmId, 'company:999999999')).toMatchObject({
      ok: false,
      code: 'entity-not-found',
    });
    expect(await linkRecord(t.store, connectionId, toLink.crmId, 'person:1')).toMatchObject({
      ok: false,
      code: 'bad-entity',
    });
    expect(await ignoreRecord(t.store, connectionId, 999_999_999)).toMatchObject({
      code: 'record-not-found',
    });

    // review create added the organization to the dataset.
    const [inDataset] = await t.store.query<{ name: string }>(
      sql`SELECT name FROM intel_companies WHERE domain = ${toCreate.domains[0] ?? ''}`,
    );
    expect(inDataset?.name).toBe(toCreate.name);

    const second = await pull(deps, { lists });
    expect(second.lists.every((l) => l.added === 0 && l.removed === 0)).toBe(true);
    const after = await reviewQueue(t.store, connectionId);
    const decided = new Set([toLink.crmId, toIgnore.crmId, toCreate.crmId]);
    expect(after.some((q) => decided.has(q.crmId))).toBe(false);
    expect(after.length).toBe(queue.length - 3);
    const rows = await t.store.query<{
      id: number;
      match_status: string;
      review_decision: string;
      match_entity_id: number;
    }>(
      sql`SELECT id, match_status, review_decision, match_entity_id FROM crm_records WHERE review_decision IS NOT NULL ORDER BY id`,
    );
    expect(rows.find((r) => r.id === toLink.crmId)).toMatchObject({
      match_status: 'matched',
      review_decision: 'linked',
      match_entity_id: company?.id,
    });
    expect(rows.find((r) => r.id === toIgnore.crmId)).toMatchObject({ review_decision: 'ignored' });
    expect(rows.find((r) => r.id === toCreate.crmId)).toMatchObject({
      match_status: 'matched',
      review_decision: 'created',
    });

    // Both decisions that name an entity left a link push can use without a search.
    const links = await t.store.query<{ entity_id: number; affinity_id: number; linked_by: string }>(
      sql`SELECT entity_id, affinity_id, linked_by FROM sync_links WHERE linked_by = 'review' ORDER BY affinity_id`,
    );
    expect(links.map((l) => l.affinity_id).sort()).toEqual([toLink.affinityId, toCreate.affinityId].sort());
  });

  it('ranks My CRM by growth, with lists, match status and enrichment', async () => {
    const { connectionId, client } = await connectTo(t.store, emu);
    await pull(
      { store: t.store, client, connectionId },
      {
        lists: [{ list: facts.lists.portfolio }, { list: facts.lists.founders }, { list: facts.lists.deals }],
      },
    );
    const view = await crmView(t.store, connectionId, { sort: 'growth', limit: 100 });
    expect(view).toHaveLength(100);
    const ranks = view.map((r) => r.company?.growthRank ?? null);
    expect(ranks[0]).not.toBeNull();
    for (let k = 1; k < ranks.length; k++) {
      const a = ranks[k - 1];
      const b = ranks[k];
      if (b !== null && b !== undefined) expect(a ?? -1).toBeGreaterThanOrEqual(b);
    }
    const top = view[0];
    expect(top?.matchStatus).toBe('matched');
    expect(top?.lists.length).toBeGreaterThan(0);
    expect(top?.company).toMatchObject({ headcount: expect.any(Number), stage: expect.any(String) });
    expect(view.some((r) => r.company?.headcountGrowth12m !== null)).toBe(true);
    // Founders carry their company's growth; deals their organization's.
    expect(view.some((r) => r.affinityType === 'person' && r.company !== null)).toBe(true);
    expect(view.some((r) => r.affinityType === 'opportunity' && r.company !== null)).toBe(true);

    const portfolio = await crmView(t.store, connectionId, {
      list: facts.lists.portfolio,
      sort: 'funding',
      limit: 500,
    });
    expect(portfolio).toHaveLength(facts.counts.listEntries.portfolio);
    const funding = portfolio.map((r) => r.company?.totalFundingUsd ?? -1);
    expect([...funding].sort((a, b) => b - a)).toEqual(funding);
    const byName = await crmView(t.store, connectionId, { sort: 'name', limit: 20 });
    const names = byName.map((r) => r.name.toLowerCase());
    expect([...names].sort()).toEqual(names);
  });
});

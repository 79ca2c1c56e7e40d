/**
 * The loop users run: pull their lists, enrich, push back. A record a pull linked is diffed against
 * what Affinity holds, like one the push matched itself; a record a push created or linked comes
 * back from a pull matched by that link, never to review. Demo workspace over real HTTP; PGlite.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AffinityClient, HttpTransport } from '../../affinity/index.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import { importRecords } from '../../intelligence/index.js';
import type { TestStore } from '../../store/testing.js';
import { getRun } from '../activity.js';
import { setDestination } from '../destinations.js';
import { pull, reviewQueue } from '../pull/index.js';
import { connectTo, openDatasetStore } from '../pull/testing.js';
import { LOCAL_ADMIN } from '../roles.js';
import { type PushReport, type PushSelection, push } from './index.js';
import { emulatorCalls } from './test-support.js';

const facts = demoWorkspaceFacts();

let emu: RunningEmulator;
let t: TestStore;
let c: { connectionId: number; client: AffinityClient; transport: HttpTransport };
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  emu.seed('demo');
  t = await openDatasetStore();
  c = await connectTo(t.store, emu);
});
afterEach(async () => {
  await t.cleanup();
});

async function pushOf(selection: PushSelection, dryRun = false): Promise<PushReport> {
  const result = await push({
    store: t.store,
    client: c.client,
    transport: c.transport,
    connectionId: c.connectionId,
    actor: 'local-admin',
    selection,
    dryRun,
  });
  if (result.code !== 'pushed')
    throw new Error(`${result.code}: ${'message' in result ? result.message : ''}`);
  return result.report;
}

async function pullList(list: string, withFields = false) {
  return pull(
    { store: t.store, client: c.client, connectionId: c.connectionId, stats: () => c.transport.stats() },
    { lists: [{ list, withFields }] },
  );
}

/** Companies → organizations by domain, Website and Stage mapped: both single-valued in the demo. */
async function companyDestination(): Promise<void> {
  const saved = await setDestination(t.store, c.client, c.connectionId, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    map: ['website=Website', 'stage=Stage'],
  });
  expect(saved.code, JSON.stringify(saved)).toBe('saved');
}

describe('pull, then push', () => {
  it('diffs a record the pull linked against the values Affinity holds (one read)', async () => {
    await companyDestination();
    // Our website for paios.com differs from Affinity's; our stage is the same.
    await t.store.query(
      sql`UPDATE intel_companies SET website = 'https://paios.ai' WHERE domain = 'paios.com'`,
    );
    const pulled = await pullList(facts.lists.dealFlow);
    expect(pulled.lists[0]?.name).toBe(facts.lists.dealFlow);
    const [link] = await t.store.query<{ linked_by: string; known_values: unknown }>(sql`
      SELECT l.linked_by, l.known_values FROM sync_links l JOIN intel_companies c ON c.id = l.entity_id
      WHERE l.entity_kind = 'company' AND c.domain = 'paios.com'`);
    expect(link?.known_values).toEqual({});

    emu.resetStats();
    const dry = await pushOf({ company: 'paios.com' }, true);
    const record = dry.plan.records[0];
    expect(record?.matchedBy).toBe('link');
    expect(record?.action).toBe('update');
    expect(record?.operations).toEqual(['update "Website" https://www.paios.com → https://paios.ai']);
    // One read of the record's values, counted in the plan.
    expect(dry.plan.reads).toBe(1);
    expect(dry.plan.values).toEqual({ read: 1, pulled: 0 });
    expect(emulatorCalls(emu).total).toBe(dry.plan.reads);

    emu.resetStats();
    const real = await pushOf({ company: 'paios.com' });
    expect(real.status).toBe('succeeded');
    expect(real.failures).toEqual([]);
    expect(real.outcome).toMatchObject({ updated: 1, failed: 0 });
    expect(emulatorCalls(emu)).toMatchObject({ reads: 1, writes: 1 });

    emu.resetStats();
    const again = await pushOf({ company: 'paios.com' });
    expect(again.plan.apiCalls).toBe(0);
    expect(again.outcome).toMatchObject({ unchanged: 1, failed: 0 });
    expect(emulatorCalls(emu).total).toBe(0);
  });

  it('uses the values a pull read with fields instead of reading them again', async () => {
    await companyDestination();
    await t.store.query(
      sql`UPDATE intel_companies SET website = 'https://paios.ai' WHERE domain = 'paios.com'`,
    );
    await pullList(facts.lists.dealFlow, true);

    emu.resetStats();
    const real = await pushOf({ company: 'paios.com' });
    expect(real.plan.records[0]?.operations).toEqual([
      'update "Website" https://www.paios.com → https://paios.ai',
    ]);
    expect(real.plan.reads).toBe(0);
    expect(real.plan.values).toEqual({ read: 0, pulled: 1 });
    expect(real.status).toBe('succeeded');
    expect(emulatorCalls(emu)).toEqual({ total: 1, reads: 0, writes: 1 });

    emu.resetStats();
    const again = await pushOf({ company: 'paios.com' });
    expect(again.plan.apiCalls).toBe(0);
    expect(emulatorCalls(emu).total).toBe(0);
  });

  it('reads a pull-linked person once, and leaves their company link alone when it is there', async () => {
    const saved = await setDestination(t.store, c.client, c.connectionId, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'person',
      match: 'email',
      map: ['linkedin_url=LinkedIn URL'],
    });
    expect(saved.code, JSON.stringify(saved)).toBe('saved');
    await pullList(facts.lists.founders);
    const linked = await t.store.query<{ email: string; affinity_id: number; company_domain: string }>(sql`
      SELECT p.emails[1] AS email, l.affinity_id, p.company_domain FROM sync_links l
      JOIN intel_people p ON p.id = l.entity_id
      WHERE l.entity_kind = 'person' AND p.company_domain IS NOT NULL ORDER BY l.id LIMIT 20`);
    // A founder Affinity already links to their company.
    let founder: (typeof linked)[number] | undefined;
    for (const l of linked) {
      const org = (await c.client.organizations.search({ term: l.company_domain })).organizations.find(
        (o) => o.domain === l.company_domain,
      );
      const person = await c.client.persons.get(l.affinity_id);
      if (org && person.organization_ids?.includes(org.id)) {
        founder = l;
        break;
      }
    }
    expect(founder).toBeDefined();
    emu.resetStats();
    const dry = await pushOf({ person: founder?.email as string }, true);
    const record = dry.plan.records[0];
    expect(record?.matchedBy).toBe('link');
    expect(record?.operations.filter((o) => o.startsWith('link to organization'))).toEqual([]);
    emu.resetStats();
    const real = await pushOf({ person: founder?.email as string });
    expect(real.status).toBe('succeeded');
    expect(emulatorCalls(emu).total).toBe(real.plan.apiCalls);
    expect(emulatorCalls(emu).writes).toBe(real.plan.writes);
    emu.resetStats();
    const again = await pushOf({ person: founder?.email as string }, true);
    expect(again.plan.writes).toBe(0);
    // Only the company's organization is looked up again; nothing of the person.
    expect(again.plan.reads).toBe(1);
  });

  it('matches our own opportunities back by their link, never to review', async () => {
    await importRecords(t.store, 'investors', [
      { row: 1, line: 2, record: { name: 'Acorn Capital', domain: 'acorncapital.vc', type: 'VC' } },
      { row: 2, line: 3, record: { name: 'Birchwood Partners', domain: 'birchwoodpartners.vc', type: 'VC' } },
    ]);
    const saved = await setDestination(t.store, c.client, c.connectionId, LOCAL_ADMIN, {
      entity: 'investor',
      recordType: 'opportunity',
      list: facts.lists.deals,
    });
    expect(saved.code, JSON.stringify(saved)).toBe('saved');
    const pushed = await pushOf({ investor: 'acorncapital.vc' });
    expect(pushed.outcome).toMatchObject({ created: 1, failed: 0 });
    const pushed2 = await pushOf({ investor: 'birchwoodpartners.vc' });
    expect(pushed2.outcome).toMatchObject({ created: 1, failed: 0 });

    const report = await pullList(facts.lists.deals);
    const ours = await t.store.query<{
      name: string;
      match_status: string;
      match_kind: string;
      match_entity_id: number;
      matched_by: string;
      investor: number;
    }>(sql`
      SELECT r.name, r.match_status, r.match_kind, r.match_entity_id, r.matched_by, i.id AS investor
      FROM crm_records r JOIN intel_investors i ON i.name = r.name
      WHERE r.affinity_type = 'opportunity' AND i.domain IN ('acorncapital.vc', 'birchwoodpartners.vc')
      ORDER BY r.name`);
    expect(ours).toHaveLength(2);
    for (const r of ours) {
      expect(r).toMatchObject({ match_status: 'matched', match_kind: 'investor', matched_by: 'link' });
      expect(r.match_entity_id).toBe(r.investor);
    }
    const review = await reviewQueue(t.store, c.connectionId, { limit: 10_000 });
    expect(review.map((r) => r.name)).not.toContain('Acorn Capital');
    expect(review.map((r) => r.name)).not.toContain('Birchwood Partners');
    const detail = await getRun(t.store, report.runId, { outcome: 'unmatched' });
    const unmatched = JSON.stringify(detail?.steps.flatMap((s) => s.records) ?? []);
    expect(unmatched).not.toContain('Acorn Capital');

    // A re-pull keeps them matched.
    await pullList(facts.lists.deals);
    const [again] = await t.store.query<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM crm_records
      WHERE affinity_type = 'opportunity' AND name IN ('Acorn Capital', 'Birchwood Partners') AND match_status = 'matched'`);
    expect(again?.n).toBe(2);
  });
});

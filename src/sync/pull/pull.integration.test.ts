import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import type { TestStore } from '../../store/testing.js';
import { getRun } from '../activity.js';
import { pull } from './engine.js';
import { connectTo, demoOverlapRecords, openDatasetStore } from './testing.js';

const facts = demoWorkspaceFacts();
const listNames = Object.values(facts.lists);

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

interface Rec {
  id: number;
  affinity_type: string;
  affinity_id: number;
  name: string;
  domain_keys: string[];
  email_keys: string[];
  presence: string;
  match_status: string;
  match_kind: string | null;
  match_entity_id: number | null;
}

const records = (where = sql``) =>
  t.store.query<Rec>(sql`SELECT id, affinity_type, affinity_id, name, domain_keys, email_keys, presence, match_status,
    match_kind, match_entity_id FROM crm_records ${where} ORDER BY id`);

describe('pull of the demo workspace', () => {
  it('lands every list in My CRM at one call per page, matched consistently with the overlap', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    emu.resetStats();
    const report = await pull(
      { store: t.store, client, connectionId, stats: () => transport.stats() },
      { lists: listNames.map((list) => ({ list })) },
    );

    // Counts per list equal the workspace's.
    for (const [key, name] of Object.entries(facts.lists)) {
      const got = report.lists.find((l) => l.name === name);
      expect(got?.entries, name).toBe(facts.counts.listEntries[key as keyof typeof facts.lists]);
    }
    // Identity only: GET /lists, one call per page of 500, the opportunity index.
    const pages = Object.values(facts.counts.listEntries).reduce(
      (n, c) => n + Math.max(1, Math.ceil(c / 500)),
      0,
    );
    expect(emu.stats().total).toBeLessThanOrEqual(pages + 5);
    expect(report.api.requests).toBe(emu.stats().total);

    // The duplicate entries add a membership, never a second record.
    const founders = report.lists.find((l) => l.name === facts.lists.founders);
    expect(founders?.records).toBe(facts.counts.listEntries.founders - 1);
    const [dup] = await t.store.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM crm_records GROUP BY affinity_type, affinity_id ORDER BY 1 DESC LIMIT 1`,
    );
    expect(dup?.n).toBe(1);

    // An independent oracle from the dataset: which organizations and persons should match.
    const data = demoOverlapRecords();
    const orgDomains = new Set<string>();
    for (const c of data.companies)
      for (const d of [c.domain, ...((c.other_domains as string[]) ?? [])]) orgDomains.add(String(d));
    for (const i of data.investors) orgDomains.add(String(i.domain));
    const emails = new Set(data.people.flatMap((p) => p.emails as string[]));
    const sameName = new Set(facts.tricky.sameNameDifferentDomain.map((s) => s.crmDomain));

    const all = await records(sql`WHERE presence = 'listed'`);
    let expected = 0;
    for (const r of all) {
      if (r.affinity_type === 'organization') {
        const want = r.domain_keys.some((d) => orgDomains.has(d))
          ? 'matched'
          : r.domain_keys.some((d) => sameName.has(d))
            ? 'ambiguous'
            : 'unmatched';
        expect(r.match_status, `${r.name} ${r.domain_keys}`).toBe(want);
        expected++;
      } else if (r.affinity_type === 'person') {
        expect(r.match_status).toBe(r.email_keys.some((e) => emails.has(e)) ? 'matched' : 'unmatched');
        expected++;
      } else {
        // Deals are on universe companies: they match through their organization.
        expect(r.match_status).toBe('matched');
        expect(r.match_kind).toBe('company');
      }
    }
    expect(expected).toBeGreaterThan(500);
    const crmOnly = all.filter((r) => r.domain_keys.some((d) => facts.crmOnly.sampleDomains.includes(d)));
    for (const r of crmOnly) expect(r.match_status).not.toBe('matched');
    const total = report.match.counts.matched + report.match.counts.ambiguous + report.match.counts.unmatched;
    expect(total).toBe((await records()).length);
    expect(report.match.counts.unmatched).toBeGreaterThan(0);

    // A founder whose primary email is personal still matches (by another email).
    const personal = facts.tricky.emailDomainDiffersFromCompany.map((e) => e.email);
    const personalOnList = all.filter((r) => r.email_keys.some((e) => personal.includes(e)));
    for (const r of personalOnList) expect(r.match_status).toBe('matched');

    // Every matched record left a link for push.
    const [links] = await t.store.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM sync_links WHERE connection_id = ${connectionId}`,
    );
    const [distinctMatched] = await t.store.query<{ n: number }>(sql`
      SELECT count(DISTINCT (match_kind, match_entity_id, affinity_type))::int AS n FROM crm_records WHERE match_status = 'matched'`);
    expect(links?.n).toBe(distinctMatched?.n);
    expect(report.match.linksAdded).toBe(links?.n);

    // The run is in the activity log, with a fetch step per list and record-level outcomes.
    const detail = await getRun(t.store, report.runId, { recordLimit: 5000 });
    expect(detail?.run).toMatchObject({ kind: 'pull', status: 'succeeded', apiCalls: report.api.requests });
    const names = detail?.steps.map((s) => s.name) ?? [];
    for (const name of listNames) expect(names.some((n) => n.startsWith(`fetch list ${name} `))).toBe(true);
    const matching = detail?.steps.find((s) => s.name === 'matching');
    for (const [status, n] of Object.entries(report.match.counts))
      expect(((matching?.counts ?? {}) as Record<string, number>)[status] ?? 0, status).toBe(n);
  });

  it('pulls typed field values, global and list-specific, at one call per record', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    emu.resetStats();
    const report = await pull(
      { store: t.store, client, connectionId, stats: () => transport.stats() },
      { lists: [{ list: facts.lists.portfolio, withFields: true }] },
    );
    const entries = facts.counts.listEntries.portfolio;
    expect(report.lists[0]?.entries).toBe(entries);
    // GET /lists, one page, GET /fields, one GET /field-values per record.
    expect(emu.stats().total).toBeLessThanOrEqual(entries + Math.ceil(entries / 500) + 5);
    expect(report.lists[0]?.fieldValues.inserted).toBeGreaterThan(entries);

    const values = await t.store.query<{
      field_name: string;
      value_type: number;
      list_id: number | null;
      list_entry_id: number | null;
      value: unknown;
    }>(sql`SELECT field_name, value_type, list_id, list_entry_id, value FROM crm_field_values`);
    // Values of Portfolio's own fields carry their list entry; other lists' values come along too.
    const portfolioId = report.lists[0]?.id;
    const listSpecific = values.filter((v) => v.list_id === portfolioId);
    expect(listSpecific.length).toBeGreaterThan(0);
    for (const v of listSpecific) {
      expect(facts.listFields.portfolio).toContain(v.field_name);
      expect(v.list_entry_id).not.toBeNull();
    }
    expect(values.some((v) => v.list_entry_id === null)).toBe(true);
    for (const v of values) {
      if (v.value === null) continue;
      if (v.value_type === 3) expect(typeof v.value).toBe('number');
      if (v.value_type === 5) expect(typeof v.value).toBe('object');
      if (v.value_type === 7)
        expect(v.value).toMatchObject({ id: expect.any(Number), text: expect.any(String) });
      if (v.value_type === 6 || v.value_type === 2) expect(typeof v.value).toBe('string');
    }
  });

  it('re-pulls incrementally: removed entries, changed values, nothing duplicated', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    const deps = { store: t.store, client, connectionId, stats: () => transport.stats() };
    const lists = [{ list: facts.lists.portfolio, withFields: true }, { list: facts.lists.watchlist }];
    await pull(deps, { lists });
    const before = await records();

    // An organization only on Portfolio leaves it; another one is renamed; a value changes.
    const portfolio = (await client.lists.all()).find((l) => l.name === facts.lists.portfolio);
    const entries = await client.listEntries.all(portfolio?.id ?? 0);
    const onWatchlist = new Set(
      (
        await t.store.query<{ affinity_id: number }>(sql`
        SELECT m.affinity_id FROM crm_memberships m JOIN crm_lists l ON l.affinity_list_id = m.affinity_list_id
        WHERE l.name = ${facts.lists.watchlist}`)
      ).map((r) => r.affinity_id),
    );
    const only = entries.filter((e) => !onWatchlist.has(e.entity_id));
    // Global organizations cannot be renamed in Affinity.
    const renamed = only.find((e) => (e.entity as { global?: boolean } | undefined)?.global === false);
    const gone = only.find((e) => e !== renamed);
    if (!gone || !renamed) throw new Error('demo Portfolio has organizations only on Portfolio');
    await client.listEntries.delete(portfolio?.id ?? 0, gone.id);
    await client.organizations.update(renamed.entity_id, { name: 'Renamed In Affinity Inc' });
    const [numeric] = (await client.fieldValues.all({ organization_id: renamed.entity_id })).filter(
      (v) => typeof v.value === 'number',
    );
    if (numeric) await client.fieldValues.update(numeric.id, 424242);

    const second = await pull(deps, { lists });
    const after = await records();
    expect(after).toHaveLength(before.length);
    expect(second.lists.find((l) => l.name === facts.lists.portfolio)).toMatchObject({
      removed: 1,
      added: 0,
      newRecords: 0,
      updatedRecords: 1,
    });
    const goneRec = after.find((r) => r.affinity_id === gone.entity_id && r.affinity_type === 'organization');
    expect(goneRec?.presence).toBe('off-list');
    expect(second.offList).toBe(1);
    const [membership] = await t.store.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM crm_memberships WHERE list_entry_id = ${gone.id}`,
    );
    expect(membership?.n).toBe(0);
    expect(after.find((r) => r.affinity_id === renamed.entity_id)?.name).toBe('Renamed In Affinity Inc');
    if (numeric) {
      const [v] = await t.store.query<{ value: unknown }>(
        sql`SELECT value FROM crm_field_values WHERE field_value_id = ${numeric.id}`,
      );
      expect(v?.value).toBe(424242);
    }
    const [dupValues] = await t.store.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM crm_field_values GROUP BY field_value_id ORDER BY 1 DESC LIMIT 1`,
    );
    expect(dupValues?.n).toBe(1);
    // The activity log names the removal and the update.
    const detail = await getRun(t.store, second.runId, { recordLimit: 5000 });
    const outcomes = detail?.steps.flatMap((s) => s.records.map((r) => r.outcome)) ?? [];
    expect(outcomes).toContain('removed');
    expect(outcomes).toContain('updated');

    // A third pull with nothing changed reports nothing new.
    const third = await pull(deps, { lists });
    expect(third.lists.every((l) => l.added === 0 && l.removed === 0 && l.updatedRecords === 0)).toBe(true);
    expect(third.lists[0]?.fieldValues).toMatchObject({ inserted: 0, updated: 0, deleted: 0, resumed: 0 });
    // The second pull read the list to its end: the third reads every record's values again.
    expect(third.lists[0]?.fieldValues.read).toBe(third.lists[0]?.records);
  });

  it('pulls lists concurrently: requests of both lists interleave', async () => {
    const { connectionId, client, transport } = await connectTo(t.store, emu);
    const order: number[] = [];
    await pull(
      { store: t.store, client, connectionId, stats: () => transport.stats() },
      {
        lists: [{ list: facts.lists.dealFlow }, { list: facts.lists.founders }],
        pageSize: 50,
        onProgress: (p) => {
          if (p.type === 'page') order.push(p.listId);
        },
      },
    );
    const [a, b] = [...new Set(order)];
    expect(order.filter((x) => x === a).length).toBeGreaterThanOrEqual(5);
    expect(order.filter((x) => x === b).length).toBeGreaterThanOrEqual(5);
    // Sequential pulls would give AAAAAABBBBB; concurrent ones switch lists more than once.
    let switches = 0;
    for (let k = 1; k < order.length; k++) if (order[k] !== order[k - 1]) switches++;
    expect(switches).toBeGreaterThan(1);
    expect(order.lastIndexOf(a as number)).toBeGreaterThan(order.indexOf(b as number));
  });
});

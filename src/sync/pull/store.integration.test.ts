import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { importRecords } from '../../intelligence/index.js';
import { syncConnections } from '../../store/index.js';
import { backends, openTestStore, type TestStore } from '../../store/testing.js';
import {
  identityOf,
  type MembershipRow,
  refreshPresence,
  removeUnseenMemberships,
  upsertMemberships,
  upsertRecords,
  writeFieldValues,
} from './ingest.js';
import { matchRecords } from './matching.js';
import { ignoreRecord, linkRecord, reviewQueue } from './review.js';
import { crmView } from './view.js';

/** The My CRM repository (ingest, matching, review, view) on both backends, without HTTP. */
describe.each(backends)('My CRM store on %s', (backend) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.cleanup();
  });

  const entry = (id: number, entityId: number, entity: Record<string, unknown>) => ({
    id,
    list_id: 1,
    creator_id: null,
    entity_id: entityId,
    created_at: '2026-01-01T00:00:00.000Z',
    entity: entity as { name: string },
  });

  it('ingests set-based, matches, keeps decisions, and marks records that left every list', async () => {
    t = await openTestStore(backend);
    const s = t.store;
    const rows = (records: Array<Record<string, unknown>>) =>
      records.map((record, k) => ({ row: k + 1, line: k + 1, record }));
    await importRecords(
      s,
      'companies',
      rows([
        { domain: 'acme.com', name: 'Acme', other_domains: ['acme.io'] },
        { domain: 'globex.com', name: 'Globex' },
        { domain: 'initech.com', name: 'Initech' },
      ]),
    );
    await importRecords(s, 'investors', rows([{ domain: 'bigfund.vc', name: 'Big Fund' }]));
    await importRecords(
      s,
      'people',
      rows([
        { name: 'Ada Lovelace', emails: ['ada@acme.com', 'ada@gmail.com'] },
        { name: 'Linus T', emails: ['linus@globex.com'], linkedin_url: 'https://linkedin.com/in/linus-t' },
      ]),
    );
    const [conn] = await s.db
      .insert(syncConnections)
      .values({
        name: 'default',
        baseUrl: 'http://x',
        apiKeySealed: 's',
        apiKeyHint: 'h',
        connectedBy: 'test',
      })
      .returning({ id: syncConnections.id });
    const c = conn?.id ?? 0;

    const orgs = [
      entry(11, 101, { name: 'Acme Inc', domain: 'www.acme.io', domains: ['www.acme.io'] }),
      entry(12, 102, { name: 'Big Fund', domain: 'bigfund.vc', domains: ['bigfund.vc'] }),
      entry(13, 103, { name: 'Globex', domain: 'globexgroup.net', domains: ['globexgroup.net'] }),
      entry(14, 104, { name: 'Initech', domain: null, domains: [] }),
      entry(15, 105, { name: 'Nobody Ltd', domain: 'nobody.biz', domains: ['nobody.biz'] }),
      entry(16, 101, { name: 'Acme Inc', domain: 'www.acme.io', domains: ['www.acme.io'] }),
    ];
    const persons = [
      entry(21, 201, {
        type: 0,
        first_name: 'Ada',
        last_name: 'L',
        primary_email: 'ADA@gmail.com',
        emails: ['ADA@gmail.com'],
      }),
      entry(22, 202, { type: 0, first_name: 'Linus', last_name: 'T', primary_email: null, emails: [] }),
    ];
    const members = (list: number, es: typeof orgs, type: 'organization' | 'person'): MembershipRow[] =>
      es.map((e) => ({
        affinityListId: list,
        listEntryId: e.id,
        affinityType: type,
        affinityId: e.entity_id,
        entryCreatedAt: e.created_at,
      }));

    const first = await upsertRecords(
      s,
      c,
      orgs.map((e) => identityOf(e, 'organization')),
    );
    expect(first.filter((r) => r.inserted)).toHaveLength(5);
    expect(await upsertMemberships(s, c, 1, members(1, orgs, 'organization'))).toHaveLength(6);
    await upsertRecords(
      s,
      c,
      persons.map((e) => identityOf(e, 'person')),
    );
    await upsertMemberships(s, c, 1, members(2, persons, 'person'));

    // The LinkedIn field of a person becomes its matching key.
    const fields = new Map([[900, { name: 'LinkedIn URL', valueType: 6, listId: null }]]);
    const fv = await writeFieldValues(
      s,
      c,
      [
        {
          affinityType: 'person',
          affinityId: 202,
          values: [{ id: 5001, field_id: 900, entity_id: 202, value: 'linkedin.com/in/Linus-T/' }],
        },
      ],
      fields,
    );
    expect(fv).toEqual({ inserted: 1, updated: 0, deleted: 0 });

    const m = await matchRecords(s, c);
    const status = Object.fromEntries(m.results.map((r) => [`${r.affinityType}:${r.affinityId}`, r.result]));
    expect(status['organization:101']).toMatchObject({ status: 'matched', kind: 'company', by: 'domain' });
    expect(status['organization:102']).toMatchObject({ status: 'matched', kind: 'investor', by: 'domain' });
    expect(status['organization:103']).toMatchObject({ status: 'ambiguous' });
    expect(status['organization:104']).toMatchObject({ status: 'matched', kind: 'company', by: 'name' });
    expect(status['organization:105']).toMatchObject({ status: 'unmatched' });
    expect(status['person:201']).toMatchObject({ status: 'matched', by: 'email' });
    expect(status['person:202']).toMatchObject({ status: 'matched', by: 'linkedin' });
    expect(m.linksAdded).toBe(5);

    // Same page again: nothing written.
    expect(
      await upsertRecords(
        s,
        c,
        orgs.map((e) => identityOf(e, 'organization')),
      ),
    ).toEqual([]);
    expect(await upsertMemberships(s, c, 2, members(1, orgs, 'organization'))).toEqual([]);

    // Decisions, then a pull (run 3) that no longer sees Nobody Ltd nor Globex.
    const queue = await reviewQueue(s, c);
    expect(queue.map((q) => q.name).sort()).toEqual(['Globex', 'Nobody Ltd']);
    const globex = queue.find((q) => q.name === 'Globex');
    const [globexCo] = await s.query<{ id: number }>(
      sql`SELECT id FROM intel_companies WHERE domain = 'globex.com'`,
    );
    expect(await linkRecord(s, c, globex?.crmId ?? 0, String(globexCo?.id))).toMatchObject({ ok: true });
    expect(await ignoreRecord(s, c, queue.find((q) => q.name === 'Nobody Ltd')?.crmId ?? 0)).toMatchObject({
      ok: true,
    });
    const stillListed = orgs.filter((e) => e.entity_id !== 105 && e.entity_id !== 103);
    await upsertMemberships(s, c, 3, members(1, stillListed, 'organization'));
    expect(
      await removeUnseenMemberships(
        s,
        c,
        1,
        stillListed.map((e) => e.id),
      ),
    ).toHaveLength(2);
    const left = await refreshPresence(s, c);
    expect(left.map((r) => r.name).sort()).toEqual(['Globex', 'Nobody Ltd']);
    const again = await matchRecords(s, c);
    expect(again.results.some((r) => r.affinityId === 103 || r.affinityId === 105)).toBe(false);
    const [kept] = await s.query<{ match_status: string; presence: string }>(
      sql`SELECT match_status, presence FROM crm_records WHERE affinity_id = 103`,
    );
    expect(kept).toEqual({ match_status: 'matched', presence: 'off-list' });

    const view = await crmView(s, c, { sort: 'name' });
    expect(view.map((r) => r.name)).toEqual(['Acme Inc', 'Ada L', 'Big Fund', 'Initech', 'Linus T']);
    expect(view[0]?.company?.domain).toBe('acme.com');
  });
});

import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { importRecords, normaliseLinkedinUrl } from '../../intelligence/index.js';
import { syncConnections } from '../../store/index.js';
import { backends, openTestStore, type TestStore } from '../../store/testing.js';
import { getRun, startRun } from '../activity.js';
import {
  endListWalk,
  identityOf,
  ingestPage,
  type MembershipRow,
  upsertMemberships,
  upsertRecords,
  writeFieldValues,
} from './ingest.js';
import { matchRecords, PullMatching, readyMatchIndexes } from './matching.js';
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

  /**
   * Organizations as list entries give them: a match by another domain (101, on the list twice), an
   * investor (102), a shared name whose own domain points elsewhere (103), a name only (104), none (105).
   */
  const pulledOrganizations = () => [
    entry(11, 101, { name: 'Acme Inc', domain: 'www.acme.io', domains: ['www.acme.io'] }),
    entry(12, 102, { name: 'Big Fund', domain: 'bigfund.vc', domains: ['bigfund.vc'] }),
    entry(13, 103, { name: 'Globex', domain: 'globexgroup.net', domains: ['globexgroup.net'] }),
    entry(14, 104, { name: 'Initech', domain: null, domains: [] }),
    entry(15, 105, { name: 'Nobody Ltd', domain: 'nobody.biz', domains: ['nobody.biz'] }),
    entry(16, 101, { name: 'Acme Inc', domain: 'www.acme.io', domains: ['www.acme.io'] }),
  ];

  /** A fresh store with a few companies, an investor and people, and one connection. */
  const datasetAndConnection = async () => {
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
    return { s, c: conn?.id ?? 0 };
  };

  it('ingests set-based, matches, keeps decisions, and marks records that left every list', async () => {
    const { s, c } = await datasetAndConnection();

    const orgs = pulledOrganizations();
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
    // Acme leaves by one of its two entries only; Ada joins a third list and leaves it again.
    const stillListed = orgs.filter((e) => e.entity_id !== 105 && e.entity_id !== 103 && e.id !== 16);
    await upsertMemberships(s, c, 3, members(1, stillListed, 'organization'));
    await upsertMemberships(s, c, 3, [
      { ...members(3, persons, 'person')[0], listEntryId: 31 } as MembershipRow,
    ]);
    const run = await startRun(s, { kind: 'pull', trigger: 'cli', actor: 'test', connectionId: c });
    const orgStep = await run.step('fetch list Orgs (1)');
    const thirdStep = await run.step('fetch list Third (3)');
    const presence = await run.step('presence');
    const walk = (listId: number, listName: string, stepId: number, seen: number[]) =>
      endListWalk(s, { connectionId: c, listId, listName, runId: run.id, stepId }, presence.id, seen);
    expect(
      await walk(
        1,
        'Orgs',
        orgStep.id,
        stillListed.map((e) => e.id),
      ),
    ).toEqual({ removed: 3, offList: 2 });
    // Ada is still on list 2: leaving list 3 leaves her listed.
    expect(await walk(3, 'Third', thirdStep.id, [])).toEqual({ removed: 1, offList: 0 });
    const presenceOf = async (id: number) =>
      (
        await s.query<{ presence: string }>(
          sql`SELECT presence FROM crm_records WHERE connection_id = ${c} AND affinity_id = ${id}`,
        )
      )[0]?.presence;
    expect(await presenceOf(101)).toBe('listed');
    expect(await presenceOf(201)).toBe('listed');
    expect(await presenceOf(105)).toBe('off-list');
    // Each removal is logged on its list's step, each record that left every list on presence.
    const detail = await getRun(s, run.id);
    const logged = (name: string) => detail?.steps.find((st) => st.name === name)?.records ?? [];
    expect(
      logged('fetch list Orgs (1)').map((r) => [
        r.outcome,
        r.affinityId,
        (r.details as Record<string, unknown>).listEntryId,
      ]),
    ).toEqual([
      ['removed', 103, 13],
      ['removed', 105, 15],
      ['removed', 101, 16],
    ]);
    expect(logged('fetch list Orgs (1)')[0]).toMatchObject({
      affinityType: 'organization',
      message: 'removed from list Orgs',
      details: { listId: 1, listEntryId: 13 },
    });
    expect(logged('fetch list Third (3)').map((r) => [r.affinityType, r.affinityId])).toEqual([
      ['person', 201],
    ]);
    expect(logged('presence').map((r) => (r.details as Record<string, unknown>).name)).toEqual([
      'Globex',
      'Nobody Ltd',
    ]);
    expect(logged('presence')[0]?.message).toBe('no longer on any pulled list (kept, marked off-list)');
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
  it('removes what a connection pulled when the connection is deleted, and nothing of another', async () => {
    t = await openTestStore(backend);
    const s = t.store;
    const ids: number[] = [];
    for (const name of ['gone', 'kept']) {
      const [conn] = await s.db
        .insert(syncConnections)
        .values({ name, baseUrl: 'http://x', apiKeySealed: 's', apiKeyHint: 'h', connectedBy: 'test' })
        .returning({ id: syncConnections.id });
      ids.push(conn?.id ?? 0);
    }
    for (const c of ids) {
      const run = await startRun(s, { kind: 'pull', trigger: 'cli', actor: 'test', connectionId: c });
      const step = await run.step('fetch list Orgs (1)');
      await ingestPage(
        s,
        { connectionId: c, listId: 1, type: 'organization', runId: run.id, stepId: step.id },
        [
          {
            listEntryId: 10 + c,
            createdAt: null,
            identity: identityOf(entry(10 + c, 100, { name: 'Acme', domain: 'acme.com' }), 'organization'),
          },
        ],
      );
      await s.query(sql`
        INSERT INTO sync_links (connection_id, entity_kind, entity_id, affinity_type, affinity_id, linked_by)
        VALUES (${c}, 'company', 1, 'organization', 100, 'domain')`);
    }
    await s.db.delete(syncConnections).where(eq(syncConnections.name, 'gone'));
    const left = await s.query<{ t: string; c: number }>(sql`
      SELECT 'record' AS t, connection_id AS c FROM crm_records
      UNION ALL SELECT 'membership', connection_id FROM crm_memberships
      UNION ALL SELECT 'link', connection_id FROM sync_links ORDER BY 1`);
    expect(left).toEqual([
      { t: 'link', c: ids[1] },
      { t: 'membership', c: ids[1] },
      { t: 'record', c: ids[1] },
    ]);
  });
  it('matches new records in the statement that writes them exactly as a matching pass decides them', async () => {
    const { s, c: inline } = await datasetAndConnection();
    const [other] = await s.db
      .insert(syncConnections)
      .values({
        name: 'passes',
        baseUrl: 'http://x',
        apiKeySealed: 's',
        apiKeyHint: 'h',
        connectedBy: 'test',
      })
      .returning({ id: syncConnections.id });
    const passes = other?.id ?? 0;
    await readyMatchIndexes(s);
    const orgs = pulledOrganizations();
    // A name matches whatever its case.
    orgs[3] = entry(14, 104, { name: 'initech', domain: null, domains: [] });
    const persons = [
      entry(21, 201, { first_name: 'Ada', last_name: 'L', primary_email: 'ADA@gmail.com', emails: [] }),
      entry(22, 202, { first_name: 'Linus', last_name: 'T', primary_email: null, emails: [] }),
      entry(23, 203, { first_name: 'Nemo', last_name: 'N', primary_email: 'nemo@nowhere.org', emails: [] }),
    ];
    const steps = new Map<number, { runId: number; fetch: number; matching: number }>();
    for (const c of [inline, passes]) {
      const run = await startRun(s, { kind: 'pull', trigger: 'cli', actor: 'test', connectionId: c });
      steps.set(c, {
        runId: run.id,
        fetch: (await run.step('fetch')).id,
        matching: (await run.step('matching')).id,
      });
    }
    const write = (c: number, listId: number, type: 'organization' | 'person', es: typeof orgs) => {
      const st = steps.get(c) as { runId: number; fetch: number; matching: number };
      return ingestPage(
        s,
        {
          connectionId: c,
          listId,
          type,
          runId: st.runId,
          stepId: st.fetch,
          ...(c === inline ? { match: { stepId: st.matching } } : {}),
        },
        es.map((e) => ({ listEntryId: e.id, createdAt: null, identity: identityOf(e, type) })),
      );
    };
    // Organization 101 is on the first page twice and again on the second: written (and matched) once.
    const first = await write(
      inline,
      1,
      'organization',
      orgs.slice(0, 3).concat(orgs[5] as (typeof orgs)[0]),
    );
    expect(first.matched).toEqual({
      affinityIds: [101, 102, 103],
      counts: { matched: 2, ambiguous: 1, unmatched: 0 },
      linksAdded: 2,
    });
    const second = await write(inline, 2, 'organization', [orgs[0], orgs[3], orgs[4]] as typeof orgs);
    expect(second.matched?.affinityIds).toEqual([104, 105]);
    expect((await write(inline, 3, 'person', persons)).matched?.counts).toEqual({
      matched: 1,
      ambiguous: 0,
      unmatched: 2,
    });
    // Without `match`, records are written unmatched and nothing is logged or linked for them.
    expect((await write(passes, 1, 'organization', orgs)).matched).toBeUndefined();
    await write(passes, 3, 'person', persons);
    const st = steps.get(passes) as { runId: number; matching: number };
    await matchRecords(s, passes, { log: { runId: st.runId, stepId: st.matching }, results: false });

    const states = async (c: number) =>
      s.query(sql`
        SELECT affinity_type, affinity_id, name, match_status, match_kind, match_entity_id, matched_by, candidates, presence
        FROM crm_records WHERE connection_id = ${c} ORDER BY affinity_type, affinity_id`);
    const links = async (c: number) =>
      s.query(sql`
        SELECT entity_kind, entity_id, affinity_type, affinity_id, linked_by FROM sync_links
        WHERE connection_id = ${c} ORDER BY entity_kind, entity_id`);
    const logged = async (c: number) => {
      const run = await getRun(s, (steps.get(c) as { runId: number }).runId);
      return (run?.steps.find((x) => x.name === 'matching')?.records ?? [])
        .map((r) => ({
          outcome: r.outcome,
          affinityType: r.affinityType,
          affinityId: r.affinityId,
          entityKind: r.entityKind,
          entityId: r.entityId,
          message: r.message,
          previous: (r.details as Record<string, unknown>).previous,
          name: (r.details as Record<string, unknown>).name,
        }))
        .sort((a, b) => `${a.affinityType}${a.affinityId}`.localeCompare(`${b.affinityType}${b.affinityId}`));
    };
    const inlineStates = await states(inline);
    expect(inlineStates).toHaveLength(8);
    expect(inlineStates).toEqual(await states(passes));
    expect(await links(inline)).toEqual(await links(passes));
    expect(await links(inline)).toHaveLength(4);
    expect(await logged(inline)).toEqual(await logged(passes));
    expect((await logged(inline)).map((r) => [r.affinityId, r.outcome])).toEqual([
      [101, 'matched'],
      [102, 'matched'],
      [103, 'ambiguous'],
      [104, 'matched'],
      [105, 'unmatched'],
      [201, 'matched'],
      [202, 'unmatched'],
      [203, 'unmatched'],
    ]);
  });

  it('matches a pull page by page, each record once, then the rest, as one pass would', async () => {
    const { s, c } = await datasetAndConnection();
    const run = await startRun(s, { kind: 'pull', trigger: 'cli', actor: 'test', connectionId: c });
    const fetch = await run.step('fetch list Orgs (1)');
    const matching = await run.step('matching');
    const orgs = pulledOrganizations().slice(0, 5);
    const persons = [
      entry(21, 201, { first_name: 'Ada', last_name: 'L', primary_email: 'ADA@gmail.com', emails: [] }),
      entry(22, 202, { first_name: 'Linus', last_name: 'T', primary_email: null, emails: [] }),
    ];
    const write = (listId: number, type: 'organization' | 'person', es: typeof orgs) =>
      ingestPage(
        s,
        { connectionId: c, listId, type, runId: run.id, stepId: fetch.id },
        es.map((e) => ({ listEntryId: e.id, createdAt: null, identity: identityOf(e, type) })),
      );
    await write(1, 'organization', orgs.slice(0, 3));
    await write(2, 'person', persons);
    // Field values give Linus a LinkedIn URL after his page was noted.
    const url = normaliseLinkedinUrl('linkedin.com/in/Linus-T/');
    await s.query(sql`UPDATE crm_records SET linkedin_url = ${url} WHERE affinity_id = 202`);

    const m = new PullMatching(s, c, { runId: run.id, stepId: matching.id });
    m.page('organization', [101, 102, 103, 101]);
    await m.catchUp(1);
    // Organization 101 is on a second list too: it is not matched twice.
    await write(3, 'organization', [orgs[0], ...orgs.slice(3)] as typeof orgs);
    m.page('organization', [101, 104, 105]);
    m.page('person', [201, 202]);
    m.later('person', [202]);
    await m.catchUp(1);
    const report = await m.finish();

    expect(report.counts).toEqual({ matched: 5, ambiguous: 1, unmatched: 1 });
    const states = await s.query<{ affinity_id: number; match_status: string; matched_by: string | null }>(
      sql`SELECT affinity_id, match_status, matched_by FROM crm_records ORDER BY affinity_type, affinity_id`,
    );
    expect(states.map((r) => [r.affinity_id, r.match_status, r.matched_by])).toEqual([
      [101, 'matched', 'domain'],
      [102, 'matched', 'domain'],
      [103, 'ambiguous', null],
      [104, 'matched', 'name'],
      [105, 'unmatched', null],
      [201, 'matched', 'email'],
      [202, 'matched', 'linkedin'],
    ]);
    expect(report.linksAdded).toBe(5);
    const [links] = await s.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sync_links`);
    expect(links?.n).toBe(5);
    // One outcome per record in the log, however many passes.
    const logged = (await getRun(s, run.id))?.steps.find((st) => st.name === 'matching')?.records ?? [];
    expect(logged.map((r) => r.affinityId).sort()).toEqual([101, 102, 103, 104, 105, 201, 202]);
    expect(logged.find((r) => r.affinityId === 103)?.message).toMatch(/^1 candidates: company \d+ \(name\)$/);
    expect(logged.find((r) => r.affinityId === 101)).toMatchObject({
      outcome: 'matched',
      entityKind: 'company',
      message: 'matched by domain',
    });

    // The same pull again changes nothing.
    const again = new PullMatching(s, c, { runId: run.id, stepId: matching.id });
    again.page('organization', [101, 102, 103, 104, 105]);
    await again.catchUp(1);
    expect(await again.finish()).toMatchObject({ changed: 0, linksAdded: 0 });
  });
});

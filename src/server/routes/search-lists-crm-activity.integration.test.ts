import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { AffinityClient, createTransport } from '../../affinity/index.js';
import { runDetail, runList, runRecords } from '../../app/activity.js';
import { crmResult } from '../../app/crm.js';
import { listMembersAdded, listWithMembers, userListSchema, userLists } from '../../app/lists.js';
import { reviewDecided, reviewResult } from '../../app/review.js';
import {
  savedSearchList,
  savedSearchRun,
  savedSearchSaved,
  savedSearchSchema,
  searchResult,
} from '../../app/search.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import { getConnection } from '../../sync/connections.js';
import { pull } from '../../sync/pull/engine.js';
import { loadDemoOverlap } from '../../sync/pull/testing.js';

/**
 * The search, saved-search, list, My CRM, review and activity routes over real HTTP, as a member
 * with an API token, on a server whose store holds the demo dataset and a pull of the emulator's
 * demo workspace: each answers its schema, pages, refuses bad input naming the field (400),
 * unknown ids (404) and anyone without a session or token (401).
 */

interface ErrorJson {
  error: { code: string; message: string; details?: { issues?: Array<{ field: string }> } };
}
const facts = demoWorkspaceFacts();
let s: TestServer;
let pullRunId: number;

/** GET/POST… as the member; the answer's status and JSON. */
const as = <T>(path: string, o: { method?: string; body?: unknown } = {}) =>
  s.fetch<T>(path, { ...o, token: s.member.token });
const fieldsOf = (j: unknown) => ((j as ErrorJson).error.details?.issues ?? []).map((i) => i.field);

beforeAll(async () => {
  s = await startTestServer();
  await loadDemoOverlap(s.store);
  const connection = await getConnection(s.store, s.config.connection);
  if (!connection) throw new Error('the test server is not connected');
  const transport = createTransport({
    apiKey: s.emulator.apiKey,
    baseUrl: s.emulator.url,
    ratePerMinute: 100_000,
  });
  const report = await pull(
    {
      store: s.store,
      client: new AffinityClient({ transport }),
      connectionId: connection.id,
      stats: () => transport.stats(),
    },
    { lists: [{ list: facts.lists.dealFlow }, { list: facts.lists.founders }], actor: s.member.email },
  );
  pullRunId = report.runId;
});
afterAll(async () => {
  await s?.close();
});

describe('every route of these areas', () => {
  it('answers 401 without a session or token, and is in the OpenAPI document', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/search?entity=companies'],
      ['GET', '/api/saved-searches'],
      ['POST', '/api/saved-searches'],
      ['GET', '/api/saved-searches/1'],
      ['PATCH', '/api/saved-searches/1'],
      ['DELETE', '/api/saved-searches/1'],
      ['GET', '/api/saved-searches/1/results'],
      ['POST', '/api/saved-searches/1/check'],
      ['GET', '/api/lists'],
      ['POST', '/api/lists'],
      ['GET', '/api/lists/1'],
      ['PATCH', '/api/lists/1'],
      ['DELETE', '/api/lists/1'],
      ['POST', '/api/lists/1/members'],
      ['DELETE', '/api/lists/1/members'],
      ['GET', '/api/crm'],
      ['GET', '/api/review'],
      ['POST', '/api/review/1/decision'],
      ['GET', '/api/runs'],
      ['GET', '/api/runs/1'],
      ['GET', '/api/runs/1/records'],
    ];
    for (const [method, path] of routes) {
      const res = await s.fetch(path, { method, token: null, ...(method === 'GET' ? {} : { body: {} }) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((res.json as ErrorJson).error.code).toBe('unauthorized');
    }
    const doc = (
      await s.fetch<{ paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> }>(
        '/api/openapi.json',
      )
    ).json;
    for (const [method, path] of routes) {
      const template = path.replace(/\?.*$/, '').replace(/\/1(?=\/|$)/, '/{id}');
      const op = doc.paths[template]?.[method.toLowerCase()];
      expect(op?.summary, `${method} ${template}`).toBeTruthy();
      expect(op?.tags?.length).toBe(1);
    }
  });
});

describe('search and saved searches', () => {
  it('searches with filters in the query, pages, and refuses a bad filter naming the field', async () => {
    const all = await as<unknown>('/api/search?entity=companies&sort=headcount&limit=1000');
    expect(all.status).toBe(200);
    const every = searchResult.parse(all.json);
    const q = (offset: number) =>
      `/api/search?entity=companies&filter=${encodeURIComponent('headcount>=10')}&filter=${encodeURIComponent('funding>=1')}&sort=headcount&limit=5&offset=${offset}`;
    const [p1, p2] = [searchResult.parse((await as(q(0))).json), searchResult.parse((await as(q(5))).json)];
    const expected = every.results.filter(
      (r) =>
        'headcount' in r &&
        (r.headcount ?? 0) >= 10 &&
        'totalFundingUsd' in r &&
        (r.totalFundingUsd ?? 0) >= 1,
    );
    expect(p1.total).toBe(expected.length);
    expect([...p1.results, ...p2.results].map((r) => r.id)).toEqual(expected.slice(0, 10).map((r) => r.id));
    for (const entity of ['people', 'investors'] as const) {
      const res = await as(`/api/search?entity=${entity}&limit=3`);
      expect(res.status, res.text).toBe(200);
      const page = searchResult.parse(res.json);
      expect(page.entity).toBe(entity);
      expect(page.results.length).toBeGreaterThan(0);
    }
    // Internal columns stay inside.
    expect(Object.keys(p1.results[0] ?? {})).not.toContain('searchText');

    for (const [query, field] of [
      ['entity=companies&filter=size%3E%3D3', 'filter'],
      ['entity=companies&filter=funding%3E%3Dlots', 'filter'],
      ['entity=investors&sort=growth', 'sort'],
      ['entity=planets', 'entity'],
      ['entity=people&limit=many', 'limit'],
    ] as const) {
      const res = await as(`/api/search?${query}`);
      expect(res.status, query).toBe(400);
      expect((res.json as ErrorJson).error.code).toBe('bad_request');
      expect(fieldsOf(res.json), query).toContain(field);
    }
  });

  it('creates, reads, renames, runs, checks and deletes saved searches; 404 for unknown ids', async () => {
    const created = await as('/api/saved-searches', {
      method: 'POST',
      body: { name: 'Hiring', entity: 'companies', filter: ['headcount>=10'], sort: 'headcount' },
    });
    expect(created.status).toBe(201);
    const saved = savedSearchSaved.parse(created.json);
    const id = saved.savedSearch.id;
    expect(
      (await as('/api/saved-searches', { method: 'POST', body: { name: 'Hiring', entity: 'people' } }))
        .status,
    ).toBe(409);
    const bad = await as('/api/saved-searches', {
      method: 'POST',
      body: { name: 'X', entity: 'companies', filter: 'x~1' },
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.json)).toEqual(['filter']);
    const noName = await as('/api/saved-searches', { method: 'POST', body: { entity: 'companies' } });
    expect(noName.status).toBe(400);
    expect(fieldsOf(noName.json)).toEqual(['name']);

    expect(
      savedSearchList.parse((await as('/api/saved-searches')).json).savedSearches.map((x) => x.id),
    ).toEqual([id]);
    expect(savedSearchSchema.parse((await as(`/api/saved-searches/${id}`)).json).name).toBe('Hiring');
    const renamed = await as(`/api/saved-searches/${id}`, {
      method: 'PATCH',
      body: { name: 'Growing teams' },
    });
    expect(renamed.status).toBe(200);
    expect(savedSearchSchema.parse(renamed.json)).toMatchObject({ id, name: 'Growing teams' });

    const results = savedSearchRun.parse((await as(`/api/saved-searches/${id}/results?limit=2`)).json);
    expect(results.total).toBe(saved.results);
    expect(results.results).toHaveLength(2);
    const next = savedSearchRun.parse((await as(`/api/saved-searches/${id}/results?limit=2&offset=2`)).json);
    expect(next.results.map((r) => r.id)).not.toContain(results.results[0]?.id);
    const unseen = savedSearchRun.parse((await as(`/api/saved-searches/${id}/results?new=true`)).json);
    expect(unseen).toMatchObject({ newCount: 0, results: [] });
    const fresh = savedSearchRun.parse(
      (await as(`/api/saved-searches/${id}/check`, { method: 'POST' })).json,
    );
    expect(fresh.newCount).toBe(0);

    const deleted = await as(`/api/saved-searches/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    for (const [method, path] of [
      ['GET', `/api/saved-searches/${id}`],
      ['PATCH', `/api/saved-searches/${id}`],
      ['DELETE', `/api/saved-searches/${id}`],
      ['GET', `/api/saved-searches/${id}/results`],
    ] as const) {
      const res = await as(path, { method, ...(method === 'PATCH' ? { body: { name: 'y' } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((res.json as ErrorJson).error.code).toBe('not_found');
    }
    expect((await as('/api/saved-searches/abc')).status).toBe(400);
  });
});

describe('lists', () => {
  it('creates, adds and removes members by key, pages them, renames and deletes; 404 for unknown ids', async () => {
    const companies = searchResult.parse(
      (await as('/api/search?entity=companies&sort=name&limit=4')).json,
    ).results;
    const domains = companies.map((c) => ('domain' in c ? c.domain : ''));
    const created = await as('/api/lists', {
      method: 'POST',
      body: { name: 'Shortlist', entity: 'companies' },
    });
    expect(created.status).toBe(201);
    const list = userListSchema.parse(created.json);
    expect(
      (await as('/api/lists', { method: 'POST', body: { name: 'Shortlist', entity: 'people' } })).status,
    ).toBe(409);
    const badEntity = await as('/api/lists', { method: 'POST', body: { name: 'L', entity: 'planets' } });
    expect(badEntity.status).toBe(400);
    expect(fieldsOf(badEntity.json)).toEqual(['entity']);

    const refused = await as(`/api/lists/${list.id}/members`, {
      method: 'POST',
      body: { keys: [...domains, 'nowhere.invalid'] },
    });
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused.json)).toEqual(['keys']);
    const added = await as(`/api/lists/${list.id}/members`, {
      method: 'POST',
      body: { keys: [...domains, 'nowhere.invalid'], skipMissing: true },
    });
    expect(listMembersAdded.parse(added.json)).toEqual({
      list: 'Shortlist',
      added: 4,
      alreadyPresent: 0,
      notFound: ['nowhere.invalid'],
    });
    const page1 = listWithMembers.parse((await as(`/api/lists/${list.id}?limit=3`)).json);
    const page2 = listWithMembers.parse((await as(`/api/lists/${list.id}?limit=3&offset=3`)).json);
    expect(page1.total).toBe(4);
    expect([...page1.results, ...page2.results].map((r) => r.id).sort()).toEqual(
      companies.map((c) => c.id).sort(),
    );

    const renamed = await as(`/api/lists/${list.id}`, { method: 'PATCH', body: { name: 'Top picks' } });
    expect(userListSchema.parse(renamed.json)).toMatchObject({ id: list.id, name: 'Top picks', size: 4 });
    const removed = await as(`/api/lists/${list.id}/members`, {
      method: 'DELETE',
      body: { keys: [domains[0]] },
    });
    expect(removed.json).toMatchObject({ removed: 1 });
    expect(userLists.parse((await as('/api/lists')).json).lists).toEqual([
      expect.objectContaining({ id: list.id, size: 3 }),
    ]);
    expect((await as(`/api/lists/${list.id}`, { method: 'DELETE' })).status).toBe(200);
    for (const [method, path, body] of [
      ['GET', `/api/lists/${list.id}`, undefined],
      ['PATCH', `/api/lists/${list.id}`, { name: 'z' }],
      ['DELETE', `/api/lists/${list.id}`, undefined],
      ['POST', `/api/lists/${list.id}/members`, { keys: ['a.com'] }],
    ] as const) {
      const res = await as(path, { method, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });
});

describe('My CRM and review', () => {
  it('GET /api/crm ranks by growth with signal series, pages, filters by pulled list', async () => {
    const first = crmResult.parse((await as('/api/crm?limit=5')).json);
    expect(first.counts.lists).toBe(2);
    expect(first.records).toHaveLength(5);
    const ranks = first.records.map((r) => r.company?.growthRank ?? -1);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(first.records[0]?.signals?.headcount.length).toBeGreaterThan(1);
    const second = crmResult.parse((await as('/api/crm?limit=5&offset=5')).json);
    const ten = crmResult.parse((await as('/api/crm?limit=10&signals=false')).json);
    expect([...first.records, ...second.records].map((r) => r.crmId)).toEqual(
      ten.records.map((r) => r.crmId),
    );
    expect(ten.records[0]?.signals).toBeUndefined();

    const deal = crmResult.parse(
      (await as(`/api/crm?list=${encodeURIComponent(facts.lists.dealFlow)}&sort=name`)).json,
    );
    expect(deal.filter.list?.name).toBe(facts.lists.dealFlow);
    for (const r of deal.records) expect(r.lists).toContain(facts.lists.dealFlow);
    const unknown = await as('/api/crm?list=Nope');
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown.json)).toEqual(['list']);
    const badSort = await as('/api/crm?sort=size');
    expect(badSort.status).toBe(400);
    expect(fieldsOf(badSort.json)).toEqual(['sort']);
  });

  it('GET /api/review pages the queue; decisions settle records; 404 for an unknown record', async () => {
    const all = reviewResult.parse((await as('/api/review?limit=1000')).json);
    expect(all.items.length).toBe(all.counts.toSettle);
    const page = reviewResult.parse((await as('/api/review?limit=2&offset=2')).json);
    expect(page.items.map((i) => i.crmId)).toEqual(all.items.slice(2, 4).map((i) => i.crmId));

    const [a, b] = all.items;
    if (!a || !b) throw new Error('expected records to review');
    const ignored = await as(`/api/review/${a.crmId}/decision`, {
      method: 'POST',
      body: { decision: 'ignore' },
    });
    expect(ignored.status).toBe(200);
    expect(reviewDecided.parse(ignored.json)).toEqual({ ok: true, crmId: a.crmId, decision: 'ignored' });
    const candidate = b.candidates[0];
    const linkTo = candidate
      ? `${candidate.kind}:${candidate.id}`
      : b.affinityType === 'person'
        ? 'person:1'
        : 'company:1';
    const linked = await as(`/api/review/${b.crmId}/decision`, {
      method: 'POST',
      body: { decision: 'link', entity: linkTo },
    });
    expect(linked.status, linked.text).toBe(200);
    expect(reviewDecided.parse(linked.json)).toMatchObject({ decision: 'linked' });
    const org = all.items.find(
      (i) => i.affinityType === 'organization' && i.domains.length > 0 && i !== a && i !== b,
    );
    if (!org) throw new Error('expected an organization with a domain to review');
    const created = await as(`/api/review/${org.crmId}/decision`, {
      method: 'POST',
      body: { decision: 'create', as: 'investor' },
    });
    expect(created.status, created.text).toBe(200);
    expect(reviewDecided.parse(created.json)).toMatchObject({ decision: 'created', kind: 'investor' });
    const after = reviewResult.parse((await as('/api/review?limit=1000')).json);
    expect(after.counts.toSettle).toBe(all.counts.toSettle - 3);

    const unknown = await as('/api/review/999999999/decision', {
      method: 'POST',
      body: { decision: 'ignore' },
    });
    expect(unknown.status).toBe(404);
    const badDecision = await as(`/api/review/${a.crmId}/decision`, {
      method: 'POST',
      body: { decision: 'merge' },
    });
    expect(badDecision.status).toBe(400);
    expect(fieldsOf(badDecision.json)).toContain('decision');
    const noEntity = await as(`/api/review/${a.crmId}/decision`, {
      method: 'POST',
      body: { decision: 'link' },
    });
    expect(noEntity.status).toBe(400);
    expect(fieldsOf(noEntity.json)).toContain('entity');
  });
});

describe('activity', () => {
  it('GET /api/runs filters and pages; /api/runs/:id has steps and progress; records page failed first', async () => {
    const runs = runList.parse((await as('/api/runs?kind=pull&status=succeeded')).json);
    expect(runs.runs.map((r) => r.id)).toContain(pullRunId);
    expect(runs.runs[0]?.actor).toBe(s.member.email);
    expect(runList.parse((await as('/api/runs?kind=push')).json).total).toBe(0);
    expect(runList.parse((await as('/api/runs?failed=true')).json).total).toBe(0);
    expect(runList.parse((await as('/api/runs?limit=1&offset=1')).json).runs).toHaveLength(0);
    const badStatus = await as('/api/runs?status=exploded');
    expect(badStatus.status).toBe(400);
    expect(fieldsOf(badStatus.json)).toEqual(['status']);

    const detail = runDetail.parse((await as(`/api/runs/${pullRunId}`)).json);
    expect(detail.run).toMatchObject({ id: pullRunId, kind: 'pull', status: 'succeeded' });
    expect(detail.run.apiCalls).toBeGreaterThan(0);
    expect(detail.steps.length).toBeGreaterThan(1);
    expect(detail.currentStep?.id).toBe(detail.steps.at(-1)?.id);

    const p1 = runRecords.parse((await as(`/api/runs/${pullRunId}/records?limit=10`)).json);
    const p2 = runRecords.parse((await as(`/api/runs/${pullRunId}/records?limit=10&offset=10`)).json);
    expect(p1.total).toBeGreaterThan(20);
    expect(p1.records).toHaveLength(10);
    expect(p2.records).toHaveLength(10);
    const matched = runRecords.parse(
      (await as(`/api/runs/${pullRunId}/records?outcome=matched&limit=1000`)).json,
    );
    expect(matched.total).toBe(p1.byOutcome.matched);
    expect(matched.records.every((r) => r.outcome === 'matched')).toBe(true);

    for (const path of ['/api/runs/999999', '/api/runs/999999/records'])
      expect((await as(path)).status).toBe(404);
    const badId = await as('/api/runs/abc');
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId.json)).toEqual(['id']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { importRecords, loadDemoDataset } from '../intelligence/index.js';
import { createLogger } from '../logging/index.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { type AppContext, AppError } from './context.js';
import {
  addListMembers,
  createList,
  deleteList,
  getList,
  listLists,
  removeListMembers,
  renameList,
} from './lists.js';
import {
  type CompanyItem,
  createSavedSearch,
  deleteSavedSearch,
  getSavedSearch,
  listSavedSearches,
  runSavedSearch,
  searchIntelligence,
  searchResult,
  updateSavedSearch,
} from './search.js';

/** The refusal a call ends with (fails the test when it succeeds). */
async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got a result');
}
const fields = (e: AppError) =>
  ((e.details as { issues?: Array<{ field: string }> } | undefined)?.issues ?? []).map((i) => i.field);

let t: TestStore;
let member: AppContext;
beforeAll(async () => {
  t = await openTestStore('pglite');
  await loadDemoDataset(t.store, { companies: 120, people: 150, investors: 20 });
  member = {
    actor: { id: 'member@example.com', role: 'member' },
    deps: {
      store: t.store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: t.dataDir }),
      logger: createLogger('silent'),
    },
  };
});
afterAll(async () => {
  await t?.cleanup();
});

describe('search', () => {
  it('filters, sorts and pages, with the total, as plain JSON the API schema accepts', async () => {
    const all = await searchIntelligence(member, { entity: 'companies', sort: 'headcount', limit: 1000 });
    expect(all.total).toBe(120);
    const first = await searchIntelligence(member, {
      entity: 'companies',
      filter: ['headcount>=10'],
      sort: 'headcount',
      limit: 7,
    });
    const second = await searchIntelligence(member, {
      entity: 'companies',
      filter: 'headcount>=10',
      sort: 'headcount',
      limit: 7,
      offset: 7,
    });
    const expected = all.results.filter((r) => ((r as CompanyItem).headcount ?? 0) >= 10);
    expect(first.total).toBe(expected.length);
    expect(first.results.map((r) => r.id)).toEqual(expected.slice(0, 7).map((r) => r.id));
    expect(second.results.map((r) => r.id)).toEqual(expected.slice(7, 14).map((r) => r.id));
    const heads = [...first.results, ...second.results].map((r) => (r as CompanyItem).headcount ?? 0);
    expect(heads).toEqual([...heads].sort((a, b) => b - a));
    expect(typeof (first.results[0] as CompanyItem).createdAt).toBe('string');
    expect(searchResult.safeParse(first).success).toBe(true);
  });

  it('refuses a bad filter or sort naming the field', async () => {
    const key = await refusal(searchIntelligence(member, { entity: 'companies', filter: ['size>=3'] }));
    expect(key.code).toBe('bad_request');
    expect(key.message).toMatch(/unknown filter key "size"/);
    expect(fields(key)).toEqual(['filter']);
    const value = await refusal(
      searchIntelligence(member, { entity: 'companies', filter: ['funding>=lots'] }),
    );
    expect(fields(value)).toEqual(['filter']);
    const sort = await refusal(searchIntelligence(member, { entity: 'investors', sort: 'growth' }));
    expect(fields(sort)).toEqual(['sort']);
    const entity = await refusal(searchIntelligence(member, { entity: 'planets' as never }));
    expect(fields(entity)).toEqual(['entity']);
    const limit = await refusal(searchIntelligence(member, { entity: 'people', limit: 5000 }));
    expect(fields(limit)).toEqual(['limit']);
  });
});

describe('saved searches', () => {
  it('creates, refuses a taken name, renames, changes, runs, checks what is new and deletes', async () => {
    const created = await createSavedSearch(member, {
      name: 'Big',
      entity: 'companies',
      filter: ['headcount>=50'],
    });
    expect(created.savedSearch).toMatchObject({ name: 'Big', entity: 'companies' });
    const id = created.savedSearch.id;
    expect((await refusal(createSavedSearch(member, { name: 'Big', entity: 'people' }))).code).toBe(
      'conflict',
    );
    expect((await getSavedSearch(member, { savedSearch: id })).name).toBe('Big');
    expect((await getSavedSearch(member, { savedSearch: 'Big' })).id).toBe(id);

    const run = await runSavedSearch(member, { savedSearch: id, limit: 3 });
    expect(run.total).toBe(created.results);
    expect(created.results).toBeGreaterThan(0);
    expect(run.results).toHaveLength(Math.min(3, created.results));
    // Nothing is new right after saving; a company that starts to match is, until it is checked.
    expect((await runSavedSearch(member, { savedSearch: id, new: true })).newCount).toBe(0);
    const report = await importRecords(
      t.store,
      'companies',
      (async function* () {
        yield { row: 1, line: 1, record: { domain: 'newly-big-co.com', name: 'Newly Big', headcount: 900 } };
      })(),
    );
    expect(report.written).toBe(true);
    const peek = await runSavedSearch(member, { savedSearch: id, new: true });
    expect(peek.newCount).toBe(1);
    expect(peek.results.map((r) => r.name)).toEqual(['Newly Big']);
    expect((await runSavedSearch(member, { savedSearch: id, new: true })).newCount).toBe(1);
    expect((await runSavedSearch(member, { savedSearch: id, new: true, markSeen: true })).newCount).toBe(1);
    expect((await runSavedSearch(member, { savedSearch: id, new: true })).newCount).toBe(0);
    expect((await runSavedSearch(member, { savedSearch: id })).total).toBe(created.results + 1);

    const renamed = await updateSavedSearch(member, { savedSearch: id, name: 'Large' });
    expect(renamed).toMatchObject({ id, name: 'Large', spec: { filters: [{ key: 'headcount' }] } });
    // Widening the search starts "new" afresh: its results now are seen.
    const widened = await updateSavedSearch(member, { savedSearch: id, filter: ['headcount>=1'] });
    expect(widened.spec.filters).toEqual([{ key: 'headcount', op: '>=', value: '1' }]);
    expect((await runSavedSearch(member, { savedSearch: id, new: true })).newCount).toBe(0);
    const wider = await runSavedSearch(member, { savedSearch: id, limit: 1 });
    expect(wider.total).toBeGreaterThan(run.total + 1);

    await createSavedSearch(member, { name: 'Other', entity: 'people' });
    expect((await refusal(updateSavedSearch(member, { savedSearch: id, name: 'Other' }))).code).toBe(
      'conflict',
    );
    const bad = await refusal(updateSavedSearch(member, { savedSearch: id, sort: 'nonsense' }));
    expect(fields(bad)).toEqual(['sort']);
    expect((await listSavedSearches(member)).savedSearches.map((s) => s.name)).toEqual(['Large', 'Other']);

    expect((await deleteSavedSearch(member, { savedSearch: id })).deleted.name).toBe('Large');
    for (const call of [
      getSavedSearch(member, { savedSearch: id }),
      runSavedSearch(member, { savedSearch: id }),
      deleteSavedSearch(member, { savedSearch: id }),
      updateSavedSearch(member, { savedSearch: 'Large', name: 'x' }),
    ])
      expect((await refusal(call)).code).toBe('not_found');
  });
});

describe('lists', () => {
  it('creates, adds all or nothing by key, pages members, renames, removes and deletes', async () => {
    const companies = (await searchIntelligence(member, { entity: 'companies', sort: 'name', limit: 5 }))
      .results;
    const domains = companies.map((c) => (c as CompanyItem).domain);
    const list = await createList(member, { name: 'Watch', entity: 'companies' });
    expect(list).toMatchObject({ name: 'Watch', entity: 'companies', size: 0 });
    expect((await refusal(createList(member, { name: 'Watch', entity: 'people' }))).code).toBe('conflict');
    expect(fields(await refusal(createList(member, { name: ' ', entity: 'people' })))).toEqual(['name']);

    const missing = await refusal(
      addListMembers(member, { list: list.id, keys: [...domains, 'nowhere.invalid'] }),
    );
    expect(missing.code).toBe('bad_request');
    expect(missing.details).toMatchObject({ list: 'Watch', notFound: ['nowhere.invalid'] });
    expect((await getList(member, { list: list.id })).total).toBe(0);
    const added = await addListMembers(member, {
      list: list.id,
      keys: [...domains, 'nowhere.invalid'],
      skipMissing: true,
    });
    expect(added).toEqual({ list: 'Watch', added: 5, alreadyPresent: 0, notFound: ['nowhere.invalid'] });

    const page1 = await getList(member, { list: list.id, limit: 3 });
    const page2 = await getList(member, { list: 'Watch', limit: 3, offset: 3 });
    expect(page1.total).toBe(5);
    expect(page1.results).toHaveLength(3);
    expect(page2.results).toHaveLength(2);
    expect(new Set([...page1.results, ...page2.results].map((r) => r.id))).toEqual(
      new Set(companies.map((c) => c.id)),
    );

    expect(await renameList(member, { list: list.id, name: 'Watched' })).toMatchObject({
      id: list.id,
      size: 5,
    });
    await createList(member, { name: 'Other', entity: 'people' });
    expect((await refusal(renameList(member, { list: list.id, name: 'Other' }))).code).toBe('conflict');
    const removed = await removeListMembers(member, {
      list: list.id,
      keys: [domains[0] as string, 'x.invalid'],
    });
    expect(removed).toEqual({ list: 'Watched', removed: 1, notInList: 0, notFound: ['x.invalid'] });
    expect((await listLists(member)).lists.map((l) => [l.name, l.size])).toEqual([
      ['Other', 0],
      ['Watched', 4],
    ]);
    expect((await deleteList(member, { list: list.id })).deleted.name).toBe('Watched');
    for (const call of [
      getList(member, { list: list.id }),
      renameList(member, { list: list.id, name: 'y' }),
      addListMembers(member, { list: 'Watched', keys: ['a.com'] }),
    ])
      expect((await refusal(call)).code).toBe('not_found');
    expect(fields(await refusal(addListMembers(member, { list: 'Other', keys: [] })))).toEqual(['keys']);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../store/testing.js';
import { loadDemoDataset } from './demo.js';
import { importFile } from './import.js';
import { addToList, createList, listLists, removeFromList, showList } from './lists.js';
import { newResultsSince, runSavedSearch, saveSearch } from './saved-searches.js';
import { type CompanyResult, parseFilter, search } from './search.js';

const SIZES = { companies: 400, people: 600, investors: 40 };

describe.each(['pglite', 'postgres'] as const)('search, saved searches and lists on %s', (backend) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(backend);
    await loadDemoDataset(t.store, SIZES);
  });
  afterAll(async () => {
    await t.cleanup();
  });
  const companies = async (
    filters: string[],
    extra: { sort?: 'growth' | 'funding' | 'headcount' | 'name'; query?: string } = {},
  ) =>
    (
      await search(
        t.store,
        'companies',
        { filters: filters.map(parseFilter), ...extra },
        { limit: 1000, withTotal: true },
      )
    ).results as CompanyResult[];

  it('loads the demo dataset idempotently, with growth ranks', async () => {
    const again = await loadDemoDataset(t.store, SIZES);
    for (const r of Object.values(again)) expect(r).toMatchObject({ inserted: 0, updated: 0, invalid: 0 });
    const [row] = await t.store.query<{ n: number; ranked: number; lo: number; hi: number }>(
      sql`SELECT count(*) AS n, count(growth_rank) AS ranked, min(growth_rank) AS lo, max(growth_rank) AS hi FROM intel_companies`,
    );
    expect(row).toEqual({ n: 400, ranked: 400, lo: 0, hi: 100 });
  });

  it('filters by industry, location, stage and ranges, every result satisfying them', async () => {
    const all = await companies([]);
    const industry = all[0]?.industries[0] as string;
    const rows = await companies([
      `industry=${industry.toUpperCase()}`,
      'funding>=5M',
      'headcount<=500',
      'founded>=2000',
    ]);
    expect(rows.length).toBeGreaterThan(0);
    for (const c of rows) {
      expect(c.industries).toContain(industry);
      expect(c.totalFundingUsd).toBeGreaterThanOrEqual(5_000_000);
      expect(c.headcount).toBeLessThanOrEqual(500);
      expect(c.foundedYear).toBeGreaterThanOrEqual(2000);
    }
    const expected = all.filter(
      (c) =>
        c.industries.includes(industry) &&
        (c.totalFundingUsd ?? 0) >= 5e6 &&
        (c.headcount ?? Infinity) <= 500 &&
        (c.foundedYear ?? 0) >= 2000,
    );
    expect(rows.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());

    const country = all[0]?.hqCountry as string;
    const stage = all[0]?.stage as string;
    const byPlace = await companies([`location=${country.toLowerCase()}`, `stage=${stage}`]);
    expect(byPlace.length).toBeGreaterThan(0);
    expect(byPlace.every((c) => c.hqCountry === country && c.stage === stage)).toBe(true);
    const fast = await companies(['growth>=50%', 'growth_rank>=90']);
    expect(fast.every((c) => (c.growth12m ?? 0) >= 0.5 && (c.growthRank ?? 0) >= 90)).toBe(true);
  });

  it('sorts by growth, funding, headcount and name', async () => {
    const isSorted = (xs: number[], dir: 1 | -1) =>
      xs.every((x, k) => k === 0 || dir * (x - (xs[k - 1] as number)) >= 0);
    expect(
      isSorted(
        (await companies([], { sort: 'growth' })).map((c) => c.growthRank ?? -1),
        -1,
      ),
    ).toBe(true);
    expect(
      isSorted(
        (await companies([], { sort: 'funding' })).map((c) => c.totalFundingUsd ?? -1),
        -1,
      ),
    ).toBe(true);
    expect(
      isSorted(
        (await companies([], { sort: 'headcount' })).map((c) => c.headcount ?? -1),
        -1,
      ),
    ).toBe(true);
    const names = (await companies([], { sort: 'name' })).map((c) => c.name.toLowerCase());
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('matches text in names and domains', async () => {
    const [first] = await companies([], { sort: 'name' });
    const word = (first?.domain ?? '').slice(0, 4);
    const rows = await companies([], { query: word.toUpperCase() });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((c) => c.name.toLowerCase().includes(word) || c.domain.includes(word))).toBe(true);
  });

  it('names the key or value at fault', async () => {
    await expect(search(t.store, 'companies', { filters: [parseFilter('fundng>=1M')] })).rejects.toThrow(
      /unknown filter key "fundng" for companies/,
    );
    await expect(search(t.store, 'companies', { filters: [parseFilter('funding>=lots')] })).rejects.toThrow(
      'filter funding>=lots: "lots" is not an amount',
    );
    await expect(search(t.store, 'companies', { filters: [parseFilter('industry>=3')] })).rejects.toThrow(
      'filter industry takes = only, not >=',
    );
    await expect(search(t.store, 'investors', { sort: 'funding' })).rejects.toThrow(
      'cannot sort investors by "funding"',
    );
    expect(() => parseFilter('funding')).toThrow('is not key=value');
  });

  it('finds people and sorts them by their company growth', async () => {
    const page = await search(t.store, 'people', { sort: 'growth' }, { limit: 20 });
    const ranks = page.results.map((p) => ('companyGrowthRank' in p ? (p.companyGrowthRank ?? -1) : -1));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('filters people and investors by place and type, and keeps the facets in step with updates', async () => {
    const people = await search(t.store, 'people', {}, { limit: 1000, withTotal: true });
    const someone = people.results.find((p) => 'city' in p && p.city) as {
      city: string;
      country: string | null;
    };
    const inCity = await search(
      t.store,
      'people',
      { filters: [parseFilter(`location=${someone.city.toUpperCase()}`)] },
      { limit: 1000 },
    );
    expect(inCity.results.length).toBeGreaterThan(0);
    expect(inCity.results.every((p) => 'city' in p && p.city === someone.city)).toBe(true);
    const investors = await search(t.store, 'investors', {}, { limit: 1000 });
    const vc = await search(
      t.store,
      'investors',
      { filters: [parseFilter('type=vc,angel')] },
      { limit: 1000 },
    );
    const expected = investors.results.filter((i) => 'type' in i && ['VC', 'Angel'].includes(i.type ?? ''));
    expect(vc.results.map((i) => i.id).sort()).toEqual(expected.map((i) => i.id).sort());
    expect(expected.length).toBeGreaterThan(0);

    // Re-importing a row with a new city and no stage column moves it between facets: the keys
    // are computed by the database from the row as stored.
    const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-facets-'));
    try {
      writeFileSync(join(dir, 'a.csv'), 'name,domain,hq_city,stage\nFacetco,facetco-zz.com,Oldtown,Seed\n');
      writeFileSync(join(dir, 'b.csv'), 'name,domain,hq_city\nFacetco,facetco-zz.com,Newtown\n');
      await importFile(t.store, 'companies', join(dir, 'a.csv'));
      expect((await companies(['city=oldtown', 'stage=seed'])).map((c) => c.domain)).toEqual([
        'facetco-zz.com',
      ]);
      await importFile(t.store, 'companies', join(dir, 'b.csv'));
      expect(await companies(['city=oldtown'])).toEqual([]);
      expect((await companies(['location=newtown', 'stage=seed'])).map((c) => c.domain)).toEqual([
        'facetco-zz.com',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells a saved search what is new since it last looked', async () => {
    const { results } = await saveSearch(t.store, `uk-${backend}`, 'companies', {
      filters: [parseFilter('country=zz-land')],
    });
    expect(results).toBe(0);
    expect((await newResultsSince(t.store, `uk-${backend}`)).newCount).toBe(0);
    const csv = join(mkdtempSync(join(tmpdir(), 'affinity-sync-saved-')), 'new.csv');
    writeFileSync(csv, 'name,domain,hq_country\nNewco,newco-zz.com,ZZ-Land\nOther,other-zz.com,Elsewhere\n');
    try {
      await importFile(t.store, 'companies', csv);
    } finally {
      rmSync(dirname(csv), { recursive: true, force: true });
    }
    const peek = await newResultsSince(t.store, `uk-${backend}`, { markSeen: false });
    expect(peek.results.map((r) => (r as CompanyResult).domain)).toEqual(['newco-zz.com']);
    const fresh = await newResultsSince(t.store, `uk-${backend}`);
    expect(fresh.newCount).toBe(1);
    expect((await newResultsSince(t.store, `uk-${backend}`)).newCount).toBe(0);
    expect((await runSavedSearch(t.store, `uk-${backend}`, { withTotal: true })).total).toBe(1);
  });

  it('keeps user lists of companies and people', async () => {
    const some = await companies([], { sort: 'name' });
    const [a, b] = some;
    await createList(t.store, `watch-${backend}`, 'companies');
    await expect(createList(t.store, `watch-${backend}`, 'companies')).rejects.toThrow('already exists');
    const added = await addToList(
      t.store,
      `watch-${backend}`,
      [`https://www.${a?.domain}/`, b?.domain ?? '', 'nope-zz.com'],
      { skipMissing: true },
    );
    expect(added).toMatchObject({ added: 2, alreadyPresent: 0, notFound: ['nope-zz.com'] });
    expect((await addToList(t.store, `watch-${backend}`, [a?.domain ?? ''])).alreadyPresent).toBe(1);
    const shown = await showList(t.store, `watch-${backend}`);
    expect(shown.results.map((r) => r.id).sort()).toEqual([a?.id, b?.id].sort());
    expect(await removeFromList(t.store, `watch-${backend}`, [a?.domain ?? ''])).toMatchObject({
      removed: 1,
    });
    expect((await listLists(t.store)).find((l) => l.name === `watch-${backend}`)?.size).toBe(1);

    const [person] = (await search(t.store, 'people', {}, { limit: 1 })).results;
    await createList(t.store, `people-${backend}`, 'people');
    const email = person && 'emails' in person ? (person.emails[0] ?? '') : '';
    expect(await addToList(t.store, `people-${backend}`, [email.toUpperCase()])).toMatchObject({ added: 1 });
    await expect(showList(t.store, 'missing')).rejects.toThrow('no list named "missing"');
  });
});

import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { bulkUpsert } from './bulk.js';
import { quoteIdent } from './migrate.js';
import { type Db, openStore, PLANNED_STATEMENTS } from './open.js';
import { intelCompanies, intelInvestors } from './schema/index.js';
import { backends, openTestStore, type TestStore, testDatabaseUrl } from './testing.js';

const company = (domain: string, extra: Partial<typeof intelCompanies.$inferInsert> = {}) => ({
  domain,
  name: domain.split('.')[0] ?? domain,
  searchText: domain,
  industries: ['Fintech', 'AI/ML'],
  totalFundingUsd: 12_500_000_000,
  lastFundingDate: '2025-06-30',
  ...extra,
});

describe.each(backends)('store contract on %s', (backend) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('applies the migrations at open and answers through Drizzle and raw SQL alike', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    expect(store.kind).toBe(backend);
    await store.db.insert(intelInvestors).values({ domain: 'a16z.com', name: 'a16z', searchText: 'a16z' });
    const viaDrizzle = await store.db
      .select()
      .from(intelInvestors)
      .where(eq(intelInvestors.domain, 'a16z.com'));
    expect(viaDrizzle).toHaveLength(1);
    expect(viaDrizzle[0]?.notablePortfolio).toEqual([]);
    const raw = await store.query<{ n: number; d: string; ts: string; trgm: number }>(
      sql`SELECT count(*) AS n, DATE '2025-01-31' AS d, now() AS ts, similarity('acme', 'acme') AS trgm FROM intel_investors`,
    );
    expect(raw[0]).toMatchObject({ n: 1, d: '2025-01-31', trgm: 1 });
    expect(raw[0]?.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('runs a planned statement as a plain one, planned once per text and values, values written in exactly', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    const awkward = "O'Brien \\ $1 -- ' ; DROP TABLE x";
    const q = (n: number, s: string) =>
      sql`SELECT ${n}::int + 1 AS n, ${s}::text AS s, ${null}::text AS z, ${true}::boolean AS b`;
    const plain = await store.query(q(41, awkward));
    expect(await store.queryPlanned(q(41, awkward))).toEqual(plain);
    expect(plain).toEqual([{ n: 42, s: awkward, z: null, b: true }]);
    const prepared = async () =>
      (await store.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM pg_prepared_statements`))[0]?.n;
    // PGlite keeps one prepared statement per text and values; PostgreSQL plans every run.
    expect(await prepared()).toBe(backend === 'pglite' ? 1 : 0);
    await store.queryPlanned(q(41, awkward));
    expect(await prepared()).toBe(backend === 'pglite' ? 1 : 0);
    // Inside a transaction too, and a failed one leaves later runs working.
    await expect(
      store.db.transaction(async (tx) => {
        expect(await store.queryPlanned(q(1, 'in tx'), tx as unknown as Db)).toEqual([
          { n: 2, s: 'in tx', z: null, b: true },
        ]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await store.queryPlanned(q(1, 'in tx'))).toEqual([{ n: 2, s: 'in tx', z: null, b: true }]);
    // Values that are not plain scalars (a date here) run as a plain statement, prepared nowhere.
    expect(
      await store.queryPlanned(
        sql`SELECT extract(year FROM ${new Date('2024-05-01T12:00:00Z')}::timestamptz)::int AS n`,
      ),
    ).toEqual([{ n: 2024 }]);
    expect(await prepared()).toBe(backend === 'pglite' ? 2 : 0);
    // Only the most recent statements stay prepared.
    for (let k = 0; k < PLANNED_STATEMENTS + 5; k++) await store.queryPlanned(q(k, 'many'));
    expect(await prepared()).toBe(backend === 'pglite' ? PLANNED_STATEMENTS : 0);
    expect(await store.queryPlanned(q(PLANNED_STATEMENTS + 4, 'many'))).toEqual([
      { n: PLANNED_STATEMENTS + 5, s: 'many', z: null, b: true },
    ]);
  });

  it('upserts a batch in one statement and tells inserted, updated and unchanged apart', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    const key = { key: ['domain' as const] };
    const first = await bulkUpsert(store, intelCompanies, [company('acme.com'), company('globex.io')], key);
    expect(first).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const [before] = await store.query<{ updated_at: string }>(
      sql`SELECT updated_at FROM intel_companies WHERE domain = 'acme.com'`,
    );
    const second = await bulkUpsert(
      store,
      intelCompanies,
      [company('acme.com'), company('globex.io', { headcount: 40 }), company('initech.co.uk')],
      key,
    );
    expect(second).toEqual({ inserted: 1, updated: 1, unchanged: 1 });
    const rows = await store.query<{
      domain: string;
      industries: string[];
      total_funding_usd: number;
      updated_at: string;
    }>(
      sql`SELECT domain, industries, total_funding_usd, last_funding_date, updated_at FROM intel_companies ORDER BY domain`,
    );
    expect(rows.map((r) => r.domain)).toEqual(['acme.com', 'globex.io', 'initech.co.uk']);
    expect(rows[0]).toMatchObject({
      industries: ['Fintech', 'AI/ML'],
      total_funding_usd: 12_500_000_000,
      last_funding_date: '2025-06-30',
      updated_at: before?.updated_at,
    });
  });

  it('writes nothing when the surrounding transaction fails', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    await expect(
      store.db.transaction(async (tx) => {
        await bulkUpsert(store, intelCompanies, [company('acme.com')], { key: ['domain'], tx });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(0);
  });

  it('keeps data across reopening and applies no migration twice', async () => {
    t = await openTestStore(backend);
    await bulkUpsert(t.store, intelCompanies, [company('acme.com')], { key: ['domain'] });
    const schema = t.store.schema;
    const [{ n: applied } = { n: 0 }] = await t.store.query<{ n: number }>(
      sql.raw(`SELECT count(*) AS n FROM ${quoteIdent(schema)}."__drizzle_migrations"`),
    );
    expect(applied).toBeGreaterThanOrEqual(2);
    await t.store.close();
    const again = await openStore({
      dataDir: t.dataDir,
      databaseUrl: backend === 'postgres' ? testDatabaseUrl : undefined,
      schema,
    });
    t.store = again;
    const [{ n } = { n: -1 }] = await again.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM intel_companies`,
    );
    expect(n).toBe(1);
    const [{ n: appliedAgain } = { n: 0 }] = await again.query<{ n: number }>(
      sql.raw(`SELECT count(*) AS n FROM ${quoteIdent(schema)}."__drizzle_migrations"`),
    );
    expect(appliedAgain).toBe(applied);
  });
});

describe('schemas isolate runs on one PostgreSQL database', () => {
  it('sees only its own rows', async () => {
    const a = `test_iso_${randomBytes(4).toString('hex')}`;
    const b = `test_iso_${randomBytes(4).toString('hex')}`;
    const [sa, sb] = await Promise.all([
      openStore({ dataDir: '.', databaseUrl: testDatabaseUrl, schema: a }),
      openStore({ dataDir: '.', databaseUrl: testDatabaseUrl, schema: b }),
    ]);
    try {
      await bulkUpsert(sa, intelCompanies, [company('acme.com')], { key: ['domain'] });
      expect(await sa.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(1);
      expect(await sb.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(0);
    } finally {
      await sa.query(sql.raw(`DROP SCHEMA ${a} CASCADE`));
      await sb.query(sql.raw(`DROP SCHEMA ${b} CASCADE`));
      await Promise.all([sa.close(), sb.close()]);
    }
  });
});

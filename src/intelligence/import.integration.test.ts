import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, openTestStore, type TestStore } from '../store/testing.js';
import { type BatchEvent, type ImportReport, importFile } from './import.js';
import type { ImportEntity } from './records.js';
import { ImportFileError } from './sources.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const COMPANIES = `Name,Domain,Industries,Country,City,Founded,Total Funding,Headcount,Stage,Investors
Acme,https://www.acme.com,Fintech;AI/ML,US,New York,2015,12.5M,120,Series A,Sequoia;a16z
Globex,globex.co.uk,Climate,UK,London,2019,"$3,000,000",40,Seed,
`;

describe.each(backends)('import on %s', (backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('imports a CSV, normalising keys and values, and a re-import changes nothing', async () => {
    const path = file('companies.csv', COMPANIES);
    const first = await importFile(t.store, 'companies', path);
    expect(first).toMatchObject({
      rows: 2,
      valid: 2,
      invalid: 0,
      inserted: 2,
      updated: 0,
      unchanged: 0,
      written: true,
    });
    const rows = await t.store.query(
      sql`SELECT domain, industries, total_funding_usd, founded_year, investor_keys, updated_at FROM intel_companies ORDER BY domain`,
    );
    expect(rows[0]).toMatchObject({
      domain: 'acme.com',
      industries: ['Fintech', 'AI/ML'],
      total_funding_usd: 12_500_000,
      founded_year: 2015,
      investor_keys: ['sequoia', 'a16z'],
    });
    const again = await importFile(t.store, 'companies', path);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, written: true });
    expect(await t.store.query(sql`SELECT domain, updated_at FROM intel_companies ORDER BY domain`)).toEqual(
      rows.map((r) => ({ domain: r.domain, updated_at: r.updated_at })),
    );
    const changed = file('changed.csv', COMPANIES.replace(',40,', ',45,'));
    expect(await importFile(t.store, 'companies', changed)).toMatchObject({
      inserted: 0,
      updated: 1,
      unchanged: 1,
    });
  });

  it('imports NDJSON people keyed by email or LinkedIn', async () => {
    const path = file(
      'people.ndjson',
      [
        JSON.stringify({
          name: 'Jane Doe',
          email: 'Jane@Acme.com',
          title: 'CEO',
          company_domain: 'www.acme.com',
        }),
        '',
        JSON.stringify({ first_name: 'Li', last_name: 'Wei', linkedin_url: 'linkedin.com/in/LiWei/' }),
      ].join('\n'),
    );
    const report = await importFile(t.store, 'people', path);
    expect(report).toMatchObject({ rows: 2, inserted: 2, invalid: 0 });
    const rows = await t.store.query(
      sql`SELECT person_key, name, company_domain FROM intel_people ORDER BY name`,
    );
    expect(rows).toEqual([
      { person_key: 'email:jane@acme.com', name: 'Jane Doe', company_domain: 'acme.com' },
      { person_key: 'linkedin:linkedin.com/in/liwei', name: 'Li Wei', company_domain: null },
    ]);
  });

  it('reports each invalid row with row, line, column and value, and writes nothing by default', async () => {
    const path = file(
      'bad.csv',
      `${COMPANIES}Bad,notadomain,Climate,UK,London,abc,3M,40,Seed,\nShort,short.com\n`,
    );
    const report = await importFile(t.store, 'companies', path);
    expect(report).toMatchObject({ rows: 4, valid: 2, invalid: 2, written: false, inserted: 0 });
    expect(report.errors).toEqual([
      { row: 3, line: 4, column: 'domain', value: 'notadomain', message: expect.stringContaining('domain') },
      { row: 3, line: 4, column: 'founded_year', value: 'abc', message: expect.stringContaining('year') },
      { row: 4, line: 5, column: '(row)', value: null, message: 'has 2 fields, the header has 10' },
    ]);
    expect(await t.store.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(0);

    const skipping = await importFile(t.store, 'companies', path, { skipInvalid: true });
    expect(skipping).toMatchObject({ valid: 2, invalid: 2, inserted: 2, written: true });
    expect(skipping.errors).toHaveLength(3);
  });

  it('rejects a file without the key columns before reading rows', async () => {
    await expect(
      importFile(t.store, 'companies', file('nokey.csv', 'name,country\nAcme,US\n')),
    ).rejects.toThrow('missing column domain for companies');
  });

  it('streams a large file in batches: writing starts before the file is read', async () => {
    const path = join(dir, 'large.csv');
    const out = createWriteStream(path);
    out.write('name,domain,headcount\n');
    for (let k = 0; k < 30_000; k++) {
      if (!out.write(`Company ${k},company-${k}.com,${k % 500}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const indexes = () =>
      t.store.query(
        sql`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ${t.store.schema} AND tablename = 'intel_companies' ORDER BY 1`,
      );
    const before = await indexes();
    const batches: BatchEvent[] = [];
    const report = await importFile(t.store, 'companies', path, {
      batchSize: 1000,
      onBatch: (e) => batches.push(e),
    });
    expect(report).toMatchObject({ rows: 30_000, inserted: 30_000, batches: 30 });
    expect(batches).toHaveLength(30);
    expect(batches.every((b) => b.size <= 1000)).toBe(true);
    expect(batches[0]?.bytesRead).toBeLessThan(statSync(path).size / 2);
    // A load this large into an empty table rebuilds its indexes at the end: all of them, as they were.
    expect(await indexes()).toEqual(before);
    expect(before.length).toBeGreaterThan(10);
  });

  it('rolls a large load back whole, indexes included, when a late row is invalid', async () => {
    const path = join(dir, 'large-bad.csv');
    const lines = ['name,domain,headcount'];
    for (let k = 0; k < 25_000; k++) lines.push(`Company ${k},company-${k}.com,${k === 24_000 ? 'many' : k}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const indexes = () =>
      t.store.query(sql`SELECT indexname FROM pg_indexes WHERE schemaname = ${t.store.schema} ORDER BY 1`);
    const before = await indexes();
    const report = await importFile(t.store, 'companies', path, { batchSize: 1000 });
    expect(report).toMatchObject({ rows: 25_000, invalid: 1, written: false, inserted: 0 });
    expect(report.errors[0]).toMatchObject({ row: 24_001, line: 24_002, column: 'headcount', value: 'many' });
    expect(await t.store.query(sql`SELECT count(*)::int AS n FROM intel_companies`)).toEqual([{ n: 0 }]);
    expect(await indexes()).toEqual(before);
  });

  it('imports signals long or wide, reports unknown companies, and ranks growth', async () => {
    await importFile(t.store, 'companies', file('c.csv', 'name,domain\nA,a.com\nB,b.com\nC,c.com\n'));
    const lines = [
      'domain,date,metric,value,headcount',
      'a.com,2024-12-01,headcount,100,',
      'a.com,2025-12-01,headcount,200,',
      'b.com,2024-12-01,,,100',
      'b.com,2025-12-01,,,110',
      'c.com,2025-11-01,,,50',
      'c.com,2025-12-01,,,40',
    ];
    const report = await importFile(t.store, 'signals', file('s.csv', `${lines.join('\n')}\n`));
    expect(report).toMatchObject({ inserted: 6, written: true, growthRecomputed: true });
    const growth = await t.store.query(
      sql`SELECT domain, growth_1m, growth_12m, growth_rank FROM intel_companies ORDER BY growth_rank DESC`,
    );
    expect(growth).toEqual([
      { domain: 'a.com', growth_1m: null, growth_12m: 1, growth_rank: 100 },
      { domain: 'b.com', growth_1m: null, growth_12m: expect.closeTo(0.1, 9), growth_rank: 50 },
      { domain: 'c.com', growth_1m: expect.closeTo(-0.2, 9), growth_12m: null, growth_rank: 0 },
    ]);
    const unknown = await importFile(
      t.store,
      'signals',
      file('u.csv', 'domain,date,headcount\nzzz.com,2025-12-01,5\n'),
    );
    expect(unknown).toMatchObject({ written: false, invalid: 1 });
    expect(unknown.errors[0]).toMatchObject({
      row: 1,
      column: 'domain',
      value: 'zzz.com',
      message: 'no company has this domain',
    });
  });
});

describe.each(backends)('import through the worker thread on %s', (backend) => {
  let a: TestStore;
  let b: TestStore;
  beforeEach(async () => {
    [a, b] = await Promise.all([openTestStore(backend), openTestStore(backend)]);
  });
  afterEach(async () => {
    await Promise.all([a.cleanup(), b.cleanup()]);
  });

  const snapshot = (t: TestStore, table: string) =>
    t.store.query(
      sql.raw(`SELECT to_jsonb(x) - 'id' - 'created_at' - 'updated_at' AS r FROM ${table} x ORDER BY 1`),
    );
  const comparable = (r: ImportReport) => ({ ...r, batches: undefined });

  it('reports and writes exactly what an import in this thread does', async () => {
    // A key repeated in a later batch (the later row wins), errors, several entities and formats.
    const companies = ['name,domain,headcount,industries,description'];
    for (let k = 0; k < 5000; k++) {
      companies.push(`Co ${k},co-${k}.com,${k},Fintech;AI,"line one\nline\ttwo \\ ""quoted"""`);
    }
    companies.push('Co 7 again,co-7.com,7000,Climate,later row wins');
    const files = {
      companies: file(`w-companies-${backend}.csv`, `${companies.join('\n')}\n`),
      people: file(
        `w-people-${backend}.ndjson`,
        [
          JSON.stringify({ name: 'Jane Doe', emails: ['jane@co-1.com'], past_companies: ['co-2.com'] }),
          JSON.stringify({ name: 'Li Wei', linkedin_url: 'linkedin.com/in/liwei' }),
        ].join('\n'),
      ),
      signals: file(
        `w-signals-${backend}.csv`,
        'domain,date,headcount\nco-1.com,2024-12-01,10\nco-1.com,2025-12-01,20\nnone.com,2025-12-01,1\n',
      ),
    };
    for (const [entity, path] of Object.entries(files) as Array<[ImportEntity, string]>) {
      const opts = { batchSize: 700, skipInvalid: true };
      const viaWorker = await importFile(a.store, entity, path, { ...opts, worker: true });
      const here = await importFile(b.store, entity, path, { ...opts, worker: false });
      expect(comparable(viaWorker)).toEqual(comparable(here));
    }
    for (const table of ['intel_companies', 'intel_people']) {
      expect(await snapshot(a, table)).toEqual(await snapshot(b, table));
    }
    const [co7] = await a.store.query(
      sql`SELECT name, headcount FROM intel_companies WHERE domain = 'co-7.com'`,
    );
    expect(co7).toEqual({ name: 'Co 7 again', headcount: 7000 });
    expect(await a.store.query(sql`SELECT count(*)::int AS n FROM intel_company_signals`)).toEqual([
      { n: 2 },
    ]);
  });

  it('reports invalid rows with their place and writes nothing, or the valid rows with --skip-invalid', async () => {
    const lines = ['name,domain,headcount'];
    for (let k = 0; k < 3000; k++) lines.push(`Co ${k},co-${k}.com,${k === 2500 ? 'lots' : k}`);
    lines.push('Broken,bad domain,1', 'Short');
    const path = file(`w-bad-${backend}.csv`, `${lines.join('\n')}\n`);
    const report = await importFile(a.store, 'companies', path, { worker: true, batchSize: 500 });
    expect(report).toMatchObject({ rows: 3002, valid: 2999, invalid: 3, written: false, inserted: 0 });
    expect(report.errors.map((e) => [e.row, e.line, e.column])).toEqual([
      [2501, 2502, 'headcount'],
      [3001, 3002, 'domain'],
      [3002, 3003, '(row)'],
    ]);
    expect(await a.store.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(0);
    const skipping = await importFile(a.store, 'companies', path, { worker: true, skipInvalid: true });
    expect(skipping).toMatchObject({ valid: 2999, invalid: 3, inserted: 2999, written: true });
  });

  it('rolls back whole when the database refuses a batch, and the next import runs', async () => {
    const lines = ['name,domain'];
    for (let k = 0; k < 20_000; k++) lines.push(`Co ${k},co-${k}.com`);
    const path = file(`w-refused-${backend}.csv`, `${lines.join('\n')}\n`);
    await a.store.query(
      sql.raw(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.domain = 'co-15000.com' THEN RAISE EXCEPTION 'refused %', NEW.domain; END IF; RETURN NEW; END $$`),
    );
    await a.store.query(
      sql.raw(
        `CREATE TRIGGER refuse BEFORE INSERT ON intel_companies FOR EACH ROW EXECUTE FUNCTION refuse()`,
      ),
    );
    const batches: BatchEvent[] = [];
    await expect(
      importFile(a.store, 'companies', path, {
        worker: true,
        batchSize: 1000,
        onBatch: (e) => batches.push(e),
      }),
    ).rejects.toThrow('refused co-15000.com');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThan(20);
    expect(await a.store.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(0);
    await a.store.query(sql`DROP TRIGGER refuse ON intel_companies`);
    expect(await importFile(a.store, 'companies', path, { worker: true })).toMatchObject({
      inserted: 20_000,
    });
  });

  it('fails with the file error itself', async () => {
    await expect(
      importFile(a.store, 'companies', file('w-nokey.csv', 'name,country\nAcme,US\n'), { worker: true }),
    ).rejects.toThrow(new ImportFileError('missing column domain for companies'));
    await expect(
      importFile(a.store, 'companies', file('w-broken.csv', 'name,domain\n"Acme,acme.com\n'), {
        worker: true,
      }),
    ).rejects.toThrow(/not a readable CSV file/);
    expect(await a.store.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(0);
  });
});

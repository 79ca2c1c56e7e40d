import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { bulkUpsert, encodeRows, insertNew } from './bulk.js';
import { encodeCopyRows } from './copy-text.js';
import type { Db } from './open.js';
import { intelCompanies } from './schema/index.js';
import { backends, openTestStore, type TestStore } from './testing.js';

// Values that break naive encodings: separators, escapes, quotes, braces, NULL look-alikes, unicode.
const nasty = [
  'plain',
  'tab\there',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  '\\.',
  "quote \" and 'apostrophe'",
  'braces {a,b} and , comma',
  'NULL',
  '',
  ' spaced ',
  'ünïcödé ✓ 日本',
];

describe.each(backends)('COPY text encoding on %s', (backend) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('round-trips text, arrays, numbers, dates, JSON and NULLs exactly', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    await store.query(
      sql`CREATE TABLE rt (n int, s text, a text[], i bigint, f float8, d date, j jsonb, b boolean)`,
    );
    const rows = nasty.map((s, n) => ({
      n,
      s,
      a: [s, null, `${s}!`],
      i: 2 ** 40 + n,
      f: n / 3,
      d: `2025-0${(n % 9) + 1}-1${n % 10}`,
      j: { s, list: [s, n], nested: { ok: true } },
      b: n % 2 === 0,
    }));
    rows.push({ n: 99, s: null, a: [], i: null, f: null, d: null, j: null, b: null } as never);
    const data = encodeCopyRows(
      [
        { key: 'n', kind: 'scalar' },
        { key: 's', kind: 'scalar' },
        { key: 'a', kind: 'array' },
        { key: 'i', kind: 'scalar' },
        { key: 'f', kind: 'scalar' },
        { key: 'd', kind: 'scalar' },
        { key: 'j', kind: 'json' },
        { key: 'b', kind: 'scalar' },
      ],
      rows,
    );
    await store.copyFrom('rt', ['n', 's', 'a', 'i', 'f', 'd', 'j', 'b'], data);
    const back = await store.query<Record<string, unknown>>(sql`SELECT * FROM rt ORDER BY n`);
    expect(back).toEqual(rows);
  });

  it('writes a NOT NULL array column missing from a row as its empty default', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    const encoded = encodeRows(intelCompanies, [
      { domain: 'acme.com', name: 'Acme', searchText: 'acme', tags: ['b2b'] },
      { domain: 'globex.io', name: 'Globex', searchText: 'globex' },
    ]);
    await store.db.transaction(async (tx) => {
      expect(await insertNew(store, intelCompanies, encoded, tx as unknown as Db)).toEqual({
        inserted: 2,
        updated: 0,
        unchanged: 0,
      });
    });
    const got = await store.query<{ domain: string; tags: string[] }>(
      sql`SELECT domain, tags FROM intel_companies ORDER BY domain`,
    );
    expect(got).toEqual([
      { domain: 'acme.com', tags: ['b2b'] },
      { domain: 'globex.io', tags: [] },
    ]);
    // Appending a key that exists fails on the unique index rather than duplicating it.
    await expect(
      store.db.transaction(async (tx) => insertNew(store, intelCompanies, encoded, tx as unknown as Db)),
    ).rejects.toThrow(/duplicate key|unique/);
    expect(await store.query(sql`SELECT 1 FROM intel_companies`)).toHaveLength(2);
  });

  it('upserts rows staged through COPY, outside and inside a transaction alike', async () => {
    t = await openTestStore(backend);
    const { store } = t;
    const key = { key: ['domain' as const] };
    const row = (domain: string, description: string) => ({
      domain,
      name: domain,
      searchText: domain,
      description,
    });
    expect(await bulkUpsert(store, intelCompanies, [row('acme.com', 'tab\tand\nnewline')], key)).toEqual({
      inserted: 1,
      updated: 0,
      unchanged: 0,
    });
    await store.db.transaction(async (tx) => {
      const opts = { ...key, tx: tx as unknown as Db };
      const a = await bulkUpsert(
        store,
        intelCompanies,
        [row('acme.com', 'tab\tand\nnewline'), row('b.io', 'x')],
        opts,
      );
      const b = await bulkUpsert(store, intelCompanies, [row('acme.com', 'changed'), row('b.io', 'x')], opts);
      expect([a, b]).toEqual([
        { inserted: 1, updated: 0, unchanged: 1 },
        { inserted: 0, updated: 1, unchanged: 1 },
      ]);
    });
    const got = await store.query<{ domain: string; description: string }>(
      sql`SELECT domain, description FROM intel_companies ORDER BY domain`,
    );
    expect(got).toEqual([
      { domain: 'acme.com', description: 'changed' },
      { domain: 'b.io', description: 'x' },
    ]);
  });
});

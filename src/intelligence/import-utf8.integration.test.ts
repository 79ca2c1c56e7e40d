import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../store/testing.js';
import { importFile, WORKER_MIN_BYTES } from './import.js';
import { ImportFileError } from './sources.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-utf8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, ...parts: Array<string | Buffer>) => {
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x, 'utf8') : x))));
  return p;
};
/** "Z\xFCrich" as Latin-1 wrote it: one byte that is not UTF-8. */
const LATIN1_ZURICH = Buffer.from([0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68]);

describe('import of a file that is not valid UTF-8', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore('pglite');
  });
  afterEach(async () => {
    await t.cleanup();
  });

  for (const worker of [false, true]) {
    it(`refuses a CSV row with invalid bytes, naming its row and column${worker ? ' (worker thread)' : ''}`, async () => {
      const path = file(
        `latin1-${worker}.csv`,
        'name,domain,city\nAcme,acme.com,Berlin\nHelio,helio.energy,',
        LATIN1_ZURICH,
        '\nReal,real.com,Café ok\n',
      );
      const refused = await importFile(t.store, 'companies', path, { worker });
      expect(refused).toMatchObject({ rows: 3, valid: 2, invalid: 1, written: false });
      expect(refused.errors).toEqual([
        expect.objectContaining({
          row: 2,
          line: 3,
          column: 'city',
          message: expect.stringMatching(/not valid UTF-8/),
        }),
      ]);
      expect(await t.store.query(sql`SELECT count(*)::int AS n FROM intel_companies`)).toEqual([{ n: 0 }]);

      const skipped = await importFile(t.store, 'companies', path, { worker, skipInvalid: true });
      expect(skipped).toMatchObject({ rows: 3, valid: 2, invalid: 1, written: true, inserted: 2 });
      const domains = await t.store.query(sql`SELECT domain FROM intel_companies ORDER BY domain`);
      expect(domains.map((r) => r.domain)).toEqual(['acme.com', 'real.com']);
    });
  }

  it('accepts a valid UTF-8 file that really holds U+FFFD', async () => {
    const path = file('real-fffd.csv', 'name,domain,city\nReal,real.com,Caf\uFFFD\n');
    expect(await importFile(t.store, 'companies', path)).toMatchObject({ invalid: 0, written: true });
  });

  it('refuses an NDJSON line with invalid bytes, naming its row and key', async () => {
    const path = file(
      'latin1.ndjson',
      '{"name":"Acme","domain":"acme.com"}\n{"name":"Helio","domain":"helio.energy","city":"',
      LATIN1_ZURICH,
      '"}\r\n{"name":"Third","domain":"third.com"}\n',
    );
    const refused = await importFile(t.store, 'companies', path);
    expect(refused).toMatchObject({ rows: 3, valid: 2, invalid: 1, written: false });
    expect(refused.errors).toEqual([
      expect.objectContaining({
        row: 2,
        line: 2,
        column: 'city',
        message: expect.stringMatching(/not valid UTF-8/),
      }),
    ]);
    const skipped = await importFile(t.store, 'companies', path, { skipInvalid: true });
    expect(skipped).toMatchObject({ invalid: 1, inserted: 2, written: true });
  });

  it('finds invalid bytes past the first chunks of a file over 1 MB, through the worker thread', async () => {
    const rows: string[] = ['name,domain,city'];
    for (let i = 0; i < 30_000; i++) rows.push(`Company ${i},company-${i}.com,Berlin`);
    const path = file(
      'big.csv',
      `${rows.join('\n')}\nBad,bad-one.com,`,
      LATIN1_ZURICH,
      '\nLast,last-one.com,Paris\n',
    );
    expect(statSync(path).size).toBeGreaterThanOrEqual(WORKER_MIN_BYTES);
    const report = await importFile(t.store, 'companies', path);
    expect(report).toMatchObject({ rows: 30_002, invalid: 1, written: false });
    expect(report.errors[0]).toMatchObject({ row: 30_001, column: 'city' });
  });

  it('refuses a header row that is not valid UTF-8 as a file error', async () => {
    const path = file('bad-header.csv', 'name,domain,', LATIN1_ZURICH, '\nAcme,acme.com,x\n');
    await expect(importFile(t.store, 'companies', path)).rejects.toThrow(ImportFileError);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, dataDirAt, runCli } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-cli-'));
const dataDir = dataDirAt(join(dir, 'data'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDir, '--json'], { env: { DATABASE_URL: '' } });
}

describe('affinity-sync import, search and lists', () => {
  const good = join(dir, 'companies.csv');
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(
    good,
    'name,domain,country,total_funding\nAcme,acme.com,US,12M\nGlobex,www.globex.co.uk,UK,3M\n',
  );
  writeFileSync(
    bad,
    '{"name":"Initech","domain":"initech.com"}\n{"name":"Broken","domain":"not a domain"}\n',
  );

  it('imports, refuses a file with an invalid row, and searches end to end', async () => {
    const first = await cli('import', 'companies', good);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ ok: true, inserted: 2, updated: 0, unchanged: 0 });
    expect(first.stderr).not.toContain('importing');

    const again = await cli('import', 'companies', good);
    expect(again.json).toMatchObject({ ok: true, inserted: 0, unchanged: 2 });

    const refused = await cli('import', 'companies', bad);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({
      ok: false,
      written: false,
      errors: [{ row: 2, line: 2, column: 'domain', value: 'not a domain' }],
    });
    expect(refused.stderr).toContain('nothing written');

    const skipped = await cli('import', 'companies', bad, '--skip-invalid');
    expect(skipped.code).toBe(0);
    expect(skipped.json).toMatchObject({ ok: true, inserted: 1, invalid: 1 });

    const found = await cli(
      'search',
      'companies',
      '--filter',
      'funding>=5M',
      '--sort',
      'funding',
      '--save',
      'big',
    );
    expect(found.code, found.stderr).toBe(0);
    expect(found.json).toMatchObject({
      ok: true,
      total: 1,
      savedSearch: 'big',
      results: [{ domain: 'acme.com' }],
    });

    const unknown = await cli('search', 'companies', '--filter', 'size>=5');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown filter key "size"/);

    const none = await cli('search', '--saved', 'big', '--new');
    expect(none.json).toMatchObject({ ok: true, newCount: 0 });
    // Seven commands, each a process that opens the store: slow on a busy machine, not a timing assertion.
  }, 240_000);

  it('manages lists', async () => {
    expect((await cli('lists', 'create', 'watch', '--entity', 'companies')).code).toBe(0);
    const added = await cli('lists', 'add', 'watch', 'acme.com', 'https://globex.co.uk');
    expect(added.json).toMatchObject({ ok: true, added: 2 });
    const shown = await cli('lists', 'show', 'watch');
    expect(shown.json).toMatchObject({ ok: true, list: { name: 'watch', size: 2 } });
    const missing = await cli('lists', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no list named "nope"');
  }, 240_000);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binScript } from '../support/cli.js';

/** This file starts the CLI as users do, through `bin/affinity-sync.mjs`. */
const bin = binScript;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('affinity-sync CLI', () => {
  it('lists its commands in --help', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo');
  });

  it('exits non-zero with a one-line reason naming every bad setting', () => {
    const r = run(['demo', '--json'], { AFFINITY_RATE_PER_MINUTE: 'lots', PORT: '-1' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^affinity-sync: invalid configuration: .*AFFINITY_RATE_PER_MINUTE.*PORT/);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
  });

  it('rejects an unknown command with a non-zero exit', () => {
    const r = run(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('affinity-sync usage and configuration errors', () => {
  it('answers a usage error with one line and a --help hint, not the whole help', () => {
    const r = run(['push', '--bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      "error: unknown option '--bogus'",
      '(run `affinity-sync push --help` for usage)',
    ]);
    expect(r.stdout).toBe('');
  });

  it('answers a usage error with a JSON error document under --json', () => {
    const r = run(['lists', 'add', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: "missing required argument 'name'",
      usage: 'affinity-sync lists add --help',
    });
    expect(r.stderr).not.toContain('Options:');
  });

  it('names the --base-url flag, not a configuration key, in a configuration error', () => {
    const r = run(['push', '--all', 'company', '--base-url', 'not a url']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--base-url="not a url"');
    expect(r.stderr).not.toContain('--affinity-base-url');
  });
});

describe('affinity-sync import and lists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => run([...args, '--data-dir', dir], { DATABASE_URL: '' });

  it('refuses a file with invalid UTF-8, naming row and column; --skip-invalid skips that row', () => {
    const csv = join(dir, 'latin1.csv');
    writeFileSync(
      csv,
      Buffer.concat([
        Buffer.from('name,domain,city\nAcme,acme.com,Berlin\nHelio,helio.energy,Z'),
        Buffer.from([0xfc]), // "ü" as Latin-1 writes it
        Buffer.from('rich\nNorth,north.io,Oslo\n'),
      ]),
    );
    const refused = cli('import', 'companies', csv);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/3 rows, 2 valid, 1 invalid — nothing written/);
    expect(refused.stdout).toMatch(/row 2 \(line 3\), column city: .*not valid UTF-8/);
    expect(refused.stderr).toContain('1 invalid row in');

    const skipped = cli('import', 'companies', csv, '--skip-invalid', '--json');
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ ok: true, invalid: 1, inserted: 2 });
  });

  it('adds list members all or nothing, unless --skip-missing', () => {
    expect(cli('lists', 'create', 'watch', '--entity', 'companies').code).toBe(0);
    const refused = cli(
      'lists',
      'add',
      'watch',
      'acme.com',
      'north.io',
      'nosuch.example',
      'gone.example',
      '--json',
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      added: 0,
      notFound: ['nosuch.example', 'gone.example'],
    });
    expect(refused.stderr).toMatch(/nothing was added to "watch": nosuch\.example, gone\.example/);
    expect(cli('lists', 'show', 'watch').stdout).toMatch(/"watch" \(companies, 0\)/);

    const skipping = cli('lists', 'add', 'watch', 'acme.com', 'north.io', 'nosuch.example', '--skip-missing');
    expect(skipping.code).toBe(0);
    expect(skipping.stdout).toMatch(/2 added, 0 already there/);
    expect(skipping.stdout).toMatch(/not found, skipped: nosuch\.example/);
    expect(cli('lists', 'show', 'watch').stdout).toMatch(/"watch" \(companies, 2\)/);
  });
});

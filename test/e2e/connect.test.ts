import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { dataDirAt, runCli } from '../support/cli.js';

const dataDir = dataDirAt(mkdtempSync(join(tmpdir(), 'connect-e2e-')));
const KEY = 'e2e-secret-api-key-7788';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty', apiKeys: [KEY] });
});
afterAll(async () => {
  await emu.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function run(args: string[], stdin = '') {
  return runCli([...args, '--data-dir', dataDir, '--base-url', emu.url], {
    env: { AFFINITY_API_KEY: '' },
    stdin,
  });
}

describe('affinity-sync connect', () => {
  it('refuses a bad key with a one-line reason and stores nothing', async () => {
    const r = await run(['connect', '--api-key', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^affinity-sync: Affinity refused the API key \(401\)/);
    const status = await run(['connect', '--status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no connection named default');
  });

  it('connects with the key from stdin, lists what it will do, and never prints the key', async () => {
    const r = await run(['connect', '--api-key', '-', '--json'], `${KEY}\n`);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { connection: { apiKeyHint: string }; permissions: string[] };
    expect(out.connection.apiKeyHint).toBe('••••••7788');
    expect(out.permissions.length).toBeGreaterThan(2);
    const status = await run(['connect', '--status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('••••••7788');
    for (const text of [r.stdout, r.stderr, status.stdout, status.stderr]) expect(text).not.toContain(KEY);
  });
});

describe('which workspace a command uses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'workspace-e2e-'));
  const KEY_A = 'key-of-workspace-a-1111';
  const KEY_B = 'key-of-workspace-b-2222';
  let a: RunningEmulator;
  let b: RunningEmulator;
  beforeAll(async () => {
    a = await startEmulator({ port: 0, seed: 'empty', apiKeys: [KEY_A] });
    b = await startEmulator({ port: 0, seed: 'empty', apiKeys: [KEY_B] });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI with no Affinity settings from the environment but those given. */
  const cli = (args: string[], env: Record<string, string> = {}, stdin = '') =>
    runCli([...args, '--data-dir', dir], {
      env: {
        DATABASE_URL: '',
        AFFINITY_API_KEY: '',
        AFFINITY_BASE_URL: '',
        AFFINITY_SYNC_CONNECTION: '',
        AFFINITY_SYNC_SECRET: 'workspace e2e test secret',
        ...env,
      },
      stdin,
    });
  const requests = (emu: RunningEmulator) => emu.stats().total;

  it('says which workspace it connected to', { timeout: 120_000 }, async () => {
    const r = await cli(['connect', '--base-url', a.url, '--api-key', '-', '--json'], {}, KEY_A);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as { workspace: unknown }).workspace).toEqual({
      connection: 'default',
      tenantName: expect.any(String),
      baseUrl: a.url,
    });
    const text = await cli(['connect', '--status']);
    expect(text.stdout).toContain(`connected to workspace `);
    expect(text.stdout).toContain(` at ${a.url}`);
  });

  it('refuses a base URL other than the stored connection’s, naming both, and sends nothing', {
    timeout: 120_000,
  }, async () => {
    a.resetStats();
    b.resetStats();
    const byFlag = await cli(['push', '--all', 'company', '--dry-run', '--base-url', b.url, '--json']);
    expect(byFlag.code).toBe(1);
    expect(byFlag.stderr).toContain(
      `the stored connection 'default' is for ${a.url} but --base-url names ${b.url}`,
    );
    expect(byFlag.stderr).toContain('--connection NAME');
    expect(byFlag.json).toMatchObject({ ok: false });

    const byEnv = await cli(['destination', 'show'], { AFFINITY_BASE_URL: b.url });
    expect(byEnv.code).toBe(1);
    expect(byEnv.stderr).toContain(`is for ${a.url} but AFFINITY_BASE_URL names ${b.url}`);

    expect(requests(a)).toBe(0);
    expect(requests(b)).toBe(0);
    const stats = (await (await fetch(`${b.url}/_emulator/stats`)).json()) as { total: number };
    expect(stats.total).toBe(0);
  });

  it('stores a second connection and selects it with --connection', { timeout: 120_000 }, async () => {
    const second = await cli(
      ['connect', '--name', 'second', '--base-url', b.url, '--api-key', '-'],
      {},
      KEY_B,
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`at ${b.url} (connection second)`);

    a.resetStats();
    b.resetStats();
    const shown = await cli(['destination', 'show', '--connection', 'second', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect((shown.json as { workspace: unknown }).workspace).toMatchObject({
      connection: 'second',
      baseUrl: b.url,
    });
    const viaEnv = await cli(['destination', 'show'], { AFFINITY_SYNC_CONNECTION: 'second' });
    expect(viaEnv.stdout).toContain(`destinations in workspace`);
    expect(viaEnv.stdout).toContain(`at ${b.url} (connection second)`);
    const byDefault = await cli(['destination', 'show', '--json']);
    expect((byDefault.json as { workspace: unknown }).workspace).toMatchObject({
      connection: 'default',
      baseUrl: a.url,
    });

    const missing = await cli(['destination', 'show', '--connection', 'third']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "no connection named 'third': run `affinity-sync connect --connection third",
    );

    // A new key for a stored connection is verified at that connection's URL, not at production.
    b.resetStats();
    const rekey = await cli(['connect', '--connection', 'second', '--api-key', '-', '--json'], {}, KEY_B);
    expect(rekey.code, rekey.stderr).toBe(0);
    expect((rekey.json as { workspace: unknown }).workspace).toMatchObject({ baseUrl: b.url });
    expect(requests(b)).toBe(1);
  });

  it('uses a named URL when a key for it is given, verified there, and sends nothing to the stored one', {
    timeout: 120_000,
  }, async () => {
    a.resetStats();
    b.resetStats();
    const r = await cli(['destination', 'show', '--base-url', b.url, '--json'], { AFFINITY_API_KEY: KEY_B });
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as { workspace: unknown }).workspace).toMatchObject({
      connection: 'default',
      baseUrl: b.url,
    });
    expect(requests(a)).toBe(0);
    expect(b.stats().byRoute.find((x) => x.route === '/auth/whoami')?.count).toBe(1);

    // A key that is not valid at the named URL is refused there; nothing goes to the stored URL.
    const wrong = await cli(['destination', 'show', '--base-url', a.url], { AFFINITY_API_KEY: KEY_B });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401|refused|invalid/i);
  });

  it('logs every Affinity request at debug, without the key or query values', {
    timeout: 180_000,
  }, async () => {
    const csv = join(dir, 'companies.csv');
    writeFileSync(csv, 'name,domain\nHelio,helio-secretive.com\nNorth,north-secretive.io\n');
    expect((await cli(['import', 'companies', csv])).code).toBe(0);
    const env = { AFFINITY_API_KEY: KEY_B, AFFINITY_BASE_URL: b.url };
    const set = await cli(['destination', 'set', 'company', '--record-type', 'organization'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`destination created in workspace`);

    b.resetStats();
    const r = await cli(['--log-level', 'debug', 'push', '--all', 'company', '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`in workspace`);
    expect(r.stdout).toMatch(/time at the configured rate: \d+ calls? ≈ \d+ s at 900\/min/);
    const logged = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'affinity request');
    expect(logged.length).toBe(b.stats().total);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) {
      expect(line).toMatchObject({
        level: 20,
        method: 'GET',
        route: expect.stringMatching(/^\/[a-z_/{}-]+$/),
        status: 200,
        durationMs: expect.any(Number),
        attempt: 1,
      });
    }
    expect(r.stderr).not.toContain(KEY_B);
    expect(r.stderr).not.toContain('secretive');

    const quiet = await cli(['push', '--all', 'company', '--dry-run'], env);
    expect(quiet.stderr).not.toContain('affinity request');
  });
});

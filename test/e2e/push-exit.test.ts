import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { pushSeed } from '../../src/sync/push/test-support.js';
import { bin, type CliResult, dataDirAt, runCli } from '../support/cli.js';

/**
 * The exit code and `--json` document of `push` follow the run: 0 succeeded, 2 partial (some
 * records failed), 3 stopped (Affinity unreachable), 130 interrupted.
 */
const dir = mkdtempSync(join(tmpdir(), 'push-exit-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  ok: boolean;
  status: string;
  workspace: { connection: string; baseUrl: string };
  report: {
    runId: number;
    outcome: Record<string, number>;
    failures: Array<{ label: string; errors: string[] }>;
  };
}

function setup(name: string, emu: () => RunningEmulator) {
  const dataDir = dataDirAt(join(dir, name));
  const cli = (...args: string[]): Promise<CliResult> =>
    runCli([...args, '--data-dir', dataDir], {
      env: {
        DATABASE_URL: '',
        AFFINITY_API_KEY: emu().apiKey,
        AFFINITY_BASE_URL: emu().url,
        AFFINITY_SYNC_CONNECTION: '',
        AFFINITY_SYNC_SECRET: 'push exit test secret',
      },
    });
  return { dataDir, cli };
}

async function importAndMap(
  cli: (...a: string[]) => Promise<CliResult>,
  csv: string,
  ...map: string[]
): Promise<void> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, csv);
  const imported = await cli('import', 'companies', file);
  expect(imported.code, imported.stderr).toBe(0);
  const set = await cli('destination', 'set', 'company', '--record-type', 'organization', ...map);
  expect(set.code, set.stderr).toBe(0);
}

describe('push exit codes', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: pushSeed });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('exits 2 with ok false and status partial when a record fails (422)', { timeout: 240_000 }, async () => {
    const { cli } = setup('partial', () => emu);
    await importAndMap(
      cli,
      'name,domain,website\nHelio,helio.energy,https://helio.energy\nNorth,north.io,\n',
      '--map',
      'website=Website',
    );
    // Affinity refuses Helio's website (the only value written) with a 422; the other record
    // goes through.
    const refuseWebsite = () => emu.setConfig({ script: [{ route: 'POST /field-values', status: 422 }] });
    refuseWebsite();

    const r = await cli('push', '--all', 'company', '--json');
    expect(r.code, r.stderr).toBe(2);
    const doc = r.json as Report;
    expect(doc).toMatchObject({ ok: false, status: 'partial', workspace: { baseUrl: emu.url } });
    expect(doc.report.outcome).toMatchObject({ failed: 1 });
    expect(doc.report.failures[0]?.label).toMatch(/Helio/);
    expect(doc.report.failures[0]?.errors.join()).toMatch(/422/);
    expect(r.stderr).toMatch(/push finished with 1 failed record \(run \d+\)/);

    refuseWebsite();
    const text = await cli('push', '--all', 'company');
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/failed Helio/);
  });

  it('exits 0 with ok true, status succeeded and the plan’s time when nothing fails', {
    timeout: 240_000,
  }, async () => {
    const { cli } = setup('ok', () => emu);
    await importAndMap(cli, 'name,domain\nOkay Co,okay-co.com\n');
    const dry = await cli('push', '--all', 'company', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/time at the configured rate: \d+ calls? ≈ \d+ s at 900\/min/);
    expect(dry.stderr).toMatch(/^workspace .* at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(dry.stderr).toMatch(/planning 1 record…/);
    expect(dry.stdout).toMatch(/API calls: \d+ \(\d+ reads? for matching by \w+, 1 write\)/);
    const r = await cli('push', '--all', 'company', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, status: 'succeeded' });
  });
});

describe('push against a dead Affinity', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: pushSeed });
  });

  it('exits 3 with status stopped when nothing answers', { timeout: 240_000 }, async () => {
    const { cli } = setup('dead', () => emu);
    await importAndMap(cli, 'name,domain\nHelio,helio.energy\nNorth,north.io\n');
    await emu.close(); // the port is closed now: every connection is refused
    const r = await cli('--log-level', 'debug', 'push', '--all', 'company', '--json');
    expect(r.code, r.stderr).toBe(3);
    // Attempts that got no answer are logged too, with the reason instead of a status.
    const refused = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'affinity request');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({
      status: null,
      error: expect.stringMatching(/ECONNREFUSED/),
      attempt: 1,
    });
    expect(r.json).toMatchObject({ ok: false, status: 'stopped' });
    expect(r.stderr).toMatch(/unreachable/i);
    expect(r.stderr).toContain(emu.url);
  });
});

describe('an interrupted push', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    // Slow answers, so the push is still running when the signal comes.
    emu = await startEmulator({ port: 0, seed: pushSeed, latencyMs: 150 });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('stops on SIGINT, says how to resume and exits 130', { timeout: 240_000 }, async () => {
    const { dataDir, cli } = setup('interrupted', () => emu);
    const rows = Array.from({ length: 40 }, (_, i) => `Slow ${i},slow-${i}.com`);
    await importAndMap(cli, `name,domain\n${rows.join('\n')}\n`);

    const child = spawn(process.execPath, [bin, 'push', '--all', 'company', '--data-dir', dataDir], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        AFFINITY_API_KEY: emu.apiKey,
        AFFINITY_BASE_URL: emu.url,
        AFFINITY_SYNC_CONNECTION: '',
        AFFINITY_SYNC_SECRET: 'push exit test secret',
        AFFINITY_MAX_CONCURRENT: '1',
      },
    });
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupt once the push is under way (its first progress line).
      if (!signalled && /planning \d+ records/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(signalled).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: run \d+ saved; run the same command again to resume/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, dataDirAt, runCli } from '../../../test/support/cli.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { pushSeed } from '../../sync/push/test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-push-cli-'));
const dataDir = dataDirAt(join(dir, 'data'));
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: pushSeed });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDir], {
    env: {
      DATABASE_URL: '',
      AFFINITY_API_KEY: emu.apiKey,
      AFFINITY_BASE_URL: emu.url,
      AFFINITY_SYNC_SECRET: 'push cli test secret',
    },
  });
}

describe('affinity-sync destination, push and activity', () => {
  // Each command is a fresh process opening PGlite: a few seconds apiece on a busy machine.
  it('refuses a bad mapping, saves a good one, dry-runs, pushes and shows the run', {
    timeout: 240_000,
  }, async () => {
    const csv = join(dir, 'companies.csv');
    writeFileSync(
      csv,
      'name,domain,stage,total_funding_usd\nHelio,helio.energy,Seed,3M\nExisting Co,existing.com,Series A,9M\n',
    );
    expect((await cli('import', 'companies', csv, '--json')).code).toBe(0);

    const refused = await cli(
      'destination',
      'set',
      'company',
      '--record-type',
      'organization',
      '--map',
      'stage=Total Funding',
      '--json',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/stage \(status\) to field "Total Funding" \(number\)/);

    const set = await cli(
      'destination',
      'set',
      'company',
      '--record-type',
      'organization',
      '--match',
      'domain',
      '--map',
      'stage=Stage',
      '--map',
      'total_funding_usd=Total Funding',
      '--list',
      'Dealflow',
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/stage → "Stage" #\d+ \(ranked dropdown\)/);

    const dry = await cli('push', '--all', 'company', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const plan = (dry.json as { report: { plan: { apiCalls: number; counts: Record<string, number> } } })
      .report.plan;
    expect(plan.counts).toMatchObject({ create: 1, update: 1 });

    emu.resetStats();
    const real = await cli('push', '--all', 'company', '--json');
    expect(real.code, real.stderr).toBe(0);
    const report = (real.json as { report: { runId: number; outcome: Record<string, number> } }).report;
    expect(report.outcome).toMatchObject({ created: 1, updated: 1, failed: 0, addedToList: 2 });
    const whoami = emu
      .stats()
      .byRoute.filter((r) => r.route === '/auth/whoami')
      .reduce((n, r) => n + r.count, 0);
    expect(emu.stats().total - whoami).toBe(plan.apiCalls);

    const detail = await cli('activity', String(report.runId));
    expect(detail.code, detail.stderr).toBe(0);
    expect(detail.stdout).toMatch(/push succeeded by local-admin via cli/);
    expect(detail.stdout).toMatch(/step 1\. matching/);
    expect(detail.stdout).toMatch(/created +Helio \(helio\.energy\) → organization #\d+/);
    expect(detail.stdout).toMatch(/step 4\. list assignment: succeeded — added-to-list 2/);
  });
});

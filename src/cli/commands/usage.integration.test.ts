import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, dataDirAt, runCli } from '../../../test/support/cli.js';
import { loadConfig } from '../../config/index.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { startJobs } from '../../jobs/index.js';
import { createLogger } from '../../logging/index.js';
import { openStore } from '../../store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-usage-'));
const dataDir = dataDirAt(join(dir, 'data'));
let emulator: RunningEmulator;

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDir, '--json'], {
    env: { DATABASE_URL: '', AFFINITY_SYNC_SECRET: 'usage cli test secret' },
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000, monthlyLimit: 5000 });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('affinity-sync usage and auto-push at the command line', () => {
  it('shows the quota Affinity reported, and sets the budget', async () => {
    const connected = await runCli(
      ['connect', '--base-url', emulator.url, '--api-key', '-', '--data-dir', dataDir, '--json'],
      {
        env: { DATABASE_URL: '', AFFINITY_SYNC_SECRET: 'usage cli test secret' },
        stdin: `${emulator.apiKey}\n`,
      },
    );
    expect(connected.code, connected.stderr).toBe(0);

    const shown = await cli('usage');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json).toMatchObject({
      ok: true,
      quota: { limit: 5000, unlimited: false, remainingSource: 'affinity' },
      budget: { automationBudgetPct: null, manualWarnPct: null },
    });

    const set = await cli('usage', 'budget', '--automation', '60', '--warn', '10');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json).toEqual({ ok: true, automationBudgetPct: 60, manualWarnPct: 10 });
    const after = await cli('usage');
    expect(after.json).toMatchObject({ budget: { automationBudgetPct: 60, automationShare: 3000 } });

    const bad = await cli('usage', 'budget', '--automation', '160');
    expect(bad.code).toBe(1);
  }, 120_000);

  it('a CLI import on a store with an auto-push list leaves one notice for the workers', async () => {
    const file = join(dir, 'companies.csv');
    writeFileSync(file, 'name,domain\nAcme,acme.com\nGlobex,globex.co.uk\n');
    expect((await cli('import', 'companies', file)).code).toBe(0);
    expect((await cli('lists', 'create', 'Watch', '--entity', 'companies')).code).toBe(0);
    expect((await cli('lists', 'add', 'Watch', 'acme.com')).code).toBe(0);
    const marked = await cli('lists', 'auto-push', 'Watch', 'on');
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.json).toEqual({ ok: true, list: 'Watch', autoPush: true });

    // Marking it sent a notice: take it, as a server's worker would (nothing to push: no destination).
    const withJobs = async (fn: (jobs: Awaited<ReturnType<typeof startJobs>>) => Promise<void>) => {
      const config = loadConfig(
        { LOG_LEVEL: 'silent', AFFINITY_SYNC_SECRET: 'usage cli test secret' },
        { dataDir },
      );
      const store = await openStore({ dataDir });
      try {
        const jobs = await startJobs({ store, config, logger: createLogger('silent') }, { workers: false });
        try {
          await fn(jobs);
        } finally {
          await jobs.stop();
        }
      } finally {
        await store.close();
      }
    };
    await withJobs(async (jobs) => {
      expect(await jobs.autoPush.waiting()).toBe(1);
      expect(await jobs.autoPush.runNow()).toEqual([expect.objectContaining({ outcome: 'refused' })]);
      expect(await jobs.autoPush.waiting()).toBe(0);
    });

    writeFileSync(file, 'name,domain\nAcme,acme.com\nGlobex,globex.co.uk\nInitech,initech.com\n');
    const imported = await cli('import', 'companies', file);
    expect(imported.code, imported.stderr).toBe(0);
    // The import, in its own process, left one notice for whichever server takes the store next.
    await withJobs(async (jobs) => {
      expect(await jobs.autoPush.waiting()).toBe(1);
    });
  }, 120_000);
});

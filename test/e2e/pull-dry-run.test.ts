import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';
import { type CliResult, dataDirAt, runCli } from '../support/cli.js';

/**
 * `pull --dry-run` as a user runs it: one call, nothing written (My CRM and the activity log stay
 * empty), and the calls it announces for Deal Flow are the calls the real pull then spends.
 */

const facts = demoWorkspaceFacts();
const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-pull-dry-run-'));
const env = {
  DATABASE_URL: '',
  AFFINITY_API_KEY: '',
  AFFINITY_BASE_URL: '',
  AFFINITY_SYNC_SECRET: 'pull dry run e2e master secret',
  AFFINITY_RATE_PER_MINUTE: '600',
};
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDirAt(join(dir, 'data'))], { env });
}

interface Estimate {
  ok: boolean;
  dryRun: boolean;
  workspace: { baseUrl: string };
  lists: Array<{ name: string; type: string; entries: number; pageCalls: number; fieldValueCalls: number }>;
  planned: { calls: number; ratePerMinute: number; text: string };
  withoutFields: { calls: number; text: string };
  withFields: { calls: number; text: string };
  calls: number;
}

describe('affinity-sync pull --dry-run', () => {
  it('announces the lists and their cost, writes nothing, and the pull then spends what it said', async () => {
    const refused = await cli('pull', '--dry-run', '--list', facts.lists.dealFlow, '--json');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not connected/);
    expect((await cli('connect', '--api-key', emu.apiKey, '--base-url', emu.url)).code).toBe(0);

    emu.resetStats();
    const dry = await cli('pull', '--dry-run', '--list', facts.lists.dealFlow, '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(emu.stats().total).toBe(1);
    const e = dry.json as Estimate;
    const entries = facts.counts.listEntries.dealFlow;
    expect(e).toMatchObject({
      ok: true,
      dryRun: true,
      workspace: { baseUrl: emu.url },
      lists: [
        { name: facts.lists.dealFlow, type: 'organization', entries, pageCalls: Math.ceil(entries / 500) },
      ],
      planned: { ratePerMinute: 600 },
      calls: 1,
    });
    expect(e.withFields.calls).toBe(e.withoutFields.calls + 1 + entries);

    const text = await cli('pull', '--dry-run', '--list', facts.lists.dealFlow, '--with-fields');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`pull dry run on workspace`);
    expect(text.stdout).toContain(`${facts.lists.dealFlow} (`);
    expect(text.stdout).toContain(`${entries} entries`);
    expect(text.stdout).toMatch(
      /this pull: [\d,]+ calls ≈ .* at 600\/min \(with the field values asked for\)/,
    );
    expect(text.stdout).toContain(`without field values: ${e.withoutFields.text}`);
    expect(text.stdout).toContain(`with field values:    up to ${e.withFields.text}`);

    // Nothing written: no record, no run.
    expect((await cli('crm', '--json')).json).toMatchObject({
      ok: true,
      counts: { records: 0 },
      records: [],
    });
    expect((await cli('activity', '--json')).json).toMatchObject({ ok: true, runs: [] });

    emu.resetStats();
    const real = await cli('pull', '--list', facts.lists.dealFlow, '--json');
    expect(real.code, real.stderr).toBe(0);
    expect((real.json as { api: { requests: number } }).api.requests).toBe(e.withoutFields.calls);
    expect(emu.stats().total).toBe(e.withoutFields.calls);
  }, 240_000);
});

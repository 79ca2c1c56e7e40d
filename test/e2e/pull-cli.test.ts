import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';
import { bin, type CliResult, dataDirAt, runCli } from '../support/cli.js';

/**
 * `pull`, `crm`, `review` and `activity` as a user runs them: the pull's output and its activity
 * log agree list by list, the exit code follows the run, an unknown list is refused by name.
 */

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-pull-e2e-'));
const facts = demoWorkspaceFacts();
const env = {
  DATABASE_URL: '',
  AFFINITY_API_KEY: '',
  AFFINITY_BASE_URL: '',
  AFFINITY_SYNC_SECRET: 'pull e2e test master secret',
};
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(data: string, ...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDirAt(join(dir, data)), '--json'], { env });
}

interface ListJson {
  id: number;
  name: string;
  status: string;
  entries: number;
  records: number;
  newRecords: number;
  updatedRecords: number;
  added: number;
  removed: number;
  calls: number;
  match: { matched: number; ambiguous: number; unmatched: number; ignored: number };
  fieldValues: { read: number; resumed: number };
}
interface PullJson {
  ok: boolean;
  status: string;
  runId: number;
  workspace: { connection: string; tenantName: string; baseUrl: string };
  lists: ListJson[];
  match: { records: number; counts: Record<string, number> };
  api: { requests: number };
  stopped?: { code: string; reason: string };
}

describe('affinity-sync pull from the command line', () => {
  it('reports the lists it pulled, as the activity log records them', async () => {
    expect((await cli('one', 'connect', '--api-key', emu.apiKey, '--base-url', emu.url)).code).toBe(0);
    expect((await cli('one', 'pull', '--list', facts.lists.founders)).code).toBe(0);
    const pulled = await cli('one', 'pull', '--list', facts.lists.portfolio);
    expect(pulled.code, pulled.stderr).toBe(0);
    const report = pulled.json as PullJson;
    expect(report).toMatchObject({
      ok: true,
      status: 'succeeded',
      workspace: { baseUrl: emu.url, tenantName: expect.any(String) },
    });
    expect(report.lists).toHaveLength(1);
    const l = report.lists[0] as ListJson;
    // What is really on the list, and nothing of the Founders.
    expect(l.entries).toBe(facts.counts.listEntries.portfolio);
    expect(report.match.records).toBe(l.records);
    expect(l.match.matched + l.match.ambiguous + l.match.unmatched + l.match.ignored).toBe(l.records);

    const activity = await cli('one', 'activity', String(report.runId));
    expect(activity.code).toBe(0);
    const detail = activity.json as {
      run: { status: string; apiCalls: number };
      steps: Array<{
        name: string;
        counts: Record<string, number>;
        records: Array<{ details: { name?: string } }>;
      }>;
    };
    expect(detail.run).toMatchObject({ status: 'succeeded', apiCalls: report.api.requests });
    const step = detail.steps.find((s) => s.name.startsWith(`fetch list ${facts.lists.portfolio}`));
    expect(step?.counts).toEqual({
      entries: l.entries,
      records: l.records,
      new: l.newRecords,
      updated: l.updatedRecords,
      added: l.added,
      removed: l.removed,
      matched: l.match.matched,
      ambiguous: l.match.ambiguous,
      unmatched: l.match.unmatched,
      ignored: l.match.ignored,
      calls: l.calls,
    });
    // Record lines name their record.
    const text = await runCli(['activity', String(report.runId), '--data-dir', dataDirAt(join(dir, 'one'))], {
      env,
    });
    const first = step?.records[0]?.details.name;
    expect(first).toBeTruthy();
    expect(text.stdout).toContain(first as string);
    expect(text.stdout).not.toMatch(/\b1 calls\b|\b1 reads\b|\ba organization/);

    // A list never pulled is refused by name, with the lists that were.
    const crm = await cli('one', 'crm', '--list', 'No Such');
    expect(crm.code).toBe(1);
    expect(crm.json).toMatchObject({ ok: false });
    expect(crm.stderr).toContain('no pulled list named "No Such"; pulled lists: Founders, Portfolio');
    const review = await cli('one', 'review', 'No Such');
    expect(review.code).toBe(1);
    expect(review.stderr).toContain('no pulled list named "No Such"');
    const known = await cli('one', 'crm', '--list', facts.lists.portfolio, '--limit', '1000');
    expect((known.json as { records: unknown[] }).records).toHaveLength(l.records);
  }, 240_000);

  it('exits 3 naming the URL when Affinity answers 503 to everything, or is not there at all', async () => {
    expect((await cli('two', 'connect', '--api-key', emu.apiKey, '--base-url', emu.url)).code).toBe(0);
    emu.setConfig({ faultRate: 1, faultStatus: 503 });
    let faulty: CliResult;
    try {
      faulty = await cli('two', 'pull', '--list', facts.lists.portfolio);
    } finally {
      emu.setConfig({ faultRate: 0 });
    }
    expect(faulty.code, faulty.stderr).toBe(3);
    expect(faulty.json).toMatchObject({ ok: false, status: 'stopped', stopped: { code: 'unreachable' } });
    expect(faulty.stderr).toContain(emu.url);

    // An emulator that is gone: its port is closed.
    const gone = await startEmulator({ port: 0, seed: 'demo' });
    expect((await cli('three', 'connect', '--api-key', gone.apiKey, '--base-url', gone.url)).code).toBe(0);
    await gone.close();
    const dead = await cli('three', 'pull', '--list', facts.lists.portfolio);
    expect(dead.code, dead.stderr).toBe(3);
    expect(dead.json).toMatchObject({ ok: false, status: 'stopped' });
    expect(dead.stderr).toContain(gone.url);
    expect(dead.stderr.trim().split('\n').at(-1)).toMatch(
      /^affinity-sync: pull stopped: Affinity unreachable at/,
    );
  }, 240_000);

  it('saves an interrupted pull on SIGINT, exits 130, and the same command resumes it', async () => {
    expect((await cli('four', 'connect', '--api-key', emu.apiKey, '--base-url', emu.url)).code).toBe(0);
    // Field values come slowly, so the pull is still reading them when the signal comes.
    emu.setConfig({ routes: { 'GET /field-values': { latencyMs: 400 } } });
    try {
      const child = spawn(
        process.execPath,
        [
          bin,
          'pull',
          '--list',
          facts.lists.portfolio,
          '--with-fields',
          '--data-dir',
          dataDirAt(join(dir, 'four')),
        ],
        { env: { ...process.env, ...env } },
      );
      let stderr = '';
      let signalled = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!signalled && stderr.includes('(complete)')) {
          signalled = true;
          child.kill('SIGINT');
        }
      });
      child.stdout.resume();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/interrupted: run \d+ saved; run the same command again to resume/);
    } finally {
      emu.setConfig({ routes: {} });
    }
    const again = await cli('four', 'pull', '--list', facts.lists.portfolio, '--with-fields');
    expect(again.code, again.stderr).toBe(0);
    const l = (again.json as PullJson).lists[0] as ListJson;
    expect(l.fieldValues.read + l.fieldValues.resumed).toBe(l.records);
    const runs = await cli('four', 'activity');
    const statuses = (runs.json as { runs: Array<{ status: string }> }).runs.map((r) => r.status);
    expect(statuses).toEqual(['succeeded', 'interrupted']);
  }, 240_000);
});

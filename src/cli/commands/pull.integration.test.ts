import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, dataDirAt, runCli } from '../../../test/support/cli.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-pull-cli-'));
const facts = demoWorkspaceFacts();
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDirAt(join(dir, 'data')), '--base-url', emu.url, '--json'], {
    env: {
      DATABASE_URL: '',
      AFFINITY_API_KEY: '',
      AFFINITY_SYNC_SECRET: 'pull cli test master secret',
    },
  });
}

describe('affinity-sync pull, pull-sources, review and crm', () => {
  it('refuses to pull before connecting, then pulls sources, reviews and shows My CRM', async () => {
    const early = await cli('pull', '--list', facts.lists.portfolio);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/not connected/);

    expect((await cli('connect', '--api-key', emu.apiKey)).code).toBe(0);
    const added = await cli('pull-sources', 'add', facts.lists.dealFlow, facts.lists.portfolio);
    expect(added.json).toMatchObject({
      ok: true,
      sources: [{ name: facts.lists.dealFlow }, { name: facts.lists.portfolio }],
    });
    const pulled = await cli('pull');
    expect(pulled.code, pulled.stderr).toBe(0);
    const report = pulled.json as {
      lists: Array<{ name: string; entries: number }>;
      match: { counts: Record<string, number> };
    };
    expect(report.lists.map((l) => [l.name, l.entries])).toEqual([
      [facts.lists.dealFlow, facts.counts.listEntries.dealFlow],
      [facts.lists.portfolio, facts.counts.listEntries.portfolio],
    ]);
    // The dataset is empty here: everything waits for review.
    expect(report.match.counts.matched ?? 0).toBe(0);

    const queue = await cli('review', facts.lists.portfolio, '--limit', '5');
    const items = (queue.json as { items: Array<{ crmId: number; lists: string[] }> }).items;
    expect(items).toHaveLength(5);
    for (const i of items) expect(i.lists).toContain(facts.lists.portfolio);
    const first = items[0]?.crmId ?? 0;
    const created = await cli('review', 'create', String(first));
    expect(created.json).toMatchObject({ ok: true, decision: 'created', kind: 'company' });
    const view = await cli('crm', '--list', facts.lists.portfolio, '--sort', 'name', '--limit', '500');
    const records = (
      view.json as { records: Array<{ crmId: number; matchStatus: string; reviewDecision: string | null }> }
    ).records;
    expect(records).toHaveLength(facts.counts.listEntries.portfolio);
    expect(records.find((r) => r.crmId === first)).toMatchObject({
      matchStatus: 'matched',
      reviewDecision: 'created',
    });
    const badSort = await cli('crm', '--sort', 'size');
    expect(badSort.code).toBe(1);
    expect(badSort.json).toMatchObject({ ok: false });
    // Each command is a process that opens the store: slow on a busy machine, not a timing assertion.
  }, 240_000);
});

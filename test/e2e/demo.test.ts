import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';

const bin = fileURLToPath(new URL('../../bin/affinity-sync.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface DemoOutput {
  ok: boolean;
  lists: Array<{ name: string; entries: number; records: number }>;
  match: { matched?: number; unmatched?: number; ambiguous?: number };
  review: number;
  top: Array<{ name: string; growthRank: number | null }>;
  steps: Array<{ step: string; detail: string }>;
}

function demo(): DemoOutput {
  const r = spawnSync(process.execPath, [bin, 'demo', '--json', '--data-dir', dataDir], {
    encoding: 'utf8',
    // A real key in the environment must not redirect the demo to a production workspace.
    env: { ...process.env, AFFINITY_API_KEY: 'must-not-be-used', AFFINITY_BASE_URL: 'http://127.0.0.1:9' },
    timeout: 240_000,
  });
  expect(r.stderr).not.toContain('must-not-be-used');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DemoOutput;
}

const detail = (out: DemoOutput, step: string) => out.steps.find((s) => s.step === step)?.detail ?? '';

describe('affinity-sync demo (what npm start runs)', () => {
  // Two whole demo runs in child processes: on a shared two-core machine each can take a minute.
  it('loads the dataset, pushes the fastest growers, pulls every list, and a second run writes nothing', {
    timeout: 300_000,
  }, () => {
    const facts = demoWorkspaceFacts();
    const first = demo();
    expect(first.ok).toBe(true);
    expect(detail(first, 'dataset')).toMatch(/^loaded the demo intelligence dataset \(5000 companies\)/);
    const pushed = /(\d+) created, (\d+) updated, 0 unchanged, (\d+) added to list, 0 failed/.exec(
      detail(first, 'push'),
    );
    expect(pushed).not.toBeNull();
    expect(Number(pushed![1]) + Number(pushed![2])).toBe(20);
    expect(detail(first, 're-push')).toMatch(
      /^0 created, 0 updated, 20 unchanged, 0 added to list, 0 failed — 0 API calls$/,
    );

    // Every list is in My CRM; Deal Flow also holds what the push added to it.
    const entries = Object.fromEntries(first.lists.map((l) => [l.name, l.entries]));
    const addedToList = Number(pushed![3]);
    for (const [key, name] of Object.entries(facts.lists) as Array<[keyof typeof facts.lists, string]>) {
      const expected = facts.counts.listEntries[key] + (key === 'dealFlow' ? addedToList : 0);
      expect(entries[name], name).toBe(expected);
    }
    // Most CRM records match the dataset; the CRM-only ones land in review.
    expect(first.review).toBeGreaterThan(0);
    expect(first.match.matched).toBeGreaterThan(10 * first.review);
    expect(first.review).toBe((first.match.unmatched ?? 0) + (first.match.ambiguous ?? 0));
    expect(first.top).toHaveLength(5);
    const ranks = first.top.map((t) => t.growthRank ?? -1);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(existsSync(join(dataDir, 'emulator-workspace.json'))).toBe(true);

    // The emulator's workspace persists beside the store, so a second run builds on the first.
    const second = demo();
    expect(detail(second, 'dataset')).toMatch(/^already had/);
    expect(detail(second, 'push')).toMatch(
      /0 created, 0 updated, 20 unchanged, 0 added to list, 0 failed — 0 API calls$/,
    );
    expect(second.lists.map((l) => l.entries)).toEqual(first.lists.map((l) => l.entries));
    expect(second.match).toEqual(first.match);
  });
});

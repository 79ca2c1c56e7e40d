import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';
import { bin, dataDirAt, runCli } from '../support/cli.js';

const dataDir = dataDirAt(mkdtempSync(join(tmpdir(), 'demo-e2e-')));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface DemoOutput {
  ok: boolean;
  lists: Array<{ name: string; entries: number; records: number }>;
  match: { matched?: number; unmatched?: number; ambiguous?: number };
  review: number;
  top: Array<{ name: string; growthRank: number | null }>;
  steps: Array<{ step: string; detail: string }>;
  next: Array<{ command: string; what: string }>;
  push: { created: number; updated: number; unchanged: number; failed: number; calls: number };
  rePush: { calls: number };
  pull: {
    lists: Array<{
      name: string;
      entries: number;
      new: number;
      matched: number;
      unmatched: number;
      calls: number;
    }>;
  };
  matching: { matched: number; ambiguous: number; unmatched: number };
  enrich: { updated: number; unchanged: number; failed: number; calls: number };
}

const env = {
  ...process.env,
  AFFINITY_API_KEY: 'must-not-be-used',
  AFFINITY_BASE_URL: 'http://127.0.0.1:9',
  // The demo's own emulator runs at the client's rate: faster than Affinity's, for a test.
  AFFINITY_RATE_PER_MINUTE: '20000',
};

function demo(): DemoOutput {
  const r = spawnSync(process.execPath, [bin, 'demo', '--json', '--data-dir', dataDir], {
    encoding: 'utf8',
    // A real key in the environment must not redirect the demo to a production workspace.
    env,
    timeout: 240_000,
  });
  expect(r.stderr).not.toContain('must-not-be-used');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DemoOutput;
}

/** The demo as a person runs it: its steps on stderr (`  ✓ step: detail`), what next on stdout. */
function demoText(): { steps: Map<string, string>; stdout: string } {
  const r = spawnSync(process.execPath, [bin, 'demo', '--data-dir', dataDir], {
    encoding: 'utf8',
    env,
    timeout: 240_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const steps = new Map<string, string>();
  for (const m of r.stderr.matchAll(/^ {2}✓ ([^:]+): (.*)$/gm)) steps.set(m[1] as string, m[2] as string);
  return { steps, stdout: r.stdout };
}

const detail = (out: DemoOutput, step: string) => out.steps.find((s) => s.step === step)?.detail ?? '';

/** Runs `affinity-sync emulator ARGS` until it says where it listens; `stop()` ends it (SIGINT saves its state). */
async function emulatorProcess(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [bin, 'emulator', ...args], { env });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`emulator exited ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('close', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

describe('affinity-sync demo (what npm start runs)', () => {
  // Two whole demo runs in child processes: on a shared two-core machine each can take a minute.
  it('loads the dataset, pushes the fastest growers, pulls every list, enriches Deal Flow, says what next, and a second run writes nothing', {
    timeout: 300_000,
  }, async () => {
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

    // The summary: the same figures as the steps, as numbers.
    expect(first.push).toMatchObject({
      created: Number(pushed![1]),
      updated: Number(pushed![2]),
      unchanged: 0,
      failed: 0,
    });
    expect(first.push.calls).toBeGreaterThan(0);
    expect(first.rePush).toEqual({ calls: 0 });
    expect(first.pull.lists.map((l) => [l.name, l.entries])).toEqual(
      first.lists.map((l) => [l.name, l.entries]),
    );
    for (const l of first.pull.lists) {
      expect(l.calls, l.name).toBeGreaterThan(0);
      expect(l.matched + l.unmatched, l.name).toBeLessThanOrEqual(l.entries);
    }
    expect(first.matching).toEqual({
      matched: first.match.matched ?? 0,
      ambiguous: first.match.ambiguous ?? 0,
      unmatched: first.match.unmatched ?? 0,
    });

    // The enrichment loop: the pulled Deal Flow's records matched to the dataset, pushed
    // update-only through the pull's links: a read of each record's values Affinity held (but
    // the 20 the push wrote), one write per changed value, no search.
    const dealFlow = first.pull.lists.find((l) => l.name === facts.lists.dealFlow);
    const enrich =
      /^([\d,]+) records of "Deal Flow" matched to the dataset, pushed update-only: ([\d,]+) updated, ([\d,]+) unchanged, 0 failed — ([\d,]+) API calls \(([\d,]+) reads of values Affinity held, ([\d,]+) writes for the changed values, no search; run ([\d,]+)\)$/.exec(
        detail(first, 'enrich'),
      );
    expect(enrich, detail(first, 'enrich')).not.toBeNull();
    const [records, updated, unchanged, calls, reads, writes] = enrich!
      .slice(1, 7)
      .map((x) => Number(x.replace(/,/g, ''))) as number[];
    expect(first.enrich).toEqual({ updated, unchanged, failed: 0, calls });
    expect(updated).toBeGreaterThan(0);
    expect(updated! + unchanged!).toBe(records);
    expect(records).toBeLessThanOrEqual(dealFlow?.matched ?? 0);
    // The records the demo's push wrote are known; the others' values are read once.
    expect(reads).toBeLessThanOrEqual(records!);
    expect(reads).toBeGreaterThanOrEqual(records! - 20);
    expect(writes).toBeGreaterThanOrEqual(updated!);
    // Beyond reads and writes, at most the destination's re-check against the workspace's
    // fields, when the connection's short-lived cache of them has gone stale.
    expect(calls! - reads! - writes!).toBeGreaterThanOrEqual(0);
    expect(calls! - reads! - writes!).toBeLessThanOrEqual(4);
    const enrichRun = enrich![7] as string;

    // What next: the commands, against this data directory and the demo's connection.
    expect(first.next.map((n) => n.command.split(' ').slice(0, 2).join(' '))).toEqual([
      'affinity-sync crm',
      'affinity-sync review',
      'affinity-sync activity',
      'affinity-sync emulator',
      'affinity-sync push',
      'affinity-sync destination',
    ]);
    expect(first.next[2]?.command).toBe(
      `affinity-sync activity ${enrichRun} --data-dir ${dataDir} --connection demo`,
    );

    // The emulator's workspace persists beside the store, so a second run builds on the first:
    // nothing is left to push or to enrich.
    const second = demoText();
    expect(second.steps.get('dataset')).toMatch(/^already had/);
    expect(second.steps.get('push')).toMatch(
      /0 created, 0 updated, 20 unchanged, 0 added to list, 0 failed — 0 API calls$/,
    );
    const listsOf = (pull: string | undefined) => pull?.replace(/ — \d+ API calls?$/, '');
    expect(listsOf(second.steps.get('pull'))).toBe(listsOf(detail(first, 'pull')));
    expect(second.steps.get('matching')).toBe(detail(first, 'matching'));
    expect(second.steps.get('enrich')).toMatch(
      new RegExp(
        `^${records} records of "Deal Flow" matched to the dataset, pushed update-only: 0 updated, ${records} unchanged, 0 failed — \\d+ API calls? \\(0 reads of values Affinity held, 0 writes`,
      ),
    );

    // The text ends with what to do next; the printed commands work on what the demo left.
    const tail = second.stdout.trimEnd().split('\n');
    const nextAt = tail.findIndex((l) => l.startsWith('What next'));
    expect(nextAt).toBeGreaterThan(0);
    const commands = tail.slice(nextAt + 1).map((l) => l.trim().split(/ {2,}/)[0] as string);
    expect(commands).toHaveLength(6);
    const crm = await runCli(
      ['crm', '--list', facts.lists.dealFlow, '--data-dir', dataDir, '--connection', 'demo', '--json'],
      { env: { AFFINITY_API_KEY: '', AFFINITY_BASE_URL: '' } },
    );
    expect(crm.code, crm.stderr).toBe(0);
    expect((crm.json as { records: unknown[] }).records.length).toBeGreaterThan(0);
    const port = /--port (\d+)$/.exec(commands[3] as string)?.[1];
    expect(commands[3]).toBe(
      `affinity-sync emulator --state ${join(dataDir, 'emulator-workspace.json')} --port ${port}`,
    );
    const emu = await emulatorProcess([
      '--state',
      join(dataDir, 'emulator-workspace.json'),
      '--port',
      port as string,
    ]);
    try {
      expect(commands[4]).toBe(
        `affinity-sync push --crm --list 'Deal Flow' --dry-run --data-dir ${dataDir} --connection demo`,
      );
      const plan = await runCli(
        [
          'push',
          '--crm',
          '--list',
          'Deal Flow',
          '--dry-run',
          '--data-dir',
          dataDir,
          '--connection',
          'demo',
          '--json',
        ],
        { env: { AFFINITY_API_KEY: '', AFFINITY_BASE_URL: '' } },
      );
      expect(plan.code, plan.stderr).toBe(0);
      const doc = plan.json as {
        workspace: { baseUrl: string };
        pushes: Array<{ report: { plan: { writes: number; reads: number } } }>;
      };
      expect(doc.workspace.baseUrl).toBe(emu.url);
      expect(doc.pushes[0]?.report.plan).toMatchObject({ reads: 0, writes: 0 });
    } finally {
      await emu.stop();
    }
  });
});

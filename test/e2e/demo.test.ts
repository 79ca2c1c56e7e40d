import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';

const bin = fileURLToPath(new URL('../../bin/affinity-sync.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('affinity-sync demo (what npm start runs)', () => {
  it('runs offline against the built-in emulator and reports every demo list with its entries', () => {
    const r = spawnSync(process.execPath, [bin, 'demo', '--json', '--data-dir', dataDir], {
      encoding: 'utf8',
      // A real key in the environment must not redirect the demo to a production workspace.
      env: { ...process.env, AFFINITY_API_KEY: 'must-not-be-used', AFFINITY_BASE_URL: 'http://127.0.0.1:9' },
      timeout: 120_000,
    });
    expect(r.stderr).not.toContain('must-not-be-used');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      lists: Array<{ name: string; entries: number }>;
      apiCalls: number;
      steps: Array<{ step: string; detail: string }>;
    };
    const facts = demoWorkspaceFacts();
    expect(out.ok).toBe(true);
    const dataset = out.steps.find((s) => s.step === 'dataset')?.detail;
    expect(dataset).toMatch(/^loaded the demo intelligence dataset \(5000 companies\)/);
    const byName = Object.fromEntries(out.lists.map((l) => [l.name, l.entries]));
    for (const [key, name] of Object.entries(facts.lists) as Array<[keyof typeof facts.lists, string]>) {
      expect(byName[name], name).toBe(facts.counts.listEntries[key]);
    }
    // whoami + lists + one page of 500 per list: the demo reads the workspace at the minimum cost.
    const pages = Object.values(facts.counts.listEntries).reduce(
      (n, c) => n + Math.max(1, Math.ceil(c / 500)),
      0,
    );
    expect(out.apiCalls).toBe(2 + pages);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../support/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'connect-e2e-'));
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

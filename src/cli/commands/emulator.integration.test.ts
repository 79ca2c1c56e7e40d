import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../../bin/affinity-sync.mjs', import.meta.url).pathname;

/** Spawns the CLI and resolves with its first stdout line (the JSON banner). */
function launch(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once('line', (line) => resolve({ child, line }));
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing: ${stderr}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('affinity-sync emulator', () => {
  it('prints {url, apiKey}, serves the API, saves state and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
    const state = join(dir, 'state.json');
    try {
      const { child, line } = await launch([
        'emulator',
        '--port',
        '0',
        '--json',
        '--state',
        state,
        '--api-key',
        'cli-key',
        '--rate-per-minute',
        '50',
      ]);
      const { url, apiKey } = JSON.parse(line) as { url: string; apiKey: string };
      expect(apiKey).toBe('cli-key');
      const auth = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
      const created = await fetch(`${url}/organizations`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'From CLI', domain: 'cli.example' }),
      });
      expect(created.status).toBe(200);
      expect(created.headers.get('x-ratelimit-limit-user')).toBe('50');
      const done = exited(child);
      child.kill('SIGTERM');
      expect(await done).toBe(0);
      const saved = JSON.parse(readFileSync(state, 'utf8')) as {
        tables: { organizations: Array<{ name: string }> };
      };
      expect(saved.tables.organizations.map((o) => o.name)).toContain('From CLI');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restarted on its state file with a new --api-key, accepts the new key only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
    const state = join(dir, 'state.json');
    const whoami = (url: string, key: string) =>
      fetch(`${url}/auth/whoami`, { headers: { Authorization: `Bearer ${key}` } }).then((r) => r.status);
    try {
      const first = await launch([
        'emulator',
        '--port',
        '0',
        '--json',
        '--state',
        state,
        '--api-key',
        'old-key',
      ]);
      const before = JSON.parse(first.line) as { url: string };
      expect(await whoami(before.url, 'old-key')).toBe(200);
      const firstExit = exited(first.child);
      first.child.kill('SIGTERM');
      expect(await firstExit).toBe(0);

      const second = await launch([
        'emulator',
        '--port',
        '0',
        '--json',
        '--state',
        state,
        '--api-key',
        'new-key',
      ]);
      const after = JSON.parse(second.line) as { url: string; apiKey: string };
      expect(after.apiKey).toBe('new-key');
      expect(await whoami(after.url, 'new-key')).toBe(200);
      expect(await whoami(after.url, 'old-key')).toBe(401);
      const secondExit = exited(second.child);
      second.child.kill('SIGTERM');
      expect(await secondExit).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --seed file that is not a valid workspace, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
    const file = join(dir, 'ws.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'affinity-emulator-workspace', version: 1, tables: { organizations: 'x' } }),
    );
    try {
      const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--seed', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      expect(await exited(child)).toBe(1);
      expect(stderr).toContain('tables.organizations');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a one-line reason on a bad flag', async () => {
    const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--fault-rate', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await exited(child)).toBe(1);
    expect(stderr).toContain('--fault-rate');
  });
});

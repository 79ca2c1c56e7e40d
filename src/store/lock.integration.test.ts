import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDirLock, DataDirLockedError, LOCK_FILE } from './lock.js';
import { openStore, type Store } from './open.js';

const storeModule = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Runs `openStore` on `dataDir` in a separate Node process and reports how it went. */
function openInChild(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const { openStore } = await import(${JSON.stringify(storeModule)});
    try { const s = await openStore({ dataDir: ${JSON.stringify(dataDir)} }); await s.close(); console.log('opened'); }
    catch (e) { console.log(e.name + ': ' + e.message); process.exitCode = 3; }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The pid of a process that has certainly exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('close', () => resolve(child.pid ?? -1));
  });
}

describe('PGlite data directory lock', () => {
  const dirs: string[] = [];
  let store: Store | undefined;
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'affinity-sync-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    await store?.close();
    store = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a second process with an error naming the holder, and leaves the database intact', async () => {
    const dataDir = tempDir();
    store = await openStore({ dataDir });
    const child = await openInChild(dataDir);
    expect(child.code, child.stderr).toBe(3);
    expect(child.stdout).toContain('DataDirLockedError');
    expect(child.stdout).toContain(`pid ${process.pid} on ${hostname()} since `);
    // the holder still works after the refused attempt
    expect(await store.query(sql`SELECT count(*) AS n FROM intel_companies`)).toEqual([{ n: 0 }]);
    await store.close();
    store = undefined;
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const after = await openInChild(dataDir);
    expect(after.stdout.trim()).toBe('opened');
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dataDir = tempDir();
    const pid = await deadPid();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }),
    );
    const lock = acquireDirLock(dataDir);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('treats a holder on another host as alive and names it', () => {
    const dataDir = tempDir();
    const holder = { pid: 1234, host: 'elsewhere.example', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(holder));
    expect(() => acquireDirLock(dataDir)).toThrow(DataDirLockedError);
    expect(() => acquireDirLock(dataDir)).toThrow(
      'pid 1234 on elsewhere.example since 2026-01-01T00:00:00.000Z',
    );
  });

  it('refuses a fresh lock file that is still being written', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, LOCK_FILE), '');
    expect(() => acquireDirLock(dataDir)).toThrow(/being locked by another process/);
  });
});

import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDirLock, DataDirLockedError, LOCK_FILE } from './lock.js';
import { openStore, type Store } from './open.js';

const storeModule = fileURLToPath(new URL('./index.ts', import.meta.url));
const lockModule = fileURLToPath(new URL('./lock.ts', import.meta.url));

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
    expect(child.stdout).toContain(`delete ${join(dataDir, LOCK_FILE)} by hand`);
    // the holder still works after the refused attempt
    expect(await store.query(sql`SELECT count(*) AS n FROM intel_companies`)).toEqual([{ n: 0 }]);
    await store.close();
    store = undefined;
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const after = await openInChild(dataDir);
    expect(after.stdout.trim()).toBe('opened');
  });

  it('takes over the lock of a process that was killed', async () => {
    const dataDir = tempDir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { acquireDirLock } = await import(${JSON.stringify(lockModule)});
         acquireDirLock(${JSON.stringify(dataDir)}); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('locked')) resolve();
      });
      child.on('error', reject);
      child.on('close', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    expect(() => acquireDirLock(dataDir)).toThrow(`pid ${child.pid} on ${hostname()} since `);
    child.kill('SIGKILL');
    await exited;
    // The dead holder's file is still there, naming it; the kernel freed its lock.
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: child.pid });
    const lock = acquireDirLock(dataDir);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it.each([
    ['a process that no longer runs', async () => ({ pid: await deadPid(), host: hostname() })],
    // A container restarted: the new process may get the very pid the old one had.
    ['this very pid (a restarted container)', async () => ({ pid: process.pid, host: hostname() })],
    // A restart under another host name: the old name can never be checked, but nothing holds the lock.
    ['another host name', async () => ({ pid: 1234, host: 'elsewhere.example' })],
    ['nobody (an empty file)', async () => null],
  ])('takes over a lock file left by %s', async (_what, stale) => {
    const dataDir = tempDir();
    const holder = await stale();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      holder ? JSON.stringify({ ...holder, since: '2020-01-01T00:00:00.000Z' }) : '',
    );
    const lock = acquireDirLock(dataDir);
    const now = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
    expect(now).toMatchObject({ pid: process.pid, host: hostname() });
    expect(now.since).not.toBe('2020-01-01T00:00:00.000Z');
    lock.release();
  });

  it('refuses a second lock in the same process too', () => {
    const dataDir = tempDir();
    const lock = acquireDirLock(dataDir);
    try {
      expect(() => acquireDirLock(dataDir)).toThrow(DataDirLockedError);
    } finally {
      lock.release();
    }
    acquireDirLock(dataDir).release();
  });

  it('keeps the data directory to its owner: 0700, lock file 0600, PGlite directory 0700', async () => {
    const parent = tempDir();
    const dataDir = join(parent, 'fresh');
    store = await openStore({ dataDir });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'pglite')).mode & 0o777).toBe(0o700);
    await store.close();
    store = undefined;

    // A data directory left open to everyone (made by hand, or by an older version) is narrowed.
    const loose = join(parent, 'loose');
    mkdirSync(loose);
    writeFileSync(join(loose, 'secret.key'), 'k', { mode: 0o600 });
    chmodSync(loose, 0o755);
    acquireDirLock(loose).release();
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    // A directory of other things someone pointed us at is left as it is.
    const shared = join(parent, 'shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'notes.txt'), 'mine');
    chmodSync(shared, 0o755);
    acquireDirLock(shared).release();
    expect(statSync(shared).mode & 0o777).toBe(0o755);
  });
});

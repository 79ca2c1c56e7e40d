import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds a data directory: written into the lock file so a refused opener can name the holder. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** A second process tried to open a data directory that a live process holds. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      holder
        ? `data directory ${dataDir} is in use by pid ${holder.pid} on ${holder.host} since ${holder.since}; stop that process or use another --data-dir`
        : `data directory ${dataDir} is being locked by another process; retry, or remove ${join(dataDir, LOCK_FILE)} if no process uses it`,
    );
    this.name = 'DataDirLockedError';
  }
}

export const LOCK_FILE = 'affinity-sync.lock';
/** A lock file that stays empty this long was left by a process that died between create and write. */
const EMPTY_LOCK_GRACE_MS = 10_000;

export interface DirLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/**
 * Takes the exclusive lock of a data directory. PGlite has no lock of its own and two processes on
 * one directory corrupt it, so the store takes this before opening PGlite. The lock file is created
 * with O_EXCL (atomic on local filesystems); a lock left by a dead process on this host is detected
 * by pid liveness and replaced. Throws {@link DataDirLockedError} naming the live holder.
 */
export function acquireDirLock(dataDir: string): DirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, holder)) return makeLock(path, holder);
    const current = readHolder(path);
    if (current === 'missing') continue;
    if (current === 'unreadable') {
      if (ageMs(path) < EMPTY_LOCK_GRACE_MS) throw new DataDirLockedError(dataDir, null);
    } else if (isAlive(current)) {
      throw new DataDirLockedError(dataDir, current);
    }
    breakStaleLock(path, current);
  }
  throw new DataDirLockedError(dataDir, null);
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.since === 'string') {
      return { pid: v.pid, host: v.host, since: v.since };
    }
  } catch {
    // an empty or half-written file: decided by its age
  }
  return 'unreadable';
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** A holder on another host cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock. Two processes may find the same stale lock; the one that gets the
 * `.break` guard re-reads the lock and deletes it only if it is still the stale one, so a fresh lock
 * taken in between is never deleted.
 */
function breakStaleLock(path: string, stale: LockHolder | 'unreadable'): void {
  const guard = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process is breaking it; a guard this old was left by a crash.
    if (ageMs(guard) > EMPTY_LOCK_GRACE_MS) safeUnlink(guard);
    return;
  }
  try {
    const again = readHolder(path);
    const same =
      again === stale ||
      (typeof again === 'object' &&
        typeof stale === 'object' &&
        again.pid === stale.pid &&
        again.host === stale.host &&
        again.since === stale.since);
    if (same) safeUnlink(path);
  } finally {
    closeSync(fd);
    safeUnlink(guard);
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function makeLock(path: string, holder: LockHolder): DirLock {
  let released = false;
  const onExit = () => release();
  function release(): void {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    const current = readHolder(path);
    if (typeof current === 'object' && current.pid === holder.pid && current.since === holder.since) {
      safeUnlink(path);
    }
  }
  // A process that exits without closing the store still leaves no lock behind.
  process.on('exit', onExit);
  return { path, holder, release };
}

import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * An OS-level file lock (an open-file-description `fcntl` lock on Linux, `flock` on macOS,
 * `LockFileEx` on Windows): the kernel drops it when the holding process exits, however it exits.
 */
const require = createRequire(import.meta.url);
const native = require('fs-native-extensions') as {
  tryLock(fd: number): boolean;
};

export const LOCK_FILE = 'affinity-sync.lock';

/** Who holds a data directory: written into the lock file so a refused opener can name the holder. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/**
 * A second process tried to open a data directory that a live process holds — one that does not
 * serve it to other processes (`serve` does: see `serveStore`), or whose socket did not answer.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
    options: { cause?: unknown; served?: string } = {},
  ) {
    const file = join(dataDir, LOCK_FILE);
    super(
      (holder
        ? `data directory ${dataDir} is in use by pid ${holder.pid} on ${holder.host} since ${holder.since}; stop that process or use another --data-dir (if no such process runs, delete ${file} by hand)`
        : `data directory ${dataDir} is being locked by another process; retry, or delete ${file} by hand if no process uses it`) +
        (options.served ? `; ${options.served}` : ''),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DirLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/** What only a data directory of ours holds; a directory holding nothing else is ours to narrow. */
const OURS = new Set([LOCK_FILE, 'pglite', 'secret.key', 'serve.json', '.s.PGSQL.5432']);

/**
 * Creates the data directory readable by its owner only (0700): it holds the key file and the
 * database. An existing one is narrowed to 0700 too when it is ours — owned by this user and
 * holding nothing but our files — never a directory of other things someone pointed us at.
 */
export function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const st = statSync(dataDir);
    if ((st.mode & 0o077) === 0 || st.uid !== process.getuid?.()) return;
    if (
      readdirSync(dataDir).every(
        (name) => OURS.has(name) || name.startsWith(`${LOCK_FILE}.`) || name.startsWith('serve.json.'),
      )
    ) {
      chmodSync(dataDir, 0o700);
    }
  } catch {
    // not ours to change (a read-only mount, a platform without modes): the lock still protects it
  }
}

/**
 * Takes the exclusive lock of a data directory. PGlite has no lock of its own and two processes on
 * one directory corrupt it, so the store takes this before opening PGlite. The lock is the
 * kernel's lock on `affinity-sync.lock`, held while the process lives: a lock file left by a process
 * that is gone — killed, or on a host that restarted, under the same pid or host name or not — is
 * simply locked again. The file names the holder, so a refusal ({@link DataDirLockedError}) can.
 */
export function acquireDirLock(dataDir: string): DirLock {
  prepareDataDir(dataDir);
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    let locked: boolean;
    try {
      locked = native.tryLock(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    if (!locked) {
      const holder = readHolder(fd);
      closeSync(fd);
      throw new DataDirLockedError(dataDir, holder);
    }
    // A holder that released between our open and our lock deleted the file we locked; a lock on a
    // file no longer at `path` protects nothing, so start again.
    if (!isAt(fd, path)) {
      closeSync(fd);
      continue;
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return makeLock(path, fd, holder);
  }
  throw new DataDirLockedError(dataDir, null);
}

function isAt(fd: number, path: string): boolean {
  try {
    const open = fstatSync(fd);
    const named = statSync(path);
    return open.ino === named.ino && open.dev === named.dev;
  } catch {
    return false;
  }
}

/** The holder the lock file names; null while it is being written (or was never written). */
function readHolder(fd: number): LockHolder | null {
  const buf = Buffer.alloc(1024);
  let text: string;
  try {
    text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.since === 'string') {
      return { pid: v.pid, host: v.host, since: v.since };
    }
  } catch {
    // empty or half-written
  }
  return null;
}

function makeLock(path: string, fd: number, holder: LockHolder): DirLock {
  let released = false;
  const onExit = () => release();
  function release(): void {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    // Deleted while still locked, so no one can take the lock of a file that is no longer there.
    try {
      if (isAt(fd, path)) unlinkSync(path);
    } finally {
      closeSync(fd);
    }
  }
  // A process that exits without closing the store leaves a tidy directory (the kernel frees the
  // lock either way).
  process.on('exit', onExit);
  return { path, holder, release };
}

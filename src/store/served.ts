import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/**
 * Serving an embedded store to the other processes of its data directory.
 *
 * PGlite is one PostgreSQL session in one process, and the data directory lock keeps it so. While
 * `serve` holds it, other processes (the CLI) reach the same database through a Unix socket the
 * server opens in the data directory, with the ordinary `pg` driver; `openStore` does that by itself
 * when it finds the directory served (`serve.json`).
 *
 * Every client shares the one session, so the server runs one client's work at a time, and a
 * transaction — the server's own included — from its BEGIN to its COMMIT or ROLLBACK with nothing
 * of anyone else's in between ({@link PgliteSessionQueue}). Session state (SET, session advisory
 * locks, LISTEN, PREPARE, temporary tables) is shared by all of them.
 */

/** The file naming a served data directory's server: written while it serves, 0600. */
export const SERVE_FILE = 'serve.json';
/** The socket's name in its directory: PostgreSQL's, so `pg` finds it from a directory and a port. */
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** Longest Unix socket path on every platform we run on (macOS's 104 bytes with its NUL). */
const SOCKET_PATH_MAX = 103;

/** What `serve.json` says. */
export interface ServeInfo {
  pid: number;
  host: string;
  /** The Unix socket's path; `pg` connects with `host` its directory and `port` 5432. */
  socket: string;
  startedAt: string;
}

/** A store served to other processes; `stop` closes the socket and removes `serve.json`. */
export interface StoreServer {
  /** The socket's path, or null for a PostgreSQL store (other processes use PostgreSQL itself). */
  readonly socket: string | null;
  /** Clients connected and pieces of work waiting for the session. */
  stats(): { connections: number; waiting: number };
  /** Stops serving: clients are disconnected, their open transactions rolled back. Safe twice. */
  stop(): Promise<void>;
}

export interface ServeStoreOptions {
  /** The store's data directory (checked against the one it was opened on). */
  dataDir?: string;
  /** Clients at once (default 64; each CLI process uses two at most). */
  maxConnections?: number;
}

/** PGlite's calls that hold the session while they run (see {@link PgliteSessionQueue}). */
export type EmbeddedClient = Pick<PGlite, 'query' | 'exec' | 'transaction'> & {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
};

/** The in-process side of an embedded store: what serving it needs. */
export interface EmbeddedSession {
  readonly dataDir: string;
  readonly client: PGlite;
  readonly queue: PgliteSessionQueue;
  /** The server serving it, if any. */
  server?: StoreServer | undefined;
}

const embedded = new WeakMap<object, EmbeddedSession>();
/** Stores opened through a server's socket, with the directory and the server. */
const throughSocket = new WeakMap<object, { dataDir: string; server: ServeInfo }>();

/** Registers a store opened through a server's socket (called by `openStore`). */
export function registerSocketStore(store: object, dataDir: string, server: ServeInfo): void {
  throughSocket.set(store, { dataDir, server });
}

/** Registers an embedded store opened on its data directory (called by `openStore`). */
export function registerEmbedded(store: object, session: EmbeddedSession): void {
  embedded.set(store, session);
}

/** The server serving an embedded store, if it is served. */
export function embeddedServer(store: object): StoreServer | undefined {
  return embedded.get(store)?.server;
}

/**
 * The PGlite of a store opened on its data directory, behind the session queue — the handle to
 * give anything else that must use the database in this process (pg-boss's `fromPglite`), so its
 * statements and transactions never run inside a socket client's transaction nor let one in.
 * Undefined for PostgreSQL and for a store reached through a server's socket.
 */
export function embeddedClientOf(store: object): EmbeddedClient | undefined {
  return embedded.get(store)?.queue.client;
}

/**
 * Serves an embedded store to the other processes of its data directory: a socket inside the data
 * directory (or, when that path is too long for a Unix socket, in a private temporary directory)
 * and `serve.json` naming it. A store opened through another server's socket is refused (the
 * directory is served already). A PostgreSQL store needs no serving: the call returns a server that
 * does nothing (as it does on Windows, where CLI commands on a served directory stay refused). Stopped by `stop()`, and by the store's `close()` at the latest.
 */
export async function serveStore(store: object, options: ServeStoreOptions = {}): Promise<StoreServer> {
  const remote = throughSocket.get(store);
  if (remote) {
    const { dataDir, server } = remote;
    throw new Error(
      `data directory ${dataDir} is already served by pid ${server.pid} on ${server.host} since ${server.startedAt}; stop that server first`,
    );
  }
  const session = embedded.get(store);
  // Windows has no Unix sockets that `pg` can reach: the directory stays the server's alone there.
  if (!session || process.platform === 'win32') {
    return { socket: null, stats: () => ({ connections: 0, waiting: 0 }), stop: async () => {} };
  }
  if (options.dataDir !== undefined && options.dataDir !== session.dataDir) {
    throw new Error(`the store was opened on ${session.dataDir}, not ${options.dataDir}`);
  }
  if (session.server) throw new Error(`${session.dataDir} is already served`);
  const { dataDir, queue } = session;
  const maxConnections = options.maxConnections ?? 64;

  let socketDir = dataDir;
  let privateDir: string | undefined;
  if (Buffer.byteLength(join(dataDir, SOCKET_NAME)) > SOCKET_PATH_MAX) {
    // mkdtemp makes a new directory only its owner can enter: the socket is as private there.
    privateDir = mkdtempSync(join(tmpdir(), 'affinity-sync-'));
    socketDir = privateDir;
  }
  const socket = join(socketDir, SOCKET_NAME);
  // A socket file left by a server that was killed: ours to remove, since we hold the lock.
  rmSync(socket, { force: true });

  const handlers = new Set<PGLiteSocketHandler>();
  const net: Server = createServer((conn: Socket) => {
    if (!active || handlers.size >= maxConnections) {
      conn.end();
      return;
    }
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(conn).catch(() => {
      forget();
      conn.destroy();
    });
  });
  let active = true;
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(socket, () => {
      net.off('error', reject);
      resolve();
    });
  });
  // Any later error (a client's) is the client's; the server keeps serving.
  net.on('error', () => {});
  // Connecting takes write permission on the socket: the owner's only, whatever the directory's mode.
  chmodSync(socket, 0o600);

  const serveFile = join(dataDir, SERVE_FILE);
  const info: ServeInfo = { pid: process.pid, host: hostname(), socket, startedAt: new Date().toISOString() };
  const temp = `${serveFile}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  renameSync(temp, serveFile);

  let stopped = false;
  // A process that exits without stopping leaves a tidy directory (openers ignore a dead pid anyway).
  const onExit = () => {
    removeServeFile(serveFile, info);
    rmSync(socket, { force: true });
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const server: StoreServer = {
    socket,
    stats: () => ({ connections: handlers.size, waiting: queue.getQueueLength() }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      active = false;
      process.off('exit', onExit);
      // Named first, so no new client is sent to a server that is going.
      removeServeFile(serveFile, info);
      const closed = new Promise<void>((resolve) => net.close(() => resolve()));
      await Promise.all([...handlers].map((h) => h.detach(true)));
      handlers.clear();
      await closed;
      rmSync(socket, { force: true });
      if (privateDir) rmSync(privateDir, { recursive: true, force: true });
      if (session.server === server) session.server = undefined;
    },
  };
  session.server = server;
  return server;
}

/** Removes `serve.json` if it still names this server. */
function removeServeFile(path: string, info: ServeInfo): void {
  const now = readServeFile(path);
  if (now && now.pid === info.pid && now.socket === info.socket) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

function readServeFile(path: string): ServeInfo | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<ServeInfo>;
    if (
      typeof v.pid === 'number' &&
      typeof v.host === 'string' &&
      typeof v.socket === 'string' &&
      typeof v.startedAt === 'string'
    ) {
      return { pid: v.pid, host: v.host, socket: v.socket, startedAt: v.startedAt };
    }
  } catch {
    // half-written or not ours
  }
  return null;
}

/**
 * The server `serve.json` names, when it is a live process of this host (`pid` when given must be
 * it: the lock's holder); null when there is none, or it names a process that is gone.
 */
export function liveServer(dataDir: string, pid?: number): ServeInfo | null {
  const info = readServeFile(join(dataDir, SERVE_FILE));
  if (!info || info.host !== hostname() || (pid !== undefined && info.pid !== pid)) return null;
  return processAlive(info.pid) ? info : null;
}

/** Removes a `serve.json` and socket left by a server that is gone (the caller holds the lock). */
export function removeStaleServeFile(dataDir: string): void {
  const path = join(dataDir, SERVE_FILE);
  const info = readServeFile(path);
  rmSync(path, { force: true });
  if (info && basename(info.socket) === SOCKET_NAME) {
    rmSync(info.socket, { force: true });
    const dir = dirname(info.socket);
    if (dir !== dataDir && dirname(dir) === tmpdir() && basename(dir).startsWith('affinity-sync-')) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** `pg`'s connection to a served data directory. */
export function socketConnection(info: ServeInfo): { host: string; port: number } {
  return { host: dirname(info.socket), port: SOCKET_PORT };
}

/**
 * Whether a process of this host is alive (one we may not signal is alive too). Every process on a
 * served data directory runs on the server's host (a Unix socket; `openStore` checks `serve.json`'s
 * host), so a run's owner pid says whether it can still be running.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOCAL = 0;
/** Frontend message types the queue looks at. */
const QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const SYNC = 0x53; // 'S'
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'

interface Waiter {
  owner: number;
  grant: () => void;
  fail: (err: Error) => void;
}

/**
 * The one PGlite session, taken by one owner at a time, in the order asked: the process itself
 * (each in-process statement, or transaction from BEGIN to its end) or a socket client, which
 * keeps it from its first message until the session is idle again — a ReadyForQuery outside any
 * transaction, so an extended-protocol exchange (Parse … Sync) and an explicit transaction are never
 * cut. pglite-socket's own queue keeps a client's transaction together against other clients, but
 * not against the process's own statements, which take only PGlite's mutexes: a server statement
 * would run inside a client's transaction (and be rolled back with it), a client's inside the
 * server's. This queue replaces it, with the same interface for pglite-socket's handlers.
 */
export class PgliteSessionQueue {
  #owner: number | null = null;
  readonly #waiters: Waiter[] = [];
  /** Socket clients in an extended-protocol exchange not yet closed by Sync. */
  readonly #unsynced = new Set<number>();
  /** The PGlite, each call holding the session (see {@link embeddedClientOf}). */
  readonly client: EmbeddedClient;

  constructor(private readonly db: PGlite) {
    this.client = {
      query: ((...args: Parameters<PGlite['query']>) => this.run(() => db.query(...args))) as PGlite['query'],
      exec: (...args) => this.run(() => db.exec(...args)),
      transaction: ((callback) => this.run(() => db.transaction(callback))) as PGlite['transaction'],
      // Notifications reach these callbacks when the notifying statement is this process's; one a
      // socket client's statement raises goes to that client (pg-boss then finds the job by polling).
      listen: async (channel, callback) => {
        const unlisten = await this.run(() => db.listen(channel, callback));
        return () => this.run(() => unlisten());
      },
    };
  }

  /** Runs in-process work holding the session. Not re-entrant: work must not wait for work of its own. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire(LOCAL);
    try {
      return await fn();
    } finally {
      this.#release(LOCAL);
    }
  }

  /** Pieces of work waiting for the session. */
  getQueueLength(): number {
    return this.#waiters.length;
  }

  /** Runs one message of socket client `handlerId` (pglite-socket's queue interface). */
  async enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (this.#owner !== handlerId) await this.#acquire(handlerId);
    const type = message[0];
    if (type === TERMINATE) {
      // The client says goodbye: it never reaches PGlite, whose session outlives every client.
      await this.clearTransactionIfNeeded(handlerId);
      return 0;
    }
    const run =
      (type === QUERY || type === PARSE) && copiesFromStdin(message) ? refuseCopyIn(message) : message;
    const tail = new Uint8Array(6);
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(run, {
          onRawData: (data) => {
            keepTail(tail, data);
            bytes += data.length;
            onData(data);
          },
        }),
      );
    } catch (err) {
      if (this.#owner === handlerId && !this.db.isInTransaction()) {
        this.#unsynced.delete(handlerId);
        this.#release(handlerId);
      }
      throw err;
    }
    const startup = message.length >= 8 && type === 0;
    if (type === QUERY || type === SYNC || startup) {
      this.#unsynced.delete(handlerId);
      const idle = bytes >= 6 && tail[0] === READY_FOR_QUERY ? tail[5] === IDLE : !this.db.isInTransaction();
      if (idle) this.#release(handlerId);
    } else {
      this.#unsynced.add(handlerId);
    }
    return bytes;
  }

  /** Drops the messages a disconnected client left waiting. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i] as Waiter;
      if (w.owner !== handlerId) continue;
      this.#waiters.splice(i, 1);
      w.fail(new Error('the client disconnected'));
    }
  }

  /** Ends what a client leaves behind — an exchange without Sync, an open transaction — and frees the session. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return;
    try {
      await this.db.runExclusive(async () => {
        const ignore = { onRawData: () => {} };
        if (this.#unsynced.delete(handlerId)) await this.db.execProtocolRawStream(SYNC_MESSAGE, ignore);
        if (this.db.isInTransaction()) await this.db.execProtocolRawStream(ROLLBACK_MESSAGE, ignore);
      });
    } finally {
      this.#release(handlerId);
    }
  }

  #acquire(owner: number): Promise<void> {
    if (this.#owner === null && this.#waiters.length === 0) {
      this.#owner = owner;
      return Promise.resolve();
    }
    return new Promise<void>((grant, fail) => {
      this.#waiters.push({ owner, grant, fail });
    });
  }

  #release(owner: number): void {
    if (this.#owner !== owner) return;
    const next = this.#waiters.shift();
    this.#owner = next ? next.owner : null;
    next?.grant();
  }
}

/** Keeps the last six bytes of the stream in `tail`, right-aligned, as `data` arrives. */
function keepTail(tail: Uint8Array, data: Uint8Array): void {
  if (data.length >= 6) {
    tail.set(data.subarray(data.length - 6));
    return;
  }
  tail.copyWithin(0, data.length, 6);
  tail.set(data, 6 - data.length);
}

function frontendMessage(type: string, body: Buffer): Uint8Array {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return new Uint8Array(Buffer.concat([head, body]));
}

const SYNC_MESSAGE = frontendMessage('S', Buffer.alloc(0));
const ROLLBACK_MESSAGE = frontendMessage('Q', Buffer.from('ROLLBACK\0'));

/** PGlite cannot take COPY … FROM STDIN from a client: the attempt loses the session for everyone. */
const COPY_FROM_STDIN = /\bcopy\b[\s\S]*\bfrom\s+stdin\b/i;
const REFUSAL =
  "DO $$BEGIN RAISE EXCEPTION 'COPY FROM STDIN is not available through the data directory socket' USING ERRCODE = 'feature_not_supported'; END$$";

function copiesFromStdin(message: Uint8Array): boolean {
  return COPY_FROM_STDIN.test(
    Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('utf8', 5),
  );
}

/** The message in place of a COPY FROM STDIN: the same kind, failing in PGlite as an error would. */
function refuseCopyIn(message: Uint8Array): Uint8Array {
  if (message[0] === QUERY) return frontendMessage('Q', Buffer.from(`${REFUSAL}\0`));
  // Parse: the statement's name, then the refusal with no parameter types.
  const body = Buffer.from(message.buffer, message.byteOffset + 5, message.byteLength - 5);
  const name = body.subarray(0, body.indexOf(0) + 1);
  return frontendMessage('P', Buffer.concat([name, Buffer.from(`${REFUSAL}\0`), Buffer.alloc(2)]));
}

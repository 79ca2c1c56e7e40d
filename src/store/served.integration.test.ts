import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeCopyRows } from './copy-text.js';
import { DataDirLockedError } from './lock.js';
import { openStore, type Store } from './open.js';
import { SERVE_FILE, type StoreServer, serveStore } from './served.js';

/** Resolves once `ready()` holds, checking at every turn of the event loop; fails after 30 s. */
async function until(ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function connect(host: string): Promise<pg.Client> {
  const client = new pg.Client({ host, port: 5432, user: 'postgres', database: 'postgres' });
  client.on('error', () => {});
  await client.connect();
  return client;
}

const ids = async (q: (text: string) => Promise<{ rows: Array<Record<string, unknown>> }>) =>
  (await q('SELECT id, who FROM t ORDER BY id')).rows.map((r) => `${r.id}:${r.who}`);

describe('pglite-socket on its own (why the store brings its own queue)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("runs the process's own statements inside a socket client's transaction, and the client's inside the process's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-socket-'));
    dirs.push(dir);
    const db = await PGlite.create();
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, who text)');
    const server = new PGLiteSocketServer({ db, path: join(dir, '.s.PGSQL.5432'), maxConnections: 4 });
    await server.start();
    const client = await connect(dir);
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO t VALUES (1, 'client')`);
      await db.query(`INSERT INTO t VALUES (2, 'server')`);
      await client.query('ROLLBACK');
      // The server's row went with the client's rollback.
      expect(await ids((q) => db.query(q))).toEqual([]);

      await db
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO t VALUES (3, 'server')`);
          await client.query(`INSERT INTO t VALUES (4, 'client')`);
          throw new Error('roll back');
        })
        .catch(() => {});
      // And the client's row, answered as done, went with the server's.
      expect(await ids((q) => db.query(q))).toEqual([]);
    } finally {
      await client.end().catch(() => {});
      await server.stop();
      await db.close();
    }
  });
});

describe('a served embedded store', () => {
  const dirs: string[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  /** One store served for the tests that leave it served (opening PGlite is the slow part). */
  let shared: { dataDir: string; store: Store; server: StoreServer } | undefined;
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
    if (shared) await shared.store.query(sql`TRUNCATE t`);
  });
  afterAll(async () => {
    await shared?.server.stop();
    await shared?.store.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A store of its own, closed after the test. */
  async function open(closeAfter = true): Promise<{ dataDir: string; store: Store }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'affinity-sync-served-'));
    dirs.push(dataDir);
    const store = await openStore({ dataDir });
    if (closeAfter) closers.push(() => store.close());
    await store.query(sql`CREATE TABLE t (id int PRIMARY KEY, who text)`);
    return { dataDir, store };
  }
  async function served(): Promise<{ dataDir: string; store: Store; server: StoreServer }> {
    if (!shared) {
      const { dataDir, store } = await open(false);
      shared = { dataDir, store, server: await serveStore(store, { dataDir }) };
    }
    return shared;
  }
  async function client(dataDir: string): Promise<pg.Client> {
    const c = await connect(dataDir);
    closers.push(() => c.end());
    return c;
  }
  const rows = (store: Store) => ids(async (q) => ({ rows: await store.query(sql.raw(q)) }));

  it('names itself in serve.json (0600) next to its socket, and removes both when it stops', async () => {
    const { dataDir, store } = await open();
    const server = await serveStore(store, { dataDir });
    const info = JSON.parse(readFileSync(join(dataDir, SERVE_FILE), 'utf8'));
    expect(info).toMatchObject({
      pid: process.pid,
      host: hostname(),
      socket: join(dataDir, '.s.PGSQL.5432'),
    });
    expect(statSync(join(dataDir, SERVE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(info.socket).mode & 0o777).toBe(0o600);
    expect(server.socket).toBe(info.socket);
    await server.stop();
    expect(existsSync(join(dataDir, SERVE_FILE))).toBe(false);
    expect(existsSync(info.socket)).toBe(false);
    // No longer served: the directory is in use again, as before.
    await expect(openStore({ dataDir })).rejects.toThrow(DataDirLockedError);
  });

  it('puts the socket in a private temporary directory when the data directory path is too long for one', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'affinity-sync-served-'));
    dirs.push(parent);
    const dataDir = join(parent, 'a-data-directory-with-a-long-name'.repeat(3));
    const store = await openStore({ dataDir });
    closers.push(() => store.close());
    const server = await serveStore(store, { dataDir });
    const socket = server.socket as string;
    expect(dirname(dirname(socket))).toBe(tmpdir());
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(dataDir, SERVE_FILE), 'utf8')).socket).toBe(socket);
    const other = await openStore({ dataDir });
    expect(other.via).toBe('socket');
    expect(await other.query(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    await other.close();
    await server.stop();
    expect(existsSync(dirname(socket))).toBe(false);
  });

  it("keeps a client's transaction whole: the server's own statement waits for its end", async () => {
    const { dataDir, store, server } = await served();
    const c = await client(dataDir);
    await c.query('BEGIN');
    await c.query(`INSERT INTO t VALUES (1, 'client')`);
    const serverInsert = store.query(sql`INSERT INTO t VALUES (2, 'server')`);
    // What the job queue is given (store.raw) waits the same way.
    if (store.raw.kind !== 'pglite') throw new Error('an embedded store');
    const jobsInsert = store.raw.pglite.exec(`INSERT INTO t VALUES (3, 'jobs')`);
    await until(() => server.stats().waiting > 1);
    expect(await ids((q) => c.query(q))).toEqual(['1:client']);
    await c.query('ROLLBACK');
    await Promise.all([serverInsert, jobsInsert]);
    expect(await rows(store)).toEqual(['2:server', '3:jobs']);
  });

  it("keeps the server's transaction whole: a client's statement waits for its end", async () => {
    const { dataDir, store, server } = await served();
    const c = await client(dataDir);
    let clientInsert: Promise<unknown> | undefined;
    await expect(
      store.db.transaction(async (tx) => {
        await store.query(sql`INSERT INTO t VALUES (3, 'server')`, tx);
        clientInsert = c.query(`INSERT INTO t VALUES (4, 'client')`);
        await until(() => server.stats().waiting > 0);
        expect(await ids(async (q) => ({ rows: await store.query(sql.raw(q), tx) }))).toEqual(['3:server']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await clientInsert;
    expect(await rows(store)).toEqual(['4:client']);
  });

  it("keeps clients' transactions apart, and rolls back the one a client leaves open", async () => {
    const { dataDir, store, server } = await served();
    const a = await client(dataDir);
    const b = await client(dataDir);
    await a.query('BEGIN');
    await a.query(`INSERT INTO t VALUES (5, 'a')`);
    const bInsert = b.query(`INSERT INTO t VALUES (6, 'b')`);
    await until(() => server.stats().waiting > 0);
    expect(await ids((q) => a.query(q))).toEqual(['5:a']);
    await a.query('ROLLBACK');
    await bInsert;
    expect(await rows(store)).toEqual(['6:b']);

    // A client that goes away inside a transaction, politely or not: rolled back, the session freed.
    await b.query('BEGIN');
    await b.query(`INSERT INTO t VALUES (7, 'b')`);
    await b.end();
    const c = await connect(dataDir);
    await c.query('BEGIN');
    await c.query(`INSERT INTO t VALUES (8, 'c')`);
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect(await rows(store)).toEqual(['6:b']);
    const d = await client(dataDir);
    expect(await ids((q) => d.query(q))).toEqual(['6:b']);
  });

  it('keeps concurrent clients’ parameterised statements apart', async () => {
    const { dataDir } = await served();
    const clients = await Promise.all([1, 2, 3, 4].map(() => client(dataDir)));
    const wrong: string[] = [];
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = 0; i < 50; i++) {
          const r = await c.query(`SELECT $1::text AS v${k}, generate_series(1, ${k + 1}) AS n`, [
            `${k}:${i}`,
          ]);
          if (r.rows[0]?.[`v${k}`] !== `${k}:${i}` || r.rows.length !== k + 1) wrong.push(`${k}:${i}`);
        }
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('refuses COPY FROM STDIN from a client (PGlite would lose the session) and keeps serving', async () => {
    const { dataDir, store } = await served();
    const c = await client(dataDir);
    await expect(c.query('COPY t (id, who) FROM STDIN')).rejects.toThrow(
      'COPY FROM STDIN is not available through the data directory socket',
    );
    await c.query(`INSERT INTO t VALUES (9, 'after')`);
    expect(await rows(store)).toEqual(['9:after']);
  });

  it('is opened through its socket by openStore: same data both ways, COPY as INSERTs', async () => {
    const { dataDir, store } = await served();
    await store.query(sql`INSERT INTO t VALUES (10, 'server')`);
    const other = await openStore({ dataDir });
    closers.push(() => other.close());
    expect(other).toMatchObject({ via: 'socket', kind: 'pglite' });
    expect(other.dedicated).toBeUndefined();
    expect(store.via).toBe('direct');
    expect(await rows(other)).toEqual(['10:server']);
    // A second server on the directory is refused, naming the first.
    await expect(serveStore(other)).rejects.toThrow(`is already served by pid ${process.pid}`);
    await other.db.transaction(async (tx) => {
      await other.query(sql`INSERT INTO t VALUES (11, 'socket')`, tx);
    });
    expect(await rows(store)).toEqual(['10:server', '11:socket']);

    await store.query(sql`CREATE TABLE c (id int8, a text, b text[], j jsonb, d date)`);
    const values = [
      [1, 'tab\tnewline\nback\\slash \\N', ['x', 'y z', 'q"uote'], { k: [1, 'two'] }, '2024-01-02'],
      [2, null, null, null, null],
    ];
    const data = encodeCopyRows(
      [
        { key: 'id', kind: 'scalar' },
        { key: 'a', kind: 'scalar' },
        { key: 'b', kind: 'array' },
        { key: 'j', kind: 'json' },
        { key: 'd', kind: 'scalar' },
      ],
      values.map(([id, a, b, j, d]) => ({ id, a, b, j, d })),
    );
    await other.copyFrom('c', ['id', 'a', 'b', 'j', 'd'], data);
    const back = await store.query(sql`SELECT id, a, b, j, d FROM c ORDER BY id`);
    expect(back.map((r) => [r.id, r.a, r.b, r.j, r.d])).toEqual(values);
    await store.query(sql`DROP TABLE c`);
  });

  it('is refused as in use when the holder does not serve it, or serve.json names another process', async () => {
    const { dataDir } = await open();
    await expect(openStore({ dataDir })).rejects.toThrow(`is in use by pid ${process.pid}`);
    // A serve.json of a live process that is not the lock's holder (pid 1) is not believed.
    writeFileSync(
      join(dataDir, SERVE_FILE),
      JSON.stringify({ pid: 1, host: hostname(), socket: join(dataDir, '.s.PGSQL.5432'), startedAt: 'x' }),
    );
    await expect(openStore({ dataDir })).rejects.toThrow(DataDirLockedError);
    // The holder's own serve.json, but nothing answers on its socket.
    writeFileSync(
      join(dataDir, SERVE_FILE),
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        socket: join(dataDir, '.s.PGSQL.5432'),
        startedAt: 'x',
      }),
    );
    await expect(openStore({ dataDir })).rejects.toThrow(
      /is in use by pid \d+.*; its server's socket .* did not answer/,
    );
  });
});

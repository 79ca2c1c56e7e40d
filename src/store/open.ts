import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { acquireDirLock, DataDirLockedError, type DirLock } from './lock.js';
import { applyMigrations, assertSchemaName, quoteIdent } from './migrate.js';
import * as schema from './schema/index.js';
import {
  type EmbeddedClient,
  embeddedServer,
  liveServer,
  PgliteSessionQueue,
  registerEmbedded,
  registerSocketStore,
  removeStaleServeFile,
  type ServeInfo,
  socketConnection,
} from './served.js';

export type Schema = typeof schema;
/** The Drizzle database of either backend; transactions (`db.transaction(tx => …)`) have the same type. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  /** Drizzle over the open database, with the whole schema. */
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /**
   * How this process reaches the database: `direct` (it holds the PGlite data directory, or talks to
   * PostgreSQL) or `socket` — an embedded data directory another process serves (`serve`), reached
   * through its socket. A `socket` store shares the server's one PGlite session: every transaction
   * is still its own (the server runs one at a time), but session state — SET, session advisory
   * locks, LISTEN, PREPARE — is shared by every process on the directory, so it has no `dedicated`
   * connections and must not rely on any.
   */
  readonly via: 'direct' | 'socket';
  /** The PostgreSQL schema the tables live in (`public` unless opened with `schema`). */
  readonly schema: string;
  /**
   * Runs raw SQL and returns its rows, the same way on both backends: int8 comes back as a number
   * and `date` as a `YYYY-MM-DD` string. Pass `tx` to run inside a transaction.
   */
  query<T = Record<string, unknown>>(q: SQL, tx?: Db): Promise<T[]>;
  /**
   * Runs `q` as `query` does, planned once for all its runs with the same values: on PGlite, a
   * statement of the session with its values written in (numbers and strings only), prepared on
   * its first run and executed by name after that — for a large statement run again and again,
   * such as a pull's page after page, whose planning costs PGlite as much as a third of its run.
   * The last {@link PLANNED_STATEMENTS} such statements are kept. On PostgreSQL, whose planner is
   * quick, the same as `query`.
   */
  queryPlanned<T = Record<string, unknown>>(q: SQL, tx?: Db): Promise<T[]>;
  /**
   * Loads rows in COPY's text format (see `encodeCopyRows`) into `table (columns)`: the fastest way
   * in on both backends. Pass `tx` to run inside a transaction.
   */
  copyFrom(table: string, columns: readonly string[], data: string, tx?: Db): Promise<void>;
  /**
   * Opens a database connection of its own, outside the pool, for session state that must last as
   * long as a piece of work and end with the process — such as the advisory locks a run holds.
   * PostgreSQL only (PGlite is one session, shared by every process on a served data directory);
   * closed with the store at the latest.
   */
  readonly dedicated?: () => Promise<DedicatedConnection>;
  /**
   * The database under Drizzle, for a library that brings its own driver (the job queue): the
   * PGlite instance this process holds — behind the session queue, so its statements and
   * transactions never interleave with a socket client's (see `serveStore`) — or the PostgreSQL URL
   * (whose connections must set their own schema; for a `socket` store, the served directory's
   * socket, whose session is shared).
   */
  readonly raw: { kind: 'pglite'; pglite: EmbeddedClient } | { kind: 'postgres'; url: string };
  /** Closes connections and releases the data directory lock. Safe to call twice. */
  close(): Promise<void>;
}

/** A PostgreSQL connection held by one piece of work; closing it ends its session and its locks. */
export interface DedicatedConnection {
  /** Drizzle over this connection alone (transactions included). */
  readonly db: Db;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Data directory for embedded PGlite (the database lives in `<dataDir>/pglite`). */
  dataDir: string;
  /** PostgreSQL URL; when set, `dataDir` is not used for the database. */
  databaseUrl?: string | undefined;
  /** Put every table in this schema (created if missing), e.g. one per test run. Default `public`. */
  schema?: string | undefined;
  /** Largest PostgreSQL pool (default 10; 2 through a served data directory's socket). */
  poolSize?: number | undefined;
}

/** Statements {@link Store.queryPlanned} keeps prepared in a PGlite session. */
export const PLANNED_STATEMENTS = 16;

const INT8 = 20;
const DATE = 1082;
/** Serialises migrations of every schema in a PostgreSQL database (CREATE EXTENSION is database-wide). */
const MIGRATION_LOCK_KEY = 726_154_001;

/**
 * Opens the store: embedded PGlite in `dataDir` (guarded by an exclusive directory lock) or
 * PostgreSQL at `databaseUrl`, then applies pending migrations. The same schema and migrations
 * serve both backends. A data directory whose lock a live `serve` process holds is opened through
 * the socket it serves it on (`via: 'socket'`); one held by any other process is refused
 * ({@link DataDirLockedError}).
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const schemaName = options.schema ?? 'public';
  assertSchemaName(schemaName);
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, schemaName, options.poolSize ?? 10)
    : openPglite(options.dataDir, schemaName, options.poolSize ?? 2);
}

async function openPglite(dataDir: string, schemaName: string, socketPoolSize: number): Promise<Store> {
  let lock: DirLock;
  try {
    lock = acquireDirLock(dataDir);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    const server = liveServer(dataDir, err.holder?.pid);
    if (!server) throw err;
    const store = await openServed(server, schemaName, socketPoolSize, err);
    registerSocketStore(store, dataDir, server);
    return store;
  }
  let client: PGlite;
  try {
    // Nothing serves a directory whose lock we hold: a serve.json left here names a dead server.
    removeStaleServeFile(dataDir);
    const pgliteDir = join(dataDir, 'pglite');
    mkdirSync(pgliteDir, { recursive: true, mode: 0o700 });
    chmodSync(pgliteDir, 0o700);
    client = await PGlite.create(pgliteDir, {
      extensions: { pg_trgm },
      parsers: { [INT8]: (v: string) => Number(v), [DATE]: (v: string) => v },
    });
    await client.transaction(async (tx) => {
      await applyMigrations(
        {
          exec: async (sql) => {
            await tx.exec(sql);
          },
          rows: async <T>(sql: string) => (await tx.query<T>(sql)).rows,
        },
        schemaName,
      );
    });
    if (schemaName !== 'public') await client.exec(`SET search_path TO ${quoteIdent(schemaName)}, public`);
  } catch (err) {
    lock.release();
    throw err;
  }
  // Every statement of this process holds the one session, as a socket client's do (see serveStore).
  const queue = new PgliteSessionQueue(client);
  const db = drizzlePglite({ client: queue.client as PGlite, schema }) as unknown as Db;
  let closed = false;
  const dialect = new PgDialect();
  /** Prepared statements by text, oldest first; names are never reused. */
  const prepared = new Map<string, string>();
  let named = 0;
  const store: Store = {
    db,
    kind: 'pglite',
    via: 'direct',
    raw: { kind: 'pglite', pglite: queue.client },
    schema: schemaName,
    query: (q, tx) => runQuery(tx ?? db, q),
    queryPlanned: async (q, tx) => {
      const text = plannableText(dialect, q);
      if (text === undefined) return runQuery(tx ?? db, q);
      let name = prepared.get(text);
      if (name === undefined) {
        name = `planned_${++named}`;
        for (const [old, oldName] of prepared) {
          if (prepared.size < PLANNED_STATEMENTS) break;
          prepared.delete(old);
          await runQuery(tx ?? db, sql.raw(`DEALLOCATE ${oldName}`));
        }
        await runQuery(tx ?? db, sql.raw(`PREPARE ${name} AS ${text}`));
        prepared.set(text, name);
      }
      return runQuery(tx ?? db, sql.raw(`EXECUTE ${name}`));
    },
    copyFrom: async (table, columns, data, tx) => {
      // Drizzle keeps the PGlite client (or its open transaction) as its session's client.
      const target = (tx ?? db) as unknown as { session: { client: Pick<PGlite, 'query'> } };
      await target.session.client.query(
        `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob'`,
        [],
        { blob: new Blob([data]) },
      );
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await embeddedServer(store)?.stop();
        await client.close();
      } finally {
        lock.release();
      }
    },
  };
  registerEmbedded(store, { dataDir, client, queue });
  return store;
}

const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === DATE) return (v: string) => v;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  }) as typeof pg.types.getTypeParser,
};

function openPostgres(url: string, schemaName: string, poolSize: number): Promise<Store> {
  return openPg({
    connection: {
      connectionString: url,
      options: `-c search_path=${quoteIdent(schemaName)},public`,
      types: TYPES,
    },
    url,
    schemaName,
    poolSize,
    served: false,
  });
}

/**
 * Opens a data directory that a `serve` process holds through its socket. Its PGlite session is
 * the server's, shared: no startup options (a search_path sent by one client would be every
 * client's and the server's), no dedicated connections, and COPY goes in as INSERTs (PGlite takes
 * no COPY FROM STDIN from a client). A socket that does not answer leaves the directory refused as
 * in use (`locked`).
 */
async function openServed(
  server: ServeInfo,
  schemaName: string,
  poolSize: number,
  locked: DataDirLockedError,
): Promise<Store> {
  const { host, port } = socketConnection(server);
  try {
    return await openPg({
      connection: { host, port, user: 'postgres', database: 'postgres', types: TYPES },
      url: `postgresql://postgres@${encodeURIComponent(host)}:${port}/postgres`,
      schemaName,
      poolSize,
      served: true,
    });
  } catch (err) {
    throw new DataDirLockedError(locked.dataDir, locked.holder, {
      cause: err,
      served: `its server's socket ${server.socket} did not answer (${(err as Error).message})`,
    });
  }
}

interface PgOpen {
  connection: pg.ClientConfig;
  url: string;
  schemaName: string;
  poolSize: number;
  /** Through a served data directory's socket (see {@link openServed}). */
  served: boolean;
}

async function openPg({ connection, url, schemaName, poolSize, served }: PgOpen): Promise<Store> {
  const pool = new pg.Pool({ ...connection, max: poolSize });
  const dedicatedClients = new Set<pg.Client>();
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // A served session runs one transaction at a time already; the server applied the migrations
      // it knows, so this applies only those of a newer version, if any.
      if (!served) await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await applyMigrations(
        {
          exec: async (sql) => {
            await client.query(sql);
          },
          rows: async <T>(sql: string) => (await client.query(sql)).rows as T[],
        },
        schemaName,
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  let closed = false;
  const dedicated = async () => {
    if (closed) throw new Error('the store is closed');
    const client = new pg.Client(connection);
    // A connection lost while held must not crash the process; its holder sees the next query fail.
    client.on('error', () => {});
    await client.connect();
    dedicatedClients.add(client);
    return {
      db: drizzleNodePg({ client, schema }) as unknown as Db,
      close: async () => {
        if (!dedicatedClients.delete(client)) return;
        await client.end().catch(() => {});
      },
    };
  };
  const withClient = async <T>(tx: Db | undefined, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    // Drizzle keeps the transaction's pool client as its session's client.
    if (tx) return fn((tx as unknown as { session: { client: pg.PoolClient } }).session.client);
    const client = await pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  };
  return {
    db,
    kind: served ? 'pglite' : 'postgres',
    via: served ? 'socket' : 'direct',
    raw: { kind: 'postgres', url },
    ...(served ? {} : { dedicated }),
    schema: schemaName,
    query: (q, tx) => runQuery(tx ?? db, q),
    queryPlanned: (q, tx) => runQuery(tx ?? db, q),
    copyFrom: served
      ? (table, columns, data, tx) =>
          withClient(tx, (client) => insertCopyText(client, table, columns, data, !tx))
      : (table, columns, data, tx) => {
          const text = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
          return withClient(tx, (client) =>
            pipeline(Readable.from([data]), client.query(copyFromStdin(text))),
          );
        },
    close: async () => {
      if (closed) return;
      closed = true;
      const held = [...dedicatedClients];
      dedicatedClients.clear();
      await Promise.all(held.map((c) => c.end().catch(() => {})));
      await pool.end();
    },
  };
}

/** Parameters in one INSERT, well under PostgreSQL's 65,535. */
const INSERT_PARAMS = 30_000;

/**
 * Loads COPY text-format rows with INSERTs, each value cast to its column's type (text in, as COPY
 * reads it): for a connection that cannot COPY FROM STDIN. One transaction of its own when `atomic`.
 */
async function insertCopyText(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  data: string,
  atomic: boolean,
): Promise<void> {
  const rows = decodeCopyText(data);
  if (rows.length === 0) return;
  const types = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
       FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [quoteIdent(table)],
  );
  const typeOf = new Map(types.rows.map((r) => [r.name, r.type]));
  const casts = columns.map((c) => {
    const t = typeOf.get(c);
    if (!t) throw new Error(`COPY into ${table}: no column ${c}`);
    return t;
  });
  const head = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
  const perInsert = Math.max(1, Math.floor(INSERT_PARAMS / columns.length));
  if (atomic) await client.query('BEGIN');
  try {
    for (let at = 0; at < rows.length; at += perInsert) {
      const batch = rows.slice(at, at + perInsert);
      const values: Array<string | null> = [];
      const tuples = batch.map((row) => {
        if (row.length !== columns.length) {
          throw new Error(`COPY into ${table}: a row of ${row.length} values for ${columns.length} columns`);
        }
        return `(${row.map((v, i) => `$${values.push(v)}::${casts[i]}`).join(', ')})`;
      });
      await client.query(head + tuples.join(', '), values);
    }
    if (atomic) await client.query('COMMIT');
  } catch (err) {
    if (atomic) await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** COPY's text format read back: rows of values, `\N` as null, backslash escapes undone. */
export function decodeCopyText(data: string): Array<Array<string | null>> {
  const lines = data.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) =>
    line.split('\t').map((field) => {
      if (field === '\\N') return null;
      if (!field.includes('\\')) return field;
      return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
        if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
        if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
        return COPY_ESCAPES[e] ?? e;
      });
    }),
  );
}

/**
 * The text of `q` with its values written in, or undefined when a value is not a finite number, a
 * boolean, a string or null (those are the only ones written in safely as literals).
 */
function plannableText(dialect: PgDialect, q: SQL): string | undefined {
  const { params } = dialect.sqlToQuery(q);
  const literal = (v: unknown) =>
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v));
  if (!params.every(literal)) return undefined;
  // Strings become standard-conforming literals (quotes doubled), as Drizzle writes them.
  return dialect.sqlToQuery(sql`${q}`.inlineParams()).sql;
}

interface RawResult {
  rows: Record<string, unknown>[];
  fields?: Array<{ name: string; dataTypeID: number }>;
}

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const NUMERIC = 1700;

/**
 * Drizzle installs its own type parsers on every query of both drivers, so raw results differ
 * between backends (int8 is a string on node-postgres, timestamps are strings in either format).
 * The column types in the result make them the same.
 */
async function runQuery<T>(db: Db, q: SQL): Promise<T[]> {
  const res = (await db.execute(q)) as unknown as RawResult;
  const convert: Array<[string, (v: unknown) => unknown]> = [];
  for (const f of res.fields ?? []) {
    if (f.dataTypeID === INT8 || f.dataTypeID === NUMERIC) convert.push([f.name, toNumber]);
    else if (f.dataTypeID === DATE) convert.push([f.name, toDateString]);
    else if (f.dataTypeID === TIMESTAMPTZ || f.dataTypeID === TIMESTAMP) convert.push([f.name, toIso]);
  }
  if (convert.length > 0) {
    for (const row of res.rows) {
      for (const [name, fn] of convert) {
        const v = row[name];
        if (v !== null && v !== undefined) row[name] = fn(v);
      }
    }
  }
  return res.rows as T[];
}

function toNumber(v: unknown): unknown {
  return typeof v === 'string' || typeof v === 'bigint' ? Number(v) : v;
}

function toDateString(v: unknown): unknown {
  return v instanceof Date ? v.toISOString().slice(0, 10) : v;
}

function toIso(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') {
    // PostgreSQL's text form ("2026-01-02 03:04:05.678+00") is not ISO-8601 for every parser.
    const d = new Date(v.includes('T') ? v : v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
    return Number.isNaN(d.getTime()) ? v : d.toISOString();
  }
  return v;
}

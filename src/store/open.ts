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
import { acquireDirLock, type DirLock } from './lock.js';
import { applyMigrations, assertSchemaName, quoteIdent } from './migrate.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The Drizzle database of either backend; transactions (`db.transaction(tx => …)`) have the same type. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  /** Drizzle over the open database, with the whole schema. */
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
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
   * PostgreSQL only (PGlite is one session in one process); closed with the store at the latest.
   */
  readonly dedicated?: () => Promise<DedicatedConnection>;
  /**
   * The database under Drizzle, for a library that brings its own driver (the job queue): the
   * PGlite instance this process holds, or the PostgreSQL URL (whose connections must set their
   * own schema).
   */
  readonly raw: { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; url: string };
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
  /** Largest PostgreSQL pool (default 10). */
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
 * serve both backends.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const schemaName = options.schema ?? 'public';
  assertSchemaName(schemaName);
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, schemaName, options.poolSize ?? 10)
    : openPglite(options.dataDir, schemaName);
}

async function openPglite(dataDir: string, schemaName: string): Promise<Store> {
  const lock: DirLock = acquireDirLock(dataDir);
  let client: PGlite;
  try {
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
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  let closed = false;
  const dialect = new PgDialect();
  /** Prepared statements by text, oldest first; names are never reused. */
  const prepared = new Map<string, string>();
  let named = 0;
  return {
    db,
    kind: 'pglite',
    raw: { kind: 'pglite', pglite: client },
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
        await client.close();
      } finally {
        lock.release();
      }
    },
  };
}

async function openPostgres(url: string, schemaName: string, poolSize: number): Promise<Store> {
  const connection = {
    connectionString: url,
    options: `-c search_path=${quoteIdent(schemaName)},public`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8) return (v: string) => Number(v);
        if (oid === DATE) return (v: string) => v;
        return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
      }) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool({ ...connection, max: poolSize });
  const dedicatedClients = new Set<pg.Client>();
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
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
  return {
    db,
    kind: 'postgres',
    raw: { kind: 'postgres', url },
    dedicated: async () => {
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
    },
    schema: schemaName,
    query: (q, tx) => runQuery(tx ?? db, q),
    queryPlanned: (q, tx) => runQuery(tx ?? db, q),
    copyFrom: async (table, columns, data, tx) => {
      const text = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
      const run = (client: pg.PoolClient) =>
        pipeline(Readable.from([data]), client.query(copyFromStdin(text)));
      // Drizzle keeps the transaction's pool client as its session's client.
      if (tx) return run((tx as unknown as { session: { client: pg.PoolClient } }).session.client);
      const client = await pool.connect();
      try {
        await run(client);
      } finally {
        client.release();
      }
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

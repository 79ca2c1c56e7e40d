import { getTableColumns, getTableName, is, SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { copyKindOf, encodeCopyRows } from './copy-text.js';
import type { Db, Store } from './open.js';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface BulkUpsertOptions<T extends PgTable> {
  /** Columns (property names) of the unique key the rows conflict on. */
  key: Array<keyof T['_']['columns'] & string>;
  /** Columns written; default: every key present in any row (a missing key writes NULL). */
  columns?: Array<keyof T['_']['columns'] & string>;
  /** Run inside this transaction. */
  tx?: Db;
}

/** How a batch travels to the database: COPY's text format (PGlite) or one JSON parameter. */
export type RowEncoding = 'copy' | 'json';

/** A batch already encoded for one backend (see {@link encodeRows}), e.g. by a worker thread. */
export interface EncodedRows {
  encoding: RowEncoding;
  /** Property names of the columns written, in the order of the data. */
  columns: string[];
  count: number;
  data: string;
}

/** The encoding a store loads fastest: COPY where it has it (PGlite), JSON otherwise. */
export function encodingFor(store: Pick<Store, 'copyFrom'>): RowEncoding {
  return store.copyFrom ? 'copy' : 'json';
}

/**
 * Encodes rows (keyed by Drizzle property names) for {@link bulkUpsert}. Pure: it needs the table's
 * definition, not a connection, so batches can be encoded off the main thread.
 */
export function encodeRows<T extends PgTable>(
  table: T,
  rows: ReadonlyArray<Partial<T['$inferInsert']>>,
  encoding: RowEncoding,
  columns?: string[],
): EncodedRows {
  const names = columns ?? unionOfKeys(rows);
  const all = getTableColumns(table) as Record<string, PgColumn>;
  if (encoding === 'json')
    return { encoding, columns: names, count: rows.length, data: JSON.stringify(rows) };
  const kinds = names.map((n) => {
    const c = all[n];
    if (!c) throw new Error(`bulkUpsert: ${getTableName(table)} has no column ${n}`);
    const kind = copyKindOf(c.getSQLType());
    // A NOT NULL array column with a default (they default to '{}') gets an empty array, as a
    // missing value gets its default in the JSON form.
    return kind === 'array' && c.notNull && c.hasDefault ? { key: n, kind, missing: '{}' } : { key: n, kind };
  });
  return {
    encoding,
    columns: names,
    count: rows.length,
    data: encodeCopyRows(kinds, rows as ReadonlyArray<Record<string, unknown>>),
  };
}

/**
 * Inserts or updates a batch of rows in one statement. The rows reach the database in one piece: on
 * PostgreSQL as one JSON parameter that `jsonb_to_recordset` turns into a relation, on PGlite through
 * COPY into a temporary staging table (parsing JSON costs PGlite more than the insert itself). A row
 * whose written columns already hold the same values is left alone (its `updated_at` does not move),
 * which is what makes re-imports idempotent and lets callers report inserted/updated/unchanged.
 * Rows are keyed by Drizzle property names; a key must appear at most once per batch. `rows` may be
 * a batch encoded beforehand by {@link encodeRows} with the store's {@link encodingFor}.
 */
export async function bulkUpsert<T extends PgTable>(
  store: Store,
  table: T,
  rows: ReadonlyArray<Partial<T['$inferInsert']>> | EncodedRows,
  options: BulkUpsertOptions<T>,
): Promise<UpsertCounts> {
  const count = 'data' in rows ? rows.count : rows.length;
  if (count === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const encoding = encodingFor(store);
  if (encoding === 'copy' && !options.tx) {
    // The staging table lives until the end of the transaction.
    return store.db.transaction(async (tx) => bulkUpsert(store, table, rows, { ...options, tx: tx as Db }));
  }
  const encoded =
    'data' in rows ? rows : encodeRows(table, rows, encoding, options.columns ?? unionOfKeys(rows));
  if (encoded.encoding !== encoding) {
    throw new Error(`bulkUpsert: rows encoded as ${encoded.encoding}, but this store loads ${encoding}`);
  }
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const names = encoded.columns;
  const cols = names.map((n) => {
    const c = all[n];
    if (!c) throw new Error(`bulkUpsert: ${getTableName(table)} has no column ${n}`);
    return [n, c] as const;
  });
  const keyCols = options.key.map((k) => {
    const c = all[k];
    if (!c) throw new Error(`bulkUpsert: ${getTableName(table)} has no column ${k}`);
    return c;
  });
  const keyNames = new Set(keyCols.map((c) => c.name));
  const valueCols = cols.filter(([, c]) => !keyNames.has(c.name));
  const target = sql.identifier(getTableName(table));
  const ident = (s: string) => sql.identifier(s);
  const join = (parts: Array<SQL | ReturnType<typeof sql.identifier>>) => sql.join(parts, sql`, `);

  let source: SQL;
  if (encoded.encoding === 'copy') {
    const stage = await stagingTable(store, table, options.tx as Db);
    await (store.copyFrom as NonNullable<Store['copyFrom']>)(stage, names, encoded.data, options.tx);
    source = sql`${ident(stage)} AS t`;
  } else {
    const recordDef = join(cols.map(([n, c]) => sql`${ident(n)} ${sql.raw(c.getSQLType())}`));
    source = sql`jsonb_to_recordset(${encoded.data}::jsonb) AS t(${recordDef})`;
  }
  const insertCols = join(cols.map(([, c]) => ident(c.name)));
  // A row without a NOT NULL column that has a default (arrays default to '{}') gets the default.
  const selectCols = join(
    cols.map(([n, c]) =>
      c.notNull && is(c.default, SQL) ? sql`COALESCE(t.${ident(n)}, ${c.default})` : sql`t.${ident(n)}`,
    ),
  );
  const conflict = join(keyCols.map((c) => ident(c.name)));
  const updatedAt = Object.values(all).find((c) => c.name === 'updated_at');
  const sets = valueCols.map(([, c]) => sql`${ident(c.name)} = excluded.${ident(c.name)}`);
  if (updatedAt && !names.some((n) => all[n]?.name === 'updated_at')) sets.push(sql`updated_at = now()`);

  const onConflict =
    valueCols.length === 0
      ? sql`DO NOTHING`
      : sql`DO UPDATE SET ${join(sets)} WHERE (${join(
          valueCols.map(([, c]) => sql`${target}.${ident(c.name)}`),
        )}) IS DISTINCT FROM (${join(valueCols.map(([, c]) => sql`excluded.${ident(c.name)}`))})`;

  // Unchanged rows are dropped before the INSERT: ON CONFLICT DO UPDATE locks (and so writes) every
  // conflicting row even when its WHERE is false, which made re-imports cost as much as imports.
  const keyProps = options.key.map((k) => ident(k));
  const joinOn = sql.join(
    keyCols.map((c, n) => sql`x.${ident(c.name)} = t.${keyProps[n] as ReturnType<typeof ident>}`),
    sql` AND `,
  );
  const changedCond =
    valueCols.length === 0
      ? sql`x.${ident(keyCols[0]?.name ?? 'id')} IS NULL`
      : sql`x.${ident(keyCols[0]?.name ?? 'id')} IS NULL OR (${join(
          valueCols.map(([, c]) => sql`x.${ident(c.name)}`),
        )}) IS DISTINCT FROM (${join(valueCols.map(([n, c]) => (c.notNull && is(c.default, SQL) ? sql`COALESCE(t.${ident(n)}, ${c.default})` : sql`t.${ident(n)}`)))})`;
  // The counts come back as one row: a row per written record costs PGlite more than the insert.
  const q = sql`WITH w AS (
    INSERT INTO ${target} (${insertCols})
    SELECT ${selectCols} FROM ${source}
    LEFT JOIN ${target} x ON ${joinOn}
    WHERE ${changedCond}
    ON CONFLICT (${conflict}) ${onConflict}
    RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS written FROM w`;
  const [out] = await store.query<{ inserted: number; written: number }>(q, options.tx);
  const inserted = out?.inserted ?? 0;
  const written = out?.written ?? 0;
  return { inserted, updated: written - inserted, unchanged: count - written };
}

/**
 * Appends a batch with COPY straight into `table`, for rows the caller knows are all new: their keys
 * are absent from the table and from every other batch (e.g. a load into an empty table on PGlite,
 * whose single connection nobody else writes through). Skipping the staging table and the conflict
 * checks makes it the cheapest way in; a key that does exist still fails on the unique index.
 */
export async function insertNew<T extends PgTable>(
  store: Store,
  table: T,
  rows: EncodedRows,
  tx: Db,
): Promise<UpsertCounts> {
  if (!store.copyFrom || rows.encoding !== 'copy')
    throw new Error('insertNew: needs COPY-encoded rows and PGlite');
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const names = rows.columns.map((n) => {
    const c = all[n];
    if (!c) throw new Error(`insertNew: ${getTableName(table)} has no column ${n}`);
    return c.name;
  });
  await store.copyFrom(getTableName(table), names, rows.data, tx);
  return { inserted: rows.count, updated: 0, unchanged: 0 };
}

/** Staging tables already made in a transaction (they are dropped at its end). */
const staged = new WeakMap<object, Set<string>>();

/**
 * An empty temporary table with a column per property of `table` (named by property, typed like the
 * column), created once per transaction and emptied for each batch.
 */
async function stagingTable(store: Store, table: PgTable, tx: Db): Promise<string> {
  const name = `bulk_stage_${getTableName(table)}`;
  let made = staged.get(tx);
  if (!made) {
    made = new Set();
    staged.set(tx, made);
  }
  if (made.has(name)) {
    await store.query(sql`TRUNCATE ${sql.identifier(name)}`, tx);
    return name;
  }
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const defs = sql.join(
    Object.entries(all).map(([n, c]) => sql`${sql.identifier(n)} ${sql.raw(c.getSQLType())}`),
    sql`, `,
  );
  await store.query(sql`DROP TABLE IF EXISTS pg_temp.${sql.identifier(name)}`, tx);
  await store.query(sql`CREATE TEMP TABLE ${sql.identifier(name)} (${defs}) ON COMMIT DROP`, tx);
  made.add(name);
  return name;
}

function unionOfKeys(rows: ReadonlyArray<object>): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  return [...keys];
}

/**
 * Drops the indexes of `table` that an upsert does not need — every index but the primary key and
 * the unique ones — and returns the function that builds them again from their exact definitions.
 * Building an index once over many rows costs a fraction of updating it row by row (a trigram GIN
 * index most of all), so a large load into a small table runs between the two calls. Both must run
 * in the caller's transaction: an error or a rollback in between restores the indexes with
 * everything else. On PostgreSQL the drop locks the table until commit, so readers wait for the load.
 */
export async function suspendIndexes(store: Store, table: PgTable, tx: Db): Promise<() => Promise<void>> {
  const rows = await store.query<{ name: string; def: string }>(
    sql`SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
        FROM pg_index i
        WHERE i.indrelid = ${getTableName(table)}::regclass AND NOT i.indisunique AND NOT i.indisprimary
        ORDER BY 1`,
    tx,
  );
  for (const r of rows) await store.query(sql.raw(`DROP INDEX ${r.name}`), tx);
  return async () => {
    // A GIN build sorts its entries in this memory: with the default 64MB it flushes several times.
    await store.query(sql`SET LOCAL maintenance_work_mem = '256MB'`, tx);
    for (const r of rows) await store.query(sql.raw(r.def), tx);
  };
}

/** How many rows `table` holds, counting no further than `limit` (cheap on a large table). */
export async function countRowsUpTo(store: Store, table: PgTable, limit: number, tx?: Db): Promise<number> {
  const [row] = await store.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} LIMIT ${limit}) AS t`,
    tx,
  );
  return row?.n ?? 0;
}

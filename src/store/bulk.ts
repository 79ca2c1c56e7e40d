import { getTableColumns, getTableName, is, SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import {
  type CopyColumn,
  type CopyTarget,
  copyKindOf,
  type EncodedRows,
  encodeRowsFor,
  unionOfKeys,
} from './copy-text.js';
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

const targets = new WeakMap<PgTable, CopyTarget>();

/**
 * How rows of `table` are encoded for COPY: a column per property (generated columns cannot be
 * written). Plain data, so a worker thread can encode batches without the schema.
 */
export function copyTargetOf(table: PgTable): CopyTarget {
  let target = targets.get(table);
  if (!target) {
    const columns: Record<string, CopyColumn> = {};
    for (const [key, c] of Object.entries(getTableColumns(table) as Record<string, PgColumn>)) {
      if (c.generated) continue;
      const kind = copyKindOf(c.getSQLType());
      // A NOT NULL array column with a default (they default to '{}') gets an empty array for a
      // missing value, as an INSERT would give it its default.
      columns[key] =
        kind === 'array' && c.notNull && c.hasDefault ? { key, kind, missing: '{}' } : { key, kind };
    }
    target = { table: getTableName(table), columns };
    targets.set(table, target);
  }
  return target;
}

/** Encodes rows (keyed by Drizzle property names) for {@link bulkUpsert} and {@link insertNew}. */
export function encodeRows<T extends PgTable>(
  table: T,
  rows: ReadonlyArray<Partial<T['$inferInsert']>>,
  columns?: string[],
): EncodedRows {
  return encodeRowsFor(copyTargetOf(table), rows as ReadonlyArray<Record<string, unknown>>, columns);
}

/**
 * Inserts or updates a batch of rows in one statement. The rows reach the database in one piece,
 * through COPY into a temporary staging table: both backends parse COPY's text format several times
 * faster than JSON. A row whose written columns already hold the same values is left alone (its
 * `updated_at` does not move), which is what makes re-imports idempotent and lets callers report
 * inserted/updated/unchanged. Rows are keyed by Drizzle property names; a key must appear at most
 * once per batch. `rows` may be a batch encoded beforehand by {@link encodeRows}.
 */
export async function bulkUpsert<T extends PgTable>(
  store: Store,
  table: T,
  rows: ReadonlyArray<Partial<T['$inferInsert']>> | EncodedRows,
  options: BulkUpsertOptions<T>,
): Promise<UpsertCounts> {
  const count = 'data' in rows ? rows.count : rows.length;
  if (count === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const tx = options.tx;
  if (!tx) {
    // The staging table lives until the end of the transaction.
    return store.db.transaction(async (t) => bulkUpsert(store, table, rows, { ...options, tx: t as Db }));
  }
  const encoded = 'data' in rows ? rows : encodeRows(table, rows, options.columns ?? unionOfKeys(rows));
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

  const stage = stageOf(table);
  await stageRows(store, tx, stage, names, encoded.data);
  const source = sql`${ident(stage.name)} AS t`;
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
  const onlyChanged = sql`LEFT JOIN ${target} x ON ${joinOn} WHERE ${changedCond}`;
  const q = sql`WITH w AS (
    INSERT INTO ${target} (${insertCols})
    SELECT ${selectCols} FROM ${source} ${onlyChanged}
    ON CONFLICT (${conflict}) ${onConflict}
    RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS written FROM w`;
  const [out] = await store.query<{ inserted: number; written: number }>(q, tx);
  const inserted = out?.inserted ?? 0;
  const written = out?.written ?? 0;
  return { inserted, updated: written - inserted, unchanged: count - written };
}

/**
 * Appends a batch with COPY straight into `table`, for rows the caller knows are all new: their keys
 * are absent from the table and from every other batch, and nobody else can write the table until
 * the transaction ends (see {@link lockIfEmpty}). Skipping the staging table and the conflict checks
 * makes it the cheapest way in; a key that does exist still fails on the unique index.
 */
export async function insertNew<T extends PgTable>(
  store: Store,
  table: T,
  rows: EncodedRows,
  tx: Db,
): Promise<UpsertCounts> {
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const names = rows.columns.map((n) => {
    const c = all[n];
    if (!c) throw new Error(`insertNew: ${getTableName(table)} has no column ${n}`);
    return c.name;
  });
  await store.copyFrom(getTableName(table), names, rows.data, tx);
  return { inserted: rows.count, updated: 0, unchanged: 0 };
}

/** Staging tables already loaded in each transaction. */
const staged = new WeakMap<object, Set<string>>();

/** A temporary table a batch is loaded into before a statement reads it (see {@link stageRows}). */
export interface Stage {
  name: string;
  /** Its column definitions, e.g. sql`a bigint, n text`. */
  columns: SQL;
}

/**
 * Loads a batch in COPY's text format into the temporary table `stage`, so that it holds exactly
 * this batch for the rest of `tx`. The table is made on its first use in the session and emptied
 * at every commit; a second batch in the same transaction empties it first.
 */
export async function stageRows(
  store: Store,
  tx: Db,
  stage: Stage,
  columns: readonly string[],
  data: string,
): Promise<void> {
  let used = staged.get(tx);
  if (!used) {
    used = new Set();
    staged.set(tx, used);
  }
  const name = sql.identifier(stage.name);
  if (used.has(stage.name)) await store.query(sql`TRUNCATE ${name}`, tx);
  else {
    await store.query(
      sql`CREATE TEMP TABLE IF NOT EXISTS ${name} (${stage.columns}) ON COMMIT DELETE ROWS`,
      tx,
    );
    used.add(stage.name);
  }
  await store.copyFrom(stage.name, columns, data, tx);
}

/** The staging table of `table`: a column per property, named by property, typed like the column. */
function stageOf(table: PgTable): Stage {
  const all = getTableColumns(table) as Record<string, PgColumn>;
  return {
    name: `bulk_stage_${getTableName(table)}`,
    columns: sql.join(
      Object.entries(all).map(([n, c]) => sql`${sql.identifier(n)} ${sql.raw(c.getSQLType())}`),
      sql`, `,
    ),
  };
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

/**
 * Whether `table` is empty, and if so keeps it to this transaction: other writers wait until it ends
 * (readers do not), so every row the transaction appends is known to be new. A table that holds
 * rows is not locked.
 */
export async function lockIfEmpty(store: Store, table: PgTable, tx: Db): Promise<boolean> {
  if ((await countRowsUpTo(store, table, 1, tx)) > 0) return false;
  await store.query(sql`LOCK TABLE ${table} IN EXCLUSIVE MODE`, tx);
  // A row committed between the count and the lock would still show now.
  return (await countRowsUpTo(store, table, 1, tx)) === 0;
}

/** How many rows `table` holds, counting no further than `limit` (cheap on a large table). */
export async function countRowsUpTo(store: Store, table: PgTable, limit: number, tx?: Db): Promise<number> {
  const [row] = await store.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} LIMIT ${limit}) AS t`,
    tx,
  );
  return row?.n ?? 0;
}

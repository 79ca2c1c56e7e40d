import { getTableColumns, getTableName, is, SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
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

/**
 * Inserts or updates a batch of rows in one statement: the rows travel as one JSON parameter and
 * `jsonb_to_recordset` turns them into a relation, so a batch costs one round trip on both backends.
 * A row whose written columns already hold the same values is left alone (its `updated_at` does not
 * move), which is what makes re-imports idempotent and lets callers report inserted/updated/unchanged.
 * Rows are keyed by Drizzle property names; a key must appear at most once per batch.
 */
export async function bulkUpsert<T extends PgTable>(
  store: Store,
  table: T,
  rows: ReadonlyArray<Partial<T['$inferInsert']>>,
  options: BulkUpsertOptions<T>,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const names = options.columns ?? unionOfKeys(rows);
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

  const recordDef = join(cols.map(([n, c]) => sql`${ident(n)} ${sql.raw(c.getSQLType())}`));
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
  const q = sql`INSERT INTO ${target} (${insertCols})
    SELECT ${selectCols} FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS t(${recordDef})
    LEFT JOIN ${target} x ON ${joinOn}
    WHERE ${changedCond}
    ON CONFLICT (${conflict}) ${onConflict}
    RETURNING (xmax = 0) AS inserted`;
  const out = await store.query<{ inserted: boolean }>(q, options.tx);
  let inserted = 0;
  for (const r of out) if (r.inserted) inserted++;
  return { inserted, updated: out.length - inserted, unchanged: rows.length - out.length };
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

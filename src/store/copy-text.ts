/**
 * Rows in the text format of PostgreSQL's `COPY … FROM` (tab-separated columns, `\N` for NULL,
 * backslash escapes): the cheapest way to hand rows to PGlite, which parses them several times
 * faster than the same rows as JSON. Pure, so a worker thread can encode batches off the main thread.
 */

/** How a column's values are written: scalars as text, arrays as array literals, JSON as JSON. */
export type CopyKind = 'scalar' | 'array' | 'json';

/** The kind of a column from its SQL type (`text[]` is an array, `jsonb` JSON, anything else a scalar). */
export function copyKindOf(sqlType: string): CopyKind {
  if (sqlType.endsWith('[]')) return 'array';
  if (sqlType === 'json' || sqlType === 'jsonb') return 'json';
  return 'scalar';
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Escapes one value for the text format: backslash, tab, newline and carriage return. */
function escapeField(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string) : s;
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

const NEEDS_QUOTE_ESCAPE = /[\\"]/;

/** One element of an array literal, always quoted, so commas, braces and spaces are safe. */
function arrayElement(e: unknown): string {
  if (e === null || e === undefined) return 'NULL';
  if (Array.isArray(e)) return arrayLiteral(e);
  const s = scalarText(e);
  return NEEDS_QUOTE_ESCAPE.test(s) ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`;
}

/** An array literal (`{"a","b c",NULL}`). */
function arrayLiteral(v: unknown): string {
  if (!Array.isArray(v)) throw new TypeError(`expected an array, got ${typeof v}`);
  if (v.length === 0) return '{}';
  if (v.length === 1) return `{${arrayElement(v[0])}}`;
  return `{${v.map(arrayElement).join(',')}}`;
}

/** A column to encode: the row's key, how to write it, and what stands for a missing value (NULL). */
export interface CopyColumn {
  key: string;
  kind: CopyKind;
  /** Written for `null`/`undefined`, already in COPY's text form; default `\\N` (NULL). */
  missing?: string;
}

function encoderFor(kind: CopyKind): (v: unknown) => string {
  switch (kind) {
    case 'array':
      return (v) => escapeField(arrayLiteral(v));
    case 'json':
      return (v) => escapeField(JSON.stringify(v));
    case 'scalar':
      return (v) => (typeof v === 'number' ? String(v) : escapeField(scalarText(v)));
  }
}

/**
 * One line per row, columns in `columns` order, each value written as its kind says; `undefined` and
 * `null` are written as the column's `missing` text. Every line ends with a newline.
 */
export function encodeCopyRows(
  columns: ReadonlyArray<CopyColumn>,
  rows: ReadonlyArray<Record<string, unknown>>,
): string {
  const n = columns.length;
  const keys = columns.map((c) => c.key);
  const missing = columns.map((c) => c.missing ?? '\\N');
  const encoders = columns.map((c) => encoderFor(c.kind));
  const fields: string[] = new Array(n);
  let out = '';
  for (const row of rows) {
    for (let c = 0; c < n; c++) {
      const v = row[keys[c] as string];
      fields[c] =
        v === null || v === undefined ? (missing[c] as string) : (encoders[c] as (v: unknown) => string)(v);
    }
    out += `${fields.join('\t')}\n`;
  }
  return out;
}

/** A batch encoded in COPY's text format, e.g. by a worker thread. */
export interface EncodedRows {
  /** Property names of the columns written, in the order of the data. */
  columns: string[];
  count: number;
  data: string;
}

/** How to encode rows for one table: its name and a column per writable property. */
export interface CopyTarget {
  table: string;
  columns: Record<string, CopyColumn>;
}

/**
 * Encodes rows keyed by property names for `target`: the columns are `names`, by default every key
 * present in any row (a row without one writes its `missing` text).
 */
export function encodeRowsFor(
  target: CopyTarget,
  rows: ReadonlyArray<Record<string, unknown>>,
  names: string[] = unionOfKeys(rows),
): EncodedRows {
  const columns = names.map((n) => {
    const c = Object.hasOwn(target.columns, n) ? target.columns[n] : undefined;
    if (!c) throw new Error(`${target.table} has no writable column ${n}`);
    return c;
  });
  return { columns: names, count: rows.length, data: encodeCopyRows(columns, rows) };
}

/** Every key present in any of the rows, in order of first appearance. */
export function unionOfKeys(rows: ReadonlyArray<object>): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k in r) keys.add(k);
  return [...keys];
}

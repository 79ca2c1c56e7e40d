import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import {
  bulkUpsert,
  countRowsUpTo,
  type Db,
  intelCompanies,
  intelInvestors,
  intelPeople,
  type Store,
  suspendIndexes,
  type UpsertCounts,
} from '../store/index.js';
import { recomputeGrowth } from './growth.js';
import {
  type CompanyRow,
  canonicalColumn,
  type ImportEntity,
  type InvestorRow,
  type PersonRow,
  parseRecord,
  type SignalRow,
} from './records.js';

export type ImportFormat = 'csv' | 'ndjson';

/** One invalid row: where it is (data row number, file line), which column, what value, why. */
export interface RowError {
  row: number;
  line: number;
  column: string;
  value: string | null;
  message: string;
}

export interface ImportProgress {
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

export interface BatchEvent extends ImportProgress {
  batch: number;
  size: number;
}

export interface ImportOptions {
  /** Write the valid rows and report the invalid ones; default: any invalid row writes nothing. */
  skipInvalid?: boolean;
  /** Rows per write statement (default 2000). */
  batchSize?: number;
  /** At most this many row errors are kept in the report (default 100); all are counted. */
  maxErrors?: number;
  /** Recompute growth after the import (default: for companies and signals). */
  recomputeGrowth?: boolean;
  onProgress?: (p: ImportProgress) => void;
  /** Called after each batch is written: lets callers (and tests) see that work is streamed. */
  onBatch?: (e: BatchEvent) => void;
}

export interface ImportReport {
  entity: ImportEntity;
  /** Data rows read (records, not counting the header). */
  rows: number;
  valid: number;
  invalid: number;
  /** Rows whose natural key repeats one seen earlier in the same batch (the later one wins). */
  duplicates: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** False when invalid rows made the import write nothing. */
  written: boolean;
  batches: number;
  errors: RowError[];
  errorsTruncated: boolean;
  ignoredColumns: string[];
  growthRecomputed: boolean;
}

/** The file cannot be imported at all (unreadable, missing columns, broken CSV). */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/** A record from a source, with canonical keys, or a structural problem with it. */
export type SourceRecord =
  | { row: number; line: number; record: Record<string, unknown> }
  | { row: number; line: number; problem: RowError };

/** Infers the format from the extension: `.ndjson`/`.jsonl` are NDJSON, everything else CSV. */
export function formatOf(file: string): ImportFormat {
  const ext = extname(file).toLowerCase();
  return ext === '.ndjson' || ext === '.jsonl' || ext === '.json' ? 'ndjson' : 'csv';
}

const requiredColumns: Record<ImportEntity, string[][]> = {
  companies: [['domain'], ['name']],
  people: [
    ['name', 'first_name', 'last_name'],
    ['emails', 'linkedin_url'],
  ],
  investors: [['domain'], ['name']],
  signals: [['domain'], ['date'], ['metric', 'headcount', 'web_visits', 'social_followers']],
};

/**
 * Imports a CSV or NDJSON file. The file is streamed and written in batches of one statement each,
 * so its size does not matter; every row is validated; the whole import is one transaction, so by
 * default a file with any invalid row writes nothing, while `skipInvalid` writes the valid rows.
 * Rows upsert on their natural key and unchanged rows are not rewritten: importing the same file
 * twice reports everything unchanged the second time.
 */
export async function importFile(
  store: Store,
  entity: ImportEntity,
  file: string,
  options: ImportOptions & { format?: ImportFormat } = {},
): Promise<ImportReport> {
  let totalBytes: number;
  try {
    totalBytes = statSync(file).size;
  } catch (err) {
    throw new ImportFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const format = options.format ?? formatOf(file);
  const stream = createReadStream(file);
  const ignored = new Set<string>();
  const source =
    format === 'csv' ? csvRecords(stream, entity, ignored) : ndjsonRecords(stream, entity, ignored);
  try {
    return await importRecords(store, entity, source, {
      ...options,
      bytes: () => ({ bytesRead: stream.bytesRead, totalBytes }),
      ignoredColumns: ignored,
    });
  } finally {
    stream.destroy();
  }
}

async function* csvRecords(
  stream: NodeJS.ReadableStream,
  entity: ImportEntity,
  ignored: Set<string>,
): AsyncGenerator<SourceRecord> {
  const parser = stream.pipe(
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true, trim: false }),
  );
  let header: Array<string | null> | null = null;
  let row = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = item.record;
      if (header === null) {
        header = cells.map((h) => {
          const c = canonicalColumn(entity, h);
          if (c === null && h.trim() !== '') ignored.add(h.trim());
          return c;
        });
        checkRequired(entity, header);
        continue;
      }
      row++;
      if (cells.length !== header.length) {
        yield {
          row,
          line: item.info.lines,
          problem: {
            row,
            line: item.info.lines,
            column: '(row)',
            value: null,
            message: `has ${cells.length} fields, the header has ${header.length}`,
          },
        };
        continue;
      }
      const record: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) {
        const key = header[i];
        if (key) record[key] = cells[i];
      }
      yield { row, line: item.info.lines, record };
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError(`not a readable CSV file: ${(err as Error).message}`);
  }
  if (header === null) throw new ImportFileError('the file is empty: a CSV import needs a header row');
}

async function* ndjsonRecords(
  stream: NodeJS.ReadableStream,
  entity: ImportEntity,
  ignored: Set<string>,
): AsyncGenerator<SourceRecord> {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let row = 0;
  const keyMap = new Map<string, string | null>();
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    row++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const message = `is not JSON: ${(err as Error).message}`;
      yield { row, line, problem: { row, line, column: '(line)', value: clip(text), message } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield {
        row,
        line,
        problem: { row, line, column: '(line)', value: clip(text), message: 'is not a JSON object' },
      };
      continue;
    }
    const record: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      let c = keyMap.get(k);
      if (c === undefined) {
        c = canonicalColumn(entity, k);
        keyMap.set(k, c);
        if (c === null) ignored.add(k);
      }
      if (c) record[c] = v;
    }
    yield { row, line, record };
  }
}

function checkRequired(entity: ImportEntity, header: Array<string | null>): void {
  const have = new Set(header.filter((h): h is string => h !== null));
  const missing = requiredColumns[entity].filter((alts) => !alts.some((a) => have.has(a)));
  if (missing.length > 0) {
    throw new ImportFileError(
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((alts) => alts.join(' or ')).join(', ')} for ${entity}`,
    );
  }
}

function clip(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

class Rollback extends Error {}

type Pending =
  | { entity: 'companies'; rows: Map<string, CompanyRow> }
  | { entity: 'people'; rows: Map<string, PersonRow> }
  | { entity: 'investors'; rows: Map<string, InvestorRow> }
  | { entity: 'signals'; rows: Map<string, SignalRow & { row: number; line: number }> };

/**
 * Imports records from any source (files, the demo dataset) with the same validation, batching,
 * transaction and reporting as {@link importFile}.
 */
export async function importRecords(
  store: Store,
  entity: ImportEntity,
  source: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  options: ImportOptions & {
    bytes?: () => { bytesRead: number; totalBytes: number };
    ignoredColumns?: Set<string>;
  } = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 2000;
  const maxErrors = options.maxErrors ?? 100;
  const report: ImportReport = {
    entity,
    rows: 0,
    valid: 0,
    invalid: 0,
    duplicates: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    written: false,
    batches: 0,
    errors: [],
    errorsTruncated: false,
    ignoredColumns: [],
    growthRecomputed: false,
  };
  const addError = (e: RowError) => {
    if (report.errors.length < maxErrors) report.errors.push(e);
    else report.errorsTruncated = true;
  };
  const writing = () => options.skipInvalid === true || report.invalid === 0;
  const progress = () => ({ rows: report.rows, ...(options.bytes?.() ?? { bytesRead: 0, totalBytes: 0 }) });
  const newPending = (): Pending => ({ entity, rows: new Map() }) as Pending;
  let pending = newPending();
  // The write of one batch runs while the next one is parsed (PostgreSQL works in its own process);
  // `inflight` is awaited before the next write, so batches still land in order, one at a time.
  let inflight: Promise<void> = Promise.resolve();
  let indexesChecked = false;
  let restoreIndexes: (() => Promise<void>) | null = null;

  const write = async (batch: Pending, tx: Db) => {
    let counts: UpsertCounts;
    switch (batch.entity) {
      case 'companies':
        counts = await bulkUpsert(store, intelCompanies, [...batch.rows.values()], { key: ['domain'], tx });
        break;
      case 'people':
        counts = await bulkUpsert(store, intelPeople, [...batch.rows.values()], { key: ['personKey'], tx });
        break;
      case 'investors':
        counts = await bulkUpsert(store, intelInvestors, [...batch.rows.values()], { key: ['domain'], tx });
        break;
      case 'signals': {
        const out = await upsertSignals(store, [...batch.rows.values()], tx);
        counts = out.counts;
        const badRows = new Set<number>();
        for (const m of out.missing) {
          if (!badRows.has(m.row)) {
            badRows.add(m.row);
            addError({
              row: m.row,
              line: m.line,
              column: 'domain',
              value: m.domain,
              message: 'no company has this domain',
            });
          }
        }
        report.invalid += badRows.size;
        report.valid -= badRows.size;
        break;
      }
    }
    report.inserted += counts.inserted;
    report.updated += counts.updated;
    report.unchanged += counts.unchanged;
    report.batches++;
    options.onBatch?.({ ...progress(), batch: report.batches, size: batch.rows.size });
  };

  const flush = async (tx: Db) => {
    if (pending.rows.size === 0) return;
    const batch = pending;
    pending = newPending();
    await inflight;
    if (!writing()) return;
    if (!indexesChecked) {
      indexesChecked = true;
      restoreIndexes = await suspendIndexesForLargeLoad(
        store,
        entity,
        batch.rows.size,
        options.bytes?.(),
        tx,
      );
    }
    inflight = write(batch, tx);
    // Its error is rethrown by the next `await inflight`; until then it must not count as unhandled.
    inflight.catch(() => {});
  };

  const run = async (tx: Db) => {
    for await (const src of source) {
      report.rows++;
      if (report.rows % 1000 === 0) options.onProgress?.(progress());
      if ('problem' in src) {
        report.invalid++;
        addError(src.problem);
        continue;
      }
      const parsed = parseRecord(entity, src.record);
      if (!parsed.ok) {
        report.invalid++;
        for (const p of parsed.problems) {
          addError({
            row: src.row,
            line: src.line,
            column: p.column,
            value: clip(p.value),
            message: p.message,
          });
        }
        continue;
      }
      report.valid++;
      if (!writing()) continue;
      const before = pending.rows.size;
      let added = 1;
      switch (parsed.entity) {
        case 'companies':
          (pending.rows as Map<string, CompanyRow>).set(parsed.row.domain, parsed.row);
          break;
        case 'people':
          (pending.rows as Map<string, PersonRow>).set(parsed.row.personKey, parsed.row);
          break;
        case 'investors':
          (pending.rows as Map<string, InvestorRow>).set(parsed.row.domain, parsed.row);
          break;
        case 'signals':
          added = parsed.rows.length;
          for (const s of parsed.rows) {
            (pending.rows as Map<string, SignalRow & { row: number; line: number }>).set(
              `${s.domain}|${s.metric}|${s.observedOn}`,
              { ...s, row: src.row, line: src.line },
            );
          }
          break;
      }
      report.duplicates += added - (pending.rows.size - before);
      if (pending.rows.size >= batchSize) await flush(tx);
    }
    await flush(tx);
    await inflight;
    if (!writing()) throw new Rollback();
    if (restoreIndexes) await restoreIndexes();
  };

  try {
    await store.db.transaction(async (tx) => run(tx as unknown as Db));
    report.written = true;
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
    report.inserted = 0;
    report.updated = 0;
    report.unchanged = 0;
  }
  options.onProgress?.(progress());
  report.ignoredColumns = [...(options.ignoredColumns ?? [])];
  const recompute = options.recomputeGrowth ?? (entity === 'signals' || entity === 'companies');
  if (report.written && recompute && report.inserted + report.updated > 0) {
    await recomputeGrowth(store);
    report.growthRecomputed = true;
  }
  return report;
}

/** Below this many rows (estimated from the file size) an import updates the indexes row by row. */
const LARGE_LOAD_ROWS = 10_000;

/**
 * Index upkeep is most of the cost of loading rows: a large import into a table that holds far fewer
 * rows drops the non-unique indexes and builds them again before commit (see `suspendIndexes`).
 * Decided at the first batch, from the rows it holds and how much of the file they took.
 */
async function suspendIndexesForLargeLoad(
  store: Store,
  entity: ImportEntity,
  firstBatchRows: number,
  bytes: { bytesRead: number; totalBytes: number } | undefined,
  tx: Db,
): Promise<(() => Promise<void>) | null> {
  const table =
    entity === 'companies'
      ? intelCompanies
      : entity === 'people'
        ? intelPeople
        : entity === 'investors'
          ? intelInvestors
          : null;
  if (!table || !bytes || bytes.bytesRead <= 0) return null;
  const estimated = (firstBatchRows * bytes.totalBytes) / bytes.bytesRead;
  if (estimated < LARGE_LOAD_ROWS) return null;
  // A rebuild covers the existing rows too and costs about half as much per row as row-by-row upkeep.
  const existing = await countRowsUpTo(store, table, Math.ceil(estimated / 2) + 1, tx);
  if (existing * 2 > estimated) return null;
  return suspendIndexes(store, table, tx);
}

/**
 * Upserts signals for companies found by domain, in one statement per batch; returns the rows whose
 * domain matches no company so they can be reported.
 */
async function upsertSignals(
  store: Store,
  rows: Array<SignalRow & { row: number; line: number }>,
  tx: Db,
): Promise<{ counts: UpsertCounts; missing: Array<{ row: number; line: number; domain: string }> }> {
  const [out] = await store.query<{
    missing: Array<{ row: number; line: number; domain: string }> | null;
    inserted: number;
    written: number;
  }>(
    sql`
    WITH t AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS t("row" int, line int, domain text, metric text, "observedOn" date, value float8)
    ),
    j AS (SELECT t.*, c.id AS company_id FROM t LEFT JOIN intel_companies c ON c.domain = t.domain),
    ins AS (
      INSERT INTO intel_company_signals AS s (company_id, metric, observed_on, value)
      SELECT company_id, metric, "observedOn", value FROM j WHERE company_id IS NOT NULL
      ON CONFLICT (company_id, metric, observed_on) DO UPDATE SET value = excluded.value
      WHERE s.value IS DISTINCT FROM excluded.value
      RETURNING (xmax = 0) AS inserted
    )
    SELECT
      (SELECT json_agg(json_build_object('row', "row", 'line', line, 'domain', domain)) FROM j WHERE company_id IS NULL) AS missing,
      (SELECT count(*) FROM ins WHERE inserted) AS inserted,
      (SELECT count(*) FROM ins) AS written`,
    tx,
  );
  const missing = out?.missing ?? [];
  const written = out?.written ?? 0;
  const inserted = out?.inserted ?? 0;
  return {
    counts: { inserted, updated: written - inserted, unchanged: rows.length - missing.length - written },
    missing,
  };
}

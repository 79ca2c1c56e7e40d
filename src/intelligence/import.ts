import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import {
  type BulkUpsertOptions,
  bulkUpsert,
  copyTargetOf,
  countRowsUpTo,
  type Db,
  type EncodedRows,
  insertNew,
  intelCompanies,
  intelInvestors,
  intelPeople,
  lockIfEmpty,
  type Store,
  suspendIndexes,
  type UpsertCounts,
} from '../store/index.js';
import { siblingModule, startModuleWorker } from '../threads.js';
import {
  addError,
  Batcher,
  type BatcherOptions,
  type ImportCounters,
  newCounters,
  type WriteBatch,
} from './batcher.js';
import { recomputeGrowth } from './growth.js';
import type { ParseJob, WorkerMessage } from './parse-worker.js';
import type { ImportEntity } from './records.js';
import {
  fileRecords,
  formatOf,
  ImportFileError,
  type ImportFormat,
  type RowError,
  type SourceRecord,
} from './sources.js';

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

/** Files from this size on are read and validated in a worker thread while the main thread writes. */
export const WORKER_MIN_BYTES = 1 << 20;

/**
 * Imports a CSV or NDJSON file. The file is streamed and written in batches of one statement each,
 * so its size does not matter; every row is validated; the whole import is one transaction, so by
 * default a file with any invalid row writes nothing, while `skipInvalid` writes the valid rows.
 * Rows upsert on their natural key and unchanged rows are not rewritten: importing the same file
 * twice reports everything unchanged the second time. A large file (or `worker: true`) is read and
 * validated by a worker thread, so parsing runs on another core while the database writes.
 */
export async function importFile(
  store: Store,
  entity: ImportEntity,
  file: string,
  options: ImportOptions & { format?: ImportFormat; worker?: boolean } = {},
): Promise<ImportReport> {
  let totalBytes: number;
  try {
    totalBytes = statSync(file).size;
  } catch (err) {
    throw new ImportFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const format = options.format ?? formatOf(file);
  const batcherOptions = batcherOptionsFor(entity, options);
  const useWorker = options.worker ?? totalBytes >= WORKER_MIN_BYTES;
  const feed = useWorker
    ? workerFeed({ ...batcherOptions, file, format, entity, ahead: 3 }, totalBytes, options.onProgress)
    : fileFeed(entity, file, format, batcherOptions, totalBytes, options.onProgress);
  return writeFeed(store, entity, feed, options);
}

/**
 * Imports records from any source (files, the demo dataset) with the same validation, batching,
 * transaction and reporting as {@link importFile}.
 */
export async function importRecords(
  store: Store,
  entity: ImportEntity,
  source: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batcher = new Batcher(entity, batcherOptionsFor(entity, options));
  return writeFeed(
    store,
    entity,
    localFeed(batcher, source, () => ({ bytesRead: 0, totalBytes: 0 }), options.onProgress),
    options,
  );
}

const DEFAULT_BATCH = 2000;

function batcherOptionsFor(entity: ImportEntity, options: ImportOptions): BatcherOptions {
  const table = tableOf(entity);
  return {
    batchSize: options.batchSize ?? DEFAULT_BATCH,
    maxErrors: options.maxErrors ?? DEFAULT_MAX_ERRORS,
    skipInvalid: options.skipInvalid === true,
    ...(table ? { target: copyTargetOf(table) } : {}),
  };
}
const DEFAULT_MAX_ERRORS = 100;

/** Validated batches in source order, with the counters of everything read so far. */
interface Feed {
  /** The next batch, or null once the source is exhausted. */
  next(): Promise<{ batch: WriteBatch; progress: ImportProgress } | null>;
  /** Invalid rows seen so far. */
  invalid(): number;
  /** Final counters, once `next` has returned null. */
  counters(): ImportCounters;
  ignored(): string[];
  /** Stops reading (early, on an error); safe to call twice. */
  close(): void;
}

/** Validates in this thread, pulling records from `source` as batches are asked for. */
function localFeed(
  batcher: Batcher,
  source: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  bytes: () => { bytesRead: number; totalBytes: number },
  onProgress: ImportOptions['onProgress'],
  ignored: Set<string> = new Set(),
  close: () => void = () => {},
): Feed {
  const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
    | AsyncIterator<SourceRecord>
    | Iterator<SourceRecord>;
  let done = false;
  const progress = () => ({ rows: batcher.counters.rows, ...bytes() });
  return {
    async next() {
      while (!done) {
        const r = await it.next();
        if (r.done) {
          done = true;
          onProgress?.(progress());
          const last = batcher.finish();
          return last ? { batch: last, progress: progress() } : null;
        }
        const batch = batcher.add(r.value);
        if (batcher.counters.rows % 1000 === 0) onProgress?.(progress());
        if (batch) return { batch, progress: progress() };
      }
      return null;
    },
    invalid: () => batcher.counters.invalid,
    counters: () => batcher.counters,
    ignored: () => [...ignored],
    close,
  };
}

function fileFeed(
  entity: ImportEntity,
  file: string,
  format: ImportFormat,
  options: BatcherOptions,
  totalBytes: number,
  onProgress: ImportOptions['onProgress'],
): Feed {
  const ignored = new Set<string>();
  const { stream, records } = fileRecords(file, format, entity, ignored);
  return localFeed(
    new Batcher(entity, options),
    records,
    () => ({ bytesRead: stream.bytesRead, totalBytes }),
    onProgress,
    ignored,
    () => stream.destroy(),
  );
}

/** Validates in a worker thread (see `parse-worker.ts`), which runs a few batches ahead of the writer. */
function workerFeed(job: ParseJob, totalBytes: number, onProgress: ImportOptions['onProgress']): Feed {
  const worker = spawnParseWorker(job);
  const queue: WorkerMessage[] = [];
  let waiting: (() => void) | null = null;
  let failure: Error | null = null;
  let final: Extract<WorkerMessage, { t: 'done' }> | null = null;
  let invalid = 0;
  let closed = false;
  const wake = () => {
    waiting?.();
    waiting = null;
  };
  worker.on('message', (m: WorkerMessage) => {
    if (m.t === 'progress') {
      invalid = m.invalid;
      onProgress?.({ rows: m.rows, bytesRead: m.bytesRead, totalBytes });
      return;
    }
    queue.push(m);
    wake();
  });
  worker.on('error', (err) => {
    failure ??= err;
    wake();
  });
  worker.on('exit', (code) => {
    if (!final && !closed) failure ??= new Error(`the import worker stopped (exit code ${code})`);
    wake();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    void worker.terminate();
  };
  return {
    async next() {
      for (;;) {
        const m = queue.shift();
        if (m?.t === 'batch') {
          worker.postMessage({ t: 'ack' });
          invalid = m.invalid;
          return { batch: m.batch, progress: { rows: m.rows, bytesRead: m.bytesRead, totalBytes } };
        }
        if (m?.t === 'done') {
          final = m;
          invalid = m.counters.invalid;
          onProgress?.({ rows: m.counters.rows, bytesRead: m.bytesRead, totalBytes });
          close();
          return null;
        }
        if (m?.t === 'fail') {
          close();
          if (m.fileError) throw new ImportFileError(m.message);
          const err = new Error(m.message);
          if (m.stack) err.stack = m.stack;
          throw err;
        }
        if (failure) {
          close();
          throw failure;
        }
        await new Promise<void>((r) => (waiting = r));
      }
    },
    invalid: () => invalid,
    counters: () => {
      if (!final) throw new Error('the import worker has not finished');
      return final.counters;
    },
    ignored: () => final?.ignored ?? [],
    close,
  };
}

/** Starts the parse worker (`parse-worker.ts`, or `.js` when built). */
function spawnParseWorker(job: ParseJob): Worker {
  return startModuleWorker(siblingModule(import.meta.url, 'parse-worker'), { workerData: job });
}

class Rollback extends Error {}

/**
 * Writes a feed's batches in one transaction, in order, each while the next one is being read and
 * validated; reports what validation and the writes found. Nothing is written when invalid rows
 * were found without `skipInvalid`.
 */
async function writeFeed(
  store: Store,
  entity: ImportEntity,
  feed: Feed,
  options: ImportOptions,
): Promise<ImportReport> {
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  // Rows found invalid only when written: signals whose domain no company has.
  const late = newCounters();
  const writing = () => options.skipInvalid === true || feed.invalid() + late.invalid === 0;
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
  let restoreIndexes: (() => Promise<void>) | null = null;
  // The table was empty when the import began and stays the import's own until it commits: a batch
  // of keys no earlier batch had is all new, and is appended without conflict checks.
  let emptyAtStart = false;
  const upsert = <T extends PgTable>(
    table: T,
    key: BulkUpsertOptions<T>['key'],
    batch: { encoded: EncodedRows; fresh: boolean },
    tx: Db,
  ): Promise<UpsertCounts> => {
    if (emptyAtStart && batch.fresh) return insertNew(store, table, batch.encoded, tx);
    return bulkUpsert(store, table, batch.encoded, { key, tx });
  };

  const write = async (batch: WriteBatch, progress: ImportProgress, tx: Db) => {
    let counts: UpsertCounts;
    switch (batch.entity) {
      case 'companies':
        counts = await upsert(intelCompanies, ['domain'], batch, tx);
        break;
      case 'people':
        counts = await upsert(intelPeople, ['personKey'], batch, tx);
        break;
      case 'investors':
        counts = await upsert(intelInvestors, ['domain'], batch, tx);
        break;
      case 'signals': {
        const out = await upsertSignals(store, batch.json, batch.size, tx);
        counts = out.counts;
        const badRows = new Set<number>();
        for (const m of out.missing) {
          if (badRows.has(m.row)) continue;
          badRows.add(m.row);
          addError(
            late,
            {
              row: m.row,
              line: m.line,
              column: 'domain',
              value: m.domain,
              message: 'no company has this domain',
            },
            maxErrors,
          );
        }
        late.invalid += badRows.size;
        break;
      }
    }
    report.inserted += counts.inserted;
    report.updated += counts.updated;
    report.unchanged += counts.unchanged;
    report.batches++;
    options.onBatch?.({ ...progress, batch: report.batches, size: batch.size });
  };

  const run = async (tx: Db) => {
    // The write of one batch runs while the next one is read (PostgreSQL works in its own process,
    // a worker thread parses for PGlite); batches still land in order, one at a time.
    let inflight: Promise<void> = Promise.resolve();
    let first = true;
    try {
      for (;;) {
        const item = await feed.next();
        await inflight;
        if (!item) break;
        if (!writing()) continue;
        if (first) {
          first = false;
          const table = tableOf(entity);
          emptyAtStart = table !== null && (await lockIfEmpty(store, table, tx));
          restoreIndexes = await suspendIndexesForLargeLoad(
            store,
            entity,
            item.batch.size,
            item.progress,
            tx,
          );
        }
        inflight = write(item.batch, item.progress, tx);
        // Its error is rethrown by the next `await inflight`; until then it must not count as unhandled.
        inflight.catch(() => {});
      }
    } finally {
      feed.close();
    }
    if (!writing()) throw new Rollback();
    if (restoreIndexes) await restoreIndexes();
  };

  let rolledBack = false;
  try {
    await store.db.transaction(async (tx) => run(tx as unknown as Db));
    report.written = true;
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
    rolledBack = true;
  }
  const c = feed.counters();
  report.rows = c.rows;
  report.valid = c.valid - late.invalid;
  report.invalid = c.invalid + late.invalid;
  report.duplicates = c.duplicates;
  const errors = [...c.errors, ...late.errors].sort((a, b) => a.row - b.row);
  report.errors = errors.slice(0, maxErrors);
  report.errorsTruncated = c.errorsTruncated || late.errorsTruncated || errors.length > maxErrors;
  report.ignoredColumns = feed.ignored();
  if (rolledBack) {
    report.inserted = 0;
    report.updated = 0;
    report.unchanged = 0;
  }
  const recompute = options.recomputeGrowth ?? (entity === 'signals' || entity === 'companies');
  if (report.written && recompute && report.inserted + report.updated > 0) {
    await recomputeGrowth(store);
    report.growthRecomputed = true;
  }
  return report;
}

function tableOf(entity: ImportEntity) {
  return entity === 'companies'
    ? intelCompanies
    : entity === 'people'
      ? intelPeople
      : entity === 'investors'
        ? intelInvestors
        : null;
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
  const table = tableOf(entity);
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
  json: string,
  count: number,
  tx: Db,
): Promise<{ counts: UpsertCounts; missing: Array<{ row: number; line: number; domain: string }> }> {
  const [out] = await store.query<{
    missing: Array<{ row: number; line: number; domain: string }> | null;
    inserted: number;
    written: number;
  }>(
    sql`
    WITH t AS (
      SELECT * FROM jsonb_to_recordset(${json}::jsonb)
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
    counts: { inserted, updated: written - inserted, unchanged: count - missing.length - written },
    missing,
  };
}

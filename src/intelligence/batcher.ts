/**
 * The CPU side of an import: validates source records one by one, counts and keeps their errors,
 * folds repeated natural keys within a batch (the later row wins) and hands back full batches,
 * already encoded for the store. Needs no database, so it runs in a worker thread for large files.
 */
import { type CopyTarget, type EncodedRows, encodeRowsFor } from '../store/copy-text.js';
import { type ImportEntity, parseRecord, type SignalRow } from './records.js';
import { clip, type RowError, type SourceRecord } from './sources.js';

/** What validation found so far. */
export interface ImportCounters {
  /** Data rows read (records, not counting the header). */
  rows: number;
  valid: number;
  invalid: number;
  /** Rows whose natural key repeats one seen earlier in the same batch (the later one wins). */
  duplicates: number;
  errors: RowError[];
  errorsTruncated: boolean;
}

/** A signal with the place in the file it came from, to report a domain no company has. */
export type PlacedSignal = SignalRow & { row: number; line: number };

/** A batch ready to write: entity rows encoded for the store, or signals as JSON. */
export type WriteBatch =
  | {
      entity: 'companies' | 'people' | 'investors';
      size: number;
      encoded: EncodedRows;
      /** No key of this batch was in an earlier batch: into an empty table it is appended as is. */
      fresh: boolean;
    }
  | { entity: 'signals'; size: number; json: string };

export interface BatcherOptions {
  batchSize: number;
  maxErrors: number;
  /** How rows of the entity's table are encoded (`copyTargetOf`); not needed for signals. */
  target?: CopyTarget;
  skipInvalid: boolean;
}

/** Beyond this many keys the batcher stops remembering them, and no later batch is fresh. */
const MAX_TRACKED_KEYS = 2_000_000;

/**
 * A copy of `s` that keeps nothing else alive. A key cut from a cell can be a slice of the whole
 * chunk of the file it was read from; remembered as is, it would keep every chunk, so the file,
 * in memory. Slicing a concatenation flattens it into a string of its own first.
 */
function detached(s: string): string {
  return ` ${s}`.slice(1);
}

export function newCounters(): ImportCounters {
  return { rows: 0, valid: 0, invalid: 0, duplicates: 0, errors: [], errorsTruncated: false };
}

/** Keeps at most `max` errors and notes that more were dropped. */
export function addError(counters: ImportCounters, e: RowError, max: number): void {
  if (counters.errors.length < max) counters.errors.push(e);
  else counters.errorsTruncated = true;
}

export class Batcher {
  readonly counters = newCounters();
  private pending = new Map<string, object>();
  private seen: Set<string> | null;

  constructor(
    readonly entity: ImportEntity,
    private readonly options: BatcherOptions,
  ) {
    // Every key written so far, to mark the batches whose keys are all new (a set of keys in memory).
    this.seen = entity !== 'signals' ? new Set() : null;
  }

  /** Whether none of the pending keys was in an earlier batch; remembers them for later batches. */
  private allNew(): boolean {
    const seen = this.seen;
    if (!seen) return false;
    let fresh = true;
    for (const k of this.pending.keys()) {
      if (seen.has(k)) fresh = false;
      else seen.add(detached(k));
    }
    if (seen.size > MAX_TRACKED_KEYS) this.seen = null;
    return fresh;
  }

  /** Whether valid rows are still worth keeping: `skipInvalid`, or no invalid row so far. */
  writing(): boolean {
    return this.options.skipInvalid || this.counters.invalid === 0;
  }

  /** Takes one record; returns a batch when this one filled it. */
  add(src: SourceRecord): WriteBatch | null {
    const c = this.counters;
    c.rows++;
    if ('problem' in src) {
      c.invalid++;
      addError(c, src.problem, this.options.maxErrors);
      return null;
    }
    const parsed = parseRecord(this.entity, src.record);
    if (!parsed.ok) {
      c.invalid++;
      for (const p of parsed.problems) {
        addError(
          c,
          { row: src.row, line: src.line, column: p.column, value: clip(p.value), message: p.message },
          this.options.maxErrors,
        );
      }
      return null;
    }
    c.valid++;
    if (!this.writing()) {
      this.pending.clear();
      return null;
    }
    const before = this.pending.size;
    let added = 1;
    switch (parsed.entity) {
      case 'companies':
      case 'investors':
        this.pending.set(parsed.row.domain, parsed.row);
        break;
      case 'people':
        this.pending.set(parsed.row.personKey, parsed.row);
        break;
      case 'signals':
        added = parsed.rows.length;
        for (const s of parsed.rows) {
          this.pending.set(`${s.domain}|${s.metric}|${s.observedOn}`, {
            ...s,
            row: src.row,
            line: src.line,
          } satisfies PlacedSignal);
        }
        break;
    }
    c.duplicates += added - (this.pending.size - before);
    return this.pending.size >= this.options.batchSize ? this.take() : null;
  }

  /** The rows still pending as a last batch, if any are worth writing. */
  finish(): WriteBatch | null {
    return this.pending.size > 0 && this.writing() ? this.take() : null;
  }

  private take(): WriteBatch {
    const fresh = this.allNew();
    const rows = [...this.pending.values()];
    this.pending = new Map();
    const size = rows.length;
    const entity = this.entity;
    if (entity === 'signals') return { entity, size, json: JSON.stringify(rows) };
    const target = this.options.target;
    if (!target) throw new Error(`importing ${entity} needs the table's columns`);
    return { entity, size, fresh, encoded: encodeRowsFor(target, rows as Array<Record<string, unknown>>) };
  }
}

/**
 * Where imported records come from: CSV and NDJSON files read as streams, one record at a time, with
 * canonical column names and the row and line of each, or the structural problem that spoiled it.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { csvStream } from './csv.js';
import { canonicalColumn, type ImportEntity } from './records.js';

export type ImportFormat = 'csv' | 'ndjson';

/** One invalid row: where it is (data row number, file line), which column, what value, why. */
export interface RowError {
  row: number;
  line: number;
  column: string;
  value: string | null;
  message: string;
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
 * The records of a file in `format`, read as a stream; `stream` tells how far it has read and is
 * destroyed to stop early. Columns the entity does not know are added to `ignored`.
 */
export function fileRecords(
  file: string,
  format: ImportFormat,
  entity: ImportEntity,
  ignored: Set<string>,
): { stream: ReadStream; records: AsyncGenerator<SourceRecord> } {
  const stream = createReadStream(file);
  const records =
    format === 'csv' ? csvRecords(stream, entity, ignored) : ndjsonRecords(stream, entity, ignored);
  return { stream, records };
}

export async function* csvRecords(
  stream: NodeJS.ReadableStream,
  entity: ImportEntity,
  ignored: Set<string>,
): AsyncGenerator<SourceRecord> {
  let header: Array<string | null> | null = null;
  let row = 0;
  try {
    for await (const chunk of csvStream(stream as AsyncIterable<Buffer>)) {
      for (const { cells, line } of chunk) {
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
          const message = `has ${cells.length} fields, the header has ${header.length}`;
          yield { row, line, problem: { row, line, column: '(row)', value: null, message } };
          continue;
        }
        const record: Record<string, unknown> = {};
        for (let i = 0; i < header.length; i++) {
          const key = header[i];
          if (key) record[key] = cells[i];
        }
        yield { row, line, record };
      }
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError(`not a readable CSV file: ${(err as Error).message}`);
  }
  if (header === null) throw new ImportFileError('the file is empty: a CSV import needs a header row');
}

export async function* ndjsonRecords(
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

export function clip(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

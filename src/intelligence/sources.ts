/**
 * Where imported records come from: CSV and NDJSON files read as streams, one record at a time, with
 * canonical column names and the row and line of each, or the structural problem that spoiled it.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { extname } from 'node:path';
import { csvStream } from './csv.js';
import { canonicalColumn, type ImportEntity } from './records.js';
import { INVALID_UTF8, replacementAt, Utf8Decoder } from './utf8.js';

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
  let written: string[] = [];
  let row = 0;
  const decoder = new Utf8Decoder();
  try {
    for await (const chunk of csvStream(stream as AsyncIterable<Buffer>, decoder)) {
      for (const { cells, line } of chunk) {
        if (header === null) {
          if (decoder.invalid && cells.some((h) => replacementAt(h) > 0)) {
            throw new ImportFileError(`the header row (line ${line}) ${INVALID_UTF8}`);
          }
          written = cells.map((h) => h.trim());
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
        if (decoder.invalid) {
          const bad = header.findIndex((key, i) => key !== null && replacementAt(cells[i] ?? '') > 0);
          if (bad >= 0) {
            yield { row, line, problem: invalidUtf8(row, line, written[bad] ?? '?', cells[bad] ?? '') };
            continue;
          }
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
  const decoder = new Utf8Decoder();
  let line = 0;
  let row = 0;
  const keyMap = new Map<string, string | null>();
  for await (const text of lines(stream as AsyncIterable<Buffer>, decoder)) {
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
    if (decoder.invalid && replacementAt(text) > 0) {
      const bad = Object.entries(value).find(
        ([k, v]) => replacementAt(k) > 0 || replacementAt(JSON.stringify(v) ?? '') > 0,
      );
      const [key, v] = bad ?? ['(line)', text];
      yield {
        row,
        line,
        problem: invalidUtf8(row, line, key, typeof v === 'string' ? v : JSON.stringify(v)),
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

/** The lines of a byte stream (ended by LF, CRLF or a lone CR), decoded by `decoder`. */
async function* lines(input: AsyncIterable<Buffer | string>, decoder: Utf8Decoder): AsyncGenerator<string> {
  const lineBreak = /\r\n|\n|\r/g;
  let carry = '';
  for await (const chunk of input) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    // A CR at the end may be the first half of a CRLF: keep it for the next chunk.
    const usable = text.endsWith('\r') ? text.length - 1 : text.length;
    let from = 0;
    lineBreak.lastIndex = 0;
    for (let m = lineBreak.exec(text); m !== null && m.index < usable; m = lineBreak.exec(text)) {
      yield text.slice(from, m.index);
      from = m.index + m[0].length;
    }
    carry = text.slice(from);
  }
  carry += decoder.end();
  const rest = carry.split(/\r\n|\n|\r/);
  if (rest.at(-1) === '') rest.pop();
  yield* rest;
}

function invalidUtf8(row: number, line: number, column: string, value: string): RowError {
  const at = replacementAt(value);
  return {
    row,
    line,
    column,
    value: clip(value),
    message: `${INVALID_UTF8}: an invalid byte sequence at character ${at} of the value`,
  };
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

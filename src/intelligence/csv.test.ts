import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, CsvSyntaxError, csvStream } from './csv.js';

/** Feeds `text` as UTF-8 bytes cut at the given sizes (cycling), so cuts fall inside characters too. */
async function read(text: string, cuts: number[] = [65536]): Promise<CsvRecord[]> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = cuts[k % cuts.length] as number;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  const out: CsvRecord[] = [];
  for await (const batch of csvStream(
    (async function* () {
      yield* chunks;
    })(),
  ))
    out.push(...batch);
  return out;
}

/** The reference: csv-parse with the options the importer used to run it with. */
function reference(text: string): CsvRecord[] {
  const rows = parse(text, {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  }) as unknown as Array<{
    record: string[];
    info: { lines: number };
  }>;
  return rows.map((r) => ({ cells: r.record, line: r.info.lines }));
}

function rng(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
}

const PIECES = ['a', 'b', 'Zürich', '日本', ' ', ',', '"', '\n', '1', '', 'x y', '🚀', '\\', '\t'];

function randomDocument(rnd: () => number, eol: string): string {
  const lines: string[] = [];
  const records = 1 + Math.floor(rnd() * 40);
  for (let r = 0; r < records; r++) {
    if (rnd() < 0.1) lines.push('');
    const fields: string[] = [];
    const n = 1 + Math.floor(rnd() * 6);
    for (let f = 0; f < n; f++) {
      let v = '';
      const parts = Math.floor(rnd() * 5);
      for (let p = 0; p < parts; p++) v += PIECES[Math.floor(rnd() * PIECES.length)];
      if (eol === '\r\n') v = v.replace(/\n/g, ' ');
      const quote = /[",\n\r]/.test(v) || (v !== '' && rnd() < 0.2) || (n === 1 && v === '');
      fields.push(quote ? `"${v.replace(/"/g, '""')}"` : v);
    }
    lines.push(fields.join(','));
  }
  const bom = rnd() < 0.2 ? '\ufeff' : '';
  return bom + lines.join(eol) + (rnd() < 0.5 ? eol : '');
}

describe('CSV reader', () => {
  it('reads random documents exactly as csv-parse does, whatever the chunk boundaries', async () => {
    const rnd = rng(7);
    for (let k = 0; k < 300; k++) {
      const eol = k % 3 === 0 ? '\r\n' : '\n';
      const doc = randomDocument(rnd, eol);
      const cuts = [1 + Math.floor(rnd() * 7), 1 + Math.floor(rnd() * 50), 3];
      const expected = reference(doc);
      expect(await read(doc, cuts), JSON.stringify(doc)).toEqual(expected);
      expect(await read(doc)).toEqual(expected);
    }
  });

  it('takes LF, CRLF and lone CR as line ends, even mixed, and numbers records by the line they end on', async () => {
    expect(await read('a,b\r\nc\nd\re\r\n\r\n"multi\nline",x\n\nlast')).toEqual([
      { cells: ['a', 'b'], line: 1 },
      { cells: ['c'], line: 2 },
      { cells: ['d'], line: 3 },
      { cells: ['e'], line: 4 },
      { cells: ['multi\nline', 'x'], line: 7 },
      { cells: ['last'], line: 9 },
    ]);
    // A CRLF cut between its two halves is still one line end.
    expect(await read('a\r\nb\r\n', [2, 1, 100])).toEqual([
      { cells: ['a'], line: 1 },
      { cells: ['b'], line: 2 },
    ]);
  });

  it('rejects malformed quoting, naming the line, as csv-parse does', async () => {
    const cases: Array<[string, RegExp]> = [
      ['a,b\nab"c,d\n', /a quote inside the unquoted field "ab\\"" at line 2/],
      [
        'a,b\n"ab"c,d\n',
        /a quoted field is followed by "c" instead of a comma or the end of the line at line 2/,
      ],
      ['a,b\nx,"open\nstill open\n', /a quoted field opened here is not closed at line 2/],
    ];
    for (const [doc, message] of cases) {
      expect(() => reference(doc)).toThrow();
      await expect(read(doc)).rejects.toThrow(CsvSyntaxError);
      await expect(read(doc, [3])).rejects.toThrow(message);
    }
  });
});

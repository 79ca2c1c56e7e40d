import { describe, expect, it } from 'vitest';
import { Utf8Decoder } from './utf8.js';

function decodeInPieces(bytes: Buffer, cut: number): { text: string; invalid: boolean } {
  const d = new Utf8Decoder();
  const text = d.write(bytes.subarray(0, cut)) + d.write(bytes.subarray(cut)) + d.end();
  return { text, invalid: d.invalid };
}

describe('Utf8Decoder', () => {
  const good = Buffer.from('naïve café, a real \uFFFD kept, 日本\n', 'utf8');
  const bad = Buffer.concat([Buffer.from('Zürich '), Buffer.from([0xff, 0xfe]), Buffer.from(' end\n')]);

  it('accepts valid UTF-8, a real U+FFFD included, wherever the chunks are cut', () => {
    for (let cut = 0; cut <= good.length; cut++) {
      expect(decodeInPieces(good, cut)).toEqual({ text: good.toString('utf8'), invalid: false });
    }
  });

  it('notices invalid bytes wherever the chunks are cut', () => {
    for (let cut = 0; cut <= bad.length; cut++) expect(decodeInPieces(bad, cut).invalid).toBe(true);
  });

  it('notices a sequence cut short by the end of the stream', () => {
    expect(decodeInPieces(Buffer.from([0x61, 0xe6, 0x97]), 1).invalid).toBe(true);
  });
});

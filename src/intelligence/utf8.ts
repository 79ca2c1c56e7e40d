/**
 * Decodes a byte stream as UTF-8 and notices invalid bytes. Node's decoders replace an invalid
 * sequence with U+FFFD silently; an import must refuse such values instead of storing mangled text,
 * so this decoder records whether any replacement happened. It stays on the fast path (one
 * `TextDecoder` pass) and looks closer only at chunks whose text holds U+FFFD, telling a
 * replacement from a U+FFFD the file really contains by counting that character's own bytes.
 */

const REPLACEMENT = '\uFFFD';

export class Utf8Decoder {
  readonly #decoder = new TextDecoder('utf-8');
  /** The last two bytes of the previous chunk, so a U+FFFD split across chunks is counted once. */
  #tail: Buffer = Buffer.alloc(0);
  #invalid = false;

  /**
   * True once an invalid byte sequence was read. From then on, a U+FFFD in a value of this file is
   * taken to be a replacement (a file that mixes both is not told apart character by character).
   */
  get invalid(): boolean {
    return this.#invalid;
  }

  /** The text of `chunk`; an incomplete sequence at its end waits for the next chunk. */
  write(chunk: Buffer): string {
    const text = this.#decoder.decode(chunk, { stream: true });
    if (!this.#invalid && text.includes(REPLACEMENT)) {
      const bytes = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk;
      if (occurrences(text, REPLACEMENT) > ownEncodings(bytes)) this.#invalid = true;
    }
    this.#tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 2)));
    return text;
  }

  /** The end of the stream: a sequence cut short by the end of the file is invalid too. */
  end(): string {
    const text = this.#decoder.decode();
    if (text.includes(REPLACEMENT)) this.#invalid = true;
    return text;
  }
}

function occurrences(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/** How many times U+FFFD's own encoding (EF BF BD) occurs in `bytes`. */
function ownEncodings(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0xef); i >= 0 && i + 2 < bytes.length; i = bytes.indexOf(0xef, i + 1)) {
    if (bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) n++;
  }
  return n;
}

/** The 1-based character position of the first replacement in `value`, or 0 when it has none. */
export function replacementAt(value: string): number {
  return value.indexOf(REPLACEMENT) + 1;
}

/** The message of a value that held invalid UTF-8. */
export const INVALID_UTF8 = 'is not valid UTF-8 text (the file must be saved as UTF-8)';

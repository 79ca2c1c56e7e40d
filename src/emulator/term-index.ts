/**
 * Word-prefix search, the way Affinity's `term` parameter behaves: the term is split on whitespace
 * and every word of it must be a prefix of some token of the entity (case-insensitive). Tokens are
 * the words of names and whole emails/domains plus their parts, so `doe` finds "John Doe" and
 * `jdoe@alumni.stanford.edu`, `acme.co` finds the domain, `stanford` finds the email's domain.
 *
 * Memory matters at a million entities: a token maps to one id (a number) or an ascending id
 * array. Prefix ranges come from a sorted token list with the postings alongside (`slots`), so a
 * prefix is two binary searches and a walk over adjacent slots, with no hash lookup per token.
 * New tokens wait in a small unsorted buffer (scanned linearly) and are merged in bulk, so loading
 * 100k entities stays linear-ish and a write between two searches costs no re-sort.
 */
type Posting = number | number[];

export class TermIndex {
  /** Every token's posting; the source of truth. */
  private readonly postings = new Map<string, Posting>();
  /** Merged tokens in ascending order and, at the same index, their postings. */
  private sorted: string[] = [];
  private slots: Posting[] = [];
  /** Bounds of every id ever added (never narrowed): the span of a bitmap over all ids. */
  private minId = Number.POSITIVE_INFINITY;
  private maxId = Number.NEGATIVE_INFINITY;
  /** Tokens added since the last merge, unsorted; their postings are only in `postings`. */
  private pending: string[] = [];

  /**
   * Matches of words matching many ids (short prefixes: thousands of rows, paged 500 at a time),
   * least recently used first; an add or remove of a token drops the entries of its prefixes.
   */
  private readonly cache = new Map<string, readonly number[]>();
  private cachedIds = 0;
  private cachedMaxLength = 0;
  private static readonly CACHE_MAX_IDS = 2_000_000;
  private readonly maxPending: number;
  private readonly cacheMinIds: number;

  /**
   * `maxPending`: how many new tokens may wait (and be scanned per search) before a merge;
   * `cacheMinIds`: how many ids a word must match for its matches to be cached.
   */
  constructor(options: { maxPending?: number; cacheMinIds?: number } = {}) {
    this.maxPending = options.maxPending ?? 512;
    this.cacheMinIds = options.cacheMinIds ?? 1024;
  }

  add(id: number, tokens: Iterable<string>): void {
    if (id < this.minId) this.minId = id;
    if (id > this.maxId) this.maxId = id;
    for (const token of tokens) {
      if (this.cache.size > 0) this.forgetPrefixes(token);
      const cur = this.postings.get(token);
      if (cur === undefined) {
        this.postings.set(token, id);
        this.pending.push(token);
      } else if (typeof cur === 'number') {
        if (cur !== id) this.setPosting(token, cur < id ? [cur, id] : [id, cur]);
      } else if (id > (cur[cur.length - 1] as number)) {
        // The common case: ids come from one ascending sequence, so a new id goes at the end.
        cur.push(id);
      } else {
        insertSorted(cur, id);
      }
    }
  }

  remove(id: number, tokens: Iterable<string>): void {
    for (const token of tokens) {
      if (this.cache.size > 0) this.forgetPrefixes(token);
      const cur = this.postings.get(token);
      if (cur === undefined) continue;
      if (typeof cur === 'number') {
        if (cur !== id) continue;
        this.postings.delete(token);
        const at = this.sortedIndex(token);
        if (at >= 0) {
          this.sorted.splice(at, 1);
          this.slots.splice(at, 1);
        } else {
          const p = this.pending.indexOf(token);
          if (p >= 0) this.pending.splice(p, 1);
        }
      } else {
        const at = lowerBoundId(cur, id);
        if (cur[at] !== id) continue;
        cur.splice(at, 1);
        if (cur.length === 1) this.setPosting(token, cur[0] as number);
      }
    }
  }

  /** Drops the cached matches of every prefix of `token` (only prefixes as long as a cached word). */
  private forgetPrefixes(token: string): void {
    const n = Math.min(token.length, this.cachedMaxLength);
    for (let k = 1; k <= n; k++) {
      const word = token.slice(0, k);
      const hit = this.cache.get(word);
      if (hit === undefined) continue;
      this.cache.delete(word);
      this.cachedIds -= hit.length;
    }
  }

  /** The matches of `word`, from the cache when they are there. */
  private cachedMatches(word: string): readonly number[] {
    const hit = this.cache.get(word);
    if (hit !== undefined) {
      // Most recently used last.
      this.cache.delete(word);
      this.cache.set(word, hit);
      return hit;
    }
    const ids = this.matches(word);
    if (ids.length >= this.cacheMinIds && ids.length <= TermIndex.CACHE_MAX_IDS) {
      for (const [oldest, old] of this.cache) {
        if (this.cachedIds + ids.length <= TermIndex.CACHE_MAX_IDS) break;
        this.cache.delete(oldest);
        this.cachedIds -= old.length;
      }
      this.cache.set(word, ids);
      this.cachedIds += ids.length;
      if (word.length > this.cachedMaxLength) this.cachedMaxLength = word.length;
    }
    return ids;
  }

  /** Replaces a token's posting by another value (arrays change in place and need no call). */
  private setPosting(token: string, posting: Posting): void {
    this.postings.set(token, posting);
    const at = this.sortedIndex(token);
    if (at >= 0) this.slots[at] = posting;
  }

  /** The token's index in `sorted`, or -1 when it is pending. */
  private sortedIndex(token: string): number {
    const at = lowerBound(this.sorted, token);
    return this.sorted[at] === token ? at : -1;
  }

  /** Merges the pending tokens into the sorted list (one sort of the buffer, one linear merge). */
  private flush(): void {
    const add = this.pending.sort();
    this.pending = [];
    const old = this.sorted;
    const oldSlots = this.slots;
    const n = old.length + add.length;
    const out: string[] = new Array(n);
    const outSlots: Posting[] = new Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    const takeNew = (): void => {
      const token = add[j++] as string;
      out[k] = token;
      outSlots[k++] = this.postings.get(token) as Posting;
    };
    while (i < old.length && j < add.length) {
      if ((old[i] as string) < (add[j] as string)) {
        out[k] = old[i] as string;
        outSlots[k++] = oldSlots[i++] as Posting;
      } else takeNew();
    }
    while (i < old.length) {
      out[k] = old[i] as string;
      outSlots[k++] = oldSlots[i++] as Posting;
    }
    while (j < add.length) takeNew();
    this.sorted = out;
    this.slots = outSlots;
  }

  /**
   * Ids matching every word of `term`, ascending and distinct; null when the term has no words
   * (match all). The array may be the index's cached one: read it, never change it.
   */
  search(term: string): readonly number[] | null {
    const words = term.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return null;
    if (this.pending.length > this.maxPending) this.flush();
    let result: readonly number[] | null = null;
    for (const word of words) {
      const ids = this.cachedMatches(word);
      result = result ? intersect(result, ids) : ids;
      if (result.length === 0) break;
    }
    return result ?? [];
  }

  /**
   * Ids of the tokens starting with `word`, ascending and distinct. Tokens of one prefix are a
   * contiguous run of the sorted list and their postings are ascending, so one match is a copy.
   * Several are merged without a Set or a comparator (a name and a domain of one entity often share
   * a prefix, so ids repeat): when many tokens match (32 or fewer ids of the index's span per
   * token, e.g. a short prefix matching thousands of rows) the ids are set in a bitmap over the
   * span and read back in order; otherwise they are gathered into a typed array, sorted
   * numerically and de-duplicated.
   */
  private matches(word: string): number[] {
    const sorted = this.sorted;
    const from = lowerBound(sorted, word);
    // Every token starting with `word` sorts below `word` + U+FFFF, bar tokens holding U+FFFF
    // right after the prefix, which the walk past the bound still picks up.
    let to = lowerBound(sorted, `${word}\uffff`);
    while (to < sorted.length && (sorted[to] as string).startsWith(word)) to++;
    const lists = this.slots.slice(from, to);
    for (const token of this.pending) {
      if (!token.startsWith(word)) continue;
      const p = this.postings.get(token);
      if (p !== undefined) lists.push(p);
    }
    if (lists.length === 0) return [];
    if (lists.length === 1) {
      const only = lists[0] as Posting;
      return typeof only === 'number' ? [only] : only.slice();
    }
    // Dense enough for a bitmap over every id (at most 32 bits per matching token)?
    const span = this.maxId - this.minId + 1;
    if (span <= lists.length * 32 && span <= 0x7fffffff && Number.isInteger(this.minId))
      return bitmapUnion(lists, this.minId, span);
    let total = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const p of lists) {
      const first = typeof p === 'number' ? p : (p[0] as number);
      const last = typeof p === 'number' ? p : (p[p.length - 1] as number);
      total += typeof p === 'number' ? 1 : p.length;
      if (first < min) min = first;
      if (last > max) max = last;
    }
    // Ids come from one sequence and fit 32 bits; the typed sort of Uint32 is ~2.5x that of Float64.
    const all = min >= 0 && max <= 0xffffffff ? new Uint32Array(total) : new Float64Array(total);
    let k = 0;
    for (const p of lists) {
      if (typeof p === 'number') all[k++] = p;
      else for (let j = 0; j < p.length; j++) all[k++] = p[j] as number;
    }
    all.sort();
    const out: number[] = [];
    let last = Number.NaN;
    for (let j = 0; j < all.length; j++) {
      const id = all[j] as number;
      if (id !== last) out.push(id);
      last = id;
    }
    return out;
  }
}

/** The distinct ids of `lists` (all within `min` .. `min + span - 1`), ascending, via a bitmap. */
function bitmapUnion(lists: readonly Posting[], min: number, span: number): number[] {
  const bits = new Int32Array((span + 31) >>> 5);
  for (const p of lists) {
    if (typeof p === 'number') {
      const o = p - min;
      bits[o >>> 5] = (bits[o >>> 5] as number) | (1 << (o & 31));
    } else {
      for (let j = 0; j < p.length; j++) {
        const o = (p[j] as number) - min;
        bits[o >>> 5] = (bits[o >>> 5] as number) | (1 << (o & 31));
      }
    }
  }
  const out: number[] = [];
  for (let w = 0; w < bits.length; w++) {
    let b = bits[w] as number;
    while (b !== 0) {
      const low = b & -b;
      out.push(min + w * 32 + (31 - Math.clz32(low)));
      b ^= low;
    }
  }
  return out;
}

/** Ids in both ascending arrays, ascending. */
function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of ascending `arr` not below `id`. */
function lowerBoundId(arr: readonly number[], id: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `id` into ascending `arr` unless it is already there. */
function insertSorted(arr: number[], id: number): void {
  const at = lowerBoundId(arr, id);
  if (arr[at] !== id) arr.splice(at, 0, id);
}

/** Words of a name: whitespace-separated, and their alphanumeric parts ("O'Brien" → o'brien, o, brien). */
export function nameTokens(...names: Array<string | null | undefined>): string[] {
  const out = new Set<string>();
  for (const name of names) {
    if (!name) continue;
    for (const word of name.toLowerCase().split(/\s+/)) {
      if (!word) continue;
      out.add(word);
      for (const part of word.split(/[^\p{L}\p{N}]+/u)) if (part) out.add(part);
    }
  }
  return [...out];
}

/** An email, whole, and its domain's tokens. */
export function emailTokens(email: string): string[] {
  const e = email.toLowerCase();
  const at = e.indexOf('@');
  return at > 0 ? [e, ...domainTokens(e.slice(at + 1))] : [e];
}

/**
 * A domain, whole and from each inner label on (`alumni.stanford.edu` → also `stanford.edu`), so a
 * word finds the registrable name under any subdomain. The bare top-level label is left out.
 */
export function domainTokens(domain: string): string[] {
  const labels = domain.toLowerCase().split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length - 1; i++) out.push(labels.slice(i).join('.'));
  return out.length ? out : [domain.toLowerCase()];
}

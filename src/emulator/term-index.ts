/**
 * Word-prefix search, the way Affinity's `term` parameter behaves: the term is split on whitespace
 * and every word of it must be a prefix of some token of the entity (case-insensitive). Tokens are
 * the words of names and whole emails/domains plus their parts, so `doe` finds "John Doe" and
 * `jdoe@alumni.stanford.edu`, `acme.co` finds the domain, `stanford` finds the email's domain.
 *
 * Memory matters at a million entities: a token maps to one id (a number) or an ascending id
 * array. Prefix ranges come from a sorted token list; new tokens wait in a small unsorted buffer
 * (scanned linearly) and are merged in bulk, so loading 100k entities stays linear-ish and a
 * write between two searches costs no re-sort.
 */
export class TermIndex {
  private readonly postings = new Map<string, number | number[]>();
  private sorted: string[] = [];
  private pending: string[] = [];
  private static readonly MAX_PENDING = 2048;

  add(id: number, tokens: Iterable<string>): void {
    for (const token of tokens) {
      const cur = this.postings.get(token);
      if (cur === undefined) {
        this.postings.set(token, id);
        this.pending.push(token);
      } else if (typeof cur === 'number') {
        if (cur !== id) this.postings.set(token, cur < id ? [cur, id] : [id, cur]);
      } else if (!cur.includes(id)) {
        insertSorted(cur, id);
      }
    }
  }

  remove(id: number, tokens: Iterable<string>): void {
    for (const token of tokens) {
      const cur = this.postings.get(token);
      if (cur === undefined) continue;
      if (typeof cur === 'number') {
        if (cur !== id) continue;
        this.postings.delete(token);
        const p = this.pending.indexOf(token);
        if (p >= 0) this.pending.splice(p, 1);
        else {
          const at = lowerBound(this.sorted, token);
          if (this.sorted[at] === token) this.sorted.splice(at, 1);
        }
      } else {
        const at = cur.indexOf(id);
        if (at < 0) continue;
        cur.splice(at, 1);
        if (cur.length === 1) this.postings.set(token, cur[0] as number);
      }
    }
  }

  /** Merges the pending tokens into the sorted list (one sort of the buffer, one linear merge). */
  private flush(): void {
    const add = this.pending.sort();
    this.pending = [];
    const old = this.sorted;
    const out: string[] = new Array(old.length + add.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length && j < add.length) {
      out[k++] = (old[i] as string) < (add[j] as string) ? (old[i++] as string) : (add[j++] as string);
    }
    while (i < old.length) out[k++] = old[i++] as string;
    while (j < add.length) out[k++] = add[j++] as string;
    this.sorted = out;
  }

  /** Ids matching every word of `term`, ascending; null when the term has no words (match all). */
  search(term: string): number[] | null {
    const words = term.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return null;
    if (this.pending.length > TermIndex.MAX_PENDING) this.flush();
    let result: Set<number> | null = null;
    for (const word of words) {
      const ids = new Set<number>();
      const collect = (token: string): void => {
        const p = this.postings.get(token);
        if (p === undefined) return;
        if (typeof p === 'number') {
          if (!result || result.has(p)) ids.add(p);
        } else {
          for (const id of p) if (!result || result.has(id)) ids.add(id);
        }
      };
      for (let i = lowerBound(this.sorted, word); i < this.sorted.length; i++) {
        const token = this.sorted[i] as string;
        if (!token.startsWith(word)) break;
        collect(token);
      }
      for (const token of this.pending) if (token.startsWith(word)) collect(token);
      result = ids;
      if (result.size === 0) break;
    }
    return result ? [...result].sort((a, b) => a - b) : [];
  }
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

function insertSorted(arr: number[], id: number): void {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < id) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, id);
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

import { describe, expect, it } from 'vitest';
import type { Page } from '../transport.js';
import { AffinityPaginationError } from './errors.js';
import { paginate, paginatePages } from './pagination.js';

/** A page source that answers from a map of token → page and records the tokens asked for. */
function source(pages: Record<string, Page<number>>) {
  const asked: Array<string | undefined> = [];
  const fetchPage = async (token: string | undefined) => {
    asked.push(token);
    const page = pages[token ?? ''];
    if (!page) throw new Error(`unexpected token ${token}`);
    return page;
  };
  return { asked, fetchPage };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('paginate', () => {
  it('stops on next_page_token null', async () => {
    const s = source({ '': { items: [1, 2], nextPageToken: 'a' }, a: { items: [3], nextPageToken: null } });
    expect(await collect(paginate(s.fetchPage))).toEqual([1, 2, 3]);
    expect(s.asked).toEqual([undefined, 'a']);
  });

  it('stops when the token is absent', async () => {
    const s = source({ '': { items: [1], nextPageToken: 'a' }, a: { items: [2], nextPageToken: undefined } });
    expect(await collect(paginate(s.fetchPage))).toEqual([1, 2]);
  });

  it('passes through empty pages until the final null', async () => {
    const s = source({
      '': { items: [], nextPageToken: 'a' },
      a: { items: [1], nextPageToken: 'b' },
      b: { items: [], nextPageToken: null },
    });
    expect(await collect(paginate(s.fetchPage))).toEqual([1]);
    const pages = await collect(paginatePages(source({ '': { items: [], nextPageToken: null } }).fetchPage));
    expect(pages).toEqual([{ items: [], nextPageToken: null }]);
  });

  it('throws on a repeated token instead of looping', async () => {
    const s = source({
      '': { items: [1], nextPageToken: 'a' },
      a: { items: [2], nextPageToken: 'b' },
      b: { items: [3], nextPageToken: 'a' },
    });
    const seen: number[] = [];
    const run = async () => {
      for await (const x of paginate(s.fetchPage, { endpoint: 'GET /persons' })) seen.push(x);
    };
    await expect(run()).rejects.toThrow(AffinityPaginationError);
    expect(seen).toEqual([1, 2, 3]);
    expect(s.asked).toEqual([undefined, 'a', 'b']);
    const looping = source({ '': { items: [], nextPageToken: 'x' }, x: { items: [], nextPageToken: 'x' } });
    await expect(collect(paginate(looping.fetchPage))).rejects.toThrow(/repeated page token x/);
    expect(looping.asked).toEqual([undefined, 'x']);
  });

  it('stops early when the consumer breaks, without fetching more', async () => {
    const s = source({ '': { items: [1, 2], nextPageToken: 'a' }, a: { items: [3], nextPageToken: null } });
    for await (const x of paginate(s.fetchPage)) if (x === 1) break;
    expect(s.asked).toEqual([undefined]);
  });
});

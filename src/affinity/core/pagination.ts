import type { Page } from '../transport.js';
import { AffinityPaginationError } from './errors.js';

export interface PaginateOptions {
  /** Route template named in errors, e.g. `GET /persons`. */
  endpoint?: string;
}

/**
 * Walks a paginated endpoint page by page. Stops when `nextPageToken` is `null`, absent or
 * empty; empty pages in between are passed through (Affinity may send one before the final
 * `null`). A token seen before means the server is going in circles: it throws
 * {@link AffinityPaginationError} instead of looping forever.
 */
export async function* paginatePages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
  options: PaginateOptions = {},
): AsyncGenerator<Page<T>> {
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await fetchPage(token);
    yield page;
    const next = page.nextPageToken;
    if (next === null || next === undefined || next === '') return;
    if (seen.has(next)) {
      throw new AffinityPaginationError({
        message: `${options.endpoint ?? 'pagination'}: the server repeated page token ${abbreviate(next)} after ${seen.size} pages; stopping instead of looping`,
        endpoint: options.endpoint ?? '(pagination)',
        method: 'GET',
        body: null,
      });
    }
    seen.add(next);
    token = next;
  }
}

/** Like {@link paginatePages}, one item at a time. */
export async function* paginate<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
  options: PaginateOptions = {},
): AsyncGenerator<T> {
  for await (const page of paginatePages(fetchPage, options)) yield* page.items;
}

function abbreviate(token: string): string {
  return token.length > 24 ? `${token.slice(0, 20)}…` : token;
}

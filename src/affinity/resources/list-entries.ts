import { paginate, paginatePages } from '../core/pagination.js';
import { type SuccessResponse, successSchema } from '../schemas/common.js';
import {
  type ListEntry,
  type ListEntryPage,
  listEntryArraySchema,
  listEntryPageSchema,
  listEntrySchema,
} from '../schemas/list-entries.js';
import type { Page, Transport } from '../transport.js';
import { checkId, checkOptionalId, checkPageSize } from './arguments.js';

/** Query of the paged form of `GET /lists/{list_id}/list-entries`. */
export interface ListEntryPageParams {
  page_size: number;
  page_token?: string;
}

/** `POST /lists/{list_id}/list-entries` payload. Opportunities cannot be added this way. */
export interface CreateListEntryParams {
  entity_id: number;
  creator_id?: number;
}

/** The page size used when iterating list entries (the search endpoints' maximum). */
export const DEFAULT_LIST_ENTRY_PAGE_SIZE = 500;

const LIST_ENTRIES = 'GET /lists/{list_id}/list-entries';

/** List entries: the rows of a list. */
export class ListEntriesResource {
  constructor(private readonly transport: Transport) {}

  /**
   * `GET /lists/{list_id}/list-entries` without `page_size`: every entry in one answer (a bare
   * array, newest first). One call, however long the list; see {@link page} to bound answers.
   */
  async all(listId: number): Promise<ListEntry[]> {
    return this.transport.request({
      method: 'GET',
      path: `/lists/${checkId(LIST_ENTRIES, 'list_id', listId)}/list-entries`,
      endpoint: LIST_ENTRIES,
      schema: listEntryArraySchema,
      idempotent: true,
    });
  }

  /** `GET /lists/{list_id}/list-entries?page_size=…`: one page `{list_entries, next_page_token}`. */
  async page(listId: number, params: ListEntryPageParams): Promise<ListEntryPage> {
    checkPageSize(LIST_ENTRIES, params.page_size);
    return this.transport.request({
      method: 'GET',
      path: `/lists/${checkId(LIST_ENTRIES, 'list_id', listId)}/list-entries`,
      endpoint: LIST_ENTRIES,
      query: { page_size: params.page_size, page_token: params.page_token },
      schema: listEntryPageSchema,
      idempotent: true,
    });
  }

  /** Every entry of a list, fetched page by page as the iteration advances. */
  iterate(listId: number, params: { page_size?: number } = {}): AsyncGenerator<ListEntry> {
    return paginate((token) => this.fetchPage(listId, params, token), { endpoint: LIST_ENTRIES });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(listId: number, params: { page_size?: number } = {}): AsyncGenerator<Page<ListEntry>> {
    return paginatePages((token) => this.fetchPage(listId, params, token), { endpoint: LIST_ENTRIES });
  }

  private async fetchPage(
    listId: number,
    params: { page_size?: number },
    token: string | undefined,
  ): Promise<Page<ListEntry>> {
    const page = await this.page(listId, {
      page_size: params.page_size ?? DEFAULT_LIST_ENTRY_PAGE_SIZE,
      ...(token === undefined ? {} : { page_token: token }),
    });
    return { items: page.list_entries, nextPageToken: page.next_page_token };
  }

  /** `GET /lists/{list_id}/list-entries/{list_entry_id}`. */
  async get(listId: number, listEntryId: number): Promise<ListEntry> {
    const endpoint = 'GET /lists/{list_id}/list-entries/{list_entry_id}';
    return this.transport.request({
      method: 'GET',
      path: `/lists/${checkId(endpoint, 'list_id', listId)}/list-entries/${checkId(endpoint, 'list_entry_id', listEntryId)}`,
      endpoint,
      schema: listEntrySchema,
      idempotent: true,
    });
  }

  /** `POST /lists/{list_id}/list-entries`: adds a person or organization to a list. */
  async create(listId: number, params: CreateListEntryParams): Promise<ListEntry> {
    const endpoint = 'POST /lists/{list_id}/list-entries';
    const body: Record<string, number> = { entity_id: checkId(endpoint, 'entity_id', params.entity_id) };
    const creator = checkOptionalId(endpoint, 'creator_id', params.creator_id);
    if (creator !== undefined) body.creator_id = creator;
    return this.transport.request({
      method: 'POST',
      path: `/lists/${checkId(endpoint, 'list_id', listId)}/list-entries`,
      endpoint,
      json: body,
      schema: listEntrySchema,
      idempotent: false,
    });
  }

  /** `DELETE /lists/{list_id}/list-entries/{list_entry_id}` (deletes an opportunity with its entry). */
  async delete(listId: number, listEntryId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /lists/{list_id}/list-entries/{list_entry_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/lists/${checkId(endpoint, 'list_id', listId)}/list-entries/${checkId(endpoint, 'list_entry_id', listEntryId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

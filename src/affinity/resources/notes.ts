import { paginate, paginatePages } from '../core/pagination.js';
import { type CreatableNoteType, type SuccessResponse, successSchema } from '../schemas/common.js';
import { type Note, type NotePage, notePageSchema, noteSchema } from '../schemas/notes.js';
import type { Page, Transport } from '../transport.js';
import {
  AffinityArgumentError,
  checkCode,
  checkId,
  checkIds,
  checkNonEmpty,
  checkOptionalId,
  checkPageSize,
  type DateInput,
  toOptionalIso,
} from './arguments.js';

/** Query of `GET /notes`. */
export interface NoteFilters {
  person_id?: number;
  organization_id?: number;
  opportunity_id?: number;
  /** Notes written by this user. */
  creator_id?: number;
  /** Default and maximum 500. */
  page_size?: number;
  page_token?: string;
}

/**
 * `POST /notes` payload: content plus the entities it is about, or `parent_id` to reply to a note
 * (a reply's entity ids are ignored by Affinity; the parent must not itself be a reply).
 */
export interface CreateNoteParams {
  content: string;
  person_ids?: number[];
  organization_ids?: number[];
  opportunity_ids?: number[];
  /** 0 plain text (default) or 2 HTML. */
  type?: CreatableNoteType;
  parent_id?: number;
  /** The author, if not the key's user; must be able to use Affinity. */
  creator_id?: number;
  /** Backdates the note; not in the future. */
  created_at?: DateInput;
}

/** How a note is sent: JSON (default) or `application/x-www-form-urlencoded`, as the reference shows both. */
export type NoteEncoding = 'json' | 'form';

const LIST = 'GET /notes';

/** Notes on persons, organizations and opportunities, and replies to notes. */
export class NotesResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /notes`: one page of notes, filtered. */
  async page(filters: NoteFilters = {}): Promise<NotePage> {
    return this.transport.request({
      method: 'GET',
      path: '/notes',
      endpoint: LIST,
      query: {
        person_id: checkOptionalId(LIST, 'person_id', filters.person_id),
        organization_id: checkOptionalId(LIST, 'organization_id', filters.organization_id),
        opportunity_id: checkOptionalId(LIST, 'opportunity_id', filters.opportunity_id),
        creator_id: checkOptionalId(LIST, 'creator_id', filters.creator_id),
        page_size: checkPageSize(LIST, filters.page_size),
        page_token: filters.page_token,
      },
      schema: notePageSchema,
      idempotent: true,
    });
  }

  /** Every note matching the filters, page by page as the iteration advances. */
  iterate(filters: Omit<NoteFilters, 'page_token'> = {}): AsyncGenerator<Note> {
    return paginate((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(filters: Omit<NoteFilters, 'page_token'> = {}): AsyncGenerator<Page<Note>> {
    return paginatePages((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  private async fetchPage(filters: NoteFilters, token: string | undefined): Promise<Page<Note>> {
    const page = await this.page(token === undefined ? filters : { ...filters, page_token: token });
    return { items: page.notes, nextPageToken: page.next_page_token };
  }

  /** `GET /notes/{note_id}`. */
  async get(noteId: number): Promise<Note> {
    const endpoint = 'GET /notes/{note_id}';
    return this.transport.request({
      method: 'GET',
      path: `/notes/${checkId(endpoint, 'note_id', noteId)}`,
      endpoint,
      schema: noteSchema,
      idempotent: true,
    });
  }

  /**
   * `POST /notes`: creates a plain-text or HTML note, or a reply. With `encoding: 'form'` the body
   * is form-encoded with Rails-style array keys (`person_ids[]=1`).
   */
  async create(params: CreateNoteParams, options: { encoding?: NoteEncoding } = {}): Promise<Note> {
    const endpoint = 'POST /notes';
    checkNonEmpty(endpoint, 'content', params.content);
    const body: Record<string, string | number | number[]> = { content: params.content };
    for (const key of ['person_ids', 'organization_ids', 'opportunity_ids'] as const) {
      const ids = checkIds(endpoint, key, params[key]);
      if (ids !== undefined) body[key] = ids;
    }
    const parent = checkOptionalId(endpoint, 'parent_id', params.parent_id);
    if (parent !== undefined) body.parent_id = parent;
    const hasEntity = ['person_ids', 'organization_ids', 'opportunity_ids'].some(
      (k) => (params[k as 'person_ids']?.length ?? 0) > 0,
    );
    if (!hasEntity && parent === undefined) {
      throw new AffinityArgumentError(
        endpoint,
        'person_ids/organization_ids/opportunity_ids/parent_id',
        'missing: a note needs at least one person, organization or opportunity, or a parent_id',
      );
    }
    if (params.type !== undefined) body.type = checkCode(endpoint, 'type', params.type, [0, 2]);
    const creator = checkOptionalId(endpoint, 'creator_id', params.creator_id);
    if (creator !== undefined) body.creator_id = creator;
    const createdAt = toOptionalIso(endpoint, 'created_at', params.created_at);
    if (createdAt !== undefined) body.created_at = createdAt;
    const base = { method: 'POST', path: '/notes', endpoint, schema: noteSchema, idempotent: false } as const;
    if (options.encoding === 'form') return this.transport.request({ ...base, form: body });
    return this.transport.request({ ...base, json: body });
  }

  /** `PUT /notes/{note_id}`: replaces the content. */
  async update(noteId: number, content: string): Promise<Note> {
    const endpoint = 'PUT /notes/{note_id}';
    checkNonEmpty(endpoint, 'content', content);
    return this.transport.request({
      method: 'PUT',
      path: `/notes/${checkId(endpoint, 'note_id', noteId)}`,
      endpoint,
      json: { content },
      schema: noteSchema,
      idempotent: true,
    });
  }

  /** `DELETE /notes/{note_id}`. */
  async delete(noteId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /notes/{note_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/notes/${checkId(endpoint, 'note_id', noteId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

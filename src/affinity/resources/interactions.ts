import { paginate, paginatePages } from '../core/pagination.js';
import {
  type Direction,
  type InteractionType,
  type LoggingType,
  type SuccessResponse,
  successSchema,
} from '../schemas/common.js';
import {
  type Interaction,
  type InteractionPage,
  interactionPageSchema,
  interactionSchema,
} from '../schemas/interactions.js';
import type { Page, Transport } from '../transport.js';
import {
  AffinityArgumentError,
  checkCode,
  checkId,
  checkIds,
  checkOneOf,
  checkOptionalCode,
  checkOptionalId,
  checkPageSize,
  type DateInput,
  type ExactlyOne,
  toIso,
  toOptionalIso,
} from './arguments.js';

/**
 * Query of `GET /interactions`: a type, a time range of at most one year (`end_time` exclusive)
 * and exactly one of the person, organization or opportunity the interactions involve.
 */
export type InteractionFilters = {
  type: InteractionType;
  start_time: DateInput;
  end_time: DateInput;
  logging_type?: LoggingType;
  /** Narrows to interactions this internal person took part in. */
  internal_person_id?: number;
  /** Chat messages and emails only. */
  direction?: Direction;
  /** Default and maximum 100. */
  page_size?: number;
  page_token?: string;
} & ExactlyOne<{ person_id: number; organization_id: number; opportunity_id: number }>;

/** `POST /interactions` payload. Emails cannot be created. */
export interface CreateInteractionParams {
  type: 0 | 1 | 2;
  /** At least one internal person. */
  person_ids: number[];
  content: string;
  date: DateInput;
  /** Chat messages only. */
  direction?: Direction;
}

/**
 * `PUT /interactions/{id}` payload. The reference's table marks `person_ids` required while its
 * example omits it; it is sent when given.
 */
export interface UpdateInteractionParams {
  type: InteractionType;
  person_ids?: number[];
  content?: string;
  date?: DateInput;
}

const LIST = 'GET /interactions';
const TYPES = [0, 1, 2, 3];

/** The key of `GET /interactions` results for a type: `events`, `chat_messages` or `emails`. */
export function interactionPageKey(type: InteractionType): 'events' | 'chat_messages' | 'emails' {
  return type === 3 ? 'emails' : type === 2 ? 'chat_messages' : 'events';
}

/** Throws unless `start < end` and the range spans at most one calendar year (Affinity: 422). */
export function checkInteractionRange(endpoint: string, start: string, end: string): void {
  const from = new Date(Date.parse(start));
  const to = Date.parse(end);
  if (!(from.getTime() < to)) {
    throw new AffinityArgumentError(endpoint, 'end_time', `must be after start_time (${start} .. ${end})`);
  }
  const limit = new Date(from.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() + 1);
  if (to > limit.getTime()) {
    throw new AffinityArgumentError(
      endpoint,
      'start_time..end_time',
      `spans more than one year (${start} .. ${end}); split the range`,
    );
  }
}

/** Interactions: meetings, calls, chat messages and emails. */
export class InteractionsResource {
  constructor(private readonly transport: Transport) {}

  /**
   * `GET /interactions`: one page, keyed by type (`events`, `chat_messages` or `emails`, see
   * {@link interactionPageKey}). The time range is checked locally first.
   */
  async page(filters: InteractionFilters): Promise<InteractionPage> {
    checkCode(LIST, 'type', filters.type, TYPES);
    checkOneOf(LIST, filters, ['person_id', 'organization_id', 'opportunity_id']);
    const start = toIso(LIST, 'start_time', filters.start_time);
    const end = toIso(LIST, 'end_time', filters.end_time);
    checkInteractionRange(LIST, start, end);
    return this.transport.request({
      method: 'GET',
      path: '/interactions',
      endpoint: LIST,
      query: {
        type: filters.type,
        logging_type: checkOptionalCode(LIST, 'logging_type', filters.logging_type, [0, 1]),
        person_id: checkOptionalId(LIST, 'person_id', filters.person_id),
        organization_id: checkOptionalId(LIST, 'organization_id', filters.organization_id),
        opportunity_id: checkOptionalId(LIST, 'opportunity_id', filters.opportunity_id),
        internal_person_id: checkOptionalId(LIST, 'internal_person_id', filters.internal_person_id),
        direction: checkOptionalCode(LIST, 'direction', filters.direction, [0, 1]),
        start_time: start,
        end_time: end,
        page_size: checkPageSize(LIST, filters.page_size),
        page_token: filters.page_token,
      },
      schema: interactionPageSchema,
      idempotent: true,
    });
  }

  /** Every interaction matching the filters, page by page as the iteration advances. */
  iterate(filters: InteractionFilters): AsyncGenerator<Interaction> {
    return paginate((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(filters: InteractionFilters): AsyncGenerator<Page<Interaction>> {
    return paginatePages((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  private async fetchPage(
    filters: InteractionFilters,
    token: string | undefined,
  ): Promise<Page<Interaction>> {
    const page = await this.page(token === undefined ? filters : { ...filters, page_token: token });
    const items: Interaction[] = page[interactionPageKey(filters.type)] ?? [];
    return { items, nextPageToken: page.next_page_token };
  }

  /** `GET /interactions/{id}?type=…`: ids are unique only within a type. */
  async get(interactionId: number, type: InteractionType): Promise<Interaction> {
    const endpoint = 'GET /interactions/{id}';
    return this.transport.request({
      method: 'GET',
      path: `/interactions/${checkId(endpoint, 'id', interactionId)}`,
      endpoint,
      query: { type: checkCode(endpoint, 'type', type, TYPES) },
      schema: interactionSchema,
      idempotent: true,
    });
  }

  /** `POST /interactions`: logs a meeting, call or chat message. */
  async create(params: CreateInteractionParams): Promise<Interaction> {
    const endpoint = 'POST /interactions';
    checkCode(endpoint, 'type', params.type, [0, 1, 2]);
    if (params.person_ids.length === 0) {
      throw new AffinityArgumentError(endpoint, 'person_ids', 'must include at least one internal person');
    }
    const body: Record<string, unknown> = {
      type: params.type,
      person_ids: checkIds(endpoint, 'person_ids', params.person_ids),
      content: params.content,
      date: toIso(endpoint, 'date', params.date),
    };
    const direction = checkOptionalCode(endpoint, 'direction', params.direction, [0, 1]);
    if (direction !== undefined) body.direction = direction;
    return this.transport.request({
      method: 'POST',
      path: '/interactions',
      endpoint,
      json: body,
      schema: interactionSchema,
      idempotent: false,
    });
  }

  /** `PUT /interactions/{id}`: changes content, date or persons. */
  async update(interactionId: number, params: UpdateInteractionParams): Promise<Interaction> {
    const endpoint = 'PUT /interactions/{id}';
    const body: Record<string, unknown> = { type: checkCode(endpoint, 'type', params.type, TYPES) };
    const personIds = checkIds(endpoint, 'person_ids', params.person_ids);
    if (personIds !== undefined) body.person_ids = personIds;
    if (params.content !== undefined) body.content = params.content;
    const date = toOptionalIso(endpoint, 'date', params.date);
    if (date !== undefined) body.date = date;
    return this.transport.request({
      method: 'PUT',
      path: `/interactions/${checkId(endpoint, 'id', interactionId)}`,
      endpoint,
      json: body,
      schema: interactionSchema,
      idempotent: true,
    });
  }

  /** `DELETE /interactions/{id}?type=…`. */
  async delete(interactionId: number, type: InteractionType): Promise<SuccessResponse> {
    const endpoint = 'DELETE /interactions/{id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/interactions/${checkId(endpoint, 'id', interactionId)}`,
      endpoint,
      query: { type: checkCode(endpoint, 'type', type, TYPES) },
      schema: successSchema,
      idempotent: true,
    });
  }
}

import { paginate, paginatePages } from '../core/pagination.js';
import {
  type ReminderResetType,
  type ReminderStatus,
  type ReminderType,
  type SuccessResponse,
  successSchema,
} from '../schemas/common.js';
import {
  type Reminder,
  type ReminderPage,
  reminderPageSchema,
  reminderSchema,
} from '../schemas/reminders.js';
import type { Page, Transport } from '../transport.js';
import {
  AffinityArgumentError,
  checkCode,
  checkId,
  checkOneOf,
  checkOptionalCode,
  checkOptionalId,
  checkPageSize,
  type DateInput,
  toOptionalIso,
} from './arguments.js';

/** Query of `GET /reminders`. */
export interface ReminderFilters {
  person_id?: number;
  organization_id?: number;
  opportunity_id?: number;
  creator_id?: number;
  owner_id?: number;
  completer_id?: number;
  type?: ReminderType;
  reset_type?: ReminderResetType;
  status?: ReminderStatus;
  due_before?: DateInput;
  due_after?: DateInput;
  /** Default and maximum 500. */
  page_size?: number;
  page_token?: string;
}

interface ReminderCommon {
  /** The internal person the reminder is assigned to. */
  owner_id: number;
  content?: string;
  /** At most one of the three entities. */
  person_id?: number;
  organization_id?: number;
  opportunity_id?: number;
  /** `1` marks it completed (the reference types it as an integer). */
  is_completed?: 0 | 1 | boolean;
}

/**
 * `POST /reminders` payload: a one-time reminder needs `due_date`; a recurring one needs
 * `reset_type` and `reminder_days`.
 */
export type CreateReminderParams = ReminderCommon &
  (
    | { type: 0; due_date: DateInput; reset_type?: never; reminder_days?: never }
    | { type: 1; reset_type: ReminderResetType; reminder_days: number; due_date?: DateInput }
  );

/** `PUT /reminders/{reminder_id}` payload: only what changes. */
export interface UpdateReminderParams {
  owner_id?: number;
  content?: string;
  type?: ReminderType;
  reset_type?: ReminderResetType;
  due_date?: DateInput;
  reminder_days?: number;
  is_completed?: 0 | 1 | boolean;
}

const LIST = 'GET /reminders';
const ENTITIES = ['person_id', 'organization_id', 'opportunity_id'] as const;

/** Reminders: one-time and recurring to-dos tied to a person, organization or opportunity. */
export class RemindersResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /reminders`: one page of reminders, filtered. */
  async page(filters: ReminderFilters = {}): Promise<ReminderPage> {
    return this.transport.request({
      method: 'GET',
      path: '/reminders',
      endpoint: LIST,
      query: {
        person_id: checkOptionalId(LIST, 'person_id', filters.person_id),
        organization_id: checkOptionalId(LIST, 'organization_id', filters.organization_id),
        opportunity_id: checkOptionalId(LIST, 'opportunity_id', filters.opportunity_id),
        creator_id: checkOptionalId(LIST, 'creator_id', filters.creator_id),
        owner_id: checkOptionalId(LIST, 'owner_id', filters.owner_id),
        completer_id: checkOptionalId(LIST, 'completer_id', filters.completer_id),
        type: checkOptionalCode(LIST, 'type', filters.type, [0, 1]),
        reset_type: checkOptionalCode(LIST, 'reset_type', filters.reset_type, [0, 1, 2]),
        status: checkOptionalCode(LIST, 'status', filters.status, [0, 1, 2]),
        due_before: toOptionalIso(LIST, 'due_before', filters.due_before),
        due_after: toOptionalIso(LIST, 'due_after', filters.due_after),
        page_size: checkPageSize(LIST, filters.page_size),
        page_token: filters.page_token,
      },
      schema: reminderPageSchema,
      idempotent: true,
    });
  }

  /** Every reminder matching the filters, page by page as the iteration advances. */
  iterate(filters: Omit<ReminderFilters, 'page_token'> = {}): AsyncGenerator<Reminder> {
    return paginate((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(filters: Omit<ReminderFilters, 'page_token'> = {}): AsyncGenerator<Page<Reminder>> {
    return paginatePages((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  private async fetchPage(filters: ReminderFilters, token: string | undefined): Promise<Page<Reminder>> {
    const page = await this.page(token === undefined ? filters : { ...filters, page_token: token });
    return { items: page.reminders, nextPageToken: page.next_page_token };
  }

  /** `GET /reminders/{reminder_id}`. */
  async get(reminderId: number): Promise<Reminder> {
    const endpoint = 'GET /reminders/{reminder_id}';
    return this.transport.request({
      method: 'GET',
      path: `/reminders/${checkId(endpoint, 'reminder_id', reminderId)}`,
      endpoint,
      schema: reminderSchema,
      idempotent: true,
    });
  }

  /** `POST /reminders`: creates a reminder. */
  async create(params: CreateReminderParams): Promise<Reminder> {
    const endpoint = 'POST /reminders';
    checkCode(endpoint, 'type', params.type, [0, 1]);
    checkId(endpoint, 'owner_id', params.owner_id);
    checkOneOf(endpoint, params, ENTITIES, 'atMostOne');
    if (params.type === 0 && params.due_date === undefined) {
      throw new AffinityArgumentError(endpoint, 'due_date', 'is required for a one-time reminder (type 0)');
    }
    if (params.type === 1 && (params.reset_type === undefined || params.reminder_days === undefined)) {
      throw new AffinityArgumentError(
        endpoint,
        'reset_type/reminder_days',
        'are required for a recurring reminder (type 1)',
      );
    }
    return this.transport.request({
      method: 'POST',
      path: '/reminders',
      endpoint,
      json: reminderBody(endpoint, params),
      schema: reminderSchema,
      idempotent: false,
    });
  }

  /** `PUT /reminders/{reminder_id}`: changes only what is given. */
  async update(reminderId: number, params: UpdateReminderParams): Promise<Reminder> {
    const endpoint = 'PUT /reminders/{reminder_id}';
    return this.transport.request({
      method: 'PUT',
      path: `/reminders/${checkId(endpoint, 'reminder_id', reminderId)}`,
      endpoint,
      json: reminderBody(endpoint, params),
      schema: reminderSchema,
      idempotent: true,
    });
  }

  /** `DELETE /reminders/{reminder_id}`. */
  async delete(reminderId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /reminders/{reminder_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/reminders/${checkId(endpoint, 'reminder_id', reminderId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

/** The JSON body of a create or update: checked ids and codes, dates as ISO-8601, unset keys left out. */
function reminderBody(
  endpoint: string,
  params: UpdateReminderParams & { person_id?: number; organization_id?: number; opportunity_id?: number },
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) body[key] = value;
  };
  set('owner_id', checkOptionalId(endpoint, 'owner_id', params.owner_id));
  set('person_id', checkOptionalId(endpoint, 'person_id', params.person_id));
  set('organization_id', checkOptionalId(endpoint, 'organization_id', params.organization_id));
  set('opportunity_id', checkOptionalId(endpoint, 'opportunity_id', params.opportunity_id));
  set('content', params.content);
  set('type', checkOptionalCode(endpoint, 'type', params.type, [0, 1]));
  set('reset_type', checkOptionalCode(endpoint, 'reset_type', params.reset_type, [0, 1, 2]));
  set('due_date', toOptionalIso(endpoint, 'due_date', params.due_date));
  if (params.reminder_days !== undefined) {
    if (!Number.isSafeInteger(params.reminder_days) || params.reminder_days < 1) {
      throw new AffinityArgumentError(endpoint, 'reminder_days', 'must be a positive integer');
    }
    body.reminder_days = params.reminder_days;
  }
  if (params.is_completed !== undefined) body.is_completed = Number(params.is_completed);
  return body;
}

import { paginate, paginatePages } from '../core/pagination.js';
import { type SuccessResponse, successSchema } from '../schemas/common.js';
import { type Field, fieldArraySchema } from '../schemas/fields.js';
import { type Person, type PersonPage, personPageSchema, personSchema } from '../schemas/persons.js';
import type { Page, Transport } from '../transport.js';
import { checkId, checkIds, checkNonEmpty, compact } from './arguments.js';
import { type EntitySearchParams, entitySearchQuery } from './search.js';

/** Query of `GET /persons`. */
export interface PersonSearchParams extends EntitySearchParams {
  /** Adds `current_organization_ids` (the "Affinity Data: Current Organizations" column). */
  with_current_organizations?: boolean;
}

/** Query of `GET /persons/{person_id}`. */
export interface GetPersonOptions {
  with_interaction_dates?: boolean;
  with_interaction_persons?: boolean;
  with_opportunities?: boolean;
  with_current_organizations?: boolean;
}

/** `POST /persons` payload. An email may belong to one person only (422 otherwise). */
export interface CreatePersonParams {
  first_name: string;
  last_name: string;
  /** Give `[]` when there are none. */
  emails: string[];
  organization_ids?: number[];
}

/** `PUT /persons/{person_id}` payload. Arrays replace the whole set. */
export interface UpdatePersonParams {
  first_name?: string;
  last_name?: string;
  emails?: string[];
  organization_ids?: number[];
}

const SEARCH = 'GET /persons';

/** Persons: every contact of the team, internal (users) and external. */
export class PersonsResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /persons`: one page of search results (results omit `organization_ids`). */
  async search(params: PersonSearchParams = {}): Promise<PersonPage> {
    return this.transport.request({
      method: 'GET',
      path: '/persons',
      endpoint: SEARCH,
      query: entitySearchQuery(SEARCH, params),
      schema: personPageSchema,
      idempotent: true,
    });
  }

  /** Every search result, page by page as the iteration advances. */
  iterate(params: Omit<PersonSearchParams, 'page_token'> = {}): AsyncGenerator<Person> {
    return paginate((token) => this.fetchPage(params, token), { endpoint: SEARCH });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(params: Omit<PersonSearchParams, 'page_token'> = {}): AsyncGenerator<Page<Person>> {
    return paginatePages((token) => this.fetchPage(params, token), { endpoint: SEARCH });
  }

  private async fetchPage(params: PersonSearchParams, token: string | undefined): Promise<Page<Person>> {
    const page = await this.search(token === undefined ? params : { ...params, page_token: token });
    return { items: page.persons, nextPageToken: page.next_page_token };
  }

  /** `GET /persons/{person_id}`: one person with `organization_ids` and `list_entries`. */
  async get(personId: number, options: GetPersonOptions = {}): Promise<Person> {
    const endpoint = 'GET /persons/{person_id}';
    return this.transport.request({
      method: 'GET',
      path: `/persons/${checkId(endpoint, 'person_id', personId)}`,
      endpoint,
      query: { ...options },
      schema: personSchema,
      idempotent: true,
    });
  }

  /** `POST /persons`: creates a person. */
  async create(params: CreatePersonParams): Promise<Person> {
    const endpoint = 'POST /persons';
    checkNonEmpty(endpoint, 'first_name', params.first_name);
    checkIds(endpoint, 'organization_ids', params.organization_ids);
    return this.transport.request({
      method: 'POST',
      path: '/persons',
      endpoint,
      json: compact(params),
      schema: personSchema,
      idempotent: false,
    });
  }

  /** `PUT /persons/{person_id}`: changes only what is given. */
  async update(personId: number, params: UpdatePersonParams): Promise<Person> {
    const endpoint = 'PUT /persons/{person_id}';
    checkIds(endpoint, 'organization_ids', params.organization_ids);
    return this.transport.request({
      method: 'PUT',
      path: `/persons/${checkId(endpoint, 'person_id', personId)}`,
      endpoint,
      json: compact(params),
      schema: personSchema,
      idempotent: true,
    });
  }

  /** `DELETE /persons/{person_id}`. */
  async delete(personId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /persons/{person_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/persons/${checkId(endpoint, 'person_id', personId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }

  /** `GET /persons/fields`: the global fields of persons. */
  async globalFields(): Promise<Field[]> {
    return this.transport.request({
      method: 'GET',
      path: '/persons/fields',
      endpoint: 'GET /persons/fields',
      schema: fieldArraySchema,
      idempotent: true,
    });
  }
}

import { paginate, paginatePages } from '../core/pagination.js';
import { type SuccessResponse, successSchema } from '../schemas/common.js';
import { type Field, fieldArraySchema } from '../schemas/fields.js';
import {
  type Organization,
  type OrganizationPage,
  organizationPageSchema,
  organizationSchema,
} from '../schemas/organizations.js';
import type { Page, Transport } from '../transport.js';
import { checkId, checkIds, checkNonEmpty, compact } from './arguments.js';
import { type EntitySearchParams, entitySearchQuery } from './search.js';

/** Query of `GET /organizations`. */
export type OrganizationSearchParams = EntitySearchParams;

/** Query of `GET /organizations/{organization_id}`. */
export interface GetOrganizationOptions {
  with_interaction_dates?: boolean;
  with_interaction_persons?: boolean;
  with_opportunities?: boolean;
}

/** `POST /organizations` payload. */
export interface CreateOrganizationParams {
  name: string;
  domain?: string;
  person_ids?: number[];
}

/**
 * `PUT /organizations/{organization_id}` payload. `person_ids` replaces the whole set; a global
 * organization's name and domain cannot change.
 */
export interface UpdateOrganizationParams {
  name?: string;
  domain?: string;
  person_ids?: number[];
}

const SEARCH = 'GET /organizations';

/** Organizations: the companies the team is in touch with. */
export class OrganizationsResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /organizations`: one page of search results (by name or domain). */
  async search(params: OrganizationSearchParams = {}): Promise<OrganizationPage> {
    return this.transport.request({
      method: 'GET',
      path: '/organizations',
      endpoint: SEARCH,
      query: entitySearchQuery(SEARCH, params),
      schema: organizationPageSchema,
      idempotent: true,
    });
  }

  /** Every search result, page by page as the iteration advances. */
  iterate(params: Omit<OrganizationSearchParams, 'page_token'> = {}): AsyncGenerator<Organization> {
    return paginate((token) => this.fetchPage(params, token), { endpoint: SEARCH });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(params: Omit<OrganizationSearchParams, 'page_token'> = {}): AsyncGenerator<Page<Organization>> {
    return paginatePages((token) => this.fetchPage(params, token), { endpoint: SEARCH });
  }

  private async fetchPage(
    params: OrganizationSearchParams,
    token: string | undefined,
  ): Promise<Page<Organization>> {
    const page = await this.search(token === undefined ? params : { ...params, page_token: token });
    return { items: page.organizations, nextPageToken: page.next_page_token };
  }

  /** `GET /organizations/{organization_id}`: one organization with `person_ids` and `list_entries`. */
  async get(organizationId: number, options: GetOrganizationOptions = {}): Promise<Organization> {
    const endpoint = 'GET /organizations/{organization_id}';
    return this.transport.request({
      method: 'GET',
      path: `/organizations/${checkId(endpoint, 'organization_id', organizationId)}`,
      endpoint,
      query: { ...options },
      schema: organizationSchema,
      idempotent: true,
    });
  }

  /** `POST /organizations`: creates an organization. */
  async create(params: CreateOrganizationParams): Promise<Organization> {
    const endpoint = 'POST /organizations';
    checkNonEmpty(endpoint, 'name', params.name);
    checkIds(endpoint, 'person_ids', params.person_ids);
    return this.transport.request({
      method: 'POST',
      path: '/organizations',
      endpoint,
      json: compact(params),
      schema: organizationSchema,
      idempotent: false,
    });
  }

  /** `PUT /organizations/{organization_id}`: changes only what is given. */
  async update(organizationId: number, params: UpdateOrganizationParams): Promise<Organization> {
    const endpoint = 'PUT /organizations/{organization_id}';
    checkIds(endpoint, 'person_ids', params.person_ids);
    return this.transport.request({
      method: 'PUT',
      path: `/organizations/${checkId(endpoint, 'organization_id', organizationId)}`,
      endpoint,
      json: compact(params),
      schema: organizationSchema,
      idempotent: true,
    });
  }

  /** `DELETE /organizations/{organization_id}` (global organizations cannot be deleted). */
  async delete(organizationId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /organizations/{organization_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/organizations/${checkId(endpoint, 'organization_id', organizationId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }

  /** `GET /organizations/fields`: the global fields of organizations. */
  async globalFields(): Promise<Field[]> {
    return this.transport.request({
      method: 'GET',
      path: '/organizations/fields',
      endpoint: 'GET /organizations/fields',
      schema: fieldArraySchema,
      idempotent: true,
    });
  }
}

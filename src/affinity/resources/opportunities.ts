import { paginate, paginatePages } from '../core/pagination.js';
import { type SuccessResponse, successSchema } from '../schemas/common.js';
import {
  type Opportunity,
  type OpportunityPage,
  opportunityPageSchema,
  opportunitySchema,
} from '../schemas/opportunities.js';
import type { Page, Transport } from '../transport.js';
import { checkId, checkIds, checkNonEmpty, checkPageSize, compact } from './arguments.js';

/** Query of `GET /opportunities`. */
export interface OpportunitySearchParams {
  /** Part of the opportunity's name. */
  term?: string;
  /** Default and maximum 500. */
  page_size?: number;
  page_token?: string;
}

/** `POST /opportunities` payload. The list (of type 8) is fixed for the opportunity's life. */
export interface CreateOpportunityParams {
  name: string;
  list_id: number;
  person_ids?: number[];
  organization_ids?: number[];
}

/** `PUT /opportunities/{opportunity_id}` payload. Arrays replace the whole set. */
export interface UpdateOpportunityParams {
  name?: string;
  person_ids?: number[];
  organization_ids?: number[];
}

const SEARCH = 'GET /opportunities';

/** Opportunities (deals): each lives on exactly one list. */
export class OpportunitiesResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /opportunities`: one page of search results. */
  async search(params: OpportunitySearchParams = {}): Promise<OpportunityPage> {
    return this.transport.request({
      method: 'GET',
      path: '/opportunities',
      endpoint: SEARCH,
      query: {
        term: params.term,
        page_size: checkPageSize(SEARCH, params.page_size),
        page_token: params.page_token,
      },
      schema: opportunityPageSchema,
      idempotent: true,
    });
  }

  /** Every search result, page by page as the iteration advances. */
  iterate(params: Omit<OpportunitySearchParams, 'page_token'> = {}): AsyncGenerator<Opportunity> {
    return paginate((token) => this.fetchPage(params, token), { endpoint: SEARCH });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(params: Omit<OpportunitySearchParams, 'page_token'> = {}): AsyncGenerator<Page<Opportunity>> {
    return paginatePages((token) => this.fetchPage(params, token), { endpoint: SEARCH });
  }

  private async fetchPage(
    params: OpportunitySearchParams,
    token: string | undefined,
  ): Promise<Page<Opportunity>> {
    const page = await this.search(token === undefined ? params : { ...params, page_token: token });
    return { items: page.opportunities, nextPageToken: page.next_page_token };
  }

  /** `GET /opportunities/{opportunity_id}`. */
  async get(opportunityId: number): Promise<Opportunity> {
    const endpoint = 'GET /opportunities/{opportunity_id}';
    return this.transport.request({
      method: 'GET',
      path: `/opportunities/${checkId(endpoint, 'opportunity_id', opportunityId)}`,
      endpoint,
      schema: opportunitySchema,
      idempotent: true,
    });
  }

  /** `POST /opportunities`: creates the opportunity and its list entry. */
  async create(params: CreateOpportunityParams): Promise<Opportunity> {
    const endpoint = 'POST /opportunities';
    checkNonEmpty(endpoint, 'name', params.name);
    checkId(endpoint, 'list_id', params.list_id);
    checkIds(endpoint, 'person_ids', params.person_ids);
    checkIds(endpoint, 'organization_ids', params.organization_ids);
    return this.transport.request({
      method: 'POST',
      path: '/opportunities',
      endpoint,
      json: compact(params),
      schema: opportunitySchema,
      idempotent: false,
    });
  }

  /** `PUT /opportunities/{opportunity_id}`: changes only what is given. */
  async update(opportunityId: number, params: UpdateOpportunityParams): Promise<Opportunity> {
    const endpoint = 'PUT /opportunities/{opportunity_id}';
    checkIds(endpoint, 'person_ids', params.person_ids);
    checkIds(endpoint, 'organization_ids', params.organization_ids);
    return this.transport.request({
      method: 'PUT',
      path: `/opportunities/${checkId(endpoint, 'opportunity_id', opportunityId)}`,
      endpoint,
      json: compact(params),
      schema: opportunitySchema,
      idempotent: true,
    });
  }

  /** `DELETE /opportunities/{opportunity_id}`. */
  async delete(opportunityId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /opportunities/{opportunity_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/opportunities/${checkId(endpoint, 'opportunity_id', opportunityId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

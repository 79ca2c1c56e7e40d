import type { ListRole, ListType } from '../schemas/common.js';
import {
  type List,
  type ListWithFields,
  listArraySchema,
  listSchema,
  listWithFieldsSchema,
} from '../schemas/lists.js';
import type { Transport } from '../transport.js';
import { checkCode, checkId, checkIds, checkNonEmpty, checkOptionalId, compact } from './arguments.js';

/** `POST /lists` payload. */
export interface CreateListParams {
  name: string;
  /** 0 person, 1 organization, 8 opportunity. */
  type: ListType;
  is_public: boolean;
  owner_id?: number;
  additional_permissions?: Array<{ internal_person_id: number; role_id: ListRole }>;
}

/** Lists: the spreadsheets of Affinity. */
export class ListsResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /lists`: every list visible to the key's user. */
  async all(): Promise<List[]> {
    return this.transport.request({
      method: 'GET',
      path: '/lists',
      endpoint: 'GET /lists',
      schema: listArraySchema,
      idempotent: true,
    });
  }

  /** `GET /lists/{list_id}`: one list with its list-specific fields. */
  async get(listId: number): Promise<ListWithFields> {
    const endpoint = 'GET /lists/{list_id}';
    return this.transport.request({
      method: 'GET',
      path: `/lists/${checkId(endpoint, 'list_id', listId)}`,
      endpoint,
      schema: listWithFieldsSchema,
      idempotent: true,
    });
  }

  /** `POST /lists`: creates a list. */
  async create(params: CreateListParams): Promise<List> {
    const endpoint = 'POST /lists';
    checkNonEmpty(endpoint, 'name', params.name);
    checkCode(endpoint, 'type', params.type, [0, 1, 8]);
    checkOptionalId(endpoint, 'owner_id', params.owner_id);
    params.additional_permissions?.forEach((p, i) => {
      checkIds(endpoint, `additional_permissions[${i}].internal_person_id`, [p.internal_person_id]);
      checkCode(endpoint, `additional_permissions[${i}].role_id`, p.role_id, [0, 1, 2]);
    });
    return this.transport.request({
      method: 'POST',
      path: '/lists',
      endpoint,
      json: compact(params),
      schema: listSchema,
      idempotent: false,
    });
  }
}

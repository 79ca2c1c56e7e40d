import { type EntityType, type SuccessResponse, successSchema, type ValueType } from '../schemas/common.js';
import { type Field, fieldArraySchema, fieldSchema } from '../schemas/fields.js';
import type { Transport } from '../transport.js';
import {
  AffinityArgumentError,
  checkCode,
  checkId,
  checkNonEmpty,
  checkOptionalCode,
  checkOptionalId,
  compact,
} from './arguments.js';

/** Filters of `GET /fields`. */
export interface FieldFilters {
  /** Only the fields specific to this list. */
  list_id?: number;
  value_type?: ValueType;
  entity_type?: EntityType;
  /** Names come back as `[List Name] Field Name`. */
  with_modified_names?: boolean;
  /** Leaves `dropdown_options` out (large payloads). */
  exclude_dropdown_options?: boolean;
}

/** `POST /fields` payload. */
export interface CreateFieldParams {
  name: string;
  entity_type: EntityType;
  value_type: ValueType;
  list_id?: number;
  allows_multiple?: boolean;
  /** Requires `list_id`. */
  is_list_specific?: boolean;
  is_required?: boolean;
}

const VALUE_TYPES = [0, 1, 2, 3, 4, 5, 6, 7];
const ENTITY_TYPES = [0, 1, 8];

/** Fields: the columns of lists, global or list-specific. */
export class FieldsResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /fields`: global and list-specific fields, filtered. */
  async all(filters: FieldFilters = {}): Promise<Field[]> {
    const endpoint = 'GET /fields';
    checkOptionalId(endpoint, 'list_id', filters.list_id);
    checkOptionalCode(endpoint, 'value_type', filters.value_type, VALUE_TYPES);
    checkOptionalCode(endpoint, 'entity_type', filters.entity_type, ENTITY_TYPES);
    return this.transport.request({
      method: 'GET',
      path: '/fields',
      endpoint,
      query: {
        list_id: filters.list_id,
        value_type: filters.value_type,
        entity_type: filters.entity_type,
        with_modified_names: filters.with_modified_names,
        exclude_dropdown_options: filters.exclude_dropdown_options,
      },
      schema: fieldArraySchema,
      idempotent: true,
    });
  }

  /** `POST /fields`: creates a field. */
  async create(params: CreateFieldParams): Promise<Field> {
    const endpoint = 'POST /fields';
    checkNonEmpty(endpoint, 'name', params.name);
    checkCode(endpoint, 'entity_type', params.entity_type, ENTITY_TYPES);
    checkCode(endpoint, 'value_type', params.value_type, VALUE_TYPES);
    checkOptionalId(endpoint, 'list_id', params.list_id);
    if (params.is_list_specific === true && params.list_id === undefined) {
      throw new AffinityArgumentError(endpoint, 'list_id', 'is required when is_list_specific is true');
    }
    return this.transport.request({
      method: 'POST',
      path: '/fields',
      endpoint,
      json: compact(params),
      schema: fieldSchema,
      idempotent: false,
    });
  }

  /** `DELETE /fields/{id}`. */
  async delete(fieldId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /fields/{id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/fields/${checkId(endpoint, 'id', fieldId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

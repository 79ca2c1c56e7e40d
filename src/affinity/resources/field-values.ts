import { type Location, type SuccessResponse, successSchema } from '../schemas/common.js';
import { type FieldValue, fieldValueArraySchema, fieldValueSchema } from '../schemas/field-values.js';
import type { Transport } from '../transport.js';
import { checkId, checkOneOf, checkOptionalId, type ExactlyOne } from './arguments.js';

/** Whose field values `GET /field-values` returns: exactly one of the four. */
export type FieldValueOwner = ExactlyOne<{
  person_id: number;
  organization_id: number;
  opportunity_id: number;
  list_entry_id: number;
}>;

/**
 * A value to write, by the field's value type: a person or organization id (0, 1), a dropdown
 * string (2), a number (3), an ISO-8601 date string (4), a location (5), text (6), or — for ranked
 * dropdowns (7) — the id of a dropdown option, never its text.
 */
export type FieldValueInput = number | string | Location;

/** `POST /field-values` payload. */
export interface CreateFieldValueParams {
  field_id: number;
  entity_id: number;
  value: FieldValueInput;
  /** Only for list-specific fields. */
  list_entry_id?: number;
}

const OWNERS = ['person_id', 'organization_id', 'opportunity_id', 'list_entry_id'] as const;

/** Field values: the cells. */
export class FieldValuesResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /field-values`: every value of one person, organization, opportunity or list entry. */
  async all(owner: FieldValueOwner): Promise<FieldValue[]> {
    const endpoint = 'GET /field-values';
    checkOneOf(endpoint, owner, OWNERS);
    const query: Record<string, number> = {};
    for (const key of OWNERS) {
      const id = checkOptionalId(endpoint, key, owner[key]);
      if (id !== undefined) query[key] = id;
    }
    return this.transport.request({
      method: 'GET',
      path: '/field-values',
      endpoint,
      query,
      schema: fieldValueArraySchema,
      idempotent: true,
    });
  }

  /** `POST /field-values`: adds a value to a cell. */
  async create(params: CreateFieldValueParams): Promise<FieldValue> {
    const endpoint = 'POST /field-values';
    const body: Record<string, unknown> = {
      field_id: checkId(endpoint, 'field_id', params.field_id),
      entity_id: checkId(endpoint, 'entity_id', params.entity_id),
      value: params.value,
    };
    const entry = checkOptionalId(endpoint, 'list_entry_id', params.list_entry_id);
    if (entry !== undefined) body.list_entry_id = entry;
    return this.transport.request({
      method: 'POST',
      path: '/field-values',
      endpoint,
      json: body,
      schema: fieldValueSchema,
      idempotent: false,
    });
  }

  /** `PUT /field-values/{field_value_id}`: replaces a value. */
  async update(fieldValueId: number, value: FieldValueInput): Promise<FieldValue> {
    const endpoint = 'PUT /field-values/{field_value_id}';
    return this.transport.request({
      method: 'PUT',
      path: `/field-values/${checkId(endpoint, 'field_value_id', fieldValueId)}`,
      endpoint,
      json: { value },
      schema: fieldValueSchema,
      idempotent: true,
    });
  }

  /** `DELETE /field-values/{field_value_id}`. */
  async delete(fieldValueId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /field-values/{field_value_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/field-values/${checkId(endpoint, 'field_value_id', fieldValueId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

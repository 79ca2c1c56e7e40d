import type { ActionType } from '../schemas/common.js';
import { type FieldValueChange, fieldValueChangeArraySchema } from '../schemas/field-value-changes.js';
import type { Transport } from '../transport.js';
import { checkId, checkOptionalCode, checkOptionalId } from './arguments.js';

/** Query of `GET /field-value-changes`. */
export interface FieldValueChangeFilters {
  field_id: number;
  /** 0 create, 1 delete, 2 update. */
  action_type?: ActionType;
  person_id?: number;
  organization_id?: number;
  opportunity_id?: number;
  list_entry_id?: number;
}

/** Field value changes: the history of tracked fields. */
export class FieldValueChangesResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /field-value-changes`: the changes of one field, optionally narrowed. */
  async all(filters: FieldValueChangeFilters): Promise<FieldValueChange[]> {
    const endpoint = 'GET /field-value-changes';
    return this.transport.request({
      method: 'GET',
      path: '/field-value-changes',
      endpoint,
      query: {
        field_id: checkId(endpoint, 'field_id', filters.field_id),
        action_type: checkOptionalCode(endpoint, 'action_type', filters.action_type, [0, 1, 2]),
        person_id: checkOptionalId(endpoint, 'person_id', filters.person_id),
        organization_id: checkOptionalId(endpoint, 'organization_id', filters.organization_id),
        opportunity_id: checkOptionalId(endpoint, 'opportunity_id', filters.opportunity_id),
        list_entry_id: checkOptionalId(endpoint, 'list_entry_id', filters.list_entry_id),
      },
      schema: fieldValueChangeArraySchema,
      idempotent: true,
    });
  }
}

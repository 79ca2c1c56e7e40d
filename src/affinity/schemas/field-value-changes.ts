import { z } from 'zod';
import {
  actionTypeSchema,
  fieldValueValueSchema,
  idSchema,
  opportunitySummarySchema,
  organizationSummarySchema,
  personSummarySchema,
  timestampSchema,
} from './common.js';

/**
 * The field value change resource. For deletes `value` is the old value, otherwise the new one.
 * Live answers also carry `entity_attribute_id` and the changed entity as `person`, `company` or
 * `opp` (the others null); `changed_at` may carry microseconds.
 */
export const fieldValueChangeSchema = z.looseObject({
  id: idSchema,
  field_id: idSchema,
  entity_id: idSchema,
  list_entry_id: idSchema.nullable().optional(),
  action_type: actionTypeSchema,
  changer: personSummarySchema.nullable(),
  changed_at: timestampSchema,
  value: fieldValueValueSchema,
  entity_attribute_id: idSchema.nullable().optional(),
  person: personSummarySchema.nullable().optional(),
  company: organizationSummarySchema.nullable().optional(),
  opp: opportunitySummarySchema.nullable().optional(),
});
export type FieldValueChange = z.output<typeof fieldValueChangeSchema>;

export const fieldValueChangeArraySchema = z.array(fieldValueChangeSchema);

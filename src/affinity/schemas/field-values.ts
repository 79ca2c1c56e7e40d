import { z } from 'zod';
import {
  entityTypeSchema,
  fieldValueValueSchema,
  idSchema,
  timestampSchema,
  valueTypeSchema,
} from './common.js';

/**
 * The field value resource. `list_entry_id` is null for global fields; `updated_at` is null until
 * the value is edited; `entity_type` and `value_type` appear on some answers only.
 */
export const fieldValueSchema = z.looseObject({
  id: idSchema,
  field_id: idSchema,
  list_entry_id: idSchema.nullable().optional(),
  entity_id: idSchema,
  entity_type: entityTypeSchema.optional(),
  value_type: valueTypeSchema.optional(),
  created_at: timestampSchema.optional(),
  updated_at: timestampSchema.nullable().optional(),
  value: fieldValueValueSchema,
});
export type FieldValue = z.output<typeof fieldValueSchema>;

export const fieldValueArraySchema = z.array(fieldValueSchema);

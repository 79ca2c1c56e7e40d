import { z } from 'zod';
import { dropdownOptionSchema, entityTypeSchema, idSchema, valueTypeSchema } from './common.js';

/**
 * The field resource. `list_id` is null for global fields; `dropdown_options` is absent with
 * `exclude_dropdown_options=true`; the global-field endpoints omit `list_id`, `enrichment_source`
 * and `track_changes`.
 */
export const fieldSchema = z.looseObject({
  id: idSchema,
  name: z.string(),
  list_id: idSchema.nullable().optional(),
  entity_type: entityTypeSchema.optional(),
  enrichment_source: z.string().nullable().optional(),
  value_type: valueTypeSchema,
  allows_multiple: z.boolean(),
  track_changes: z.boolean().optional(),
  dropdown_options: z.array(dropdownOptionSchema).optional(),
});
export type Field = z.output<typeof fieldSchema>;

export const fieldArraySchema = z.array(fieldSchema);

import { z } from 'zod';
import {
  entityTypeSchema,
  idSchema,
  nextPageTokenSchema,
  opportunitySummarySchema,
  organizationSummarySchema,
  personSummarySchema,
  timestampSchema,
} from './common.js';

/** The entity a list entry stands for, shaped by the list's type. */
export const listEntryEntitySchema = z.union([
  personSummarySchema,
  organizationSummarySchema,
  opportunitySummarySchema,
]);
export type ListEntryEntity = z.output<typeof listEntryEntitySchema>;

/**
 * The list entry resource. Entries nested in a person, organization or opportunity carry no
 * `entity`; `entity_type` is present on some answers only.
 */
export const listEntrySchema = z.looseObject({
  id: idSchema,
  list_id: idSchema,
  creator_id: idSchema.nullable(),
  entity_id: idSchema,
  entity_type: entityTypeSchema.optional(),
  created_at: timestampSchema,
  entity: listEntryEntitySchema.optional(),
});
export type ListEntry = z.output<typeof listEntrySchema>;

/** `GET /lists/{list_id}/list-entries` without `page_size`: a bare array of every entry. */
export const listEntryArraySchema = z.array(listEntrySchema);

/** `GET /lists/{list_id}/list-entries` with `page_size`. */
export const listEntryPageSchema = z.looseObject({
  list_entries: z.array(listEntrySchema),
  next_page_token: nextPageTokenSchema,
});
export type ListEntryPage = z.output<typeof listEntryPageSchema>;

import { z } from 'zod';
import { idSchema, nextPageTokenSchema, timestampSchema } from './common.js';

/**
 * The entity file resource. Exactly one of the three entity ids is set. Live answers repeat the
 * keys in camelCase (`personId`, `createdAt`, …); they pass through untouched. The reference types
 * `size` as a string and shows numbers, so both are accepted.
 */
export const entityFileSchema = z.looseObject({
  id: idSchema,
  name: z.string(),
  size: z.union([z.number(), z.string()]),
  person_id: idSchema.nullable().optional(),
  organization_id: idSchema.nullable().optional(),
  opportunity_id: idSchema.nullable().optional(),
  created_at: timestampSchema,
  uploader_id: idSchema.nullable().optional(),
});
export type EntityFile = z.output<typeof entityFileSchema>;

/** `GET /entity-files`. */
export const entityFilePageSchema = z.looseObject({
  entity_files: z.array(entityFileSchema),
  next_page_token: nextPageTokenSchema,
});
export type EntityFilePage = z.output<typeof entityFilePageSchema>;

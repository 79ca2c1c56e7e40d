import { z } from 'zod';
import { idSchema, nextPageTokenSchema, noteTypeSchema, timestampSchema } from './common.js';

/**
 * The note resource. Replies (`parent_id` set) carry empty entity arrays; `updated_at` is null
 * until edited; the interaction attributes are null when the note is not on an interaction. Note
 * timestamps carry a local offset.
 */
export const noteSchema = z.looseObject({
  id: idSchema,
  creator_id: idSchema,
  person_ids: z.array(idSchema),
  associated_person_ids: z.array(idSchema).optional(),
  interaction_person_ids: z.array(idSchema).optional(),
  interaction_id: idSchema.nullable().optional(),
  interaction_type: z.number().int().nullable().optional(),
  is_meeting: z.boolean().optional(),
  mentioned_person_ids: z.array(idSchema).optional(),
  organization_ids: z.array(idSchema),
  opportunity_ids: z.array(idSchema),
  parent_id: idSchema.nullable().optional(),
  content: z.string().nullable(),
  type: noteTypeSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema.nullable().optional(),
});
export type Note = z.output<typeof noteSchema>;

const notePageObjectSchema = z.looseObject({
  notes: z.array(noteSchema),
  next_page_token: nextPageTokenSchema,
});

/**
 * `GET /notes`. The reference shows a bare array while the endpoint takes `page_size` and
 * `page_token`; both shapes are accepted and normalised to `{notes, next_page_token}`.
 */
export const notePageSchema = z.union([
  notePageObjectSchema,
  z.array(noteSchema).transform((notes) => ({ notes, next_page_token: null })),
]);
export type NotePage = z.output<typeof notePageObjectSchema>;

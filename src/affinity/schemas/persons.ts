import { z } from 'zod';
import {
  idSchema,
  interactionDatesSchema,
  interactionsSummarySchema,
  nextPageTokenSchema,
  timestampSchema,
} from './common.js';
import { listEntrySchema } from './list-entries.js';

/**
 * The person resource. Search results omit `organization_ids` and `list_entries`; the optional
 * arrays and `interaction_dates`/`interactions` appear only when asked for with the `with_*` flags.
 * `type` accepts any integer (the reference lists 0 external and 1 internal).
 */
export const personSchema = z.looseObject({
  id: idSchema,
  type: z.number().int(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  primary_email: z.string().nullable(),
  emails: z.array(z.string()),
  organization_ids: z.array(idSchema).optional(),
  opportunity_ids: z.array(idSchema).optional(),
  current_organization_ids: z.array(idSchema).optional(),
  list_entries: z.array(listEntrySchema).optional(),
  interaction_dates: interactionDatesSchema.nullable().optional(),
  interactions: interactionsSummarySchema.nullable().optional(),
  created_at: timestampSchema.optional(),
});
export type Person = z.output<typeof personSchema>;

/** `GET /persons`. */
export const personPageSchema = z.looseObject({
  persons: z.array(personSchema),
  next_page_token: nextPageTokenSchema,
});
export type PersonPage = z.output<typeof personPageSchema>;

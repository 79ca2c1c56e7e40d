import { z } from 'zod';
import { idSchema, nextPageTokenSchema } from './common.js';
import { listEntrySchema } from './list-entries.js';

/**
 * The opportunity resource. `list_entries` holds at most one entry (empty without access to the
 * list); a create answers without `person_ids` and `organization_ids`.
 */
export const opportunitySchema = z.looseObject({
  id: idSchema,
  name: z.string(),
  person_ids: z.array(idSchema).optional(),
  organization_ids: z.array(idSchema).optional(),
  list_entries: z.array(listEntrySchema).optional(),
});
export type Opportunity = z.output<typeof opportunitySchema>;

/** `GET /opportunities`. */
export const opportunityPageSchema = z.looseObject({
  opportunities: z.array(opportunitySchema),
  next_page_token: nextPageTokenSchema,
});
export type OpportunityPage = z.output<typeof opportunityPageSchema>;

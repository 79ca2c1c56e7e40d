import { z } from 'zod';
import {
  idSchema,
  interactionDatesSchema,
  interactionsSummarySchema,
  nextPageTokenSchema,
} from './common.js';
import { listEntrySchema } from './list-entries.js';

/**
 * The organization resource. `domain` is null for organizations without a website; `person_ids`,
 * `opportunity_ids`, `list_entries` and the interaction data appear on some answers only.
 */
export const organizationSchema = z.looseObject({
  id: idSchema,
  name: z.string(),
  domain: z.string().nullable(),
  domains: z.array(z.string()),
  crunchbase_uuid: z.string().nullable().optional(),
  global: z.boolean(),
  person_ids: z.array(idSchema).optional(),
  opportunity_ids: z.array(idSchema).optional(),
  list_entries: z.array(listEntrySchema).optional(),
  interaction_dates: interactionDatesSchema.nullable().optional(),
  interactions: interactionsSummarySchema.nullable().optional(),
});
export type Organization = z.output<typeof organizationSchema>;

/** `GET /organizations`. */
export const organizationPageSchema = z.looseObject({
  organizations: z.array(organizationSchema),
  next_page_token: nextPageTokenSchema,
});
export type OrganizationPage = z.output<typeof organizationPageSchema>;

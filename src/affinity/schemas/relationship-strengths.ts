import { z } from 'zod';
import { idSchema } from './common.js';

/** The relationship strength between an internal and an external person (currently 0–1). */
export const relationshipStrengthSchema = z.looseObject({
  internal_id: idSchema,
  external_id: idSchema,
  strength: z.number(),
});
export type RelationshipStrength = z.output<typeof relationshipStrengthSchema>;

export const relationshipStrengthArraySchema = z.array(relationshipStrengthSchema);

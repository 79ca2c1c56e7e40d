import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

/** `GET /auth/whoami`. Unlike every other endpoint its keys are camelCase. */
export const whoamiSchema = z.looseObject({
  tenant: z.looseObject({
    id: idSchema,
    name: z.string(),
    subdomain: z.string(),
  }),
  user: z.looseObject({
    id: idSchema,
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    email: z.string(),
  }),
  grant: z.looseObject({
    type: z.string(),
    scope: z.string(),
    createdAt: timestampSchema,
  }),
});
export type Whoami = z.output<typeof whoamiSchema>;

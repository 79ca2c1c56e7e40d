import { z } from 'zod';

/** A limit or remaining count; unlimited plans answer the string `"unlimited"`. */
export const rateLimitCountSchema = z.union([z.number(), z.literal('unlimited')]);

/** One rate-limit window. `reset` is seconds until the window resets. */
export const rateLimitWindowSchema = z.looseObject({
  limit: rateLimitCountSchema,
  remaining: rateLimitCountSchema,
  reset: z.number(),
  used: z.number(),
});
export type RateLimitWindow = z.output<typeof rateLimitWindowSchema>;

/** `GET /rate-limit`. */
export const rateLimitSchema = z.looseObject({
  rate: z.looseObject({
    org_monthly: rateLimitWindowSchema,
    api_key_per_minute: rateLimitWindowSchema,
  }),
});
export type RateLimitInfo = z.output<typeof rateLimitSchema>;

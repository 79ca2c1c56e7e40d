import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

/**
 * The webhook subscription resource. An empty `subscriptions` array means every event. Event
 * names are read as plain strings so that an event type the reference does not list yet still
 * parses; requests are typed with `WebhookEventType`.
 */
export const webhookSubscriptionSchema = z.looseObject({
  id: idSchema,
  webhook_url: z.string(),
  subscriptions: z.array(z.string()),
  disabled: z.boolean(),
  created_by: idSchema.nullable().optional(),
  updated_at: timestampSchema.nullable().optional(),
});
export type WebhookSubscription = z.output<typeof webhookSubscriptionSchema>;

export const webhookSubscriptionArraySchema = z.array(webhookSubscriptionSchema);

/** The body Affinity POSTs to a subscribed URL; `sent_at` is in Unix seconds. */
export const webhookEventSchema = z.looseObject({
  type: z.string(),
  body: z.unknown(),
  sent_at: z.number(),
});
export type WebhookEvent = z.output<typeof webhookEventSchema>;

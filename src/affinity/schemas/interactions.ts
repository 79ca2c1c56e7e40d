import { z } from 'zod';
import {
  directionSchema,
  idSchema,
  nextPageTokenSchema,
  personSummarySchema,
  timestampSchema,
} from './common.js';

/** A meeting (type 0) or call (type 1). */
export const eventInteractionSchema = z.looseObject({
  id: idSchema,
  type: z.literal([0, 1]),
  date: timestampSchema,
  attendees: z.array(z.string()).optional(),
  start_time: timestampSchema.nullable().optional(),
  end_time: timestampSchema.nullable().optional(),
  updated_at: timestampSchema.nullable().optional(),
  manual_creator_id: idSchema.nullable().optional(),
  title: z.string().nullable().optional(),
  notes: z.array(idSchema).optional(),
  persons: z.array(personSummarySchema).optional(),
  logging_type: z.number().int().optional(),
  /** A meeting's calendar event UID (null for a meeting logged by hand); absent on calls. */
  ical_uid: z.string().nullable().optional(),
});
export type EventInteraction = z.output<typeof eventInteractionSchema>;

/** A chat message (type 2). */
export const chatMessageInteractionSchema = z.looseObject({
  id: idSchema,
  type: z.literal(2),
  date: timestampSchema,
  direction: directionSchema.nullable().optional(),
  manual_creator_id: idSchema.nullable().optional(),
  persons: z.array(personSummarySchema).optional(),
  notes: z.array(idSchema).optional(),
  logging_type: z.number().int().optional(),
});
export type ChatMessageInteraction = z.output<typeof chatMessageInteractionSchema>;

/** An email (type 3). */
export const emailInteractionSchema = z.looseObject({
  id: idSchema,
  type: z.literal(3),
  date: timestampSchema,
  subject: z.string().nullable().optional(),
  from: personSummarySchema.nullable().optional(),
  to: z.array(personSummarySchema).optional(),
  cc: z.array(personSummarySchema).optional(),
  direction: directionSchema.nullable().optional(),
  persons: z.array(personSummarySchema).optional(),
  notes: z.array(idSchema).optional(),
  logging_type: z.number().int().optional(),
});
export type EmailInteraction = z.output<typeof emailInteractionSchema>;

/** An interaction of any type; `id` is unique only together with `type`. */
export const interactionSchema = z.discriminatedUnion('type', [
  eventInteractionSchema,
  chatMessageInteractionSchema,
  emailInteractionSchema,
]);
export type Interaction = z.output<typeof interactionSchema>;

/**
 * `GET /interactions`: results are keyed by type — meetings and calls under `events`, chat
 * messages under `chat_messages`, emails under `emails`.
 */
export const interactionPageSchema = z.looseObject({
  events: z.array(eventInteractionSchema).optional(),
  chat_messages: z.array(chatMessageInteractionSchema).optional(),
  emails: z.array(emailInteractionSchema).optional(),
  next_page_token: nextPageTokenSchema,
});
export type InteractionPage = z.output<typeof interactionPageSchema>;

import { z } from 'zod';

/**
 * Building blocks shared by every resource schema: the numeric code tables of the reference,
 * timestamps, ids, and the small nested shapes (person summaries, dropdown options, locations)
 * that several resources embed.
 *
 * Responses are validated leniently: objects are loose (unknown keys pass through untouched) so a
 * new attribute on Affinity's side never breaks a sync, while the attributes we rely on are checked.
 */

/** Affinity ids are positive integers. */
export const idSchema = z.number().int();

const ISO_DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;

/** True when `s` is an ISO-8601 date or date-time that `Date.parse` understands. */
export function isIsoTimestamp(s: string): boolean {
  return ISO_DATE_PREFIX.test(s) && !Number.isNaN(Date.parse(s));
}

/**
 * An ISO-8601 timestamp, kept as the string Affinity sent. Every form is accepted — UTC with `Z`,
 * local offsets, milliseconds or microseconds, bare dates — because Affinity mixes them across
 * resources. Not coerced to `Date`: the original offset is information a caller may want.
 */
export const timestampSchema = z
  .string()
  .refine(isIsoTimestamp, { message: 'expected an ISO-8601 timestamp' });

/** `{ "success": true }`, the answer of every delete and of file uploads. */
export const successSchema = z.looseObject({ success: z.boolean() });
export type SuccessResponse = z.output<typeof successSchema>;

// ---------------------------------------------------------------------------------------------
// Code tables. Each has a const object for readable call sites, a literal union type and a schema.
// ---------------------------------------------------------------------------------------------

/** Field value types (the reference's "Field Value Types" table). */
export const ValueType = {
  Person: 0,
  Organization: 1,
  Dropdown: 2,
  Number: 3,
  Date: 4,
  Location: 5,
  Text: 6,
  RankedDropdown: 7,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];
export const valueTypeSchema = z.literal([0, 1, 2, 3, 4, 5, 6, 7]);

/** Entity types of lists and fields: person, organization, opportunity. */
export const EntityType = { Person: 0, Organization: 1, Opportunity: 8 } as const;
export type EntityType = (typeof EntityType)[keyof typeof EntityType];
export const entityTypeSchema = z.literal([0, 1, 8]);

/** List types share the entity-type codes. */
export const ListType = EntityType;
export type ListType = EntityType;
export const listTypeSchema = entityTypeSchema;

/**
 * Person types. The reference documents 0 (external) and 1 (internal). Response schemas read a
 * person's `type` as any integer so that a kind the reference does not list cannot fail a page.
 */
export const PersonType = { External: 0, Internal: 1 } as const;
export type PersonType = (typeof PersonType)[keyof typeof PersonType];
export const personTypeSchema = z.literal([0, 1]);

/** List-level roles of `additional_permissions`. */
export const ListRole = { Admin: 0, Basic: 1, Standard: 2 } as const;
export type ListRole = (typeof ListRole)[keyof typeof ListRole];
export const listRoleSchema = z.literal([0, 1, 2]);

/** Interaction types. Meetings and calls are "events". */
export const InteractionType = { Meeting: 0, Call: 1, ChatMessage: 2, Email: 3 } as const;
export type InteractionType = (typeof InteractionType)[keyof typeof InteractionType];
export const interactionTypeSchema = z.literal([0, 1, 2, 3]);

/** Direction of chat messages and emails. */
export const Direction = { Sent: 0, Received: 1 } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];
export const directionSchema = z.literal([0, 1]);

/** Logging type filter of `GET /interactions`. */
export const LoggingType = { All: 0, Manual: 1 } as const;
export type LoggingType = (typeof LoggingType)[keyof typeof LoggingType];
export const loggingTypeSchema = z.literal([0, 1]);

/** Reminder types. */
export const ReminderType = { OneTime: 0, Recurring: 1 } as const;
export type ReminderType = (typeof ReminderType)[keyof typeof ReminderType];
export const reminderTypeSchema = z.literal([0, 1]);

/** What resets a recurring reminder. */
export const ReminderResetType = { Interaction: 0, Email: 1, Meeting: 2 } as const;
export type ReminderResetType = (typeof ReminderResetType)[keyof typeof ReminderResetType];
export const reminderResetTypeSchema = z.literal([0, 1, 2]);

/** Reminder statuses. */
export const ReminderStatus = { Completed: 0, Active: 1, Overdue: 2 } as const;
export type ReminderStatus = (typeof ReminderStatus)[keyof typeof ReminderStatus];
export const reminderStatusSchema = z.literal([0, 1, 2]);

/** Field value change actions. */
export const ActionType = { Create: 0, Delete: 1, Update: 2 } as const;
export type ActionType = (typeof ActionType)[keyof typeof ActionType];
export const actionTypeSchema = z.literal([0, 1, 2]);

/**
 * Note types: 0 plain text, 1 created from an email (deprecated), 2 HTML, 3 meeting summary
 * (system-generated). Only 0 and 2 can be created through the API.
 */
export const NoteType = { PlainText: 0, Email: 1, Html: 2, MeetingSummary: 3 } as const;
export type NoteType = (typeof NoteType)[keyof typeof NoteType];
export const noteTypeSchema = z.literal([0, 1, 2, 3]);
/** The note types a client may create. */
export type CreatableNoteType = 0 | 2;

/** Webhook event types, as the reference lists them. */
export const webhookEventTypes = [
  'list.created',
  'list.updated',
  'list.deleted',
  'list_entry.created',
  'list_entry.deleted',
  'note.created',
  'note.updated',
  'note.deleted',
  'field.created',
  'field.updated',
  'field.deleted',
  'field_value.created',
  'field_value.updated',
  'field_value.deleted',
  'person.created',
  'person.updated',
  'person.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization.merged',
  'opportunity.created',
  'opportunity.updated',
  'opportunity.deleted',
  'file.created',
  'file.deleted',
  'reminder.created',
  'reminder.updated',
  'reminder.deleted',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export const webhookEventTypeSchema = z.enum(webhookEventTypes);

/** The interaction kinds that have `min_…_date`/`max_…_date` search filters. */
export const interactionDateKinds = [
  'first_email',
  'last_email',
  'last_interaction',
  'last_event',
  'first_event',
  'next_event',
] as const;
export type InteractionDateKind = (typeof interactionDateKinds)[number];

// ---------------------------------------------------------------------------------------------
// Nested shapes.
// ---------------------------------------------------------------------------------------------

/**
 * A person as embedded in other resources (list entry entities, changers, reminder owners,
 * interaction participants). `type` is any integer here, see {@link PersonType}.
 */
export const personSummarySchema = z.looseObject({
  id: idSchema.optional(),
  type: z.number().int(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  primary_email: z.string().nullable().optional(),
  emails: z.array(z.string()).optional(),
});
export type PersonSummary = z.output<typeof personSummarySchema>;

/** An organization as embedded in other resources (list entry entities, reminders). */
export const organizationSummarySchema = z.looseObject({
  id: idSchema.optional(),
  name: z.string().nullable(),
  domain: z.string().nullable().optional(),
  domains: z.array(z.string()).optional(),
  crunchbase_uuid: z.string().nullable().optional(),
  global: z.boolean().optional(),
});
export type OrganizationSummary = z.output<typeof organizationSummarySchema>;

/** An opportunity as embedded in other resources. */
export const opportunitySummarySchema = z.looseObject({
  id: idSchema.optional(),
  name: z.string().nullable(),
});
export type OpportunitySummary = z.output<typeof opportunitySummarySchema>;

/** A ranked-dropdown option: the value of a ranked dropdown field, and a field's options. */
export const dropdownOptionSchema = z.looseObject({
  id: idSchema,
  text: z.string(),
  rank: z.number().int().nullable().optional(),
  color: z.number().int().nullable().optional(),
});
export type DropdownOption = z.output<typeof dropdownOptionSchema>;

/** A location value; every part may be null (and older values may omit `continent`). */
export const locationSchema = z.looseObject({
  street_address: z.string().nullable().optional(),
  city: z.string().nullable().optional(),
  state: z.string().nullable().optional(),
  country: z.string().nullable().optional(),
  continent: z.string().nullable().optional(),
});
export type Location = z.output<typeof locationSchema>;

/**
 * The `value` of a field value or field value change. By the field's value type: a person or
 * organization id or a number (0, 1, 3), a string (dropdown 2, date 4, text 6), a location (5) or a
 * ranked dropdown option (7). The dropdown option is tried before the location because a loose
 * location object would accept anything.
 */
export const fieldValueValueSchema = z.union([
  z.number(),
  z.string(),
  dropdownOptionSchema,
  locationSchema,
  z.null(),
]);
export type FieldValueValue = z.output<typeof fieldValueValueSchema>;

/** One of the `interaction_dates` of persons and organizations (`with_interaction_dates=true`). */
export const interactionDatesSchema = z.looseObject({
  first_email_date: timestampSchema.nullable().optional(),
  last_email_date: timestampSchema.nullable().optional(),
  last_event_date: timestampSchema.nullable().optional(),
  last_chat_message_date: timestampSchema.nullable().optional(),
  last_interaction_date: timestampSchema.nullable().optional(),
  next_event_date: timestampSchema.nullable().optional(),
  first_event_date: timestampSchema.nullable().optional(),
});
export type InteractionDates = z.output<typeof interactionDatesSchema>;

const interactionSummarySchema = z
  .looseObject({
    date: timestampSchema.nullable().optional(),
    person_ids: z.array(idSchema).optional(),
  })
  .nullable()
  .optional();

/** The `interactions` object: per interaction kind, its date and the internal persons involved. */
export const interactionsSummarySchema = z.looseObject({
  first_email: interactionSummarySchema,
  last_email: interactionSummarySchema,
  last_event: interactionSummarySchema,
  last_chat_message: interactionSummarySchema,
  last_interaction: interactionSummarySchema,
  next_event: interactionSummarySchema,
  first_event: interactionSummarySchema,
});
export type InteractionsSummary = z.output<typeof interactionsSummarySchema>;

/** The `next_page_token` of a page: `null` on the last page, and tolerated when absent. */
export const nextPageTokenSchema = z.string().nullable().optional();

import { z } from 'zod';
import {
  idSchema,
  nextPageTokenSchema,
  opportunitySummarySchema,
  organizationSummarySchema,
  personSummarySchema,
  reminderResetTypeSchema,
  reminderStatusSchema,
  reminderTypeSchema,
  timestampSchema,
} from './common.js';

/** The reminder resource. One-time reminders have null `reset_type` and `reminder_days`. */
export const reminderSchema = z.looseObject({
  id: idSchema,
  type: reminderTypeSchema,
  created_at: timestampSchema,
  completed_at: timestampSchema.nullable().optional(),
  content: z.string().nullable().optional(),
  due_date: timestampSchema.nullable().optional(),
  reset_type: reminderResetTypeSchema.nullable().optional(),
  reminder_days: z.number().int().nullable().optional(),
  status: reminderStatusSchema,
  creator: personSummarySchema.nullable().optional(),
  owner: personSummarySchema.nullable().optional(),
  completer: personSummarySchema.nullable().optional(),
  person: personSummarySchema.nullable().optional(),
  organization: organizationSummarySchema.nullable().optional(),
  opportunity: opportunitySummarySchema.nullable().optional(),
});
export type Reminder = z.output<typeof reminderSchema>;

/** `GET /reminders`. */
export const reminderPageSchema = z.looseObject({
  reminders: z.array(reminderSchema),
  next_page_token: nextPageTokenSchema,
});
export type ReminderPage = z.output<typeof reminderPageSchema>;

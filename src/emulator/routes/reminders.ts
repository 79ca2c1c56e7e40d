/**
 * Reminders (`/reminders`): one-time reminders with a due date and recurring ones that fall due
 * again `reminder_days` after being completed or reset by an interaction. The status is derived,
 * never stored: completed (0), active (1, not past due) or overdue (2), on the emulator's clock.
 * Emits `reminder.created/updated/deleted`.
 */
import {
  ACTIVITY_TABLES,
  deletedEntity,
  type InteractionRow,
  opportunitySummary,
  optBool,
  optDate,
  optEnum,
  optInt,
  optString,
  organizationSummary,
  pathId,
  personSummary,
} from '../activity-common.js';
import { pacificOffset } from '../core.js';
import {
  type EmulatorCore,
  notFound,
  type RequestContext,
  type ResourceModule,
  type Table,
  unprocessable,
} from '../framework.js';
import { tablesOf } from '../model.js';

/** Default and maximum page size of `GET /reminders`. */
export const REMINDERS_PAGE_SIZE = 500;

const DAY_MS = 86_400_000;

export interface ReminderRow {
  id: number;
  /** 0 one-time, 1 recurring. */
  type: 0 | 1;
  /** Recurring only: 0 reset by an email or a meeting, 1 by an email, 2 by a meeting. */
  reset_type: 0 | 1 | 2 | null;
  reminder_days: number | null;
  content: string;
  due_date: string;
  due_ms: number;
  created_at: string;
  created_ms: number;
  completed_at: string | null;
  creator_id: number;
  owner_id: number;
  completer_id: number | null;
  person_id: number | null;
  organization_id: number | null;
  opportunity_id: number | null;
}

const table = (core: EmulatorCore): Table<ReminderRow> => core.table<ReminderRow>(ACTIVITY_TABLES.reminders);

/** 0 completed, 1 active, 2 overdue, as the reference defines them. */
export function reminderStatus(row: ReminderRow, now: Date): 0 | 1 | 2 {
  // A completed recurring reminder is due again, so only one-time reminders stay completed.
  if (row.type === 0 && row.completed_at !== null) return 0;
  return row.due_ms < now.getTime() ? 2 : 1;
}

/** The reminder as the API answers it, with its persons and entity nested. */
export function renderReminder(core: EmulatorCore, row: ReminderRow): Record<string, unknown> {
  return {
    id: row.id,
    type: row.type,
    created_at: row.created_at,
    completed_at: row.completed_at,
    content: row.content,
    due_date: row.due_date,
    reset_type: row.reset_type,
    reminder_days: row.reminder_days,
    status: reminderStatus(row, core.now()),
    creator: personSummary(core, row.creator_id),
    owner: personSummary(core, row.owner_id),
    completer: personSummary(core, row.completer_id),
    person: personSummary(core, row.person_id),
    organization: organizationSummary(core, row.organization_id),
    opportunity: opportunitySummary(core, row.opportunity_id),
  };
}

/** A due date: a bare `YYYY-MM-DD` is midnight Pacific, as the live API stores it. */
export function parseDueDate(value: string): Date | undefined {
  const bare = /^(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
  if (bare) {
    // 08:00 UTC is just after midnight Pacific, before any 2 a.m. daylight-saving switch.
    const offset = pacificOffset(new Date(`${bare[1]}T08:00:00Z`));
    const d = new Date(`${bare[1]}T00:00:00${offset}`);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function optDueDate(bag: Record<string, unknown>): Date | undefined {
  const v = optString(bag, 'due_date');
  if (v === undefined || v === '') return undefined;
  const d = parseDueDate(v);
  if (!d) throw unprocessable('due_date must be an ISO 8601 date.');
  return d;
}

function setDue(core: EmulatorCore, row: ReminderRow, d: Date): void {
  row.due_date = core.timestamp(d);
  row.due_ms = d.getTime();
}

function complete(core: EmulatorCore, row: ReminderRow, by: number): void {
  const now = core.now();
  row.completed_at = core.timestamp(now);
  row.completer_id = by;
  if (row.type === 1 && row.reminder_days !== null)
    setDue(core, row, new Date(now.getTime() + row.reminder_days * DAY_MS));
}

function requireInternal(core: EmulatorCore, id: number, name: string): number {
  tablesOf(core).persons.reference(id, 'Person', name);
  if (!core.isInternalPerson(id)) throw unprocessable(`${name} must be an internal person.`);
  return id;
}

function reminderDays(bag: Record<string, unknown>): number | undefined {
  const days = optInt(bag, 'reminder_days');
  if (days !== undefined && days < 1) throw unprocessable('reminder_days must be a positive integer.');
  return days;
}

function find(core: EmulatorCore, ctx: RequestContext): ReminderRow {
  const id = pathId(ctx.params, 'reminder_id');
  const row = id === undefined ? undefined : table(core).get(id);
  if (!row) throw notFound('Reminder');
  return row;
}

/** Builds and stores a reminder from validated input (the API and the seeder share it). */
export function insertReminder(
  core: EmulatorCore,
  r: {
    type: 0 | 1;
    content: string;
    ownerId: number;
    creatorId: number;
    dueDate?: Date | undefined;
    resetType?: 0 | 1 | 2 | undefined;
    reminderDays?: number | undefined;
    personId?: number | undefined;
    organizationId?: number | undefined;
    opportunityId?: number | undefined;
    completed?: boolean | undefined;
  },
): ReminderRow {
  const now = core.now();
  const due = r.dueDate ?? new Date(now.getTime() + (r.reminderDays ?? 0) * DAY_MS);
  const row: ReminderRow = {
    id: core.nextId(),
    type: r.type,
    reset_type: r.type === 1 ? (r.resetType ?? 0) : null,
    reminder_days: r.type === 1 ? (r.reminderDays ?? null) : null,
    content: r.content,
    due_date: core.timestamp(due),
    due_ms: due.getTime(),
    created_at: core.timestamp(now),
    created_ms: now.getTime(),
    completed_at: null,
    creator_id: r.creatorId,
    owner_id: r.ownerId,
    completer_id: null,
    person_id: r.personId ?? null,
    organization_id: r.organizationId ?? null,
    opportunity_id: r.opportunityId ?? null,
  };
  if (r.completed) complete(core, row, r.ownerId);
  return table(core).insert(row);
}

/**
 * Resets recurring reminders on a person the interaction involves, as Affinity does when an email
 * or meeting happens: due again `reminder_days` after the interaction. Emits `reminder.updated`.
 */
export function resetRemindersFor(core: EmulatorCore, interaction: InteractionRow): void {
  const isEmail = interaction.type === 3;
  const isMeeting = interaction.type === 0;
  if (!isEmail && !isMeeting) return;
  for (const row of table(core).values()) {
    if (row.type !== 1 || row.person_id === null || row.reminder_days === null) continue;
    if (!interaction.person_ids.includes(row.person_id)) continue;
    const resets =
      row.reset_type === 0 || (row.reset_type === 1 && isEmail) || (row.reset_type === 2 && isMeeting);
    if (!resets) continue;
    const due = interaction.date_ms + row.reminder_days * DAY_MS;
    if (due <= row.due_ms) continue;
    setDue(core, row, new Date(due));
    core.emit('reminder.updated', renderReminder(core, row));
  }
}

export const remindersModule: ResourceModule = {
  name: 'reminders',
  routes: (core) => [
    {
      method: 'GET',
      path: '/reminders',
      handler: (ctx) => {
        const q = ctx.query;
        const f = {
          person: optInt(q, 'person_id'),
          organization: optInt(q, 'organization_id'),
          opportunity: optInt(q, 'opportunity_id'),
          creator: optInt(q, 'creator_id'),
          owner: optInt(q, 'owner_id'),
          completer: optInt(q, 'completer_id'),
          type: optEnum(q, 'type', [0, 1] as const),
          resetType: optEnum(q, 'reset_type', [0, 1, 2] as const),
          status: optEnum(q, 'status', [0, 1, 2] as const),
          dueBefore: optDate(q, 'due_before')?.getTime(),
          dueAfter: optDate(q, 'due_after')?.getTime(),
        };
        const now = core.now();
        const rows = table(core)
          .all()
          .filter(
            (r) =>
              (f.person === undefined || r.person_id === f.person) &&
              (f.organization === undefined || r.organization_id === f.organization) &&
              (f.opportunity === undefined || r.opportunity_id === f.opportunity) &&
              (f.creator === undefined || r.creator_id === f.creator) &&
              (f.owner === undefined || r.owner_id === f.owner) &&
              (f.completer === undefined || r.completer_id === f.completer) &&
              (f.type === undefined || r.type === f.type) &&
              (f.resetType === undefined || r.reset_type === f.resetType) &&
              (f.status === undefined || reminderStatus(r, now) === f.status) &&
              (f.dueBefore === undefined || r.due_ms < f.dueBefore) &&
              (f.dueAfter === undefined || r.due_ms > f.dueAfter),
          )
          .sort((a, b) => b.created_ms - a.created_ms || b.id - a.id);
        const page = core.paginate(rows, q, {
          defaultSize: REMINDERS_PAGE_SIZE,
          maxSize: REMINDERS_PAGE_SIZE,
        });
        return {
          reminders: page.items.map((r) => renderReminder(core, r)),
          next_page_token: page.nextPageToken,
        };
      },
    },
    {
      method: 'GET',
      path: '/reminders/{reminder_id}',
      handler: (ctx) => renderReminder(core, find(core, ctx)),
    },
    {
      method: 'POST',
      path: '/reminders',
      handler: (ctx) => {
        const b = ctx.body;
        const t = tablesOf(core);
        const ownerIdRaw = optInt(b, 'owner_id');
        if (ownerIdRaw === undefined) throw unprocessable('owner_id is required.');
        const ownerId = requireInternal(core, ownerIdRaw, 'owner_id');
        const type = optEnum(b, 'type', [0, 1] as const);
        if (type === undefined) throw unprocessable('type is required.');
        const resetType = optEnum(b, 'reset_type', [0, 1, 2] as const);
        const days = reminderDays(b);
        const dueDate = optDueDate(b);
        if (type === 1 && resetType === undefined)
          throw unprocessable('reset_type is required when type == 1.');
        if (type === 1 && days === undefined)
          throw unprocessable('reminder_days is required when type == 1.');
        if (type === 0 && dueDate === undefined) throw unprocessable('due_date is required when type == 0.');
        const personId = optInt(b, 'person_id');
        const organizationId = optInt(b, 'organization_id');
        const opportunityId = optInt(b, 'opportunity_id');
        if ([personId, organizationId, opportunityId].filter((v) => v !== undefined).length > 1) {
          throw unprocessable(
            'At most one of person_id, organization_id or opportunity_id can be specified.',
          );
        }
        if (personId !== undefined) t.persons.reference(personId, 'Person', 'person_id');
        if (organizationId !== undefined)
          t.organizations.reference(organizationId, 'Organization', 'organization_id');
        if (opportunityId !== undefined)
          t.opportunities.reference(opportunityId, 'Opportunity', 'opportunity_id');
        const row = insertReminder(core, {
          type,
          content: optString(b, 'content') ?? '',
          ownerId,
          creatorId: ctx.userId,
          dueDate,
          resetType,
          reminderDays: days,
          personId,
          organizationId,
          opportunityId,
          completed: false,
        });
        if (optBool(b, 'is_completed')) complete(core, row, ctx.userId);
        const body = renderReminder(core, row);
        core.emit('reminder.created', body);
        return body;
      },
    },
    {
      method: 'PUT',
      path: '/reminders/{reminder_id}',
      handler: (ctx) => {
        const b = ctx.body;
        const row = find(core, ctx);
        const ownerIdRaw = optInt(b, 'owner_id');
        const ownerId = ownerIdRaw === undefined ? undefined : requireInternal(core, ownerIdRaw, 'owner_id');
        const content = optString(b, 'content');
        const type = optEnum(b, 'type', [0, 1] as const) ?? row.type;
        const resetType = optEnum(b, 'reset_type', [0, 1, 2] as const);
        const days = reminderDays(b);
        const dueDate = optDueDate(b);
        const completed = optBool(b, 'is_completed');
        // Validate the reminder as it would be after the update, then apply everything at once.
        if (type === 1 && (resetType ?? row.reset_type) === null) {
          throw unprocessable('reset_type is required when type == 1.');
        }
        if (type === 1 && (days ?? row.reminder_days) === null) {
          throw unprocessable('reminder_days is required when type == 1.');
        }
        if (type === 0 && row.type === 1 && dueDate === undefined) {
          throw unprocessable('due_date is required when type == 0.');
        }
        if (ownerId !== undefined) row.owner_id = ownerId;
        if (content !== undefined) row.content = content;
        row.type = type;
        if (type === 1) {
          row.reset_type = resetType ?? row.reset_type;
          row.reminder_days = days ?? row.reminder_days;
        } else {
          row.reset_type = null;
          row.reminder_days = null;
        }
        if (dueDate) setDue(core, row, dueDate);
        if (completed === true) complete(core, row, ctx.userId);
        if (completed === false) {
          row.completed_at = null;
          row.completer_id = null;
        }
        const body = renderReminder(core, row);
        core.emit('reminder.updated', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/reminders/{reminder_id}',
      handler: (ctx) => {
        const row = find(core, ctx);
        const body = renderReminder(core, row);
        table(core).delete(row.id);
        core.emit('reminder.deleted', body);
        return { success: true };
      },
    },
  ],
  // A reminder about an entity goes with it.
  onEvent: (core, type, body) => {
    const gone = deletedEntity(type, body);
    if (!gone) return;
    const key = `${gone.kind}_id` as const;
    for (const row of table(core)
      .all()
      .filter((r) => r[key] === gone.id)) {
      const rendered = renderReminder(core, row);
      table(core).delete(row.id);
      core.emit('reminder.deleted', rendered);
    }
  },
};

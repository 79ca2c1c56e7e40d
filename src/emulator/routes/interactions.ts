/**
 * Interactions (`/interactions`): meetings and calls (answered under `events`), chat messages
 * (`chat_messages`) and emails (`emails`). Only meetings, calls and chat messages can be logged
 * through the API; each logged one carries a note holding its content. Interactions are indexed by
 * person so that persons and organizations can show their `interaction_dates` cheaply.
 */
import { createHash } from 'node:crypto';
import {
  activityTables,
  type InteractionRow,
  type InteractionType,
  type NoteRow,
  optDate,
  optEnum,
  optInt,
  optIntArray,
  optString,
  pathId,
  personSummary,
  renderNote,
} from '../activity-common.js';
import {
  type EmulatorCore,
  notFound,
  type RequestContext,
  type ResourceModule,
  unprocessable,
} from '../framework.js';
import { type InteractionDates, tablesOf } from '../model.js';
import { resetRemindersFor } from './reminders.js';

/** Default and maximum page size of `GET /interactions`. */
export const INTERACTIONS_PAGE_SIZE = 100;

const MEETING_TITLE = 'Manually logged event';

const GROUP_KEY: Record<InteractionType, string> = {
  0: 'events',
  1: 'events',
  2: 'chat_messages',
  3: 'emails',
};

type ByPerson = Map<number, InteractionRow[]>;

const byPerson = (core: EmulatorCore): ByPerson =>
  core.memo('interactions.byPerson', (c) => {
    const index: ByPerson = new Map();
    for (const row of activityTables(c).interactions.values()) addToIndex(index, row);
    return index;
  });

function addToIndex(index: ByPerson, row: InteractionRow): void {
  for (const pid of new Set(row.person_ids)) {
    let list = index.get(pid);
    if (!list) {
      list = [];
      index.set(pid, list);
    }
    list.push(row);
  }
}

function removeFromIndex(index: ByPerson, row: InteractionRow): void {
  for (const pid of new Set(row.person_ids)) {
    const list = index.get(pid);
    if (!list) continue;
    const at = list.indexOf(row);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) index.delete(pid);
  }
}

/** Stores an interaction and keeps the person index current (the seeder uses it too). */
export function insertInteraction(core: EmulatorCore, row: InteractionRow): InteractionRow {
  activityTables(core).interactions.insert(row);
  addToIndex(byPerson(core), row);
  return row;
}

function setPersons(core: EmulatorCore, row: InteractionRow, personIds: number[]): void {
  const index = byPerson(core);
  removeFromIndex(index, row);
  row.person_ids = personIds;
  addToIndex(index, row);
}

/** Builds a row with every type-specific key present; `personIds` puts the sender first for emails. */
export function newInteraction(
  core: EmulatorCore,
  i: {
    type: InteractionType;
    date: Date;
    personIds: number[];
    direction?: 0 | 1 | undefined;
    loggingType?: 0 | 1 | undefined;
    creatorId?: number | null | undefined;
    subject?: string | undefined;
  },
): InteractionRow {
  const persons = tablesOf(core).persons;
  const date = core.timestamp(i.date);
  const isEvent = i.type === 0 || i.type === 1;
  const [from, ...to] = i.personIds;
  let direction: 0 | 1 | null = null;
  if (i.type === 2) direction = i.direction ?? 0;
  if (i.type === 3) direction = i.direction ?? (from !== undefined && persons.get(from)?.type === 1 ? 0 : 1);
  const loggingType = i.loggingType ?? (i.type === 3 ? 0 : 1);
  const id = core.nextId();
  return {
    id,
    type: i.type,
    date,
    date_ms: i.date.getTime(),
    person_ids: [...new Set(i.personIds)],
    logging_type: loggingType,
    direction,
    // A hand-logged interaction without a named author was logged by its first internal person.
    manual_creator_id:
      loggingType === 1
        ? (i.creatorId ?? i.personIds.find((id) => persons.get(id)?.type === 1) ?? null)
        : null,
    ical_uid: i.type === 0 && loggingType === 0 ? calendarUid(id) : null,
    title: isEvent ? (i.subject ?? MEETING_TITLE) : null,
    start_time: isEvent ? date : null,
    end_time: null,
    updated_at: null,
    subject: i.type === 3 ? (i.subject ?? '') : null,
    from_id: i.type === 3 ? (from ?? null) : null,
    to_ids: i.type === 3 ? to : [],
    cc_ids: [],
    note_ids: [],
  };
}

/**
 * The iCalendar UID of a calendar-synced meeting: stable per interaction, shaped like the UIDs
 * calendar providers issue (`<hex>@google.com`).
 */
function calendarUid(id: number): string {
  return `${createHash('sha1').update(`affinity-emulator-meeting-${id}`).digest('hex').slice(0, 26)}@google.com`;
}

/**
 * The interaction as the API answers it; the keys depend on its type, as in the reference's
 * examples, plus `logging_type` (its attribute table) and, on meetings, `ical_uid`.
 */
export function renderInteraction(core: EmulatorCore, row: InteractionRow): Record<string, unknown> {
  const persons = () => row.person_ids.map((id) => personSummary(core, id)).filter((p) => p !== null);
  if (row.type === 3) {
    return {
      date: row.date,
      id: row.id,
      subject: row.subject,
      type: row.type,
      logging_type: row.logging_type,
      from: personSummary(core, row.from_id),
      to: row.to_ids.map((id) => personSummary(core, id)).filter((p) => p !== null),
      cc: row.cc_ids.map((id) => personSummary(core, id)).filter((p) => p !== null),
      direction: row.direction,
    };
  }
  if (row.type === 2) {
    return {
      id: row.id,
      date: row.date,
      direction: row.direction,
      manual_creator_id: row.manual_creator_id,
      logging_type: row.logging_type,
      persons: persons(),
      type: row.type,
      notes: [...row.note_ids],
    };
  }
  const personTable = tablesOf(core).persons;
  const event: Record<string, unknown> = {
    date: row.date,
    id: row.id,
    attendees: row.person_ids.flatMap((id) => personTable.get(id)?.emails[0] ?? []),
    start_time: row.start_time,
    end_time: row.end_time,
    updated_at: row.updated_at,
    manual_creator_id: row.manual_creator_id,
    logging_type: row.logging_type,
    title: row.title,
    type: row.type,
    notes: [...row.note_ids],
    persons: persons(),
  };
  if (row.type === 0) {
    event.ical_uid =
      row.ical_uid !== undefined ? row.ical_uid : row.logging_type === 0 ? calendarUid(row.id) : null;
  }
  return event;
}

/** The seven interactions a person's or organization's summary is made of. */
interface Summary {
  first_email: InteractionRow | null;
  last_email: InteractionRow | null;
  last_event: InteractionRow | null;
  last_chat_message: InteractionRow | null;
  last_interaction: InteractionRow | null;
  next_event: InteractionRow | null;
  first_event: InteractionRow | null;
}

function summarize(core: EmulatorCore, personIds: readonly number[]): Summary {
  const index = byPerson(core);
  const now = core.now().getTime();
  const s: Summary = {
    first_email: null,
    last_email: null,
    last_event: null,
    last_chat_message: null,
    last_interaction: null,
    next_event: null,
    first_event: null,
  };
  const earlier = (a: InteractionRow | null, b: InteractionRow) => a === null || b.date_ms < a.date_ms;
  const later = (a: InteractionRow | null, b: InteractionRow) => a === null || b.date_ms > a.date_ms;
  for (const pid of personIds) {
    const rows = index.get(pid);
    if (!rows) continue;
    for (const r of rows) {
      const past = r.date_ms <= now;
      if (r.type === 3) {
        if (earlier(s.first_email, r)) s.first_email = r;
        if (past && later(s.last_email, r)) s.last_email = r;
      } else if (r.type === 2) {
        if (past && later(s.last_chat_message, r)) s.last_chat_message = r;
      } else {
        if (earlier(s.first_event, r)) s.first_event = r;
        if (past && later(s.last_event, r)) s.last_event = r;
        if (!past && earlier(s.next_event, r)) s.next_event = r;
      }
      if (past && later(s.last_interaction, r)) s.last_interaction = r;
    }
  }
  return s;
}

/**
 * The `interaction_dates` of a person (pass its id) or an organization (pass its persons' ids):
 * first/last email, last/first/next event (meetings and calls), last chat message and last
 * interaction, each an Affinity timestamp or null. Reads the person index only.
 */
export function interactionDates(core: EmulatorCore, personIds: readonly number[]): InteractionDates {
  return datesOf(summarize(core, personIds));
}

function datesOf(s: Summary): InteractionDates {
  return {
    first_email_date: s.first_email?.date ?? null,
    last_email_date: s.last_email?.date ?? null,
    last_event_date: s.last_event?.date ?? null,
    last_chat_message_date: s.last_chat_message?.date ?? null,
    last_interaction_date: s.last_interaction?.date ?? null,
    next_event_date: s.next_event?.date ?? null,
    first_event_date: s.first_event?.date ?? null,
  };
}

/**
 * The `interactions` object of a person or organization: for each of the seven interactions,
 * `{date, person_ids}` (the internal persons on it) or null when there is none. Pass
 * `withPersons = false` to leave `person_ids` out (`with_interaction_persons` not set).
 */
export function interactionPersons(
  core: EmulatorCore,
  personIds: readonly number[],
  withPersons = true,
): unknown {
  return interactionsOf(core, summarize(core, personIds), withPersons);
}

/**
 * What `with_interaction_dates=true` adds to a person (pass its id) or an organization (its
 * persons' ids): `interaction_dates` and `interactions`, the latter with `person_ids` only when
 * `withPersons` (`with_interaction_persons=true`), as the reference describes both.
 */
export function interactionFields(
  core: EmulatorCore,
  personIds: readonly number[],
  withPersons: boolean,
): { interaction_dates: InteractionDates; interactions: unknown } {
  const s = summarize(core, personIds);
  return { interaction_dates: datesOf(s), interactions: interactionsOf(core, s, withPersons) };
}

function interactionsOf(core: EmulatorCore, s: Summary, withPersons: boolean): unknown {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(s) as Array<keyof Summary>) {
    const r = s[key];
    if (!r) {
      out[key] = null;
      continue;
    }
    out[key] = withPersons
      ? { date: r.date, person_ids: r.person_ids.filter((id) => core.isInternalPerson(id)) }
      : { date: r.date };
  }
  return out;
}

function requireType(bag: Record<string, unknown>): InteractionType {
  const type = optEnum(bag, 'type', [0, 1, 2, 3] as const);
  if (type === undefined) throw unprocessable('type is required.');
  return type;
}

function find(core: EmulatorCore, ctx: RequestContext, type: InteractionType): InteractionRow {
  const id = pathId(ctx.params, 'id');
  const row = id === undefined ? undefined : activityTables(core).interactions.get(id);
  // The id alone does not name an interaction: Affinity looks it up within its type.
  if (!row || row.type !== type) throw notFound('Interaction');
  return row;
}

function validPersons(core: EmulatorCore, ids: number[] | undefined): number[] {
  if (!ids || ids.length === 0) throw unprocessable('person_ids is required.');
  const persons = tablesOf(core).persons;
  for (const id of ids) persons.reference(id, 'Person', 'person_ids');
  if (!ids.some((id) => core.isInternalPerson(id))) {
    throw unprocessable('At least one internal person must be included in person_ids.');
  }
  return [...new Set(ids)];
}

function addYear(d: Date): number {
  const end = new Date(d.getTime());
  end.setUTCFullYear(end.getUTCFullYear() + 1);
  return end.getTime();
}

function attachNote(core: EmulatorCore, row: InteractionRow, content: string, creatorId: number): NoteRow {
  const now = core.now();
  const note: NoteRow = {
    id: core.nextId(),
    creator_id: creatorId,
    associated_person_ids: [],
    organization_ids: [],
    opportunity_ids: [],
    mentioned_person_ids: [],
    interaction_id: row.id,
    interaction_type: row.type,
    parent_id: null,
    content,
    type: 0,
    created_at: core.timestamp(now),
    created_ms: now.getTime(),
    updated_at: null,
  };
  activityTables(core).notes.insert(note);
  row.note_ids.push(note.id);
  return note;
}

/** Interactions involving any of the entity's persons (for `GET /interactions`). */
function candidatePersons(core: EmulatorCore, query: Record<string, unknown>): Set<number> {
  const t = tablesOf(core);
  const personId = optInt(query, 'person_id');
  const organizationId = optInt(query, 'organization_id');
  const opportunityId = optInt(query, 'opportunity_id');
  if (personId === undefined && organizationId === undefined && opportunityId === undefined) {
    throw unprocessable('One of person_id, organization_id or opportunity_id is required.');
  }
  const ids = new Set<number>();
  if (personId !== undefined) ids.add(t.persons.reference(personId, 'Person', 'person_id').id);
  if (organizationId !== undefined) {
    const org = t.organizations.reference(organizationId, 'Organization', 'organization_id');
    for (const id of org.person_ids) ids.add(id);
  }
  if (opportunityId !== undefined) {
    const opp = t.opportunities.reference(opportunityId, 'Opportunity', 'opportunity_id');
    for (const id of opp.person_ids) ids.add(id);
    for (const orgId of opp.organization_ids) {
      for (const id of t.organizations.get(orgId)?.person_ids ?? []) ids.add(id);
    }
  }
  return ids;
}

export const interactionsModule: ResourceModule = {
  name: 'interactions',
  routes: (core) => [
    {
      method: 'GET',
      path: '/interactions',
      handler: (ctx) => {
        const q = ctx.query;
        const type = requireType(q);
        const start = optDate(q, 'start_time');
        const end = optDate(q, 'end_time');
        if (!start) throw unprocessable('start_time is required.');
        if (!end) throw unprocessable('end_time is required.');
        if (start.getTime() >= end.getTime()) throw unprocessable('start_time must be before end_time.');
        if (end.getTime() > addYear(start)) throw unprocessable('Date range must not exceed one year.');
        const persons = candidatePersons(core, q);
        const internalId = optInt(q, 'internal_person_id');
        const direction = optEnum(q, 'direction', [0, 1] as const);
        const loggingType = optEnum(q, 'logging_type', [0, 1] as const);
        const index = byPerson(core);
        const seen = new Set<number>();
        const rows: InteractionRow[] = [];
        for (const pid of persons) {
          for (const r of index.get(pid) ?? []) {
            if (seen.has(r.id)) continue;
            seen.add(r.id);
            if (r.type !== type) continue;
            if (r.date_ms < start.getTime() || r.date_ms >= end.getTime()) continue;
            if (internalId !== undefined && !r.person_ids.includes(internalId)) continue;
            if (direction !== undefined && (type === 2 || type === 3) && r.direction !== direction) continue;
            if (loggingType === 1 && r.logging_type !== 1) continue;
            rows.push(r);
          }
        }
        rows.sort((a, b) => b.date_ms - a.date_ms || b.id - a.id);
        const page = core.paginate(rows, q, {
          defaultSize: INTERACTIONS_PAGE_SIZE,
          maxSize: INTERACTIONS_PAGE_SIZE,
        });
        return {
          [GROUP_KEY[type]]: page.items.map((r) => renderInteraction(core, r)),
          next_page_token: page.nextPageToken,
        };
      },
    },
    {
      method: 'GET',
      path: '/interactions/{id}',
      handler: (ctx) => renderInteraction(core, find(core, ctx, requireType(ctx.query))),
    },
    {
      method: 'POST',
      path: '/interactions',
      handler: (ctx) => {
        const b = ctx.body;
        const type = requireType(b);
        if (type === 3) {
          throw unprocessable('Only meetings (0), calls (1) and chat messages (2) can be created.');
        }
        const personIds = validPersons(core, optIntArray(b, 'person_ids'));
        const content = optString(b, 'content');
        if (content === undefined || content.trim() === '') throw unprocessable('content is required.');
        const date = optDate(b, 'date');
        if (!date) throw unprocessable('date is required.');
        const direction = optEnum(b, 'direction', [0, 1] as const);
        const row = newInteraction(core, {
          type,
          date,
          personIds,
          direction,
          loggingType: 1,
          creatorId: ctx.userId,
        });
        insertInteraction(core, row);
        const note = attachNote(core, row, content, ctx.userId);
        core.emit('note.created', renderNote(core, note));
        resetRemindersFor(core, row);
        return renderInteraction(core, row);
      },
    },
    {
      method: 'PUT',
      path: '/interactions/{id}',
      handler: (ctx) => {
        const b = ctx.body;
        const type = requireType(b);
        const row = find(core, ctx, type);
        if (type === 3) throw unprocessable('Emails cannot be updated through the API.');
        const personIds = optIntArray(b, 'person_ids');
        const content = optString(b, 'content');
        const date = optDate(b, 'date');
        const direction = optEnum(b, 'direction', [0, 1] as const);
        const nextPersons = personIds !== undefined ? validPersons(core, personIds) : undefined;
        if (content !== undefined && content.trim() === '') throw unprocessable('content cannot be empty.');
        if (nextPersons) setPersons(core, row, nextPersons);
        if (date) {
          row.date = core.timestamp(date);
          row.date_ms = date.getTime();
          if (row.type !== 2) row.start_time = row.date;
        }
        if (direction !== undefined && row.type === 2) row.direction = direction;
        if (content !== undefined) {
          const notes = activityTables(core).notes;
          const note = row.note_ids.map((id) => notes.get(id)).find((n) => n !== undefined);
          if (note) {
            note.content = content;
            note.updated_at = core.timestamp();
            core.emit('note.updated', renderNote(core, note));
          } else {
            const created = attachNote(core, row, content, ctx.userId);
            core.emit('note.created', renderNote(core, created));
          }
        }
        if (row.type !== 2) row.updated_at = core.timestamp();
        return renderInteraction(core, row);
      },
    },
    {
      method: 'DELETE',
      path: '/interactions/{id}',
      handler: (ctx) => {
        // Query parameters of a write are already in the body (the server merges them).
        const type = requireType(ctx.body);
        const row = find(core, ctx, type);
        if (type === 3) throw unprocessable('Emails cannot be deleted through the API.');
        const notes = activityTables(core).notes;
        for (const noteId of row.note_ids) {
          const note = notes.get(noteId);
          if (!note) continue;
          const body = renderNote(core, note);
          notes.delete(noteId);
          core.emit('note.deleted', body);
        }
        removeFromIndex(byPerson(core), row);
        activityTables(core).interactions.delete(row.id);
        return { success: true };
      },
    },
  ],
};

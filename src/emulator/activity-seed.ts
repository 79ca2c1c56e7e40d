/**
 * The part of the seed builder that writes activity: interactions, notes, reminders and
 * relationship strengths. The core's seed builder delegates these four methods here so that seeds
 * and the API store activity the same way (and keep the interaction index current).
 */
import type { EmulatorCore } from './framework.js';
import { insertInteraction, newInteraction } from './routes/interactions.js';
import { insertNote } from './routes/notes.js';
import { setStrength } from './routes/relationship-strengths.js';
import { insertReminder, parseDueDate } from './routes/reminders.js';
import type { SeedBuilder } from './seed-builder.js';

function date(value: string, what: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what}: not an ISO-8601 date: ${value}`);
  return d;
}

/** Seed-builder methods for the activity resources of one emulator. */
export function activitySeeder(
  core: EmulatorCore,
): Pick<SeedBuilder, 'addInteraction' | 'addNote' | 'addReminder' | 'setRelationshipStrength'> {
  return {
    addInteraction(i) {
      const row = newInteraction(core, {
        type: i.type,
        date: date(i.date, 'addInteraction'),
        personIds: i.personIds,
        direction: i.direction,
        loggingType: i.loggingType,
        creatorId: i.creatorId,
        subject: i.subject,
      });
      return insertInteraction(core, row).id;
    },
    addNote(n) {
      return insertNote(core, {
        content: n.content,
        creatorId: n.creatorId,
        type: n.type ?? 0,
        personIds: n.personIds ?? [],
        organizationIds: n.organizationIds ?? [],
        opportunityIds: n.opportunityIds ?? [],
        parentId: null,
        createdAt: n.createdAt ? date(n.createdAt, 'addNote') : core.now(),
      }).id;
    },
    addReminder(r) {
      const due = r.dueDate === undefined ? undefined : parseDueDate(r.dueDate);
      if (r.dueDate !== undefined && !due)
        throw new RangeError(`addReminder: not an ISO-8601 date: ${r.dueDate}`);
      if (r.type === 0 && !due) throw new RangeError('addReminder: a one-time reminder needs dueDate');
      if (r.type === 1 && r.reminderDays === undefined) {
        throw new RangeError('addReminder: a recurring reminder needs reminderDays');
      }
      return insertReminder(core, {
        type: r.type,
        content: r.content,
        ownerId: r.ownerId,
        creatorId: r.creatorId,
        dueDate: due,
        resetType: r.resetType,
        reminderDays: r.reminderDays,
        personId: r.personId,
        organizationId: r.organizationId,
        opportunityId: r.opportunityId,
        completed: r.completed,
      }).id;
    },
    setRelationshipStrength(s) {
      setStrength(core, s.internalId, s.externalId, s.strength);
    },
  };
}

/**
 * Notes (`/notes`): plain-text (type 0) and HTML (type 2) notes on persons, organizations and
 * opportunities, replies (`parent_id`, which carry no entities), an author other than the key's
 * owner (`creator_id`) and a back-dated `created_at`. Emits `note.created/updated/deleted`.
 */
import {
  activityTables,
  deletedEntity,
  type NoteRow,
  optDate,
  optEnum,
  optInt,
  optIntArray,
  optString,
  pathId,
  renderNote,
} from '../activity-common.js';
import {
  type EmulatorCore,
  notFound,
  type RequestContext,
  type ResourceModule,
  unprocessable,
} from '../framework.js';
import { tablesOf } from '../model.js';

/** Default and maximum page size of `GET /notes`. */
export const NOTES_PAGE_SIZE = 500;

function find(core: EmulatorCore, ctx: RequestContext): NoteRow {
  const id = pathId(ctx.params, 'note_id');
  const note = id === undefined ? undefined : activityTables(core).notes.get(id);
  if (!note) throw notFound('Note');
  return note;
}

/** Stores a note built from validated input (the API and the seeder share it). */
export function insertNote(
  core: EmulatorCore,
  n: {
    content: string;
    creatorId: number;
    type: 0 | 1 | 2 | 3;
    personIds: number[];
    organizationIds: number[];
    opportunityIds: number[];
    parentId: number | null;
    createdAt: Date;
  },
): NoteRow {
  const note: NoteRow = {
    id: core.nextId(),
    creator_id: n.creatorId,
    associated_person_ids: n.parentId === null ? [...new Set(n.personIds)] : [],
    organization_ids: n.parentId === null ? [...new Set(n.organizationIds)] : [],
    opportunity_ids: n.parentId === null ? [...new Set(n.opportunityIds)] : [],
    mentioned_person_ids: [],
    interaction_id: null,
    interaction_type: null,
    parent_id: n.parentId,
    content: n.content,
    type: n.type,
    created_at: core.timestamp(n.createdAt),
    created_ms: n.createdAt.getTime(),
    updated_at: null,
  };
  return activityTables(core).notes.insert(note);
}

function deleteNote(core: EmulatorCore, note: NoteRow): void {
  const { notes, interactions } = activityTables(core);
  const body = renderNote(core, note);
  notes.delete(note.id);
  if (note.interaction_id !== null) {
    const interaction = interactions.get(note.interaction_id);
    if (interaction) interaction.note_ids = interaction.note_ids.filter((id) => id !== note.id);
  }
  core.emit('note.deleted', body);
}

export const notesModule: ResourceModule = {
  name: 'notes',
  routes: (core) => [
    {
      method: 'GET',
      path: '/notes',
      handler: (ctx) => {
        const q = ctx.query;
        const personId = optInt(q, 'person_id');
        const organizationId = optInt(q, 'organization_id');
        const opportunityId = optInt(q, 'opportunity_id');
        const creatorId = optInt(q, 'creator_id');
        const interactions = activityTables(core).interactions;
        const rows = activityTables(core)
          .notes.all()
          .filter((n) => {
            if (creatorId !== undefined && n.creator_id !== creatorId) return false;
            if (organizationId !== undefined && !n.organization_ids.includes(organizationId)) return false;
            if (opportunityId !== undefined && !n.opportunity_ids.includes(opportunityId)) return false;
            if (personId !== undefined && !n.associated_person_ids.includes(personId)) {
              const interaction = n.interaction_id === null ? undefined : interactions.get(n.interaction_id);
              if (!interaction?.person_ids.includes(personId)) return false;
            }
            return true;
          })
          .sort((a, b) => b.created_ms - a.created_ms || b.id - a.id);
        const page = core.paginate(rows, q, { defaultSize: NOTES_PAGE_SIZE, maxSize: NOTES_PAGE_SIZE });
        return { notes: page.items.map((n) => renderNote(core, n)), next_page_token: page.nextPageToken };
      },
    },
    {
      method: 'GET',
      path: '/notes/{note_id}',
      handler: (ctx) => renderNote(core, find(core, ctx)),
    },
    {
      method: 'POST',
      path: '/notes',
      handler: (ctx) => {
        const b = ctx.body;
        const t = tablesOf(core);
        const content = optString(b, 'content');
        if (content === undefined || content.trim() === '') throw unprocessable('content is required.');
        const type = optEnum(b, 'type', [0, 1, 2, 3] as const) ?? 0;
        if (type !== 0 && type !== 2) {
          throw unprocessable('Only plain text (0) and HTML (2) notes can be created through the API.');
        }
        const parentId = optInt(b, 'parent_id');
        let personIds = optIntArray(b, 'person_ids') ?? [];
        let organizationIds = optIntArray(b, 'organization_ids') ?? [];
        let opportunityIds = optIntArray(b, 'opportunity_ids') ?? [];
        if (parentId !== undefined) {
          const parent = activityTables(core).notes.reference(parentId, 'Note', 'parent_id');
          if (parent.parent_id !== null) throw unprocessable('A reply cannot itself be replied to.');
          // Replies belong to their parent's entities only.
          personIds = [];
          organizationIds = [];
          opportunityIds = [];
        } else {
          if (personIds.length + organizationIds.length + opportunityIds.length === 0) {
            throw unprocessable(
              'At least one of person_ids, organization_ids, opportunity_ids or parent_id is required.',
            );
          }
          for (const id of personIds) t.persons.reference(id, 'Person', 'person_ids');
          for (const id of organizationIds) t.organizations.reference(id, 'Organization', 'organization_ids');
          for (const id of opportunityIds) t.opportunities.reference(id, 'Opportunity', 'opportunity_ids');
        }
        const creatorId = optInt(b, 'creator_id') ?? ctx.userId;
        if (!core.isInternalPerson(creatorId)) {
          throw unprocessable('creator_id must be a person who can access Affinity.');
        }
        const createdAt = optDate(b, 'created_at') ?? core.now();
        if (createdAt.getTime() > core.now().getTime())
          throw unprocessable('created_at cannot be in the future.');
        const note = insertNote(core, {
          content,
          creatorId,
          type,
          personIds,
          organizationIds,
          opportunityIds,
          parentId: parentId ?? null,
          createdAt,
        });
        const body = renderNote(core, note);
        core.emit('note.created', body);
        return body;
      },
    },
    {
      method: 'PUT',
      path: '/notes/{note_id}',
      handler: (ctx) => {
        const note = find(core, ctx);
        const content = optString(ctx.body, 'content');
        if (content === undefined || content.trim() === '') throw unprocessable('content is required.');
        note.content = content;
        note.updated_at = core.timestamp();
        const body = renderNote(core, note);
        core.emit('note.updated', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/notes/{note_id}',
      handler: (ctx) => {
        const note = find(core, ctx);
        // Replies only exist under their parent.
        for (const reply of activityTables(core)
          .notes.all()
          .filter((n) => n.parent_id === note.id)) {
          deleteNote(core, reply);
        }
        deleteNote(core, note);
        return { success: true };
      },
    },
  ],
  // Notes outlive a deleted entity but stop pointing at it.
  onEvent: (core, type, body) => {
    const gone = deletedEntity(type, body);
    if (!gone) return;
    const key =
      gone.kind === 'person'
        ? 'associated_person_ids'
        : gone.kind === 'organization'
          ? 'organization_ids'
          : 'opportunity_ids';
    for (const note of activityTables(core).notes.values()) {
      if (note[key].includes(gone.id)) note[key] = note[key].filter((id) => id !== gone.id);
    }
  },
};

/** `/lists/{list_id}/list-entries`: entries newest first, one entry, add, remove. */

import {
  createListEntry,
  deleteListEntry,
  intParam,
  listEntriesNewestFirst,
  renderListEntry,
  renderOpportunity,
  visibleList,
} from '../entities.js';
import {
  type EmulatorCore,
  notFound,
  type RequestContext,
  type ResourceModule,
  unprocessable,
} from '../framework.js';
import { type ListEntryRow, type ListRow, tablesOf } from '../model.js';
import { pathInt } from './query.js';

const PAGE = { defaultSize: 500, maxSize: 500 };

function findEntry(core: EmulatorCore, ctx: RequestContext): { list: ListRow; entry: ListEntryRow } {
  const list = visibleList(core, pathInt(ctx.params, 'list_id'), ctx.userId);
  const entry = tablesOf(core).listEntries.get(pathInt(ctx.params, 'list_entry_id'));
  if (!entry || entry.list_id !== list.id) throw notFound('List entry');
  return { list, entry };
}

export const listEntriesModule: ResourceModule = {
  name: 'list-entries',
  routes: (core) => [
    {
      method: 'GET',
      path: '/lists/{list_id}/list-entries',
      handler: (ctx) => {
        const list = visibleList(core, pathInt(ctx.params, 'list_id'), ctx.userId);
        const entries = listEntriesNewestFirst(core, list.id);
        const paged = ctx.query.page_size !== undefined || ctx.query.page_token !== undefined;
        // Without page_size the live API answers a bare array of every entry.
        if (!paged) return entries.map((e) => renderListEntry(core, e, true));
        const page = core.paginate(entries, ctx.query, PAGE);
        return {
          list_entries: page.items.map((e) => renderListEntry(core, e, true)),
          next_page_token: page.nextPageToken,
        };
      },
    },
    {
      method: 'GET',
      path: '/lists/{list_id}/list-entries/{list_entry_id}',
      handler: (ctx) => renderListEntry(core, findEntry(core, ctx).entry, true),
    },
    {
      method: 'POST',
      path: '/lists/{list_id}/list-entries',
      handler: (ctx) => {
        const list = visibleList(core, pathInt(ctx.params, 'list_id'), ctx.userId);
        if (list.type === 8) {
          throw unprocessable(
            'Opportunities cannot be added to a list with this endpoint; use POST /opportunities.',
          );
        }
        const entityId = intParam(ctx.body.entity_id, 'entity_id', true) as number;
        const creator = intParam(ctx.body.creator_id, 'creator_id') ?? ctx.userId;
        if (!core.isInternalPerson(creator))
          throw unprocessable('creator_id must be a person who can access Affinity');
        const entry = createListEntry(core, list, entityId, creator);
        const body = renderListEntry(core, entry, true);
        core.emit('list_entry.created', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/lists/{list_id}/list-entries/{list_entry_id}',
      handler: (ctx) => {
        const { entry } = findEntry(core, ctx);
        const body = renderListEntry(core, entry, true);
        const opp = entry.entity_type === 8 ? tablesOf(core).opportunities.get(entry.entity_id) : undefined;
        const oppBody = opp ? renderOpportunity(core, opp, ctx.userId) : null;
        deleteListEntry(core, entry);
        core.emit('list_entry.deleted', body);
        if (oppBody) core.emit('opportunity.deleted', oppBody);
        return { success: true };
      },
    },
  ],
};

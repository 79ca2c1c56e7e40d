/** `/opportunities`: search, get, create (with its one list entry), update, delete. */

import {
  canSeeList,
  createOpportunity,
  deleteOpportunity,
  idsParam,
  index,
  intParam,
  renderListEntry,
  renderOpportunity,
  stringParam,
  updateOpportunity,
  visibleList,
} from '../entities.js';
import { ApiError, type EmulatorCore, type RequestContext, type ResourceModule } from '../framework.js';
import { type OpportunityRow, tablesOf } from '../model.js';
import { pathInt, queryString } from './query.js';

const SEARCH_PAGE = { defaultSize: 500, maxSize: 500 };

/** The opportunity; 403 when its list is private to someone else. */
function findOpportunity(core: EmulatorCore, ctx: RequestContext): OpportunityRow {
  const o = tablesOf(core).opportunities.require(pathInt(ctx.params, 'opportunity_id'), 'Opportunity');
  const list = tablesOf(core).lists.get(o.list_id);
  if (list && !canSeeList(list, ctx.userId))
    throw new ApiError(403, { message: 'Insufficient rights to this opportunity.' });
  return o;
}

export const opportunitiesModule: ResourceModule = {
  name: 'opportunities',
  routes: (core) => [
    {
      method: 'GET',
      path: '/opportunities',
      handler: (ctx) => {
        const t = tablesOf(core);
        const ids = index(core).oppTerms.search(queryString(ctx.query, 'term') ?? '');
        const all = ids ? ids.map((id) => t.opportunities.get(id) as OpportunityRow) : t.opportunities.all();
        // Opportunities on lists the user cannot see are invisible to them.
        const rows = all.filter((o) => {
          const l = t.lists.get(o.list_id);
          return l ? canSeeList(l, ctx.userId) : false;
        });
        const page = core.paginate(rows, ctx.query, SEARCH_PAGE);
        return {
          opportunities: page.items.map((o) => renderOpportunity(core, o, ctx.userId)),
          next_page_token: page.nextPageToken,
        };
      },
    },
    {
      method: 'GET',
      path: '/opportunities/{opportunity_id}',
      handler: (ctx) => renderOpportunity(core, findOpportunity(core, ctx), ctx.userId),
    },
    {
      method: 'POST',
      path: '/opportunities',
      handler: (ctx) => {
        const b = ctx.body;
        const name = stringParam(b.name, 'name', true) as string;
        const listId = intParam(b.list_id, 'list_id', true) as number;
        const list = visibleList(core, listId, ctx.userId, 'list_id');
        const personIds = idsParam(b.person_ids ?? b['person_ids[]'], 'person_ids');
        const orgIds = idsParam(b.organization_ids ?? b['organization_ids[]'], 'organization_ids');
        const { opportunity, entry } = createOpportunity(core, {
          name,
          list,
          creator_id: ctx.userId,
          ...(personIds ? { person_ids: personIds } : {}),
          ...(orgIds ? { organization_ids: orgIds } : {}),
        });
        const body = renderOpportunity(core, opportunity, ctx.userId);
        core.emit('opportunity.created', body);
        core.emit('list_entry.created', renderListEntry(core, entry, true));
        return body;
      },
    },
    {
      method: 'PUT',
      path: '/opportunities/{opportunity_id}',
      handler: (ctx) => {
        const o = findOpportunity(core, ctx);
        const b = ctx.body;
        const name = stringParam(b.name, 'name');
        const personIds = idsParam(b.person_ids ?? b['person_ids[]'], 'person_ids');
        const orgIds = idsParam(b.organization_ids ?? b['organization_ids[]'], 'organization_ids');
        updateOpportunity(core, o, {
          ...(name !== undefined ? { name } : {}),
          ...(personIds ? { person_ids: personIds } : {}),
          ...(orgIds ? { organization_ids: orgIds } : {}),
        });
        const body = renderOpportunity(core, o, ctx.userId);
        core.emit('opportunity.updated', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/opportunities/{opportunity_id}',
      handler: (ctx) => {
        const o = findOpportunity(core, ctx);
        const body = renderOpportunity(core, o, ctx.userId);
        const entry = index(core).entriesByEntity.get(o.id)?.[0];
        const entryBody = entry ? renderListEntry(core, entry, true) : null;
        deleteOpportunity(core, o);
        core.emit('opportunity.deleted', body);
        if (entryBody) core.emit('list_entry.deleted', entryBody);
        return { success: true };
      },
    },
  ],
};

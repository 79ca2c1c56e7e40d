/** `/organizations`: search, get, create, update, delete, global organization fields. */

import {
  boolParam,
  createOrganization,
  deleteOrganization,
  entityListEntries,
  idsParam,
  index,
  organizationSummary,
  renderField,
  stringParam,
  updateOrganization,
} from '../entities.js';
import type { EmulatorCore, RequestContext, ResourceModule } from '../framework.js';
import { type OrganizationRow, tablesOf } from '../model.js';
import { interactionDates, interactionPersons } from './interactions.js';
import { interactionFilter, pathInt, queryString } from './query.js';

const SEARCH_PAGE = { defaultSize: 500, maxSize: 500 };

function renderOrganization(
  core: EmulatorCore,
  o: OrganizationRow,
  q: Record<string, string | string[]>,
): Record<string, unknown> {
  const out = organizationSummary(o);
  if (boolParam(queryString(q, 'with_opportunities')))
    out.opportunity_ids = index(core).oppsByOrg.get(o.id) ?? [];
  if (boolParam(queryString(q, 'with_interaction_dates'))) {
    // An organization's interactions are those of its persons.
    out.interaction_dates = interactionDates(core, o.person_ids);
    if (boolParam(queryString(q, 'with_interaction_persons')))
      out.interactions = interactionPersons(core, o.person_ids);
  }
  return out;
}

function findOrganization(core: EmulatorCore, ctx: RequestContext): OrganizationRow {
  return tablesOf(core).organizations.require(pathInt(ctx.params, 'organization_id'), 'Organization');
}

/** Organization search: word-prefix `term` over names and domains, interaction filters, pagination. */
function search(core: EmulatorCore, ctx: RequestContext): unknown {
  const q = ctx.query;
  const orgs = tablesOf(core).organizations;
  const ids = index(core).orgTerms.search(queryString(q, 'term') ?? '');
  let rows: readonly OrganizationRow[] = ids ? ids.map((id) => orgs.get(id) as OrganizationRow) : orgs.all();
  const filter = interactionFilter(q);
  if (filter || boolParam(queryString(q, 'with_interaction_dates'))) {
    rows = rows.filter((o) => {
      const dates = interactionDates(core, o.person_ids);
      if (!Object.values(dates).some((d) => d !== null)) return false;
      return filter ? filter(dates) : true;
    });
  }
  const page = core.paginate(rows, q, SEARCH_PAGE);
  return {
    organizations: page.items.map((o) => renderOrganization(core, o, q)),
    next_page_token: page.nextPageToken,
  };
}

const withPersons = (o: OrganizationRow): Record<string, unknown> => ({
  ...organizationSummary(o),
  person_ids: o.person_ids,
});

export const organizationsModule: ResourceModule = {
  name: 'organizations',
  routes: (core) => [
    { method: 'GET', path: '/organizations', handler: (ctx) => search(core, ctx) },
    {
      method: 'GET',
      path: '/organizations/fields',
      handler: () =>
        [...tablesOf(core).fields.values()]
          .filter((f) => f.list_id === null && f.entity_type === 1)
          .map((f) => renderField(f)),
    },
    {
      method: 'GET',
      path: '/organizations/{organization_id}',
      handler: (ctx) => {
        const o = findOrganization(core, ctx);
        return {
          ...renderOrganization(core, o, ctx.query),
          person_ids: o.person_ids,
          list_entries: entityListEntries(core, o.id, ctx.userId),
        };
      },
    },
    {
      method: 'POST',
      path: '/organizations',
      handler: (ctx) => {
        const b = ctx.body;
        const name = stringParam(b.name, 'name', true) as string;
        const domain = stringParam(b.domain, 'domain');
        const personIds = idsParam(b.person_ids ?? b['person_ids[]'], 'person_ids');
        const o = createOrganization(core, {
          name,
          ...(domain ? { domain } : {}),
          ...(personIds ? { person_ids: personIds } : {}),
        });
        const body = withPersons(o);
        core.emit('organization.created', body);
        return body;
      },
    },
    {
      method: 'PUT',
      path: '/organizations/{organization_id}',
      handler: (ctx) => {
        const o = findOrganization(core, ctx);
        const b = ctx.body;
        const name = stringParam(b.name, 'name');
        const domain = b.domain === null ? null : stringParam(b.domain, 'domain');
        const personIds = idsParam(b.person_ids ?? b['person_ids[]'], 'person_ids');
        updateOrganization(core, o, {
          ...(name !== undefined ? { name } : {}),
          ...(domain !== undefined ? { domain: domain === '' ? null : domain } : {}),
          ...(personIds ? { person_ids: personIds } : {}),
        });
        const body = withPersons(o);
        core.emit('organization.updated', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/organizations/{organization_id}',
      handler: (ctx) => {
        const o = findOrganization(core, ctx);
        const body = withPersons(o);
        deleteOrganization(core, o);
        core.emit('organization.deleted', body);
        return { success: true };
      },
    },
  ],
};

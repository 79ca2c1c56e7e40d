/** `/organizations`: search, get, create, update, delete, global organization fields. */

import {
  boolParam,
  createOrganization,
  deleteOrganization,
  entityListEntries,
  globalFields,
  idsParam,
  index,
  organizationSummariesJson,
  organizationSummary,
  stringParam,
  updateOrganization,
} from '../entities.js';
import { type EmulatorCore, JsonText, type RequestContext, type ResourceModule } from '../framework.js';
import { type OrganizationRow, tablesOf } from '../model.js';
import { interactionDates, interactionFields } from './interactions.js';
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
    const withPersons = boolParam(queryString(q, 'with_interaction_persons'));
    Object.assign(out, interactionFields(core, o.person_ids, withPersons));
  }
  return out;
}

function findOrganization(core: EmulatorCore, ctx: RequestContext): OrganizationRow {
  return tablesOf(core).organizations.require(pathInt(ctx.params, 'organization_id'), 'Organization');
}

/** Whether a request asks for more than the summary of each organization. */
function plainRendering(q: Record<string, string | string[]>): boolean {
  return (
    !boolParam(queryString(q, 'with_opportunities')) && !boolParam(queryString(q, 'with_interaction_dates'))
  );
}

/** Organization search: word-prefix `term` over names and domains, interaction filters, pagination. */
function search(core: EmulatorCore, ctx: RequestContext): unknown {
  const q = ctx.query;
  const orgs = tablesOf(core).organizations;
  const ids = index(core).orgTerms.search(queryString(q, 'term') ?? '');
  const filter = interactionFilter(q);
  // Ids when the page is a slice of the matches, rows when a filter read them.
  let page: { items: readonly number[] | readonly OrganizationRow[]; nextPageToken: string | null };
  if (filter || boolParam(queryString(q, 'with_interaction_dates'))) {
    const rows = (ids ? ids.map((id) => orgs.get(id) as OrganizationRow) : orgs.all()).filter((o) => {
      const dates = interactionDates(core, o.person_ids);
      if (!Object.values(dates).some((d) => d !== null)) return false;
      return filter ? filter(dates) : true;
    });
    page = core.paginate(rows, q, SEARCH_PAGE);
  } else if (ids) {
    // Matches are ascending ids: page the ids, rows are read only for the page.
    page = core.paginate(ids, q, SEARCH_PAGE);
  } else {
    page = core.paginate(orgs.all(), q, SEARCH_PAGE);
  }
  const pageIds = page.items.map((item) => (typeof item === 'number' ? item : item.id));
  if (plainRendering(q)) {
    return new JsonText(
      `{"organizations":[${organizationSummariesJson(core, pageIds).join(',')}],"next_page_token":${JSON.stringify(page.nextPageToken)}}`,
    );
  }
  return {
    organizations: pageIds.map((id) => renderOrganization(core, orgs.get(id) as OrganizationRow, q)),
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
      handler: () => globalFields(core, 1),
    },
    {
      method: 'GET',
      path: '/organizations/{organization_id}',
      handler: (ctx) => {
        const o = findOrganization(core, ctx);
        const listEntries = entityListEntries(core, o.id, ctx.userId);
        if (plainRendering(ctx.query)) {
          const summary = organizationSummariesJson(core, [o.id])[0] as string;
          return new JsonText(
            `${summary.slice(0, -1)},"person_ids":${JSON.stringify(o.person_ids)},"list_entries":${JSON.stringify(listEntries)}}`,
          );
        }
        return {
          ...renderOrganization(core, o, ctx.query),
          person_ids: o.person_ids,
          list_entries: listEntries,
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

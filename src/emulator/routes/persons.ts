/** `/persons`: search, get, create, update, delete, global person fields. */

import {
  boolParam,
  createPerson,
  deletePerson,
  emailsParam,
  entityListEntries,
  globalFields,
  idsParam,
  index,
  personSummariesJson,
  personSummary,
  stringParam,
  updatePerson,
} from '../entities.js';
import {
  ApiError,
  type EmulatorCore,
  JsonText,
  type RequestContext,
  type ResourceModule,
  unprocessable,
} from '../framework.js';
import { type PersonRow, tablesOf } from '../model.js';
import { interactionDates, interactionFields } from './interactions.js';
import { interactionFilter, pathInt, queryString } from './query.js';

const SEARCH_PAGE = { defaultSize: 500, maxSize: 500 };

function renderPerson(
  core: EmulatorCore,
  p: PersonRow,
  q: Record<string, string | string[]>,
  opts: { organizationIds: boolean },
): Record<string, unknown> {
  const out = personSummary(p);
  if (opts.organizationIds) out.organization_ids = p.organization_ids;
  if (boolParam(queryString(q, 'with_opportunities')))
    out.opportunity_ids = index(core).oppsByPerson.get(p.id) ?? [];
  if (boolParam(queryString(q, 'with_current_organizations')))
    out.current_organization_ids = p.current_organization_ids;
  if (boolParam(queryString(q, 'with_interaction_dates'))) {
    const withPersons = boolParam(queryString(q, 'with_interaction_persons'));
    Object.assign(out, interactionFields(core, [p.id], withPersons));
  }
  return out;
}

function findPerson(core: EmulatorCore, ctx: RequestContext): PersonRow {
  return tablesOf(core).persons.require(pathInt(ctx.params, 'person_id'), 'Person');
}

/** Person search: word-prefix `term` over names and emails, interaction filters, pagination. */
function search(core: EmulatorCore, ctx: RequestContext): unknown {
  const q = ctx.query;
  const persons = tablesOf(core).persons;
  const term = queryString(q, 'term') ?? '';
  const ids = index(core).personTerms.search(term);
  const filter = interactionFilter(q);
  // Ids when the page is a slice of the matches, rows when a filter read them.
  let page: { items: readonly number[] | readonly PersonRow[]; nextPageToken: string | null };
  if (filter || boolParam(queryString(q, 'with_interaction_dates'))) {
    const rows = (ids ? ids.map((id) => persons.get(id) as PersonRow) : persons.all()).filter((p) => {
      const dates = interactionDates(core, [p.id]);
      if (!Object.values(dates).some((d) => d !== null)) return false;
      return filter ? filter(dates) : true;
    });
    page = core.paginate(rows, q, SEARCH_PAGE);
  } else if (ids) {
    // Matches are ascending ids: page the ids, rows are read only for the page.
    page = core.paginate(ids, q, SEARCH_PAGE);
  } else {
    page = core.paginate(persons.all(), q, SEARCH_PAGE);
  }
  const plain =
    !boolParam(queryString(q, 'with_opportunities')) &&
    !boolParam(queryString(q, 'with_current_organizations')) &&
    !boolParam(queryString(q, 'with_interaction_dates'));
  const pageIds = page.items.map((item) => (typeof item === 'number' ? item : item.id));
  if (plain) {
    return new JsonText(
      `{"persons":[${personSummariesJson(core, pageIds).join(',')}],"next_page_token":${JSON.stringify(page.nextPageToken)}}`,
    );
  }
  return {
    persons: pageIds.map((id) =>
      renderPerson(core, persons.get(id) as PersonRow, q, { organizationIds: false }),
    ),
    next_page_token: page.nextPageToken,
  };
}

export const personsModule: ResourceModule = {
  name: 'persons',
  routes: (core) => [
    { method: 'GET', path: '/persons', handler: (ctx) => search(core, ctx) },
    {
      method: 'GET',
      path: '/persons/fields',
      handler: () => globalFields(core, 0),
    },
    {
      method: 'GET',
      path: '/persons/{person_id}',
      handler: (ctx) => {
        const p = findPerson(core, ctx);
        return {
          ...renderPerson(core, p, ctx.query, { organizationIds: true }),
          list_entries: entityListEntries(core, p.id, ctx.userId),
        };
      },
    },
    {
      method: 'POST',
      path: '/persons',
      handler: (ctx) => {
        const b = ctx.body;
        const first = stringParam(b.first_name, 'first_name', true) as string;
        const last = stringParam(b.last_name, 'last_name', true) as string;
        const emails = emailsParam(b.emails ?? b['emails[]']);
        if (!emails) throw unprocessable('emails is required (an empty array when the person has none)');
        const orgs = idsParam(b.organization_ids ?? b['organization_ids[]'], 'organization_ids');
        const p = createPerson(core, {
          first_name: first,
          last_name: last,
          emails,
          ...(orgs ? { organization_ids: orgs } : {}),
        });
        const body = { ...personSummary(p), organization_ids: p.organization_ids };
        core.emit('person.created', body);
        return body;
      },
    },
    {
      method: 'PUT',
      path: '/persons/{person_id}',
      handler: (ctx) => {
        const p = findPerson(core, ctx);
        const b = ctx.body;
        const first = stringParam(b.first_name, 'first_name');
        const last = stringParam(b.last_name, 'last_name');
        const emails = emailsParam(b.emails ?? b['emails[]']);
        const orgs = idsParam(b.organization_ids ?? b['organization_ids[]'], 'organization_ids');
        updatePerson(core, p, {
          ...(first !== undefined ? { first_name: first } : {}),
          ...(last !== undefined ? { last_name: last } : {}),
          ...(emails ? { emails } : {}),
          ...(orgs ? { organization_ids: orgs } : {}),
        });
        const body = { ...personSummary(p), organization_ids: p.organization_ids };
        core.emit('person.updated', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/persons/{person_id}',
      handler: (ctx) => {
        const p = findPerson(core, ctx);
        if (p.type === 1) throw new ApiError(422, { message: 'Internal persons cannot be deleted.' });
        const body = { ...personSummary(p), organization_ids: [...p.organization_ids] };
        deletePerson(core, p);
        core.emit('person.deleted', body);
        return { success: true };
      },
    },
  ],
};

import { asc, inArray } from 'drizzle-orm';
import { resolveKeys, runSavedSearch, type SearchEntity, showList } from '../../intelligence/index.js';
import { intelCompanies, intelInvestors, intelPeople, type Store } from '../../store/index.js';
import type { EntityKind, EntityRow } from '../mapping.js';

/** What to push: one record (by id or key), a saved search, a user list, or every record of a kind. */
export type PushSelection =
  | { company: string | number }
  | { person: string | number }
  | { investor: string | number }
  | { search: string }
  | { list: string }
  | { all: EntityKind };

export const entityOfSearch: Record<SearchEntity, EntityKind> = {
  companies: 'company',
  people: 'person',
  investors: 'investor',
};
const searchOfEntity: Record<EntityKind, SearchEntity> = {
  company: 'companies',
  person: 'people',
  investor: 'investors',
};

/** A selection that names nothing we hold. */
export class SelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectionError';
  }
}

function tableOf(kind: EntityKind) {
  return kind === 'company' ? intelCompanies : kind === 'person' ? intelPeople : intelInvestors;
}

/** Our records of one kind by id, in id order. */
export async function loadRows(store: Store, kind: EntityKind, ids: readonly number[]): Promise<EntityRow[]> {
  const table = tableOf(kind);
  const out: EntityRow[] = [];
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    out.push(...((await store.db.select().from(table).where(inArray(table.id, chunk))) as EntityRow[]));
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Resolves a selection to the entity kind and the records it names. */
export async function selectRecords(
  store: Store,
  selection: PushSelection,
): Promise<{ entity: EntityKind; rows: EntityRow[]; description: string }> {
  if ('all' in selection) {
    const table = tableOf(selection.all);
    const ids = (await store.db.select({ id: table.id }).from(table).orderBy(asc(table.id))).map((r) => r.id);
    return {
      entity: selection.all,
      rows: await loadRows(store, selection.all, ids),
      description: `all ${selection.all} records`,
    };
  }
  if ('search' in selection) {
    const ids: number[] = [];
    let entity: EntityKind = 'company';
    for (let offset = 0; ; offset += 1000) {
      const page = await runSavedSearch(store, selection.search, { limit: 1000, offset });
      entity = entityOfSearch[page.savedSearch.entity];
      ids.push(...page.results.map((r) => r.id));
      if (page.results.length < 1000) break;
    }
    return {
      entity,
      rows: await loadRows(store, entity, ids),
      description: `saved search "${selection.search}"`,
    };
  }
  if ('list' in selection) {
    const ids: number[] = [];
    let entity: EntityKind = 'company';
    for (let offset = 0; ; offset += 1000) {
      const page = await showList(store, selection.list, { limit: 1000, offset });
      entity = entityOfSearch[page.list.entity];
      ids.push(...page.results.map((r) => r.id));
      if (page.results.length < 1000) break;
    }
    return { entity, rows: await loadRows(store, entity, ids), description: `list "${selection.list}"` };
  }
  const entity: EntityKind =
    'company' in selection ? 'company' : 'person' in selection ? 'person' : 'investor';
  const key = String(
    'company' in selection
      ? selection.company
      : 'person' in selection
        ? selection.person
        : selection.investor,
  ).trim();
  let id: number | undefined;
  if (/^\d+$/.test(key)) id = Number(key);
  else id = (await resolveKeys(store, searchOfEntity[entity], [key])).ids.get(key);
  const rows = id === undefined ? [] : await loadRows(store, entity, [id]);
  if (rows.length === 0) throw new SelectionError(`no ${entity} ${JSON.stringify(key)} in the dataset`);
  return { entity, rows, description: `${entity} ${key}` };
}

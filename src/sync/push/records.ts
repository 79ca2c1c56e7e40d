import { asc, inArray, sql } from 'drizzle-orm';
import {
  parseFilter,
  resolveKeys,
  runSavedSearch,
  type SearchEntity,
  search,
  showList,
} from '../../intelligence/index.js';
import { intelCompanies, intelInvestors, intelPeople, type Store } from '../../store/index.js';
import { getDestination, type RecordType } from '../destinations.js';
import { type EntityKind, type EntityRow, entityKinds } from '../mapping.js';
import { PullInputError } from '../pull/engine.js';
import { pulledList } from '../pull/view.js';

/**
 * What to push: one record (by id or key), a saved search, a user list, every record of a kind,
 * an ad-hoc search (`query` and `filters` as the `search` command takes them), or My CRM — the
 * records pulled from Affinity that match ours (all, or those of one pulled list), pushed onto
 * the Affinity records they came from (one entity kind per push: `entity`, default company).
 */
export type PushSelection =
  | { company: string | number }
  | { person: string | number }
  | { investor: string | number }
  | { search: string }
  | { list: string }
  | { all: EntityKind }
  | { query?: string; filters?: string[]; entity: EntityKind }
  | { crm: true; list?: string; entity?: EntityKind };

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

/** The Affinity record type a kind's records come from in My CRM when it has no destination. */
const naturalType: Record<EntityKind, RecordType> = {
  company: 'organization',
  investor: 'organization',
  person: 'person',
};

/**
 * Our records of one kind that My CRM matched to an Affinity record of `recordType` and linked
 * (the link a pull records for every match), in id order: every listed record, or those on one
 * pulled list; an opportunity in scope brings the organizations it is about. Only records whose
 * link names this very Affinity record count, so a push of them needs no search.
 */
async function crmEntityIds(
  store: Store,
  connectionId: number,
  kind: EntityKind,
  recordType: RecordType,
  listId: number | null,
): Promise<number[]> {
  const onList =
    listId === null
      ? sql``
      : sql`AND EXISTS (SELECT 1 FROM crm_memberships m WHERE m.connection_id = r.connection_id
          AND m.affinity_list_id = ${listId} AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id)`;
  const rows = await store.query<{ id: number }>(sql`
    WITH scope AS (
      SELECT r.affinity_type, r.affinity_id, r.organization_ids FROM crm_records r
      WHERE r.connection_id = ${connectionId} AND r.presence = 'listed' ${onList}
    ), targets AS (
      SELECT affinity_type AS t, affinity_id AS a FROM scope
      UNION
      SELECT 'organization', unnest(organization_ids) FROM scope WHERE affinity_type = 'opportunity'
    )
    SELECT DISTINCT r.match_entity_id AS id
    FROM targets x
    JOIN crm_records r ON r.connection_id = ${connectionId} AND r.affinity_type = x.t AND r.affinity_id = x.a
    JOIN sync_links l ON l.connection_id = r.connection_id AND l.entity_kind = r.match_kind
      AND l.entity_id = r.match_entity_id AND l.affinity_type = r.affinity_type AND l.affinity_id = r.affinity_id
    WHERE r.match_status = 'matched' AND r.match_kind = ${kind} AND r.affinity_type = ${recordType}
    ORDER BY 1`);
  return rows.map((r) => Number(r.id));
}

/** The pulled list a My CRM selection names, refused by name (with the pulled ones) when unknown. */
async function crmList(
  store: Store,
  connectionId: number,
  list: string | undefined,
): Promise<{ id: number; name: string } | null> {
  if (list === undefined) return null;
  try {
    return await pulledList(store, connectionId, list);
  } catch (err) {
    if (err instanceof PullInputError) throw new SelectionError(err.message);
    throw err;
  }
}

/** How many of our records of each kind a My CRM selection holds, and whether each kind has a destination. */
export interface CrmSelectionKind {
  entity: EntityKind;
  records: number;
  destination: boolean;
}

/**
 * The entity kinds a My CRM selection (all, or one pulled list) would push: for each kind, the
 * records matched and linked, counted against the kind's destination record type (or the type
 * My CRM holds it as, when it has none). An unknown or never-pulled list is a {@link SelectionError}.
 */
export async function crmSelectionKinds(
  store: Store,
  connectionId: number,
  list?: string,
): Promise<{ list: { id: number; name: string } | null; kinds: CrmSelectionKind[] }> {
  const pulled = await crmList(store, connectionId, list);
  const kinds: CrmSelectionKind[] = [];
  for (const entity of entityKinds) {
    const destination = await getDestination(store, connectionId, entity);
    const ids = await crmEntityIds(
      store,
      connectionId,
      entity,
      destination?.recordType ?? naturalType[entity],
      pulled?.id ?? null,
    );
    kinds.push({ entity, records: ids.length, destination: destination !== null });
  }
  return { list: pulled, kinds };
}

function describeSearch(entity: EntityKind, query: string | undefined, filters: readonly string[]): string {
  const parts = [...(query ? [`query ${JSON.stringify(query)}`] : []), ...filters.map((f) => `filter ${f}`)];
  return `search of ${searchOfEntity[entity]}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Resolves a selection to the entity kind and the records it names. A My CRM selection needs the
 * connection whose pulls it reads.
 */
export async function selectRecords(
  store: Store,
  selection: PushSelection,
  connectionId?: number,
): Promise<{ entity: EntityKind; rows: EntityRow[]; description: string }> {
  if ('crm' in selection) {
    if (connectionId === undefined) throw new SelectionError('a My CRM selection needs a connection');
    const entity = selection.entity ?? 'company';
    const pulled = await crmList(store, connectionId, selection.list);
    const destination = await getDestination(store, connectionId, entity);
    const ids = await crmEntityIds(
      store,
      connectionId,
      entity,
      destination?.recordType ?? naturalType[entity],
      pulled?.id ?? null,
    );
    return {
      entity,
      rows: await loadRows(store, entity, ids),
      description: `My CRM records matched to ${searchOfEntity[entity]}${pulled ? ` on list "${pulled.name}"` : ''}`,
    };
  }
  if ('entity' in selection) {
    const entity = selection.entity;
    if (!entityKinds.includes(entity)) {
      throw new SelectionError(`unknown entity ${JSON.stringify(entity)}: use ${entityKinds.join(', ')}`);
    }
    const filters = selection.filters ?? [];
    // The search command's own parsing and checks: a bad filter names its key and value.
    const spec = { query: selection.query, filters: filters.map(parseFilter) };
    const ids: number[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await search(store, searchOfEntity[entity], spec, { limit: 1000, offset });
      ids.push(...page.results.map((r) => r.id));
      if (page.results.length < 1000) break;
    }
    return {
      entity,
      rows: await loadRows(store, entity, ids),
      description: describeSearch(entity, selection.query, filters),
    };
  }
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

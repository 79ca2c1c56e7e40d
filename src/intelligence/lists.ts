import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import {
  intelCompanies,
  intelInvestors,
  intelListItems,
  intelLists,
  intelPeople,
  type Store,
} from '../store/index.js';
import { normaliseDomain, normaliseEmail, normaliseLinkedinUrl } from './normalize.js';
import { compileSearch, runCompiled, type SearchEntity, type SearchPage, searchEntities } from './search.js';

export interface UserList {
  id: number;
  name: string;
  entity: SearchEntity;
  size: number;
  /** Marked auto-push: changes to our data push its new and changed members to Affinity. */
  autoPush: boolean;
  createdAt: string;
}

/** A list operation that cannot be done: no such list, a name already taken, a wrong entity kind. */
export class ListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListError';
  }
}

/** Keys given to add to a list that name nothing in the dataset; nothing was added. */
export class ListKeysNotFoundError extends ListError {
  constructor(
    readonly list: string,
    readonly notFound: string[],
  ) {
    super(
      `not found, so nothing was added to ${JSON.stringify(list)}: ${notFound.join(', ')} (--skip-missing adds the others)`,
    );
    this.name = 'ListKeysNotFoundError';
  }
}

/** Creates a user list of companies, people or investors. Names are unique. */
export async function createList(store: Store, name: string, entity: SearchEntity): Promise<UserList> {
  const trimmed = name.trim();
  if (trimmed === '') throw new ListError('a list needs a name');
  if (!searchEntities.includes(entity)) {
    throw new ListError(`a list holds ${searchEntities.join(', ')}, not ${JSON.stringify(entity)}`);
  }
  const [row] = await store.db
    .insert(intelLists)
    .values({ name: trimmed, entity })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ListError(`a list named ${JSON.stringify(trimmed)} already exists`);
  return {
    id: row.id,
    name: row.name,
    entity,
    size: 0,
    autoPush: row.autoPush,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Every list with its size, by name. */
export async function listLists(store: Store): Promise<UserList[]> {
  const rows = await store.db
    .select({
      id: intelLists.id,
      name: intelLists.name,
      entity: intelLists.entity,
      createdAt: intelLists.createdAt,
      autoPush: intelLists.autoPush,
      size: count(intelListItems.entityId),
    })
    .from(intelLists)
    .leftJoin(intelListItems, eq(intelListItems.listId, intelLists.id))
    .groupBy(intelLists.id)
    .orderBy(asc(intelLists.name));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    entity: r.entity as SearchEntity,
    size: Number(r.size),
    autoPush: r.autoPush,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** The list of that name, or null. */
export async function getList(store: Store, name: string): Promise<UserList | null> {
  return (await listLists(store)).find((l) => l.name === name.trim()) ?? null;
}

async function mustGet(store: Store, name: string): Promise<UserList> {
  const list = await getList(store, name);
  if (!list) throw new ListError(`no list named ${JSON.stringify(name)}`);
  return list;
}

/** Deletes a list (not its members); false when there was none. */
export async function deleteList(store: Store, name: string): Promise<boolean> {
  const rows = await store.db.delete(intelLists).where(eq(intelLists.name, name.trim())).returning();
  return rows.length > 0;
}

/**
 * Finds entities by the keys users know them by: a domain or URL for companies and investors; an
 * email or LinkedIn URL for people. Returns the ids found and the keys that matched nothing.
 */
export async function resolveKeys(
  store: Store,
  entity: SearchEntity,
  keys: readonly string[],
): Promise<{ ids: Map<string, number>; notFound: string[] }> {
  const ids = new Map<string, number>();
  const notFound: string[] = [];
  if (entity === 'people') {
    for (const key of keys) {
      const email = normaliseEmail(key);
      const linkedin = email ? null : normaliseLinkedinUrl(key);
      const cond = email
        ? sql`${intelPeople.emails} @> ARRAY[${email}]::text[]`
        : linkedin
          ? eq(intelPeople.linkedinUrl, linkedin)
          : undefined;
      const [row] = cond
        ? await store.db.select({ id: intelPeople.id }).from(intelPeople).where(cond).limit(1)
        : [];
      if (row) ids.set(key, row.id);
      else notFound.push(key);
    }
    return { ids, notFound };
  }
  const table = entity === 'companies' ? intelCompanies : intelInvestors;
  const byDomain = new Map<string, string>();
  for (const key of keys) {
    const d = normaliseDomain(key);
    if (d) byDomain.set(d, key);
    else notFound.push(key);
  }
  if (byDomain.size > 0) {
    const rows = await store.db
      .select({ id: table.id, domain: table.domain })
      .from(table)
      .where(inArray(table.domain, [...byDomain.keys()]));
    const found = new Set<string>();
    for (const r of rows) {
      found.add(r.domain);
      ids.set(byDomain.get(r.domain) as string, r.id);
    }
    for (const [d, key] of byDomain) if (!found.has(d)) notFound.push(key);
  }
  return { ids, notFound };
}

/**
 * Adds entities (by key) to a list; reports which were added, already there, or not found. All or
 * nothing: when a key names nothing, nothing is added and {@link ListKeysNotFoundError} names every
 * such key — unless `skipMissing`, which adds the others and reports the missing in `notFound`.
 */
export async function addToList(
  store: Store,
  name: string,
  keys: readonly string[],
  options: { skipMissing?: boolean } = {},
): Promise<{ list: string; added: number; alreadyPresent: number; notFound: string[] }> {
  const list = await mustGet(store, name);
  const { ids, notFound } = await resolveKeys(store, list.entity, keys);
  if (notFound.length > 0 && !options.skipMissing) throw new ListKeysNotFoundError(list.name, notFound);
  const unique = [...new Set(ids.values())];
  const rows =
    unique.length === 0
      ? []
      : await store.db
          .insert(intelListItems)
          .values(unique.map((entityId) => ({ listId: list.id, entityId })))
          .onConflictDoNothing()
          .returning({ id: intelListItems.entityId });
  return { list: list.name, added: rows.length, alreadyPresent: unique.length - rows.length, notFound };
}

/** Removes entities (by key) from a list. */
export async function removeFromList(
  store: Store,
  name: string,
  keys: readonly string[],
): Promise<{ list: string; removed: number; notInList: number; notFound: string[] }> {
  const list = await mustGet(store, name);
  const { ids, notFound } = await resolveKeys(store, list.entity, keys);
  const unique = [...new Set(ids.values())];
  const rows =
    unique.length === 0
      ? []
      : await store.db
          .delete(intelListItems)
          .where(and(eq(intelListItems.listId, list.id), inArray(intelListItems.entityId, unique)))
          .returning({ id: intelListItems.entityId });
  return { list: list.name, removed: rows.length, notInList: unique.length - rows.length, notFound };
}

/** The members of a list, in the entity's default order. */
export async function showList(
  store: Store,
  name: string,
  options: { limit?: number; offset?: number } = {},
): Promise<SearchPage & { list: UserList }> {
  const list = await mustGet(store, name);
  const members = await store.db
    .select({ id: intelListItems.entityId })
    .from(intelListItems)
    .where(eq(intelListItems.listId, list.id));
  const page = await runCompiled(store, compileSearch(list.entity, {}), {
    ids: members.map((m) => m.id),
    limit: options.limit ?? 1000,
    offset: options.offset ?? 0,
  });
  return { ...page, list };
}

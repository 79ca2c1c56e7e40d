import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { type Db, intelSavedSearches, intelSavedSearchSeen, type Store } from '../store/index.js';
import {
  compileSearch,
  runCompiled,
  type SearchEntity,
  SearchInputError,
  type SearchPage,
  type SearchSpec,
  tableOf,
} from './search.js';

export interface SavedSearch {
  id: number;
  name: string;
  entity: SearchEntity;
  spec: SearchSpec;
  lastCheckedAt: string | null;
  /** Marked auto-push: changes to our data push its new results and changed values to Affinity. */
  autoPush: boolean;
  createdAt: string;
}

function toSaved(row: typeof intelSavedSearches.$inferSelect): SavedSearch {
  return {
    id: row.id,
    name: row.name,
    entity: row.entity as SearchEntity,
    spec: row.spec as SearchSpec,
    lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
    autoPush: row.autoPush,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Saves (or replaces) a search under a name. Its current results become "seen", so the next
 * {@link newResultsSince} returns only what appears afterwards. Returns the search and how many
 * results it has now.
 */
export async function saveSearch(
  store: Store,
  name: string,
  entity: SearchEntity,
  spec: SearchSpec,
): Promise<{ savedSearch: SavedSearch; results: number }> {
  const trimmed = name.trim();
  if (trimmed === '') throw new SearchInputError('a saved search needs a name');
  const compiled = compileSearch(entity, spec);
  const clean: SearchSpec = {};
  if (spec.query?.trim()) clean.query = spec.query.trim();
  if (spec.filters?.length) clean.filters = spec.filters;
  if (spec.sort) clean.sort = spec.sort;
  return store.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(intelSavedSearches)
      .values({ name: trimmed, entity, spec: clean })
      .onConflictDoUpdate({
        target: intelSavedSearches.name,
        set: { entity, spec: clean, lastCheckedAt: sql`now()`, updatedAt: sql`now()` },
      })
      .returning();
    if (!row) throw new Error('saving the search returned no row');
    await tx.delete(intelSavedSearchSeen).where(eq(intelSavedSearchSeen.savedSearchId, row.id));
    const marked = await markAllSeen(store, tx as unknown as Db, row.id, entity, compiled.where);
    return { savedSearch: toSaved(row), results: marked.length };
  });
}

/** The saved search of that name, or null. */
export async function getSavedSearch(store: Store, name: string): Promise<SavedSearch | null> {
  const [row] = await store.db
    .select()
    .from(intelSavedSearches)
    .where(eq(intelSavedSearches.name, name.trim()));
  return row ? toSaved(row) : null;
}

/** Every saved search, by name. */
export async function listSavedSearches(store: Store): Promise<SavedSearch[]> {
  const rows = await store.db.select().from(intelSavedSearches).orderBy(asc(intelSavedSearches.name));
  return rows.map(toSaved);
}

/** Deletes a saved search and what it has seen; false when there was none. */
export async function deleteSavedSearch(store: Store, name: string): Promise<boolean> {
  const rows = await store.db
    .delete(intelSavedSearches)
    .where(eq(intelSavedSearches.name, name.trim()))
    .returning({ id: intelSavedSearches.id });
  return rows.length > 0;
}

/** Marks every current match seen, in one statement; returns the ids that were not seen before. */
async function markAllSeen(
  store: Store,
  tx: Db,
  savedSearchId: number,
  entity: SearchEntity,
  where: SQL | undefined,
): Promise<Array<{ id: number }>> {
  const table = tableOf(entity);
  return store.query<{ id: number }>(
    sql`INSERT INTO ${intelSavedSearchSeen} (saved_search_id, entity_id)
        SELECT ${savedSearchId}::bigint, ${table.id} FROM ${table} WHERE ${where ?? sql`true`}
        ON CONFLICT DO NOTHING
        RETURNING entity_id AS id`,
    tx,
  );
}

async function mustGet(store: Store, name: string): Promise<SavedSearch> {
  const s = await getSavedSearch(store, name);
  if (!s) throw new SearchInputError(`no saved search named ${JSON.stringify(name)}`);
  return s;
}

/** Runs a saved search as it is now (all results, seen or not); changes nothing. */
export async function runSavedSearch(
  store: Store,
  name: string,
  options: { limit?: number; offset?: number; withTotal?: boolean } = {},
): Promise<SearchPage & { savedSearch: SavedSearch }> {
  const saved = await mustGet(store, name);
  const page = await runCompiled(store, compileSearch(saved.entity, saved.spec), options);
  return { ...page, savedSearch: saved };
}

export interface NewResults extends SearchPage {
  savedSearch: SavedSearch;
  /** How many results are new (the page holds at most `limit` of them). */
  newCount: number;
}

/**
 * The results of a saved search that it had not returned before: matches that are new to the
 * dataset or that started to match since the last check. By default they are then marked seen,
 * in the same statement, so automation calling this on a schedule gets each new result once.
 */
export async function newResultsSince(
  store: Store,
  savedSearchName: string,
  options: { markSeen?: boolean; limit?: number } = {},
): Promise<NewResults> {
  const saved = await mustGet(store, savedSearchName);
  const compiled = compileSearch(saved.entity, saved.spec);
  const table = tableOf(saved.entity);
  const markSeen = options.markSeen ?? true;
  return store.db.transaction(async (tx) => {
    let ids: number[];
    if (markSeen) {
      const rows = await markAllSeen(store, tx as unknown as Db, saved.id, saved.entity, compiled.where);
      ids = rows.map((r) => r.id);
      await tx
        .update(intelSavedSearches)
        .set({ lastCheckedAt: sql`now()` })
        .where(eq(intelSavedSearches.id, saved.id));
    } else {
      const rows = await tx
        .select({ id: table.id })
        .from(table)
        .where(
          and(
            compiled.where,
            sql`NOT EXISTS (SELECT 1 FROM ${intelSavedSearchSeen} s WHERE s.saved_search_id = ${saved.id} AND s.entity_id = ${table.id})`,
          ),
        );
      ids = rows.map((r) => r.id);
    }
    const page = await runCompiled(store, compiled, {
      ids,
      limit: options.limit ?? 1000,
      tx: tx as unknown as Db,
    });
    return { ...page, savedSearch: saved, newCount: ids.length };
  });
}

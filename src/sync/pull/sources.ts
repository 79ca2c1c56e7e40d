import { and, asc, eq, inArray } from 'drizzle-orm';
import type { List } from '../../affinity/index.js';
import { crmPullSources, type Store } from '../../store/index.js';
import { type PullListRequest, resolveLists } from './engine.js';

/**
 * Pull sources: the Affinity lists a connection pulls when `pull` names none, each with its own
 * choice of field values (one call per record, so opt-in per list).
 */

export type PullSource = typeof crmPullSources.$inferSelect;

/** The configured sources, in the order they were added. */
export async function listPullSources(store: Store, connectionId: number): Promise<PullSource[]> {
  return store.db
    .select()
    .from(crmPullSources)
    .where(eq(crmPullSources.connectionId, connectionId))
    .orderBy(asc(crmPullSources.id));
}

/** The configured sources as pull requests. */
export async function pullSourceRequests(store: Store, connectionId: number): Promise<PullListRequest[]> {
  return (await listPullSources(store, connectionId)).map((s) => ({
    list: s.affinityListId,
    withFields: s.withFields,
  }));
}

/**
 * Adds lists (ids or names, resolved among `visible`) as sources, or updates their field choice.
 * Unknown lists throw `PullInputError` before anything is written.
 */
export async function addPullSources(
  store: Store,
  connectionId: number,
  visible: readonly List[],
  refs: ReadonlyArray<string | number>,
  withFields: boolean,
): Promise<PullSource[]> {
  const resolved = resolveLists(
    visible,
    refs.map((list) => ({ list })),
  );
  const out: PullSource[] = [];
  for (const { list } of resolved) {
    const [row] = await store.db
      .insert(crmPullSources)
      .values({ connectionId, affinityListId: list.id, name: list.name, listType: list.type, withFields })
      .onConflictDoUpdate({
        target: [crmPullSources.connectionId, crmPullSources.affinityListId],
        set: { name: list.name, listType: list.type, withFields },
      })
      .returning();
    if (row) out.push(row);
  }
  return out;
}

/** Removes sources by list id or name (as stored); returns those removed. */
export async function removePullSources(
  store: Store,
  connectionId: number,
  refs: ReadonlyArray<string | number>,
): Promise<PullSource[]> {
  const current = await listPullSources(store, connectionId);
  const wanted = current.filter((s) =>
    refs.some(
      (r) => String(r) === String(s.affinityListId) || String(r).toLowerCase() === s.name.toLowerCase(),
    ),
  );
  if (wanted.length === 0) return [];
  return store.db
    .delete(crmPullSources)
    .where(
      and(
        eq(crmPullSources.connectionId, connectionId),
        inArray(
          crmPullSources.id,
          wanted.map((s) => s.id),
        ),
      ),
    )
    .returning();
}

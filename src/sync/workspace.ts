/**
 * What a connected Affinity workspace holds — its lists and its fields — read through a short-lived
 * cache kept in the store per connection, so a setup screen, a destination check or a plan does not
 * spend a call per look. One call reads the lists (`GET /lists`), one reads every field, global and
 * list-specific (`GET /fields`); `maxAgeMs: 0` reads them again.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AffinityClient, EntityType, Field, List } from '../affinity/index.js';
import { type Store, syncConnections, syncWorkspaceCache } from '../store/index.js';

/** How long a cached answer is used before it is read again (ms). */
export const WORKSPACE_CACHE_MS = 60_000;

export type WorkspaceRecordType = 'organization' | 'person' | 'opportunity';

/** Affinity's entity and list type codes by record type, and back. */
export const recordTypeCodes: Record<WorkspaceRecordType, EntityType> = {
  person: 0,
  organization: 1,
  opportunity: 8,
};
export function recordTypeOf(code: number): WorkspaceRecordType {
  return code === 0 ? 'person' : code === 1 ? 'organization' : 'opportunity';
}

/** A list as a setup screen shows it. */
export interface WorkspaceList {
  id: number;
  name: string;
  type: WorkspaceRecordType;
  /** Entries on the list. */
  size: number;
  public: boolean;
  /** Its owner: the internal person id, with the email when it is the connection's own user. */
  owner: { id: number; name: string | null; email: string | null } | null;
}

export interface WorkspaceCacheOptions {
  /** Use a cached answer at most this old (default {@link WORKSPACE_CACHE_MS}); 0 reads Affinity. */
  maxAgeMs?: number;
}

type CacheKind = 'lists' | 'fields';

async function cached<T>(
  store: Store,
  connectionId: number,
  kind: CacheKind,
  maxAgeMs: number,
  fetch: () => Promise<T[]>,
): Promise<T[]> {
  if (maxAgeMs > 0) {
    const [row] = await store.db
      .select({ data: syncWorkspaceCache.data })
      .from(syncWorkspaceCache)
      .where(
        and(
          eq(syncWorkspaceCache.connectionId, connectionId),
          eq(syncWorkspaceCache.kind, kind),
          sql`${syncWorkspaceCache.fetchedAt} > now() - make_interval(secs => ${maxAgeMs / 1000})`,
        ),
      );
    if (row) return row.data as T[];
  }
  const data = await fetch();
  await store.db
    .insert(syncWorkspaceCache)
    .values({ connectionId, kind, data })
    .onConflictDoUpdate({
      target: [syncWorkspaceCache.connectionId, syncWorkspaceCache.kind],
      set: { data, fetchedAt: sql`now()` },
    });
  return data;
}

/**
 * The workspace's lists (those visible to the connection's key): id, name, record type, size,
 * owner and whether it is public. At most one call, none while the cache is fresh.
 */
export async function workspaceLists(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  opts: WorkspaceCacheOptions = {},
): Promise<WorkspaceList[]> {
  const lists = await cached<List>(store, connectionId, 'lists', opts.maxAgeMs ?? WORKSPACE_CACHE_MS, () =>
    client.lists.all(),
  );
  const [me] = await store.db
    .select({ id: syncConnections.affinityUserId, email: syncConnections.affinityUserEmail })
    .from(syncConnections)
    .where(eq(syncConnections.id, connectionId));
  return lists.map((l) => ({
    id: l.id,
    name: l.name,
    type: recordTypeOf(l.type),
    size: l.list_size,
    public: l.public,
    owner:
      l.owner_id === null || l.owner_id === undefined
        ? null
        : { id: l.owner_id, name: null, email: me && me.id === l.owner_id ? me.email : null },
  }));
}

/**
 * Every field of the workspace, global and list-specific, as Affinity describes it (value type,
 * multiplicity, list, dropdown options). At most one call, none while the cache is fresh.
 */
export async function workspaceFields(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  opts: WorkspaceCacheOptions = {},
): Promise<Field[]> {
  return cached<Field>(store, connectionId, 'fields', opts.maxAgeMs ?? WORKSPACE_CACHE_MS, () =>
    client.fields.all(),
  );
}

/** Forgets what is cached for a connection (after we create a field or a list, say). */
export async function invalidateWorkspace(store: Store, connectionId: number): Promise<void> {
  await store.db.delete(syncWorkspaceCache).where(eq(syncWorkspaceCache.connectionId, connectionId));
}

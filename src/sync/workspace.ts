/**
 * What a connected Affinity workspace holds — its lists and its fields — read through a short-lived
 * cache kept in the store per connection, so a setup screen, a destination check or a plan does not
 * spend a call per look. One call reads the lists (`GET /lists`), one reads every field, global and
 * list-specific (`GET /fields`, once per record type, since a field does not always say its entity
 * type); `maxAgeMs: 0` reads them again.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AffinityClient, EntityType, Field, List } from '../affinity/index.js';
import { type Store, syncConnections, syncWorkspaceCache } from '../store/index.js';
import { valueTypeNames } from './mapping.js';

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
 * multiplicity, list, dropdown options), each with its `entity_type`. Three calls (one per record
 * type), none while the cache is fresh.
 */
export async function workspaceFields(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  opts: WorkspaceCacheOptions = {},
): Promise<Field[]> {
  return cached<Field>(store, connectionId, 'fields', opts.maxAgeMs ?? WORKSPACE_CACHE_MS, async () => {
    // Affinity's field resource does not always carry its entity type: read each type's fields.
    const byType = await Promise.all(
      Object.values(recordTypeCodes).map(async (entityType) =>
        (await client.fields.all({ entity_type: entityType })).map((f) => ({
          ...f,
          entity_type: entityType,
        })),
      ),
    );
    return byType.flat();
  });
}

/** Forgets what is cached for a connection (after we create a field or a list, say). */
export async function invalidateWorkspace(store: Store, connectionId: number): Promise<void> {
  await store.db.delete(syncWorkspaceCache).where(eq(syncWorkspaceCache.connectionId, connectionId));
}

/** Names compared as a person reads them: case, surrounding and repeated spaces aside. */
export function normalName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** How many edits still count as a misspelling of a name this long. */
function tolerance(length: number): number {
  return length <= 4 ? 1 : length <= 12 ? 2 : 3;
}

/**
 * The names among `candidates` that `typed` is a close misspelling of (the closest ones, in their
 * own spelling, without repeats); none when nothing is close. A suggestion only: callers refuse
 * with it, never pick it.
 */
export function closeNames(typed: string, candidates: Iterable<string>, maxDistance?: number): string[] {
  const t = normalName(typed);
  const limit = maxDistance ?? tolerance(t.length);
  let best = Number.POSITIVE_INFINITY;
  const found = new Map<string, number>();
  for (const c of candidates) {
    const n = normalName(c);
    if (n === t || found.has(c)) continue;
    const d = editDistance(t, n);
    if (d > limit) continue;
    found.set(c, d);
    best = Math.min(best, d);
  }
  return [...found].filter(([, d]) => d === best).map(([c]) => c);
}

/** `; did you mean "Job Titles"?` (or `"A" or "B"`), or nothing. */
export function didYouMean(typed: string, candidates: Iterable<string>): string {
  const close = closeNames(typed, candidates);
  return close.length === 0 ? '' : `; did you mean ${close.map((c) => JSON.stringify(c)).join(' or ')}?`;
}

/** A field as a setup screen shows it. */
export interface WorkspaceField {
  id: number;
  name: string;
  entityType: WorkspaceRecordType;
  /** Affinity's value type by its UI name (text, number, dropdown…) and its code. */
  valueType: string;
  valueTypeCode: number;
  multiple: boolean;
  /** Null for a global field; the list of a list-specific one. */
  list: { id: number; name: string | null } | null;
  /** Dropdown and ranked dropdown options (empty otherwise). */
  options: Array<{ id: number; text: string; rank: number | null }>;
}

export type FieldSelection =
  | { code: 'ok'; fields: WorkspaceField[]; list: WorkspaceList | null }
  | { code: 'unknown-list' | 'ambiguous-list' | 'mismatch'; message: string };

/** A list named by id or name (case aside); a miss names the close names or the lists there are. */
export function findList(
  lists: readonly WorkspaceList[],
  key: string,
): { code: 'ok'; list: WorkspaceList } | { code: 'unknown-list' | 'ambiguous-list'; message: string } {
  const k = key.trim();
  const byId = /^\d+$/.test(k) ? lists.filter((l) => String(l.id) === k) : [];
  const found = byId.length > 0 ? byId : lists.filter((l) => normalName(l.name) === normalName(k));
  if (found.length === 1) return { code: 'ok', list: found[0] as WorkspaceList };
  if (found.length > 1)
    return {
      code: 'ambiguous-list',
      message: `several Affinity lists are named ${JSON.stringify(k)} (ids ${found.map((l) => l.id).join(', ')}): give its id`,
    };
  const hint = didYouMean(
    k,
    lists.map((l) => l.name),
  );
  return {
    code: 'unknown-list',
    message: hint
      ? `unknown list ${JSON.stringify(k)}${hint}`
      : `no Affinity list ${JSON.stringify(k)} (lists: ${lists.map((l) => `"${l.name}"`).join(', ') || 'none'})`,
  };
}

/**
 * The fields to show: all, those of one record type (global and list-specific), or those usable on
 * one list (the global fields of its record type and its own).
 */
export function selectFields(
  fields: readonly Field[],
  lists: readonly WorkspaceList[],
  filter: { list?: string | undefined; entity?: WorkspaceRecordType | undefined } = {},
): FieldSelection {
  let list: WorkspaceList | null = null;
  if (filter.list !== undefined) {
    const found = findList(lists, filter.list);
    if (found.code !== 'ok') return found;
    list = found.list;
    if (filter.entity !== undefined && filter.entity !== list.type) {
      return {
        code: 'mismatch',
        message: `list "${list.name}" holds ${list.type} records, not ${filter.entity} records`,
      };
    }
  }
  const names = new Map(lists.map((l) => [l.id, l.name]));
  const out: WorkspaceField[] = [];
  for (const f of fields) {
    const listId = f.list_id ?? null;
    const type =
      f.entity_type !== undefined
        ? recordTypeOf(f.entity_type)
        : listId !== null
          ? (lists.find((l) => l.id === listId)?.type ?? null)
          : null;
    if (filter.entity !== undefined && type !== filter.entity) continue;
    if (list && (type !== list.type || (listId !== null && listId !== list.id))) continue;
    out.push({
      id: f.id,
      name: f.name,
      entityType: type ?? 'organization',
      valueType: valueTypeNames[f.value_type],
      valueTypeCode: f.value_type,
      multiple: f.allows_multiple,
      list: listId === null ? null : { id: listId, name: names.get(listId) ?? null },
      options: (f.dropdown_options ?? []).map((o) => ({ id: o.id, text: o.text, rank: o.rank ?? null })),
    });
  }
  return { code: 'ok', fields: out, list };
}

import { type SQL, sql } from 'drizzle-orm';
import {
  type AffinityClient,
  AffinityNotFoundError,
  type FieldValue,
  type ListEntry,
} from '../../affinity/index.js';
import type { Db, Store } from '../../store/index.js';
import {
  type AffinityType,
  affinityTypeOf,
  type FieldInfo,
  identityOf,
  setOpportunityOrganizations,
  upsertMemberships,
  upsertRecords,
  writeFieldValues,
} from './ingest.js';
import { matchRecords } from './matching.js';

/**
 * Incremental pull: one Affinity webhook event applied to My CRM with a few calls, instead of a
 * walk of the list. Only records on pulled lists (pull sources, or lists pulled before) are
 * touched; everything else is `ignored`. Deliveries are unsigned, so what a body says is never
 * written as it is: the entry or entity is read back from Affinity (one call), and a deletion is
 * applied only once Affinity answers that the thing is gone.
 *
 * Calls per event: list_entry.created 1 (+1 for field values when the list is pulled with fields,
 * +1 for an opportunity's organizations); list_entry.deleted 1; field_value.* 1; an entity's
 * created/updated 1 (+1 with fields); deleted 1; organization.merged 1 (+1 with fields). `GET
 * /fields` once more when a field value names a field My CRM has never seen.
 */

/** A webhook delivery as Affinity sends it. */
export interface WebhookEvent {
  type: string;
  body: unknown;
  sent_at?: number | undefined;
}

export interface IncrementalDeps {
  store: Store;
  client: AffinityClient;
  connectionId: number;
}

/** What applying an event did: `processed` (My CRM changed or was checked) or `ignored`, and why. */
export interface ApplyOutcome {
  status: 'processed' | 'ignored';
  note: string;
  /** My CRM records the event touched. */
  records: number;
}

/** The events a pull needs, as the reference names them. */
export const PULL_WEBHOOK_EVENTS = [
  'list_entry.created',
  'list_entry.deleted',
  'field_value.created',
  'field_value.updated',
  'field_value.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization.merged',
  'person.created',
  'person.updated',
  'person.deleted',
  'opportunity.created',
  'opportunity.updated',
  'opportunity.deleted',
] as const;

interface PulledList {
  listId: number;
  type: AffinityType;
  withFields: boolean;
  lastRunId: number;
}

const ignored = (note: string): ApplyOutcome => ({ status: 'ignored', note, records: 0 });
const processed = (note: string, records = 1): ApplyOutcome => ({ status: 'processed', note, records });

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function bodyOf(event: WebhookEvent): Record<string, unknown> {
  return event.body !== null && typeof event.body === 'object' ? (event.body as Record<string, unknown>) : {};
}

/**
 * The lists this connection pulls: its pull sources and the lists pulled before. A list counts as
 * pulled with fields when its source says so or My CRM holds values of its list-specific fields.
 */
async function pulledLists(store: Store, connectionId: number): Promise<Map<number, PulledList>> {
  const rows = await store.query<{
    list_id: number;
    list_type: number;
    with_fields: boolean;
    last_run_id: number | null;
  }>(sql`
    SELECT l.list_id, l.list_type, bool_or(l.with_fields) AS with_fields, max(l.last_run_id) AS last_run_id
    FROM (
      SELECT affinity_list_id AS list_id, list_type, with_fields, NULL::bigint AS last_run_id
      FROM crm_pull_sources WHERE connection_id = ${connectionId}
      UNION ALL
      -- A list pulled with fields holds field values of its own (list-specific fields).
      SELECT c.affinity_list_id, c.list_type,
        EXISTS (SELECT 1 FROM crm_field_values v WHERE v.connection_id = c.connection_id AND v.list_id = c.affinity_list_id),
        c.last_run_id
      FROM crm_lists c WHERE c.connection_id = ${connectionId}
    ) l GROUP BY l.list_id, l.list_type`);
  return new Map(
    rows.map((r) => [
      Number(r.list_id),
      {
        listId: Number(r.list_id),
        type: affinityTypeOf(Number(r.list_type)),
        withFields: r.with_fields,
        lastRunId: Number(r.last_run_id ?? 0),
      },
    ]),
  );
}

interface CrmRecordRef {
  id: number;
  type: AffinityType;
  affinityId: number;
  /** The pulled lists it is on. */
  lists: number[];
}

async function findRecord(
  store: Store,
  connectionId: number,
  type: AffinityType | undefined,
  affinityId: number,
): Promise<CrmRecordRef | undefined> {
  const typed = type ? sql`AND r.affinity_type = ${type}` : sql``;
  const [row] = await store.query<{ id: number; affinity_type: AffinityType; lists: number[] | null }>(sql`
    SELECT r.id, r.affinity_type,
      ARRAY(SELECT DISTINCT m.affinity_list_id FROM crm_memberships m
        WHERE m.connection_id = r.connection_id AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id) AS lists
    FROM crm_records r
    WHERE r.connection_id = ${connectionId} AND r.affinity_id = ${affinityId} ${typed}
    ORDER BY r.id LIMIT 1`);
  if (!row) return undefined;
  return { id: Number(row.id), type: row.affinity_type, affinityId, lists: (row.lists ?? []).map(Number) };
}

const ownerOf = (type: AffinityType, id: number) =>
  type === 'person'
    ? { person_id: id }
    : type === 'organization'
      ? { organization_id: id }
      : { opportunity_id: id };

/** Fields by id: those My CRM already knows, and `GET /fields` (one call) only when one is new. */
async function fieldsFor(
  deps: IncrementalDeps,
  values: readonly FieldValue[],
): Promise<Map<number, FieldInfo>> {
  const known = await deps.store.query<{
    field_id: number;
    field_name: string;
    value_type: number;
    list_id: number | null;
  }>(sql`
    SELECT DISTINCT ON (field_id) field_id, field_name, value_type, list_id FROM crm_field_values
    WHERE connection_id = ${deps.connectionId}
      AND field_id = ANY(${`{${[...new Set(values.map((v) => v.field_id))].join(',')}}`}::bigint[])`);
  const out = new Map<number, FieldInfo>(
    known.map((k) => [
      Number(k.field_id),
      { name: k.field_name, valueType: k.value_type, listId: k.list_id === null ? null : Number(k.list_id) },
    ]),
  );
  if (values.every((v) => out.has(v.field_id))) return out;
  for (const f of await deps.client.fields.all()) {
    out.set(f.id, { name: f.name, valueType: f.value_type, listId: f.list_id ?? null });
  }
  return out;
}

/** Reads one record's field values (one call) and writes them as a pull would. */
async function refreshFieldValues(
  deps: IncrementalDeps,
  type: AffinityType,
  affinityId: number,
): Promise<void> {
  const values = await deps.client.fieldValues.all(ownerOf(type, affinityId));
  const fields = await fieldsFor(deps, values);
  await writeFieldValues(deps.store, deps.connectionId, [{ affinityType: type, affinityId, values }], fields);
}

/** Reads an entity from Affinity; undefined when Affinity says it is gone. */
async function readEntity(
  client: AffinityClient,
  type: AffinityType,
  id: number,
): Promise<Record<string, unknown> | undefined> {
  try {
    if (type === 'organization')
      return (await client.organizations.get(id)) as unknown as Record<string, unknown>;
    if (type === 'person') return (await client.persons.get(id)) as unknown as Record<string, unknown>;
    return (await client.opportunities.get(id)) as unknown as Record<string, unknown>;
  } catch (err) {
    if (err instanceof AffinityNotFoundError) return undefined;
    throw err;
  }
}

function asEntry(type: AffinityType, id: number, entity: Record<string, unknown>): ListEntry {
  return {
    id: 0,
    list_id: 0,
    creator_id: null,
    entity_id: id,
    entity_type: type === 'person' ? 0 : type === 'organization' ? 1 : 8,
    created_at: '1970-01-01T00:00:00Z',
    entity,
  } as unknown as ListEntry;
}

async function rematch(deps: IncrementalDeps, type: AffinityType, affinityIds: number[]): Promise<void> {
  if (type === 'opportunity') {
    const ids = await deps.store.query<{ id: number }>(sql`
      SELECT id FROM crm_records WHERE connection_id = ${deps.connectionId} AND affinity_type = 'opportunity'
        AND affinity_id = ANY(${`{${affinityIds.join(',')}}`}::bigint[])`);
    await matchRecords(deps.store, deps.connectionId, {
      recordIds: ids.map((r) => Number(r.id)),
      results: false,
      links: 'new',
    });
    return;
  }
  await matchRecords(deps.store, deps.connectionId, {
    only: { type, ids: affinityIds },
    results: false,
    links: 'new',
  });
}

/** An opportunity's organizations, each made a My CRM record (fetched only when never seen). */
async function linkOpportunityOrganizations(
  deps: IncrementalDeps,
  opportunityId: number,
  organizationIds: number[],
): Promise<void> {
  for (const orgId of organizationIds) {
    if (await findRecord(deps.store, deps.connectionId, 'organization', orgId)) continue;
    const o = await readEntity(deps.client, 'organization', orgId);
    if (!o) continue;
    await upsertRecords(
      deps.store,
      deps.connectionId,
      [identityOf(asEntry('organization', orgId, o), 'organization')],
      'related',
    );
  }
  // Set last: once the opportunity names them, its organizations are in My CRM.
  await setOpportunityOrganizations(deps.store, deps.connectionId, [
    { affinityId: opportunityId, organizationIds },
  ]);
}

/** Drops a record's memberships (all, or of one list entry) and marks it off-list when none is left. */
async function dropMemberships(
  store: Store,
  connectionId: number,
  type: AffinityType,
  affinityId: number,
  listEntryId?: number,
): Promise<number> {
  const entry = listEntryId === undefined ? sql`` : sql`AND list_entry_id = ${listEntryId}`;
  const gone = await store.query(sql`
    DELETE FROM crm_memberships WHERE connection_id = ${connectionId} AND affinity_type = ${type}
      AND affinity_id = ${affinityId} ${entry} RETURNING list_entry_id`);
  await store.query(sql`
    UPDATE crm_records r SET presence = 'off-list', off_list_since = now(), updated_at = now()
    WHERE r.connection_id = ${connectionId} AND r.affinity_type = ${type} AND r.affinity_id = ${affinityId}
      AND r.presence = 'listed'
      AND NOT EXISTS (SELECT 1 FROM crm_memberships m WHERE m.connection_id = r.connection_id
        AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id)`);
  return gone.length;
}

async function listEntryCreated(deps: IncrementalDeps, event: WebhookEvent, lists: Map<number, PulledList>) {
  const b = bodyOf(event);
  const listId = num(b.list_id);
  const entryId = num(b.id);
  if (listId === undefined || entryId === undefined) return ignored('no list_id or id in the body');
  const list = lists.get(listId);
  if (!list) return ignored(`list ${listId} is not pulled`);
  let entry: ListEntry;
  try {
    entry = await deps.client.listEntries.get(listId, entryId);
  } catch (err) {
    if (err instanceof AffinityNotFoundError)
      return ignored(`entry ${entryId} is no longer on list ${listId}`);
    throw err;
  }
  const identity = identityOf(entry, list.type);
  await upsertRecords(deps.store, deps.connectionId, [identity], 'listed');
  await upsertMemberships(deps.store, deps.connectionId, list.lastRunId, [
    {
      affinityListId: listId,
      listEntryId: entry.id,
      affinityType: list.type,
      affinityId: entry.entity_id,
      entryCreatedAt: entry.created_at ?? null,
    },
  ]);
  if (list.type === 'opportunity') {
    const opp = await readEntity(deps.client, 'opportunity', entry.entity_id);
    const orgs = Array.isArray(opp?.organization_ids) ? (opp.organization_ids as number[]) : [];
    await linkOpportunityOrganizations(deps, entry.entity_id, orgs);
  }
  if (list.withFields) await refreshFieldValues(deps, list.type, entry.entity_id);
  await rematch(deps, list.type, [entry.entity_id]);
  return processed(`${list.type} ${entry.entity_id} added to list ${listId}`);
}

async function listEntryDeleted(deps: IncrementalDeps, event: WebhookEvent, lists: Map<number, PulledList>) {
  const b = bodyOf(event);
  const listId = num(b.list_id);
  const entryId = num(b.id);
  const entityId = num(b.entity_id);
  if (listId === undefined || entryId === undefined || entityId === undefined)
    return ignored('no list_id, id or entity_id in the body');
  const list = lists.get(listId);
  if (!list) return ignored(`list ${listId} is not pulled`);
  try {
    await deps.client.listEntries.get(listId, entryId);
    return ignored(`entry ${entryId} is still on list ${listId} in Affinity`);
  } catch (err) {
    if (!(err instanceof AffinityNotFoundError)) throw err;
  }
  const removed = await dropMemberships(deps.store, deps.connectionId, list.type, entityId, entryId);
  if (removed === 0) return ignored(`entry ${entryId} was not in My CRM`);
  return processed(`${list.type} ${entityId} removed from list ${listId}`);
}

async function fieldValueChanged(deps: IncrementalDeps, event: WebhookEvent, lists: Map<number, PulledList>) {
  const b = bodyOf(event);
  const entityId = num(b.entity_id);
  if (entityId === undefined) return ignored('no entity_id in the body');
  const entityType = num(b.entity_type);
  const type = entityType === undefined ? undefined : affinityTypeOf(entityType);
  const record = await findRecord(deps.store, deps.connectionId, type, entityId);
  if (!record) return ignored(`entity ${entityId} is not in My CRM`);
  const listEntryId = num(b.list_entry_id);
  let withFields: boolean;
  if (listEntryId !== undefined && listEntryId !== null) {
    const [m] = await deps.store.query<{ affinity_list_id: number }>(sql`
      SELECT affinity_list_id FROM crm_memberships
      WHERE connection_id = ${deps.connectionId} AND list_entry_id = ${listEntryId} LIMIT 1`);
    withFields = m !== undefined && lists.get(Number(m.affinity_list_id))?.withFields === true;
  } else withFields = record.lists.some((l) => lists.get(l)?.withFields === true);
  if (!withFields) return ignored(`${record.type} ${entityId} is on no list pulled with fields`);
  await refreshFieldValues(deps, record.type, entityId);
  if (record.type === 'person') await rematch(deps, 'person', [entityId]);
  return processed(`field values of ${record.type} ${entityId} refreshed`);
}

async function entityChanged(
  deps: IncrementalDeps,
  event: WebhookEvent,
  lists: Map<number, PulledList>,
  type: AffinityType,
  action: string,
) {
  const b = bodyOf(event);
  const id = num(b.id);
  if (id === undefined) return ignored('no id in the body');
  const record = await findRecord(deps.store, deps.connectionId, type, id);
  if (!record) return ignored(`${type} ${id} is not in My CRM`);
  const entity = await readEntity(deps.client, type, id);
  if (!entity) {
    if (action !== 'deleted') return ignored(`${type} ${id} is gone in Affinity`);
    await dropMemberships(deps.store, deps.connectionId, type, id);
    return processed(`${type} ${id} deleted in Affinity: off every list (kept, marked off-list)`);
  }
  if (action === 'deleted') return ignored(`${type} ${id} still exists in Affinity`);
  // 'related' keeps the record's presence: an update says nothing about lists.
  await upsertRecords(
    deps.store,
    deps.connectionId,
    [identityOf(asEntry(type, id, entity), type)],
    'related',
  );
  if (type === 'opportunity') {
    const orgs = Array.isArray(entity.organization_ids) ? (entity.organization_ids as number[]) : [];
    await linkOpportunityOrganizations(deps, id, orgs);
  }
  if (record.lists.some((l) => lists.get(l)?.withFields === true)) await refreshFieldValues(deps, type, id);
  await rematch(deps, type, [id]);
  return processed(`${type} ${id} refreshed`);
}

/**
 * `organization.merged`: the merged-away organization's My CRM record becomes the surviving one
 * (memberships, field values, links and opportunities follow it); when both are in My CRM, the
 * survivor keeps its record and takes over the other's.
 */
async function organizationMerged(
  deps: IncrementalDeps,
  event: WebhookEvent,
  lists: Map<number, PulledList>,
) {
  const b = bodyOf(event);
  const into = num(b.id);
  const from = num(b.merged_id);
  if (into === undefined || from === undefined) return ignored('no id or merged_id in the body');
  const gone = await findRecord(deps.store, deps.connectionId, 'organization', from);
  const kept = await findRecord(deps.store, deps.connectionId, 'organization', into);
  if (!gone && !kept) return ignored(`neither organization ${from} nor ${into} is in My CRM`);
  const entity = await readEntity(deps.client, 'organization', into);
  if (!entity) return ignored(`organization ${into} is gone in Affinity`);
  const c = deps.connectionId;
  if (gone) {
    await deps.store.db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const q = (s: SQL) => deps.store.query(s, tx);
      if (kept) {
        await q(sql`UPDATE crm_memberships SET affinity_id = ${into}
          WHERE connection_id = ${c} AND affinity_type = 'organization' AND affinity_id = ${from}`);
        await q(sql`DELETE FROM crm_field_values
          WHERE connection_id = ${c} AND affinity_type = 'organization' AND affinity_id = ${from}`);
        await q(sql`DELETE FROM sync_links l WHERE l.connection_id = ${c} AND l.affinity_type = 'organization'
          AND l.affinity_id = ${from} AND EXISTS (SELECT 1 FROM sync_links k WHERE k.connection_id = l.connection_id
            AND k.entity_kind = l.entity_kind AND k.entity_id = l.entity_id AND k.affinity_type = 'organization'
            AND k.affinity_id = ${into})`);
        await q(sql`DELETE FROM crm_records WHERE id = ${gone.id}`);
        await q(sql`UPDATE crm_records SET presence = 'listed', off_list_since = NULL, updated_at = now()
          WHERE id = ${kept.id} AND EXISTS (SELECT 1 FROM crm_memberships m WHERE m.connection_id = ${c}
            AND m.affinity_type = 'organization' AND m.affinity_id = ${into})`);
      } else {
        await q(sql`UPDATE crm_records SET affinity_id = ${into}, updated_at = now() WHERE id = ${gone.id}`);
        await q(sql`UPDATE crm_memberships SET affinity_id = ${into}
          WHERE connection_id = ${c} AND affinity_type = 'organization' AND affinity_id = ${from}`);
        await q(sql`UPDATE crm_field_values SET affinity_id = ${into}
          WHERE connection_id = ${c} AND affinity_type = 'organization' AND affinity_id = ${from}`);
      }
      await q(sql`UPDATE sync_links SET affinity_id = ${into}, updated_at = now()
        WHERE connection_id = ${c} AND affinity_type = 'organization' AND affinity_id = ${from}`);
      await q(sql`UPDATE crm_records SET organization_ids = ARRAY(SELECT DISTINCT unnest(array_replace(organization_ids, ${from}::bigint, ${into}::bigint)) ORDER BY 1), updated_at = now()
        WHERE connection_id = ${c} AND affinity_type = 'opportunity' AND ${from}::bigint = ANY(organization_ids)`);
    });
  }
  await upsertRecords(
    deps.store,
    c,
    [identityOf(asEntry('organization', into, entity), 'organization')],
    'related',
  );
  const now = await findRecord(deps.store, c, 'organization', into);
  if (now?.lists.some((l) => lists.get(l)?.withFields === true))
    await refreshFieldValues(deps, 'organization', into);
  await rematch(deps, 'organization', [into]);
  return processed(
    gone
      ? `organization ${from} merged into ${into}: relinked`
      : `organization ${into} refreshed after a merge`,
    gone && kept ? 2 : 1,
  );
}

/**
 * Applies one webhook event to My CRM. Events of kinds a pull does not need, or about lists and
 * records My CRM does not hold, are `ignored` (with the reason); Affinity errors are thrown for the
 * caller to record.
 */
export async function applyWebhookEvent(deps: IncrementalDeps, event: WebhookEvent): Promise<ApplyOutcome> {
  const lists = await pulledLists(deps.store, deps.connectionId);
  const [object, action = ''] = event.type.split('.');
  switch (event.type) {
    case 'list_entry.created':
      return listEntryCreated(deps, event, lists);
    case 'list_entry.deleted':
      return listEntryDeleted(deps, event, lists);
    case 'field_value.created':
    case 'field_value.updated':
    case 'field_value.deleted':
      return fieldValueChanged(deps, event, lists);
    case 'organization.merged':
      return organizationMerged(deps, event, lists);
  }
  if (
    (object === 'organization' || object === 'person' || object === 'opportunity') &&
    ['created', 'updated', 'deleted'].includes(action)
  )
    return entityChanged(deps, event, lists, object, action);
  return ignored(`a pull does not use ${event.type} events`);
}

/**
 * Destinations: for each of our entity kinds, where it goes in Affinity — record type, matching
 * rule, push mode, optional list, and a field mapping checked against the workspace's real fields
 * when it is saved (so a push never sends a value Affinity would reject for its type).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { AffinityClient, EntityType, Field, List } from '../affinity/index.js';
import { type Store, syncDestinations } from '../store/index.js';
import {
  checkMapping,
  type EntityKind,
  entityKinds,
  type ResolvedMapping,
  sourceFields,
  valueTypeFor,
  valueTypeNames,
  withArticle,
} from './mapping.js';
import type { MatchKey } from './matching.js';
import { type Actor, requireAdmin } from './roles.js';

export type RecordType = 'organization' | 'person' | 'opportunity';
export type PushMode = 'create-update' | 'update-only';
export const recordTypes: readonly RecordType[] = ['organization', 'person', 'opportunity'];
export const pushModes: readonly PushMode[] = ['create-update', 'update-only'];

/** The record types each entity kind may go to. */
export const allowedRecordTypes: Record<EntityKind, readonly RecordType[]> = {
  company: ['organization'],
  person: ['person'],
  investor: ['organization', 'opportunity'],
};

/** The matching rules ("search term") of each record type, the default first. */
export const allowedMatchRules: Record<EntityKind, Record<RecordType, readonly MatchKey[]>> = {
  company: { organization: ['domain', 'name'], person: [], opportunity: [] },
  person: { organization: [], person: ['email', 'name'], opportunity: [] },
  investor: { organization: ['domain', 'name'], person: [], opportunity: ['name'] },
};

const entityTypeOf: Record<RecordType, EntityType> = { person: 0, organization: 1, opportunity: 8 };

export interface Destination {
  id: number;
  connectionId: number;
  entityKind: EntityKind;
  recordType: RecordType;
  matchRule: MatchKey;
  mode: PushMode;
  listId: number | null;
  listName: string | null;
  mappings: ResolvedMapping[];
  updatedBy: string;
  updatedAt: string;
}

export interface DestinationInput {
  entity: string;
  recordType: string;
  /** Default: the record type's first rule (domain, email or name). */
  match?: string | undefined;
  mode?: string | undefined;
  /** `SOURCE=TARGET`, the target a field name or id. */
  map?: readonly string[] | undefined;
  /** A list id or name. */
  list?: string | number | undefined;
  createMissingFields?: boolean | undefined;
}

export type SaveDestinationResult =
  | {
      code: 'saved';
      destination: Destination;
      createdFields: Array<{ id: number; name: string; valueType: string }>;
    }
  | { code: 'invalid'; problems: string[] };

function toDestination(row: typeof syncDestinations.$inferSelect): Destination {
  return {
    id: row.id,
    connectionId: row.connectionId,
    entityKind: row.entityKind as EntityKind,
    recordType: row.recordType as RecordType,
    matchRule: row.matchRule as MatchKey,
    mode: row.mode as PushMode,
    listId: row.listId,
    listName: row.listName,
    mappings: row.mappings as ResolvedMapping[],
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}

function parseMapping(expr: string): { source: string; target: string } | null {
  const eq = expr.indexOf('=');
  if (eq <= 0) return null;
  const source = expr.slice(0, eq).trim().toLowerCase();
  const target = expr.slice(eq + 1).trim();
  return source && target ? { source, target } : null;
}

/**
 * Checks and saves the destination of one entity kind (replacing the previous one). Reads the
 * workspace's lists and fields (2–3 calls); with `createMissingFields`, creates absent target fields
 * with the value type their source needs — only once every other check has passed, so a refused
 * destination changes nothing. Admins only.
 */
export async function setDestination(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  actor: Actor,
  input: DestinationInput,
): Promise<SaveDestinationResult> {
  requireAdmin(actor, 'change push destinations');
  const problems: string[] = [];
  const entity = input.entity as EntityKind;
  if (!entityKinds.includes(entity)) {
    return {
      code: 'invalid',
      problems: [`unknown entity ${JSON.stringify(input.entity)} (use ${entityKinds.join(', ')})`],
    };
  }
  const recordType = input.recordType as RecordType;
  if (!allowedRecordTypes[entity].includes(recordType)) {
    return {
      code: 'invalid',
      problems: [
        `${withArticle(entity)} goes to ${allowedRecordTypes[entity].join(' or ')} records, not ${JSON.stringify(input.recordType)}`,
      ],
    };
  }
  const rules = allowedMatchRules[entity][recordType];
  const matchRule = (input.match ?? rules[0]) as MatchKey;
  if (!rules.includes(matchRule)) {
    problems.push(
      `${withArticle(entity)} pushed as ${recordType} matches by ${rules.join(' or ')}, not ${JSON.stringify(input.match)}`,
    );
  }
  const mode = (input.mode ?? 'create-update') as PushMode;
  if (!pushModes.includes(mode))
    problems.push(`push mode is ${pushModes.join(' or ')}, not ${JSON.stringify(input.mode)}`);

  let list: List | null = null;
  if (input.list !== undefined && String(input.list).trim() !== '') {
    const lists = await client.lists.all();
    const key = String(input.list).trim();
    const found = lists.filter((l) => String(l.id) === key || l.name.toLowerCase() === key.toLowerCase());
    if (found.length === 0) problems.push(`no Affinity list ${JSON.stringify(key)}`);
    else if (found.length > 1)
      problems.push(`several Affinity lists are named ${JSON.stringify(key)}: give its id`);
    else {
      list = found[0] as List;
      if (list.type !== entityTypeOf[recordType]) {
        problems.push(
          `list "${list.name}" holds ${['person', 'organization'][list.type] ?? 'opportunity'} records, not ${recordType} records`,
        );
      }
    }
  } else if (recordType === 'opportunity') {
    problems.push('opportunities live on an opportunity list: give --list');
  }
  if (problems.length > 0) return { code: 'invalid', problems };

  const entityType = entityTypeOf[recordType];
  const fields = (await client.fields.all({ entity_type: entityType })).filter(
    (f) => (f.list_id ?? null) === null || (list !== null && f.list_id === list.id),
  );
  const known = new Map(sourceFields(entity).map((s) => [s.name, s]));
  const resolved: ResolvedMapping[] = [];
  const toCreate: Array<{ source: string; name: string }> = [];
  for (const expr of input.map ?? []) {
    const m = parseMapping(expr);
    if (!m) {
      problems.push(`mapping ${JSON.stringify(expr)} is not SOURCE=TARGET`);
      continue;
    }
    const src = known.get(m.source);
    if (!src) {
      problems.push(
        `${entity} has no data point ${JSON.stringify(m.source)} (known: ${[...known.keys()].join(', ')})`,
      );
      continue;
    }
    const byId = /^\d+$/.test(m.target) ? fields.filter((f) => f.id === Number(m.target)) : [];
    const candidates =
      byId.length > 0 ? byId : fields.filter((f) => f.name.toLowerCase() === m.target.toLowerCase());
    if (candidates.length > 1) {
      problems.push(
        `field "${m.target}" is ambiguous (ids ${candidates.map((f) => f.id).join(', ')}): map to its id`,
      );
      continue;
    }
    const field = candidates[0];
    if (!field) {
      if (input.createMissingFields && !/^\d+$/.test(m.target))
        toCreate.push({ source: m.source, name: m.target });
      else
        problems.push(
          `no ${recordType} field "${m.target}" in Affinity${list ? ` (global or on list "${list.name}")` : ''}; add --create-missing-fields to create it as ${valueTypeNames[valueTypeFor(src.type)]}`,
        );
      continue;
    }
    const check = checkMapping(entity, m.source, field);
    if (check.code !== 'ok') problems.push(check.message);
    else resolved.push(check.mapping);
  }
  const targets = new Set<number>();
  for (const r of resolved) {
    if (targets.has(r.fieldId)) problems.push(`field "${r.fieldName}" is the target of two mappings`);
    targets.add(r.fieldId);
  }
  if (problems.length > 0) return { code: 'invalid', problems };

  const createdFields: Array<{ id: number; name: string; valueType: string }> = [];
  for (const c of toCreate) {
    const src = known.get(c.source);
    if (!src) continue;
    const listSpecific = recordType === 'opportunity' && list !== null;
    const created: Field = await client.fields.create({
      name: c.name,
      entity_type: entityType,
      value_type: valueTypeFor(src.type),
      allows_multiple: src.multiple,
      ...(listSpecific && list ? { list_id: list.id, is_list_specific: true } : {}),
    });
    createdFields.push({ id: created.id, name: created.name, valueType: valueTypeNames[created.value_type] });
    const check = checkMapping(entity, c.source, created);
    if (check.code !== 'ok') return { code: 'invalid', problems: [check.message] };
    resolved.push(check.mapping);
  }

  const values = {
    connectionId,
    entityKind: entity,
    recordType,
    matchRule,
    mode,
    listId: list?.id ?? null,
    listName: list?.name ?? null,
    mappings: resolved,
    updatedBy: actor.id,
  };
  const [row] = await store.db
    .insert(syncDestinations)
    .values(values)
    .onConflictDoUpdate({
      target: [syncDestinations.connectionId, syncDestinations.entityKind],
      set: { ...values, updatedAt: sql`now()` },
    })
    .returning();
  if (!row) throw new Error('saving the destination returned no row');
  return { code: 'saved', destination: toDestination(row), createdFields };
}

/** The destination of one entity kind, or null when none is set. */
export async function getDestination(
  store: Store,
  connectionId: number,
  entity: EntityKind,
): Promise<Destination | null> {
  const [row] = await store.db
    .select()
    .from(syncDestinations)
    .where(and(eq(syncDestinations.connectionId, connectionId), eq(syncDestinations.entityKind, entity)));
  return row ? toDestination(row) : null;
}

/** Every destination of a connection. */
export async function listDestinations(store: Store, connectionId: number): Promise<Destination[]> {
  const rows = await store.db
    .select()
    .from(syncDestinations)
    .where(eq(syncDestinations.connectionId, connectionId))
    .orderBy(asc(syncDestinations.entityKind));
  return rows.map(toDestination);
}

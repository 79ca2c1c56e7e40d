/**
 * Destinations: for each of our entity kinds, where it goes in Affinity — record type, matching
 * rule, push mode, optional list, and a field mapping checked against the workspace's real fields
 * when it is saved (so a push never sends a value Affinity would reject for its type), each mapped
 * field with its write policy. A change names only what it changes and keeps the rest; every change
 * says what it changed. A saved destination is checked again against the live workspace before
 * each plan ({@link recheckDestination}).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { AffinityClient, EntityType, Field } from '../affinity/index.js';
import { type Store, syncDestinations } from '../store/index.js';
import {
  checkMapping,
  defaultPolicy,
  type EntityKind,
  entityKinds,
  multiValuePolicies,
  type ResolvedMapping,
  singleValuePolicies,
  sourceFields,
  valueTypeFor,
  valueTypeNames,
  type WritePolicy,
  withArticle,
} from './mapping.js';
import type { MatchKey } from './matching.js';
import { type Actor, requireAdmin } from './roles.js';
import {
  closeNames,
  didYouMean,
  findList,
  invalidateWorkspace,
  normalName,
  recordTypeCodes,
  type WorkspaceList,
  workspaceFields,
  workspaceLists,
} from './workspace.js';

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

const entityTypeOf: Record<RecordType, EntityType> = recordTypeCodes;
const pluralRecordType: Record<RecordType, string> = {
  organization: 'organizations',
  person: 'persons',
  opportunity: 'opportunities',
};

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

/**
 * A change to the destination of one entity kind: what is given changes, the rest is kept. Creating
 * a destination needs `recordType`.
 */
export interface DestinationInput {
  entity: string;
  /** Required for a new destination; kept otherwise. */
  recordType?: string | undefined;
  /** Default: the kept rule when it fits the record type, else the record type's first rule. */
  match?: string | undefined;
  /** Default: the kept mode, else create-update. */
  mode?: string | undefined;
  /** `SOURCE=TARGET`, the target a field name or id: adds a mapping or changes that source's. */
  map?: readonly string[] | undefined;
  /** `SOURCE=POLICY` for a mapped source (`default` returns it to its multiplicity's default). */
  policy?: readonly string[] | undefined;
  /** A list id or name; null for none; absent keeps the current list. */
  list?: string | number | null | undefined;
  createMissingFields?: boolean | undefined;
  /** Age of the workspace's cached fields and lists to accept (default the cache's). */
  workspaceMaxAgeMs?: number | undefined;
  /**
   * Replace the destination instead of changing it: what is not given takes its default (no list,
   * no mapping) rather than being kept. `recordType` is then required.
   */
  replace?: boolean | undefined;
}

/** A mapping as a change report shows it. */
export interface MappingSummary {
  source: string;
  field: string;
  fieldId: number;
  /** The policy in effect, and whether it is the default for the field's multiplicity. */
  policy: WritePolicy;
  defaultPolicy: boolean;
}

export type DestinationSetting = 'record type' | 'match' | 'mode' | 'list';

/** What a change did to a destination. */
export interface DestinationChanges {
  /** The destination did not exist before. */
  created: boolean;
  /** The destination is gone. */
  removed: boolean;
  settings: Array<{ setting: DestinationSetting; from: string | null; to: string | null }>;
  mappings: {
    added: MappingSummary[];
    changed: Array<{ source: string; from: MappingSummary; to: MappingSummary }>;
    removed: MappingSummary[];
  };
}

export type SaveDestinationResult =
  | {
      code: 'saved';
      destination: Destination;
      changes: DestinationChanges;
      createdFields: Array<{ id: number; name: string; valueType: string }>;
    }
  | { code: 'invalid'; problems: string[] };

export type DestinationEditResult =
  | { code: 'saved'; destination: Destination; changes: DestinationChanges }
  | { code: 'invalid'; problems: string[] };

export type RemoveDestinationResult =
  | { code: 'removed'; destination: Destination; changes: DestinationChanges }
  | { code: 'not-found'; message: string };

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

function parsePair(expr: string): { source: string; value: string } | null {
  const at = expr.indexOf('=');
  if (at <= 0) return null;
  const source = expr.slice(0, at).trim().toLowerCase();
  const value = expr.slice(at + 1).trim();
  return source && value ? { source, value } : null;
}

/** The write policies a field of this multiplicity takes. */
export function policiesFor(m: { allowsMultiple: boolean }): readonly WritePolicy[] {
  return m.allowsMultiple ? multiValuePolicies : singleValuePolicies;
}

/** The policy a mapping is pushed with. */
export function effectivePolicy(m: ResolvedMapping): WritePolicy {
  return m.policy ?? defaultPolicy(m);
}

function policyProblem(m: { fieldName: string; allowsMultiple: boolean }, policy: string): string | null {
  const allowed = policiesFor(m);
  if ((allowed as readonly string[]).includes(policy)) return null;
  const known = ([...singleValuePolicies, ...multiValuePolicies] as string[]).includes(policy);
  return `${known ? 'write policy' : 'unknown write policy'} ${JSON.stringify(policy)} does not fit field "${m.fieldName}" (${m.allowsMultiple ? 'several values' : 'one value'}): use ${allowed.join(', ')}`;
}

function summary(m: ResolvedMapping): MappingSummary {
  return {
    source: m.source,
    field: m.fieldName,
    fieldId: m.fieldId,
    policy: effectivePolicy(m),
    defaultPolicy: m.policy === undefined,
  };
}

/** What changed from `before` (null: nothing) to `after` (null: removed). */
export function diffDestinations(before: Destination | null, after: Destination | null): DestinationChanges {
  const changes: DestinationChanges = {
    created: before === null && after !== null,
    removed: before !== null && after === null,
    settings: [],
    mappings: { added: [], changed: [], removed: [] },
  };
  if (before && after) {
    const setting = (s: DestinationSetting, from: string | null, to: string | null) => {
      if (from !== to) changes.settings.push({ setting: s, from, to });
    };
    setting('record type', before.recordType, after.recordType);
    setting('match', before.matchRule, after.matchRule);
    setting('mode', before.mode, after.mode);
    if (before.listId !== after.listId) setting('list', before.listName, after.listName);
  }
  const old = new Map((before?.mappings ?? []).map((m) => [m.source, m]));
  const now = new Map((after?.mappings ?? []).map((m) => [m.source, m]));
  for (const m of after?.mappings ?? []) {
    const o = old.get(m.source);
    if (!o) changes.mappings.added.push(summary(m));
    else if (o.fieldId !== m.fieldId || effectivePolicy(o) !== effectivePolicy(m) || o.policy !== m.policy)
      changes.mappings.changed.push({ source: m.source, from: summary(o), to: summary(m) });
  }
  for (const m of before?.mappings ?? []) if (!now.has(m.source)) changes.mappings.removed.push(summary(m));
  return changes;
}

/** Whether a change report holds anything. */
export function hasChanges(c: DestinationChanges): boolean {
  return (
    c.created ||
    c.removed ||
    c.settings.length > 0 ||
    c.mappings.added.length + c.mappings.changed.length + c.mappings.removed.length > 0
  );
}

const policyText = (s: MappingSummary) => `${s.policy}${s.defaultPolicy ? ' (default)' : ''}`;

/**
 * A change report as lines of text: `mode: create-update → update-only`, `+ website → "Website" #12
 * · keep-human-edits (default)`, `~ tags → "Tags" #14: policy mirror (default) → add-only`,
 * `- stage → "Stage" #13`; "nothing changed" when nothing did.
 */
export function describeChanges(c: DestinationChanges): string[] {
  const lines: string[] = [];
  for (const s of c.settings) lines.push(`${s.setting}: ${s.from ?? 'none'} → ${s.to ?? 'none'}`);
  for (const m of c.mappings.added)
    lines.push(`+ ${m.source} → "${m.field}" #${m.fieldId} · ${policyText(m)}`);
  for (const { source, from, to } of c.mappings.changed) {
    const parts: string[] = [];
    if (from.fieldId !== to.fieldId)
      parts.push(`field "${from.field}" #${from.fieldId} → "${to.field}" #${to.fieldId}`);
    if (policyText(from) !== policyText(to)) parts.push(`policy ${policyText(from)} → ${policyText(to)}`);
    lines.push(`~ ${source} → "${to.field}" #${to.fieldId}: ${parts.join('; ')}`);
  }
  for (const m of c.mappings.removed) lines.push(`- ${m.source} → "${m.field}" #${m.fieldId}`);
  if (lines.length === 0 && !c.created && !c.removed) lines.push('nothing changed');
  return lines;
}

/** Whether `f` is a field of `recordType` records usable with `listId` (global, or on that list). */
function fieldApplies(f: Field, recordType: RecordType, listId: number | null): boolean {
  const fieldList = f.list_id ?? null;
  if (fieldList !== null && fieldList !== listId) return false;
  // A field without its entity type can only be placed by its list.
  return f.entity_type === undefined ? fieldList !== null : f.entity_type === entityTypeOf[recordType];
}

interface Resolution {
  problems: string[];
  /** Some name or id was not found: a fresher read of the workspace might find it. */
  missed: boolean;
  recordType: RecordType;
  matchRule: MatchKey;
  mode: PushMode;
  list: WorkspaceList | null;
  mappings: ResolvedMapping[];
  toCreate: Array<{ source: string; name: string; policy: WritePolicy | undefined }>;
}

/**
 * Checks and saves the destination of one entity kind, changing what `input` gives and keeping the
 * rest of the saved one (its mappings are checked again against the workspace). Reads the
 * workspace's lists and fields through the workspace cache (once more, fresh, when a name or id is
 * not found there); with `createMissingFields`, creates absent target fields with the value type
 * their source needs — only once every other check has passed, so a refused change changes
 * nothing. A name that is a close misspelling of an existing one is refused with a "did you mean",
 * never taken for it. Admins only.
 */
export async function setDestination(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  actor: Actor,
  input: DestinationInput,
): Promise<SaveDestinationResult> {
  requireAdmin(actor, 'change push destinations');
  const resolved = await resolveChange(store, client, connectionId, input);
  if ('problems' in resolved) return resolved;
  const { entity, before, r } = resolved;

  const known = new Map(sourceFields(entity).map((s) => [s.name, s]));
  const createdFields: Array<{ id: number; name: string; valueType: string }> = [];
  const entityType = entityTypeOf[r.recordType];
  try {
    for (const c of r.toCreate) {
      const src = known.get(c.source);
      if (!src) continue;
      const listSpecific = r.recordType === 'opportunity' && r.list !== null;
      const created: Field = await client.fields.create({
        name: c.name,
        entity_type: entityType,
        value_type: valueTypeFor(src.type),
        allows_multiple: src.multiple,
        ...(listSpecific && r.list ? { list_id: r.list.id, is_list_specific: true } : {}),
      });
      createdFields.push({
        id: created.id,
        name: created.name,
        valueType: valueTypeNames[created.value_type],
      });
      const check = checkMapping(entity, c.source, created);
      if (check.code !== 'ok') return { code: 'invalid', problems: [check.message] };
      const mapping = c.policy === undefined ? check.mapping : { ...check.mapping, policy: c.policy };
      const at = r.mappings.findIndex((m) => m.source === c.source);
      if (at >= 0) r.mappings[at] = mapping;
      else r.mappings.push(mapping);
    }
  } finally {
    if (createdFields.length > 0) await invalidateWorkspace(store, connectionId);
  }

  const values = {
    connectionId,
    entityKind: entity,
    recordType: r.recordType,
    matchRule: r.matchRule,
    mode: r.mode,
    listId: r.list?.id ?? null,
    listName: r.list?.name ?? null,
    mappings: r.mappings,
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
  const destination = toDestination(row);
  return { code: 'saved', destination, changes: diffDestinations(before, destination), createdFields };
}

/** What a change would do, checked as {@link setDestination} checks it, without saving anything. */
export type DestinationCheckResult =
  | {
      code: 'valid';
      changes: DestinationChanges;
      /** Fields `createMissingFields` would create, with the value type they would get. */
      fieldsToCreate: Array<{ source: string; name: string; valueType: string }>;
    }
  | { code: 'invalid'; problems: string[] };

/**
 * The change `input` asks for, resolved against the workspace's live fields — what saving it and
 * checking it without saving both start from, so the two can never disagree — or its problems.
 */
async function resolveChange(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  input: DestinationInput,
): Promise<
  | { code: 'invalid'; problems: string[] }
  | { entity: EntityKind; before: Destination | null; r: Awaited<ReturnType<typeof resolveFresh>> }
> {
  const entity = input.entity as EntityKind;
  if (!entityKinds.includes(entity)) {
    return {
      code: 'invalid',
      problems: [
        `unknown entity ${JSON.stringify(input.entity)}${didYouMean(input.entity, entityKinds)} (use ${entityKinds.join(', ')})`,
      ],
    };
  }
  const before = await getDestination(store, connectionId, entity);
  const r = await resolveFresh(store, client, connectionId, entity, before, input);
  if (r.problems.length > 0) return { code: 'invalid', problems: r.problems };
  return { entity, before, r };
}

/**
 * Checks a change of a destination exactly as {@link setDestination} would, against the workspace's
 * fields and lists, and says what it would change — creating no field and saving nothing (the
 * setup screen flags incompatible mappings before the user saves). Anyone may check.
 */
export async function checkDestinationChange(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  input: DestinationInput,
): Promise<DestinationCheckResult> {
  const resolved = await resolveChange(store, client, connectionId, input);
  if ('problems' in resolved) return resolved;
  const { entity, before, r } = resolved;
  const known = new Map(sourceFields(entity).map((s) => [s.name, s]));
  const after: Destination = {
    id: before?.id ?? 0,
    connectionId,
    entityKind: entity,
    recordType: r.recordType,
    matchRule: r.matchRule,
    mode: r.mode,
    listId: r.list?.id ?? null,
    listName: r.list?.name ?? null,
    mappings: r.mappings,
    updatedBy: before?.updatedBy ?? '',
    updatedAt: before?.updatedAt ?? '',
  };
  return {
    code: 'valid',
    changes: diffDestinations(before, after),
    fieldsToCreate: r.toCreate.flatMap((c) => {
      const src = known.get(c.source);
      return src
        ? [{ source: c.source, name: c.name, valueType: valueTypeNames[valueTypeFor(src.type)] }]
        : [];
    }),
  };
}

/** Resolves a change, once more against a fresh read of the workspace when a name or id was missed. */
async function resolveFresh(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  entity: EntityKind,
  before: Destination | null,
  input: DestinationInput,
): Promise<Resolution> {
  const kept = input.replace ? null : before;
  let r = await resolve(store, client, connectionId, entity, kept, input, input.workspaceMaxAgeMs);
  if (r.problems.length > 0 && r.missed && input.workspaceMaxAgeMs !== 0) {
    r = await resolve(store, client, connectionId, entity, kept, input, 0);
  }
  return r;
}

async function resolve(
  store: Store,
  client: AffinityClient,
  connectionId: number,
  entity: EntityKind,
  before: Destination | null,
  input: DestinationInput,
  maxAgeMs: number | undefined,
): Promise<Resolution> {
  const cache = maxAgeMs === undefined ? {} : { maxAgeMs };
  const problems: string[] = [];
  let missed = false;
  const given = input.recordType !== undefined && input.recordType.trim() !== '';
  const recordType = (given ? input.recordType?.trim() : before?.recordType) as RecordType;
  const out: Resolution = {
    problems,
    missed: false,
    recordType,
    matchRule: 'domain',
    mode: 'create-update',
    list: null,
    mappings: [],
    toCreate: [],
  };
  if (!recordType) {
    problems.push(
      `${entity} has no destination yet: give its record type (${allowedRecordTypes[entity].join(' or ')})`,
    );
    return out;
  }
  if (!allowedRecordTypes[entity].includes(recordType)) {
    problems.push(
      `${withArticle(entity)} goes to ${allowedRecordTypes[entity].join(' or ')} records, not ${JSON.stringify(input.recordType)}`,
    );
    return out;
  }
  const rules = allowedMatchRules[entity][recordType];
  const kept = before && rules.includes(before.matchRule) ? before.matchRule : rules[0];
  out.matchRule = (input.match ?? kept) as MatchKey;
  if (!rules.includes(out.matchRule)) {
    problems.push(
      `${withArticle(entity)} pushed as ${recordType} matches by ${rules.join(' or ')}, not ${JSON.stringify(input.match)}`,
    );
  }
  out.mode = (input.mode ?? before?.mode ?? 'create-update') as PushMode;
  if (!pushModes.includes(out.mode))
    problems.push(`push mode is ${pushModes.join(' or ')}, not ${JSON.stringify(input.mode)}`);

  // The list: the one named, none (null), or the one kept.
  const listKey =
    input.list === undefined
      ? before?.listId === null || before?.listId === undefined
        ? null
        : String(before.listId)
      : input.list === null
        ? null
        : String(input.list).trim() || null;
  if (listKey !== null) {
    const lists = await workspaceLists(store, client, connectionId, cache);
    const found = findList(lists, listKey);
    if (found.code === 'ok') {
      out.list = found.list;
      if (out.list.type !== recordType) {
        problems.push(`list "${out.list.name}" holds ${out.list.type} records, not ${recordType} records`);
      }
    } else if (found.code === 'ambiguous-list') {
      problems.push(found.message);
    } else {
      missed = true;
      problems.push(
        input.list === undefined
          ? `list "${before?.listName}" #${before?.listId} of the ${entity} destination no longer exists in Affinity: choose another list or none`
          : found.message,
      );
    }
  } else if (recordType === 'opportunity') {
    problems.push('opportunities live on an opportunity list: give --list');
  }
  if (problems.length > 0) {
    out.missed = missed;
    return out;
  }

  const all = await workspaceFields(store, client, connectionId, cache);
  const listId = out.list?.id ?? null;
  const fields = all.filter((f) => fieldApplies(f, recordType, listId));
  const known = new Map(sourceFields(entity).map((s) => [s.name, s]));
  const where = `${pluralRecordType[recordType]}${out.list ? ` (global or on list "${out.list.name}")` : ''}`;

  // The kept mappings, checked again against today's fields (a changed record type or list, or a
  // field deleted or retyped since, is refused by name).
  const mappings = new Map<string, ResolvedMapping>();
  const remapped = new Set((input.map ?? []).map((e) => parsePair(e)?.source).filter((s) => s !== undefined));
  for (const m of before?.mappings ?? []) {
    if (remapped.has(m.source)) {
      mappings.set(m.source, m);
      continue;
    }
    const field = fields.find((f) => f.id === m.fieldId);
    if (!field) {
      const exists = all.some((f) => f.id === m.fieldId);
      if (!exists) missed = true;
      problems.push(
        exists
          ? `mapping ${m.source} → "${m.fieldName}" #${m.fieldId} is not a field of ${where}: map ${m.source} again or unmap it`
          : `field "${m.fieldName}" #${m.fieldId} (from ${m.source}) no longer exists in Affinity: map ${m.source} again or unmap it`,
      );
      continue;
    }
    const check = checkMapping(entity, m.source, field);
    if (check.code !== 'ok') {
      problems.push(`${check.message} (the field changed in Affinity): map ${m.source} again or unmap it`);
      continue;
    }
    mappings.set(m.source, m.policy === undefined ? check.mapping : { ...check.mapping, policy: m.policy });
  }

  // The mappings given: added, or replacing that source's.
  const creating = new Map<string, { name: string; allowsMultiple: boolean }>();
  for (const expr of input.map ?? []) {
    const m = parsePair(expr);
    if (!m) {
      problems.push(`mapping ${JSON.stringify(expr)} is not SOURCE=TARGET`);
      continue;
    }
    const src = known.get(m.source);
    if (!src) {
      const hint = didYouMean(m.source, known.keys());
      problems.push(
        hint
          ? `${entity} has no data point ${JSON.stringify(m.source)}${hint}`
          : `${entity} has no data point ${JSON.stringify(m.source)} (known: ${[...known.keys()].join(', ')})`,
      );
      continue;
    }
    const target = m.value;
    const byId = /^\d+$/.test(target) ? fields.filter((f) => f.id === Number(target)) : [];
    const candidates =
      byId.length > 0 ? byId : fields.filter((f) => normalName(f.name) === normalName(target));
    if (candidates.length > 1) {
      problems.push(
        `field "${target}" is ambiguous (ids ${candidates.map((f) => f.id).join(', ')}): map to its id`,
      );
      continue;
    }
    const field = candidates[0];
    const old = before?.mappings.find((o) => o.source === m.source);
    if (!field) {
      missed = true;
      const names = fields.map((f) => f.name);
      const hint = didYouMean(target, names);
      if (/^\d+$/.test(target)) {
        problems.push(`no field #${target} for ${where}`);
      } else if (input.createMissingFields && closeNames(target, names, 1).length === 0) {
        creating.set(m.source, { name: target, allowsMultiple: src.multiple });
        mappings.delete(m.source);
      } else if (hint) {
        problems.push(
          `unknown field ${JSON.stringify(target)} for ${where}${hint}${input.createMissingFields ? ' (not created: too close to an existing field)' : ''}`,
        );
      } else {
        problems.push(
          `no ${recordType} field "${target}" in Affinity${out.list ? ` (global or on list "${out.list.name}")` : ''}; add --create-missing-fields to create it as ${valueTypeNames[valueTypeFor(src.type)]}`,
        );
      }
      continue;
    }
    const check = checkMapping(entity, m.source, field);
    if (check.code !== 'ok') {
      problems.push(check.message);
      continue;
    }
    // The source's policy carries over to its new field when it fits there.
    const policy =
      old?.policy !== undefined && policyProblem(check.mapping, old.policy) === null ? old.policy : undefined;
    mappings.set(m.source, policy === undefined ? check.mapping : { ...check.mapping, policy });
  }

  // Write policies.
  const policies = new Map<string, WritePolicy | undefined>();
  for (const expr of input.policy ?? []) {
    const p = parsePair(expr);
    if (!p) {
      problems.push(`policy ${JSON.stringify(expr)} is not SOURCE=POLICY`);
      continue;
    }
    const mapping = mappings.get(p.source);
    const pending = creating.get(p.source);
    const target = mapping
      ? { fieldName: mapping.fieldName, allowsMultiple: mapping.allowsMultiple }
      : pending
        ? { fieldName: pending.name, allowsMultiple: pending.allowsMultiple }
        : null;
    if (!target) {
      const mapped = [...mappings.keys(), ...creating.keys()];
      const hint = didYouMean(p.source, mapped);
      problems.push(
        `${p.source} is not mapped${hint}: map it with --map ${p.source}=FIELD before giving its policy`,
      );
      continue;
    }
    const policy = p.value.toLowerCase();
    if (policy === 'default') {
      policies.set(p.source, undefined);
      continue;
    }
    const problem = policyProblem(target, policy);
    if (problem) problems.push(problem);
    else policies.set(p.source, policy as WritePolicy);
  }
  for (const [source, policy] of policies) {
    const m = mappings.get(source);
    if (!m) continue;
    const { policy: _old, ...rest } = m;
    mappings.set(source, policy === undefined ? rest : { ...rest, policy });
  }

  const targets = new Map<number, string>();
  for (const m of mappings.values()) {
    const other = targets.get(m.fieldId);
    if (other !== undefined)
      problems.push(`field "${m.fieldName}" is the target of two mappings (${other} and ${m.source})`);
    targets.set(m.fieldId, m.source);
  }
  out.mappings = [...mappings.values()];
  out.toCreate = [...creating].map(([source, c]) => ({
    source,
    name: c.name,
    policy: policies.get(source),
  }));
  out.missed = missed;
  return out;
}

/** Removes the mappings of the given sources, keeping the rest. Admins only; no Affinity call. */
export async function unmapDestination(
  store: Store,
  connectionId: number,
  actor: Actor,
  entity: EntityKind,
  sources: readonly string[],
): Promise<DestinationEditResult> {
  requireAdmin(actor, 'change push destinations');
  const before = await getDestination(store, connectionId, entity);
  if (!before) return { code: 'invalid', problems: [`${entity} has no destination`] };
  const mapped = before.mappings.map((m) => m.source);
  const wanted = new Set(sources.map((s) => s.trim().toLowerCase()));
  const problems: string[] = [];
  for (const s of wanted) {
    if (!mapped.includes(s)) {
      const hint = didYouMean(s, mapped);
      problems.push(
        `${entity} has no mapping of ${JSON.stringify(s)}${hint || ` (mapped: ${mapped.join(', ') || 'none'})`}`,
      );
    }
  }
  if (problems.length > 0) return { code: 'invalid', problems };
  const [row] = await store.db
    .update(syncDestinations)
    .set({
      mappings: before.mappings.filter((m) => !wanted.has(m.source)),
      updatedBy: actor.id,
      updatedAt: sql`now()`,
    })
    .where(eq(syncDestinations.id, before.id))
    .returning();
  if (!row) throw new Error('saving the destination returned no row');
  const destination = toDestination(row);
  return { code: 'saved', destination, changes: diffDestinations(before, destination) };
}

/** Removes the destination of an entity kind. Admins only; no Affinity call. */
export async function removeDestination(
  store: Store,
  connectionId: number,
  actor: Actor,
  entity: EntityKind,
): Promise<RemoveDestinationResult> {
  requireAdmin(actor, 'change push destinations');
  const [row] = await store.db
    .delete(syncDestinations)
    .where(and(eq(syncDestinations.connectionId, connectionId), eq(syncDestinations.entityKind, entity)))
    .returning();
  if (!row) return { code: 'not-found', message: `${entity} has no destination` };
  const destination = toDestination(row);
  return { code: 'removed', destination, changes: diffDestinations(destination, null) };
}

/** One saved mapping as the live workspace sees it. */
export interface MappingStatus {
  source: string;
  fieldId: number;
  /** What no longer holds (deleted, retyped, multiplicity changed, list gone), or null. */
  problem: string | null;
  /** The field's name in Affinity today when it was renamed since the mapping was saved. */
  renamed: string | null;
}

/** "destination company → organization", naming a destination in messages. */
export function destinationLabel(d: Pick<Destination, 'entityKind' | 'recordType'>): string {
  return `destination ${d.entityKind} → ${d.recordType}`;
}

/**
 * Compares a saved destination with the workspace's fields and lists (`lists` null: not read, so
 * lists are not checked): each mapping's status and the destination's problems, each naming the
 * field and the destination.
 */
export function checkDestination(
  d: Destination,
  fields: readonly Field[],
  lists: readonly WorkspaceList[] | null,
): { problems: string[]; mappings: MappingStatus[]; listProblem: string | null } {
  const label = destinationLabel(d);
  const problems: string[] = [];
  const listIds = lists ? new Set(lists.map((l) => l.id)) : null;
  const listProblem =
    d.listId !== null && listIds && !listIds.has(d.listId)
      ? `its list "${d.listName}" #${d.listId} no longer exists in Affinity`
      : null;
  if (listProblem) problems.push(`${label}: ${listProblem}`);
  const byId = new Map(fields.map((f) => [f.id, f]));
  const mappings = d.mappings.map((m): MappingStatus => {
    const name = `field "${m.fieldName}" #${m.fieldId} (from ${m.source})`;
    const field = byId.get(m.fieldId);
    let problem: string | null = null;
    if (m.listId !== null && listIds && !listIds.has(m.listId)) {
      const list =
        m.listId === d.listId && d.listName ? `list "${d.listName}" #${m.listId}` : `list #${m.listId}`;
      problem = `${name} is on ${list}, which no longer exists in Affinity`;
    } else if (!field) {
      problem = `${name} no longer exists in Affinity`;
    } else if (field.value_type !== m.valueType) {
      problem = `${name} is now ${withArticle(valueTypeNames[field.value_type])} field in Affinity, was ${withArticle(valueTypeNames[m.valueType])}`;
    } else if (field.allows_multiple !== m.allowsMultiple) {
      problem = `${name} now takes ${field.allows_multiple ? 'several values' : 'one value'} in Affinity, was ${m.allowsMultiple ? 'several' : 'one'}`;
    }
    if (problem) problems.push(`${label}: ${problem}`);
    return {
      source: m.source,
      fieldId: m.fieldId,
      problem,
      renamed: field && field.name !== m.fieldName ? field.name : null,
    };
  });
  return { problems, mappings, listProblem };
}

/**
 * Checks a saved destination against the workspace's live fields (and lists, when it uses one):
 * a mapped field deleted, retyped or changed in multiplicity, a list-specific field whose list is
 * gone, the destination's list gone. Problems name the field and the destination; [] when fine.
 * Reads through the workspace cache: no call while it is fresh.
 */
export async function recheckDestination(
  store: Store,
  client: AffinityClient,
  destination: Destination,
  opts: { maxAgeMs?: number } = {},
): Promise<string[]> {
  const cache = opts.maxAgeMs === undefined ? {} : { maxAgeMs: opts.maxAgeMs };
  const usesLists = destination.listId !== null || destination.mappings.some((m) => m.listId !== null);
  const fields = await workspaceFields(store, client, destination.connectionId, cache);
  const lists = usesLists ? await workspaceLists(store, client, destination.connectionId, cache) : null;
  return checkDestination(destination, fields, lists).problems;
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

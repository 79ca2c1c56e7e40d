/**
 * Destinations: where each entity kind goes in Affinity (record type, matching rule, push mode,
 * list, field mappings with their write policies). Anyone signed in may read them and check a
 * change; only admins change them. Every change is checked against the workspace's fields before
 * it is saved, and says what it changed.
 */
import { z } from 'zod';
import type { Field } from '../affinity/index.js';
import {
  checkDestination,
  checkDestinationChange,
  type Destination,
  type DestinationChanges,
  type DestinationInput,
  effectivePolicy,
  getDestination,
  listDestinations,
  pushModes,
  recordTypes,
  removeDestination as removeStoredDestination,
  setDestination,
  unmapDestination,
} from '../sync/destinations.js';
import {
  type EntityKind,
  entityKinds,
  multiValuePolicies,
  singleValuePolicies,
  sourceFields,
} from '../sync/mapping.js';
import { type WorkspaceList, workspaceFields, workspaceLists } from '../sync/workspace.js';
import { openAffinity, workspaceInfo } from './connection.js';
import { type AppContext, AppError, mustBeAdmin, parseInput } from './context.js';

const entity = z.enum(entityKinds as [EntityKind, ...EntityKind[]]).describe('Our entity kind');
const writePolicy = z.enum([...singleValuePolicies, ...multiValuePolicies]);
const refresh = z
  .boolean()
  .optional()
  .describe("Check against Affinity's fields as they are now, not the cached ones (up to a minute old)");

// ---------------------------------------------------------------------------------------------
// Answers

const mappingView = z.object({
  source: z.string().describe('Our data point'),
  sourceType: z.string(),
  fieldId: z.number().int(),
  fieldName: z.string(),
  valueType: z.number().int().describe("Affinity's value type code"),
  allowsMultiple: z.boolean(),
  listId: z.number().int().nullable(),
  options: z.array(z.object({ id: z.number().int(), text: z.string() })).optional(),
  policy: writePolicy.optional().describe('The policy chosen; absent: the default for the multiplicity'),
  writePolicy: writePolicy.describe('The policy in effect'),
  writePolicyIsDefault: z.boolean(),
  problem: z
    .string()
    .nullable()
    .describe('What no longer holds in Affinity (deleted, retyped…); null when fine or unchecked'),
  renamed: z.string().nullable().describe("The field's name in Affinity today, when renamed since"),
});

export const destinationView = z.object({
  id: z.number().int(),
  connectionId: z.number().int(),
  entityKind: entity,
  recordType: z.enum(recordTypes as [string, ...string[]]),
  matchRule: z.string(),
  mode: z.enum(pushModes as [string, ...string[]]),
  listId: z.number().int().nullable(),
  listName: z.string().nullable(),
  mappings: z.array(mappingView),
  updatedBy: z.string(),
  updatedAt: z.string(),
  problems: z.array(z.string()).describe('Everything that no longer holds; pushes are refused until fixed'),
  listProblem: z.string().nullable(),
});
export type DestinationView = z.infer<typeof destinationView>;

const sourceFieldView = z.object({
  name: z.string(),
  type: z.string(),
  multiple: z.boolean(),
  description: z.string(),
});

export const destinationsResult = z.object({
  workspace: workspaceInfo,
  /** False when Affinity could not be read: the mappings are shown unchecked. */
  checked: z.boolean(),
  uncheckedReason: z.string().optional(),
  destinations: z.array(destinationView),
  sources: z
    .record(z.string(), z.array(sourceFieldView))
    .describe('The data points each entity kind can push'),
});
export type DestinationsResult = z.infer<typeof destinationsResult>;

const mappingSummary = z.object({
  source: z.string(),
  field: z.string(),
  fieldId: z.number().int(),
  policy: writePolicy,
  defaultPolicy: z.boolean(),
});
export const destinationChanges = z.object({
  created: z.boolean(),
  removed: z.boolean(),
  settings: z.array(
    z.object({
      setting: z.enum(['record type', 'match', 'mode', 'list']),
      from: z.string().nullable(),
      to: z.string().nullable(),
    }),
  ),
  mappings: z.object({
    added: z.array(mappingSummary),
    changed: z.array(z.object({ source: z.string(), from: mappingSummary, to: mappingSummary })),
    removed: z.array(mappingSummary),
  }),
});

const savedDestination = destinationView.omit({ problems: true, listProblem: true }).extend({
  mappings: z.array(
    mappingView.omit({ writePolicy: true, writePolicyIsDefault: true, problem: true, renamed: true }),
  ),
});
const createdField = z.object({ id: z.number().int(), name: z.string(), valueType: z.string() });

export const destinationChangeResult = z.object({
  workspace: workspaceInfo,
  destination: savedDestination.nullable(),
  changes: destinationChanges,
  createdFields: z.array(createdField),
});
export type DestinationChangeResult = z.infer<typeof destinationChangeResult>;

// ---------------------------------------------------------------------------------------------
// Reading

export const showDestinationsInput = z.object({ entity: entity.optional(), refresh });

/**
 * The destinations (or one), each mapping checked against the workspace's fields as they are now
 * (through the cache), with the data points each entity kind can push. A workspace that cannot be
 * read leaves them unchecked, saying why. Anyone signed in.
 */
export async function showDestinations(
  ctx: AppContext,
  input: z.input<typeof showDestinationsInput> = {},
): Promise<DestinationsResult> {
  const { entity: kind, refresh } = parseInput(showDestinationsInput, input);
  const { store } = ctx.deps;
  const { connection, workspace, client } = await openAffinity(ctx);
  const cache = refresh ? { maxAgeMs: 0 } : {};
  const all = kind
    ? [await getDestination(store, connection.id, kind)].filter((d): d is Destination => d !== null)
    : await listDestinations(store, connection.id);
  let fields: Field[] | null = null;
  let lists: WorkspaceList[] | null = null;
  let uncheckedReason: string | null = null;
  if (all.length > 0) {
    try {
      fields = await workspaceFields(store, client, connection.id, cache);
      if (all.some((d) => d.listId !== null || d.mappings.some((m) => m.listId !== null)))
        lists = await workspaceLists(store, client, connection.id, cache);
    } catch (err) {
      uncheckedReason = err instanceof Error ? err.message : String(err);
    }
  }
  const destinations = all.map((d): DestinationView => {
    const check = fields ? checkDestination(d, fields, lists) : null;
    return {
      ...d,
      mappings: d.mappings.map((m, i) => ({
        ...m,
        writePolicy: effectivePolicy(m),
        writePolicyIsDefault: m.policy === undefined,
        problem: check?.mappings[i]?.problem ?? null,
        renamed: check?.mappings[i]?.renamed ?? null,
      })),
      problems: check?.problems ?? [],
      listProblem: check?.listProblem ?? null,
    };
  });
  const sources = Object.fromEntries((kind ? [kind] : entityKinds).map((k) => [k, sourceFields(k)]));
  return {
    workspace,
    checked: fields !== null,
    ...(uncheckedReason ? { uncheckedReason } : {}),
    destinations,
    sources,
  };
}

export const getDestinationInput = z.object({ entity, refresh });
export const getDestinationResult = destinationsResult
  .omit({ destinations: true })
  .extend({ destination: destinationView });

/** One entity kind's destination, checked as {@link showDestinations} checks it; `not_found` when none is set. */
export async function showDestination(
  ctx: AppContext,
  input: z.input<typeof getDestinationInput>,
): Promise<z.infer<typeof getDestinationResult>> {
  const parsed = parseInput(getDestinationInput, input);
  const { destinations, ...rest } = await showDestinations(ctx, parsed);
  const [destination] = destinations;
  if (!destination) {
    throw new AppError(
      'not_found',
      `${parsed.entity} has no destination: set one with its record type (PUT /api/destinations/${parsed.entity})`,
    );
  }
  return { ...rest, destination };
}

// ---------------------------------------------------------------------------------------------
// Changing

const mappingChange = z.object({
  source: z.string().trim().min(1).max(100).describe('Our data point (see `sources`)'),
  field: z
    .union([z.number().int().positive(), z.string().trim().min(1).max(300)])
    .optional()
    .describe('The Affinity field, by id or name; absent: keep the field and change only the policy'),
  policy: z
    .union([writePolicy, z.literal('default')])
    .optional()
    .describe('How the push treats Affinity\'s value; "default" returns to the default'),
});

/**
 * A change of one destination. The command line gives mappings as `SOURCE=TARGET` (`map`) and
 * `SOURCE=POLICY` (`policy`); the API as `mappings`. Record type, match and mode are plain strings
 * here so a wrong one is refused with the reason (which values fit this entity kind).
 */
export const setDestinationInput = z.object({
  entity: z.string().trim().min(1).max(50),
  recordType: z.string().trim().min(1).max(50).optional(),
  match: z.string().trim().min(1).max(50).optional(),
  mode: z.string().trim().min(1).max(50).optional(),
  map: z.array(z.string().max(500)).max(200).optional(),
  policy: z.array(z.string().max(200)).max(200).optional(),
  mappings: z.array(mappingChange).max(200).optional(),
  list: z.union([z.number().int().positive(), z.string().trim().max(300), z.null()]).optional(),
  createMissingFields: z.boolean().optional(),
  replace: z.boolean().optional(),
});
export type SetDestinationInput = z.input<typeof setDestinationInput>;

/**
 * A change as the API takes it: the same as {@link setDestinationInput} without the command line's
 * `SOURCE=TARGET` strings, with the closed sets as enums (for forms and the OpenAPI document).
 */
export const destinationChangeBody = z.object({
  recordType: z
    .enum(recordTypes as [string, ...string[]])
    .optional()
    .describe('Required for a new destination'),
  match: z
    .enum(['domain', 'email', 'name'])
    .optional()
    .describe('Matching rule (search term); default: the kept one, else domain or email'),
  mode: z
    .enum(pushModes as [string, ...string[]])
    .optional()
    .describe('Default: the kept one, else create-update'),
  mappings: z
    .array(mappingChange)
    .max(200)
    .optional()
    .describe('Mappings to add or change; the others are kept (PATCH) or dropped (PUT)'),
  list: z
    .union([z.number().int().positive(), z.string().trim().min(1).max(300), z.null()])
    .optional()
    .describe('The Affinity list (id or name) pushed records are added to; null for none; absent keeps it'),
  createMissingFields: z
    .boolean()
    .optional()
    .describe('Create target fields that do not exist, with the value type their data point needs'),
});

/** The refusal of a change: each problem, and where it applies (`mappings.2`, `recordType`…) when known. */
function refused(what: string, problems: string[], input?: z.output<typeof setDestinationInput>): AppError {
  const message =
    problems.length === 1
      ? `${what} refused: ${problems[0]}`
      : `${what} refused: ${problems.length} problems: ${problems.join('; ')}`;
  return new AppError('bad_request', message, {
    problems,
    issues: problems.map((p) => ({ field: input ? fieldOf(p, input) : '(input)', message: p })),
  });
}

/** The part of a change a problem names, so a form can show it beside that part. */
function fieldOf(problem: string, input: z.output<typeof setDestinationInput>): string {
  // The data point named first is the one the problem is about ("cannot map headcount … to field
  // "Website""); data points are lower case, so a field's name does not count as one.
  const position = (source: string) => {
    const at = new RegExp(`(^|[^\\w])${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).exec(
      problem,
    );
    return at ? at.index : Number.POSITIVE_INFINITY;
  };
  const first = (sources: string[]) => {
    let best = -1;
    let bestAt = Number.POSITIVE_INFINITY;
    sources.forEach((s, i) => {
      const at = s ? position(s) : Number.POSITIVE_INFINITY;
      if (at < bestAt) {
        best = i;
        bestAt = at;
      }
    });
    return best;
  };
  const at = first((input.mappings ?? []).map((m) => m.source));
  if (at >= 0) return `mappings.${at}`;
  // A policy that does not fit names the field ("Sector Tags"), not the data point.
  const byField = (input.mappings ?? []).findIndex(
    (m) => typeof m.field === 'string' && problem.toLowerCase().includes(`"${m.field.toLowerCase()}"`),
  );
  if (byField >= 0) return `mappings.${byField}`;
  const mapAt = first((input.map ?? []).map((e) => e.split('=')[0]?.trim() ?? ''));
  if (mapAt >= 0) return `map.${mapAt}`;
  if (/\blist\b/i.test(problem)) return 'list';
  if (/\bmatches by\b/.test(problem)) return 'match';
  if (/\bpush mode\b/.test(problem)) return 'mode';
  if (/\brecord type\b|\bgoes to\b/.test(problem)) return 'recordType';
  return '(input)';
}

function toDestinationInput(input: z.output<typeof setDestinationInput>): DestinationInput {
  const map = [...(input.map ?? [])];
  const policy = [...(input.policy ?? [])];
  for (const m of input.mappings ?? []) {
    if (m.field !== undefined) map.push(`${m.source}=${m.field}`);
    if (m.policy !== undefined) policy.push(`${m.source}=${m.policy}`);
  }
  return {
    entity: input.entity,
    recordType: input.recordType,
    match: input.match,
    mode: input.mode,
    map,
    policy,
    list: input.list === '' ? null : input.list,
    createMissingFields: input.createMissingFields,
    replace: input.replace,
  };
}

/**
 * Sets or changes the destination of one entity kind: what is given changes and the rest is kept
 * (`replace`: the rest takes its default). Checked against the workspace's fields first; refused
 * as a whole (`bad_request` with each problem) when anything does not fit, so nothing is half
 * saved. With `createMissingFields`, absent target fields are created with the value type their
 * data point needs. Admins only.
 */
export async function changeDestination(
  ctx: AppContext,
  input: SetDestinationInput,
): Promise<DestinationChangeResult> {
  const parsed = parseInput(setDestinationInput, input);
  mustBeAdmin(ctx, 'change push destinations');
  const { connection, workspace, client } = await openAffinity(ctx);
  const result = await setDestination(
    ctx.deps.store,
    client,
    connection.id,
    ctx.actor,
    toDestinationInput(parsed),
  );
  if (result.code === 'invalid') throw refused('destination', result.problems, parsed);
  return {
    workspace,
    destination: result.destination,
    changes: result.changes,
    createdFields: result.createdFields,
  };
}

export const destinationCheckResult = z.object({
  workspace: workspaceInfo,
  valid: z.boolean(),
  problems: z.array(z.string()),
  issues: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .describe('Each problem with the part of the change it concerns (`mappings.2`, `list`…)'),
  changes: destinationChanges.nullable().describe('What saving would change; null when invalid'),
  fieldsToCreate: z.array(z.object({ source: z.string(), name: z.string(), valueType: z.string() })),
});
export type DestinationCheck = z.infer<typeof destinationCheckResult>;

/**
 * Checks a change exactly as saving it would, without saving or creating anything: whether it is
 * valid, each incompatible mapping with its reason, and what saving would change. Anyone signed in.
 */
export async function checkDestinationInput(
  ctx: AppContext,
  input: SetDestinationInput,
): Promise<DestinationCheck> {
  const parsed = parseInput(setDestinationInput, input);
  const { connection, workspace, client } = await openAffinity(ctx);
  const result = await checkDestinationChange(
    ctx.deps.store,
    client,
    connection.id,
    toDestinationInput(parsed),
  );
  if (result.code === 'invalid') {
    return {
      workspace,
      valid: false,
      problems: result.problems,
      issues: result.problems.map((p) => ({ field: fieldOf(p, parsed), message: p })),
      changes: null,
      fieldsToCreate: [],
    };
  }
  return {
    workspace,
    valid: true,
    problems: [],
    issues: [],
    changes: result.changes,
    fieldsToCreate: result.fieldsToCreate,
  };
}

export const unmapInput = z.object({
  entity,
  sources: z.array(z.string().trim().min(1).max(100)).min(1, 'name at least one data point').max(200),
});

/** Removes the mappings of some data points, keeping the rest. Admins only; no Affinity call. */
export async function unmapFields(
  ctx: AppContext,
  input: z.input<typeof unmapInput>,
): Promise<DestinationChangeResult> {
  const { entity: kind, sources } = parseInput(unmapInput, input);
  mustBeAdmin(ctx, 'change push destinations');
  const { connection, workspace } = await openAffinity(ctx);
  const result = await unmapDestination(ctx.deps.store, connection.id, ctx.actor, kind, sources);
  if (result.code === 'invalid') throw refused('unmap', result.problems);
  return { workspace, destination: result.destination, changes: result.changes, createdFields: [] };
}

export const removeDestinationInput = z.object({ entity });
export const removeDestinationResult = z.object({
  workspace: workspaceInfo,
  removed: savedDestination.describe('The destination as it was'),
  changes: destinationChanges,
});

/** Removes an entity kind's destination: its records are no longer pushed. Admins only; `not_found` when none. */
export async function removeDestination(
  ctx: AppContext,
  input: z.input<typeof removeDestinationInput>,
): Promise<{ workspace: z.infer<typeof workspaceInfo>; removed: Destination; changes: DestinationChanges }> {
  const { entity: kind } = parseInput(removeDestinationInput, input);
  mustBeAdmin(ctx, 'change push destinations');
  const { connection, workspace } = await openAffinity(ctx);
  const result = await removeStoredDestination(ctx.deps.store, connection.id, ctx.actor, kind);
  if (result.code === 'not-found') {
    throw new AppError('not_found', `remove refused: ${result.message}`, { problems: [result.message] });
  }
  return { workspace, removed: result.destination, changes: result.changes };
}

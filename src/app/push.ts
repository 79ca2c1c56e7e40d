import { z } from 'zod';
import type { RunProgress, RunStartOptions, RunTrigger } from '../sync/activity.js';
import { type ConnectionInfo, type WorkspaceInfo, workspaceOf } from '../sync/connections.js';
import { type PushMode, pushModes } from '../sync/destinations.js';
import { type EntityKind, entityKinds } from '../sync/mapping.js';
import { type PushOptions, type PushResult, push } from '../sync/push/index.js';
import { type CrmSelectionKind, crmSelectionKinds, SelectionError } from '../sync/push/records.js';
import { flushQuota } from '../sync/quota.js';
import { type AppContext, AppError, parseInput } from './context.js';
import { enqueueRun, type OpenConnection, openRunConnection } from './runs.js';
import { budgetNote, manualBudgetNote } from './usage.js';

/**
 * Push: our records into Affinity per their destination. Members may plan and push. A plan (dry
 * run) writes nothing to Affinity; a push runs here (`runPush`, the CLI's foreground and the job
 * handler) or is queued as a job (`startPush`, the API), one run per Affinity connection at a time.
 */

const entity = z.enum(entityKinds as [EntityKind, ...EntityKind[]]);
const key = z.union([z.string().trim().min(1), z.number().int().positive()]);

/** What to push, as `push` takes it: exactly one selection. */
export const pushSelectionInput = z.union([
  z.strictObject({ company: key }),
  z.strictObject({ person: key }),
  z.strictObject({ investor: key }),
  z.strictObject({ search: z.string().trim().min(1) }),
  z.strictObject({ list: z.string().trim().min(1) }),
  z.strictObject({ all: entity }),
  z
    .strictObject({
      query: z.string().optional(),
      filters: z.array(z.string().min(1)).default([]),
      entity: entity.default('company'),
    })
    .refine((s) => s.query !== undefined || s.filters.length > 0, {
      message: 'a search selection needs query or filters',
    }),
  z.strictObject({
    crm: z.literal(true),
    list: z.string().trim().min(1).optional(),
    entity: entity.optional(),
  }),
]);
export type PushSelectionInput = z.output<typeof pushSelectionInput>;

export const pushInput = z.object({
  selection: pushSelectionInput,
  /** Over the destination's push mode for this push (My CRM pushes update-only unless given). */
  mode: z.enum(pushModes as [PushMode, ...PushMode[]]).optional(),
  /** Plan only: the exact writes and their call cost; nothing is written to Affinity. */
  dryRun: z.boolean().default(false),
});
export type PushInput = z.input<typeof pushInput>;

/** One push of a run: its entity kind and what came of it (a My CRM selection makes one per kind). */
export interface PushOfKind {
  entity: EntityKind;
  result: PushResult;
}

/** What a push (or a plan) did. */
export interface PushOutcome {
  workspace: WorkspaceInfo;
  connection: ConnectionInfo;
  /** Set for a My CRM selection: the list and the kinds it holds, with or without a destination. */
  crm?: {
    list: { id: number; name: string } | null;
    scope: string;
    chosen: CrmSelectionKind[];
    withoutDestination: CrmSelectionKind[];
  };
  pushes: PushOfKind[];
}

export interface RunPushOptions {
  /** How it was asked for, in activity (default `cli`; a queued run keeps its own). */
  trigger?: RunTrigger;
  /** A queued run to run (the job's); the push then waits for the connection instead of refusing. */
  runId?: number;
  /** The connection of a queued run; default the configured connection. */
  connectionId?: number;
  onProgress?: PushOptions['onProgress'];
  /** Called when the heartbeat finds a cancel asked for. */
  onCancelRequested?: (by: string) => void;
  heartbeatMs?: number;
  /** Called once the connection is open, before anything is planned (the CLI says which workspace). */
  onConnected?: (connection: ConnectionInfo) => void;
}

const kindPlural: Record<EntityKind, string> = {
  company: 'companies',
  person: 'people',
  investor: 'investors',
};

/** The hint given when a kind has no destination. */
export const setDestinationHint = (e: EntityKind) => `set one with \`affinity-sync destination set ${e} …\``;

/**
 * Plans and (unless a dry run) pushes, in this process, while the caller waits. `ctx.signal`
 * interrupts it: writes in flight finish and are journaled, the run ends `interrupted` (or
 * `stopped`, "cancelled by …", when a cancel asked for it) and running the same push again resumes.
 * Expected refusals (no destination, a selection naming nothing) throw `bad_request`.
 */
export async function runPush(
  ctx: AppContext,
  input: PushInput,
  options: RunPushOptions = {},
): Promise<PushOutcome> {
  const parsed = parseInput(pushInput, input);
  const { connection, client, transport } = await openRunConnection(ctx, options.connectionId);
  try {
    return await pushWith(ctx, parsed, options, { connection, client, transport });
  } finally {
    // The quota Affinity reported on the run's last answer, for the usage page and the budget.
    await flushQuota(transport);
  }
}

async function pushWith(
  ctx: AppContext,
  parsed: z.output<typeof pushInput>,
  options: RunPushOptions,
  { connection, client, transport }: OpenConnection,
): Promise<PushOutcome> {
  options.onConnected?.(connection);
  const { store, config } = ctx.deps;
  let progress: RunProgress | null = null;
  const onProgress: NonNullable<PushOptions['onProgress']> = (phase, done, total, detail) => {
    progress = { step: phase, done, total };
    options.onProgress?.(phase, done, total, detail);
  };
  const runStart = (runId: number | undefined): RunStartOptions => ({
    ...(runId !== undefined ? { runId, wait: true } : {}),
    progress: () => progress,
    ...(options.onCancelRequested ? { onCancelRequested: options.onCancelRequested } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  const common = {
    store,
    client,
    transport,
    connectionId: connection.id,
    actor: ctx.actor.id,
    trigger: options.trigger ?? 'cli',
    ...(parsed.mode ? { mode: parsed.mode } : {}),
    dryRun: parsed.dryRun,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ratePerMinute: config.affinityRatePerMinute,
    onProgress,
  };
  const pushOne = (selection: PushOptions['selection'], runId: number | undefined) =>
    push({ ...common, selection, run: runStart(runId) });
  const workspace = workspaceOf(connection);
  const selection = parsed.selection;
  if (!('crm' in selection)) {
    const result = await pushOne(toSyncSelection(selection), options.runId);
    return { workspace, connection, pushes: [{ entity: entityOf(selection, result), result }] };
  }
  const crm = await crmKinds(connection.id, selection, store);
  const pushes: PushOfKind[] = [];
  let runId = options.runId;
  for (const k of crm.pushable) {
    if (ctx.signal?.aborted) break;
    const result = await pushOne(
      { crm: true, ...(selection.list !== undefined ? { list: selection.list } : {}), entity: k.entity },
      runId,
    );
    // A queued run is the first kind's; the others are runs of their own.
    runId = undefined;
    pushes.push({ entity: k.entity, result });
    if (result.code === 'stopped') break;
  }
  return {
    workspace,
    connection,
    crm: {
      list: crm.list,
      scope: crm.scope,
      chosen: crm.chosen,
      withoutDestination: crm.withoutDestination,
    },
    pushes,
  };
}

/** The selection as the push takes it (an absent search query left out, not undefined). */
function toSyncSelection(selection: PushSelectionInput): PushOptions['selection'] {
  if ('filters' in selection) {
    const { query, ...rest } = selection;
    return query !== undefined ? { ...rest, query } : rest;
  }
  return selection as PushOptions['selection'];
}

function entityOf(selection: PushSelectionInput, result: PushResult): EntityKind {
  if (result.code === 'pushed') return result.report.entity as EntityKind;
  if ('company' in selection) return 'company';
  if ('person' in selection) return 'person';
  if ('investor' in selection) return 'investor';
  if ('all' in selection) return selection.all;
  if ('entity' in selection && selection.entity) return selection.entity;
  return 'company';
}

/**
 * The kinds a My CRM selection pushes: those with matched records and a destination (or the one
 * `entity` names). Refuses (`bad_request`) when none can be pushed, saying why.
 */
async function crmKinds(
  connectionId: number,
  selection: { crm: true; list?: string | undefined; entity?: EntityKind | undefined },
  store: AppContext['deps']['store'],
) {
  let found: Awaited<ReturnType<typeof crmSelectionKinds>>;
  try {
    found = await crmSelectionKinds(store, connectionId, selection.list);
  } catch (err) {
    if (err instanceof SelectionError) throw new AppError('bad_request', err.message);
    throw err;
  }
  const scope = found.list ? `on list "${found.list.name}"` : 'in My CRM';
  const chosen = found.kinds.filter((k) =>
    selection.entity ? k.entity === selection.entity : k.records > 0,
  );
  const withoutDestination = chosen.filter((k) => !k.destination);
  const pushable = chosen.filter((k) => k.destination);
  if (pushable.length === 0) {
    if (withoutDestination.length > 0) {
      throw new AppError(
        'bad_request',
        withoutDestination
          .map(
            (k) =>
              `${k.records === 1 ? '1 record' : `${k.records} records`} ${scope} matched to ${kindPlural[k.entity]}, but no destination for ${k.entity}: ${setDestinationHint(k.entity)}`,
          )
          .join('; '),
      );
    }
    throw new AppError(
      'bad_request',
      `no record ${scope} is matched to our dataset: pull a list (\`affinity-sync pull --list NAME\`) and see \`affinity-sync review\``,
    );
  }
  return { list: found.list, scope, chosen, withoutDestination, pushable };
}

const looseReport = z.looseObject({
  runId: z.number().int(),
  status: z.string(),
  dryRun: z.boolean(),
  entity: z.string(),
  selection: z.string(),
  destination: z.looseObject({ recordType: z.string(), mode: z.string(), matchRule: z.string() }),
  plan: z.looseObject({
    apiCalls: z.number(),
    reads: z.number(),
    writes: z.number(),
    counts: z.record(z.string(), z.number()),
    records: z.array(z.looseObject({ entityId: z.number(), label: z.string(), action: z.string() })),
  }),
});

/** The answer of a plan: per entity kind, the plan and its call cost, or why it could not be made. */
export const planPushResult = z.object({
  workspace: z.object({ connection: z.string(), tenantName: z.string().nullable(), baseUrl: z.string() }),
  plans: z.array(
    z.object({
      entity: z.string(),
      /** `planned`, or why not: `no-destination`, `invalid-destination`, `invalid-selection`, `stopped`. */
      code: z.string(),
      report: looseReport.optional(),
      error: z.string().optional(),
    }),
  ),
  withoutDestination: z.array(z.object({ entity: z.string(), records: z.number().int() })),
  /** Whether the plan's cost is more than the set share of the monthly quota left (a warning, never a refusal). */
  budget: budgetNote.optional(),
});
export type PlanPushResult = z.output<typeof planPushResult>;

/** A push's result as plain data for an answer. */
function planEntry(p: PushOfKind): PlanPushResult['plans'][number] {
  const r = p.result;
  if (r.code === 'pushed')
    return { entity: p.entity, code: 'planned', report: r.report as unknown as z.output<typeof looseReport> };
  return { entity: p.entity, code: r.code, error: r.message };
}

/**
 * Plans a push without writing anything to Affinity (a dry run, recorded in activity): the exact
 * writes per record and their API-call cost at the connection's rate. Members may.
 */
export async function planPush(ctx: AppContext, input: PushInput): Promise<PlanPushResult> {
  const parsed = parseInput(pushInput, input);
  const outcome = await runPush(ctx, { ...parsed, dryRun: true }, { trigger: 'api' });
  const plans = outcome.pushes.map(planEntry);
  const plannedCalls = plans.reduce((n, p) => n + (p.report?.plan.apiCalls ?? 0), 0);
  return {
    workspace: outcome.workspace,
    plans,
    withoutDestination: (outcome.crm?.withoutDestination ?? []).map((k) => ({
      entity: k.entity,
      records: k.records,
    })),
    budget: await manualBudgetNote(ctx, { connectionId: outcome.connection.id, plannedCalls }),
  };
}

export const startPushResult = z.object({
  /** The first (usually only) run queued. */
  runId: z.number().int(),
  /** Every run queued: a My CRM selection queues one per entity kind it pushes. */
  runIds: z.array(z.number().int()),
  status: z.literal('queued'),
});
export type StartPushResult = z.output<typeof startPushResult>;

/**
 * Queues a push as a job and answers at once with its run, `queued` in activity from now on; a
 * worker runs it when the connection is free. A dry run is a plan: use {@link planPush}.
 */
export async function startPush(ctx: AppContext, input: PushInput): Promise<StartPushResult> {
  const parsed = parseInput(pushInput, input);
  if (parsed.dryRun)
    throw new AppError('bad_request', 'dryRun: a dry run is a plan; ask for the plan instead');
  const { connection } = await openRunConnection(ctx);
  const selection = parsed.selection;
  const inputs: Array<z.output<typeof pushInput>> = [];
  if ('crm' in selection) {
    const crm = await crmKinds(connection.id, selection, ctx.deps.store);
    for (const k of crm.pushable) inputs.push({ ...parsed, selection: { ...selection, entity: k.entity } });
  } else inputs.push(parsed);
  const runIds: number[] = [];
  for (const one of inputs) {
    const { runId } = await enqueueRun(ctx, {
      kind: 'push',
      connectionId: connection.id,
      params: { input: one },
    });
    runIds.push(runId);
  }
  return { runId: runIds[0]!, runIds, status: 'queued' };
}

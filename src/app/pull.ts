import { z } from 'zod';
import type { RunProgress, RunTrigger } from '../sync/activity.js';
import { type ConnectionInfo, getConnection, type WorkspaceInfo, workspaceOf } from '../sync/connections.js';
import {
  addPullSources,
  estimatePull as estimateLists,
  listPullSources,
  type PullEstimate,
  type PullListRequest,
  type PullProgress,
  type PullReport,
  type PullSource,
  pull,
  pullSourceRequests,
  removePullSources,
  resolveLists,
} from '../sync/pull/index.js';
import { flushQuota } from '../sync/quota.js';
import { type AppContext, AppError, mustBeAdmin, parseInput } from './context.js';
import { enqueueRun, openRunConnection } from './runs.js';
import { type BudgetNote, budgetNote, manualBudgetNote } from './usage.js';

/**
 * Pull: Affinity lists into My CRM, matched to the dataset. Members may pull (and estimate); only
 * admins change the pull sources, the lists pulled when none is named.
 */

const listRef = z.union([z.number().int().positive(), z.string().trim().min(1)]);

export const pullInput = z.object({
  /** Affinity lists by id or exact name; default the pull sources. */
  lists: z.array(listRef).optional(),
  /** Read field values too (one API call per record), over each source's own choice. */
  withFields: z.boolean().default(false),
});
export type PullInput = z.input<typeof pullInput>;

export interface PullTarget {
  workspace: WorkspaceInfo;
  connection: ConnectionInfo;
  lists: PullListRequest[];
}

export interface RunPullOptions {
  runId?: number;
  connectionId?: number;
  trigger?: RunTrigger;
  onProgress?: (p: PullProgress) => void;
  onCancelRequested?: (by: string) => void;
  heartbeatMs?: number;
  /** Called once the connection is open and the lists are known, before the pull starts. */
  onConnected?: (connection: ConnectionInfo) => void;
}

/** The stored connection (`not_connected` if none) without opening a client. */
async function storedConnection(ctx: AppContext): Promise<ConnectionInfo> {
  const connection = await getConnection(ctx.deps.store, ctx.deps.config.connection);
  if (connection) return connection;
  // A key in the environment connects on first use.
  return (await openRunConnection(ctx)).connection;
}

/** The lists a pull takes: those named, else the pull sources (`bad_request` when there are none). */
async function listsOf(
  ctx: AppContext,
  connectionId: number,
  input: z.output<typeof pullInput>,
): Promise<PullListRequest[]> {
  const lists =
    input.lists && input.lists.length > 0
      ? input.lists.map((list) => ({ list, withFields: input.withFields }))
      : (await pullSourceRequests(ctx.deps.store, connectionId)).map((s) => ({
          ...s,
          withFields: s.withFields || input.withFields,
        }));
  if (lists.length === 0)
    throw new AppError(
      'bad_request',
      'nothing to pull: pass --list ID|NAME or add one with `affinity-sync pull-sources add`',
    );
  return lists;
}

export interface PullOutcome {
  workspace: WorkspaceInfo;
  connection: ConnectionInfo;
  report: PullReport;
}

/**
 * Pulls in this process while the caller waits (the CLI's foreground, the job handler).
 * `ctx.signal` interrupts it (what was fetched is written; the run ends `interrupted`, or
 * `stopped` "cancelled by …" when a cancel asked for it); running it again resumes.
 */
export async function runPull(
  ctx: AppContext,
  input: PullInput,
  options: RunPullOptions = {},
): Promise<PullOutcome> {
  const parsed = parseInput(pullInput, input);
  const { connection, client, transport } = await openRunConnection(ctx, options.connectionId);
  const lists = await listsOf(ctx, connection.id, parsed);
  options.onConnected?.(connection);
  let progress: RunProgress | null = null;
  const fetched = new Map<number, number>();
  const onProgress = (p: PullProgress) => {
    if (p.type === 'list') {
      fetched.set(p.listId, p.fetched);
      progress = {
        step: `fetch list ${p.name}`,
        done: [...fetched.values()].reduce((a, b) => a + b, 0),
        total: null,
      };
    } else if (p.type === 'fields')
      progress = { step: `field values of ${p.name}`, done: p.fetched, total: p.total };
    else if (p.type === 'matching') progress = { step: 'matching', done: 0, total: null };
    options.onProgress?.(p);
  };
  const report = await pull(
    { store: ctx.deps.store, client, connectionId: connection.id, stats: () => transport.stats() },
    {
      lists,
      trigger: options.trigger ?? 'cli',
      actor: ctx.actor.id,
      onProgress,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      run: {
        ...(options.runId !== undefined ? { runId: options.runId, wait: true } : {}),
        progress: () => progress,
        ...(options.onCancelRequested ? { onCancelRequested: options.onCancelRequested } : {}),
        ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      },
    },
  ).finally(() => flushQuota(transport));
  return { workspace: workspaceOf(connection), connection, report };
}

/** A pull's cost before it runs (`pull --dry-run`): one `GET /lists`, nothing written. */
export async function estimatePull(
  ctx: AppContext,
  input: PullInput,
): Promise<PullEstimate & { workspace: WorkspaceInfo; connection: ConnectionInfo; budget: BudgetNote }> {
  const parsed = parseInput(pullInput, input);
  const { connection, client } = await openRunConnection(ctx);
  const lists = await listsOf(ctx, connection.id, parsed);
  const estimate = await estimateLists(client, lists, {
    ratePerMinute: ctx.deps.config.affinityRatePerMinute,
  });
  // A warning when the pull would spend more than the set share of the monthly quota left.
  const budget = await manualBudgetNote(ctx, {
    connectionId: connection.id,
    plannedCalls: estimate.planned.calls,
  });
  return { ...estimate, workspace: workspaceOf(connection), connection, budget };
}

const planEstimate = z.object({
  calls: z.number(),
  ratePerMinute: z.number(),
  seconds: z.number(),
  text: z.string(),
});

/** A pull's cost before it runs, per list and in all. */
export const estimatePullResult = z.object({
  workspace: z.object({ connection: z.string(), tenantName: z.string().nullable(), baseUrl: z.string() }),
  lists: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      type: z.enum(['organization', 'person', 'opportunity']),
      entries: z.number(),
      withFields: z.boolean(),
      pageCalls: z.number(),
      fieldValueCalls: z.number(),
    }),
  ),
  shared: z.object({ lists: z.number(), fields: z.number(), opportunityIndex: z.number() }),
  planned: planEstimate,
  withoutFields: planEstimate,
  withFields: planEstimate,
  exact: z.boolean(),
  notes: z.array(z.string()),
  calls: z.number(),
  /** Whether the pull's cost is more than the set share of the monthly quota left (a warning, never a refusal). */
  budget: budgetNote.optional(),
});

export const startPullResult = z.object({ runId: z.number().int(), status: z.literal('queued') });

/** Queues a pull as a job; answers at once with its run, `queued` in activity from now on. */
export async function startPull(
  ctx: AppContext,
  input: PullInput,
): Promise<z.output<typeof startPullResult>> {
  const parsed = parseInput(pullInput, input);
  const connection = await storedConnection(ctx);
  // Refuse now what the job would refuse: no lists named and no pull sources.
  await listsOf(ctx, connection.id, parsed);
  return enqueueRun(ctx, { kind: 'pull', connectionId: connection.id, params: { input: parsed } });
}

export const pullSourceSchema = z.object({
  affinityListId: z.number().int(),
  name: z.string(),
  listType: z.number().int(),
  withFields: z.boolean(),
});
export const pullSourcesResult = z.object({ sources: z.array(pullSourceSchema) });

/** The pull sources: the lists a pull takes when it names none. Anyone may read them. */
export async function getPullSources(ctx: AppContext): Promise<{ sources: PullSource[] }> {
  const connection = await storedConnection(ctx);
  return { sources: await listPullSources(ctx.deps.store, connection.id) };
}

export const addPullSourcesInput = z.object({
  lists: z.array(listRef).min(1),
  withFields: z.boolean().default(false),
});

/** Adds lists (ids or names, resolved against the workspace) as pull sources. Admins only. */
export async function addPullSourcesTo(
  ctx: AppContext,
  input: z.input<typeof addPullSourcesInput>,
): Promise<{ workspace: WorkspaceInfo; connection: ConnectionInfo; sources: PullSource[] }> {
  mustBeAdmin(ctx, 'change the pull sources');
  const parsed = parseInput(addPullSourcesInput, input);
  const { connection, client } = await openRunConnection(ctx);
  const visible = await client.lists.all();
  const sources = await addPullSources(
    ctx.deps.store,
    connection.id,
    visible,
    parsed.lists,
    parsed.withFields,
  );
  return { workspace: workspaceOf(connection), connection, sources };
}

export const removePullSourcesInput = z.object({ lists: z.array(listRef).min(1) });

/** Removes pull sources by list id or name; those removed (none: `not_found`). Admins only. */
export async function removePullSourcesFrom(
  ctx: AppContext,
  input: z.input<typeof removePullSourcesInput>,
): Promise<PullSource[]> {
  mustBeAdmin(ctx, 'change the pull sources');
  const parsed = parseInput(removePullSourcesInput, input);
  const connection = await storedConnection(ctx);
  const removed = await removePullSources(ctx.deps.store, connection.id, parsed.lists);
  if (removed.length === 0)
    throw new AppError('not_found', `no pull source named ${parsed.lists.join(', ')}`);
  return removed;
}

export const setPullSourcesInput = z.object({
  sources: z.array(z.object({ list: listRef, withFields: z.boolean().default(false) })),
});

/**
 * Replaces the pull sources with exactly these lists (ids or names, resolved against the
 * workspace; an unknown list refuses the whole change). Admins only.
 */
export async function setPullSources(
  ctx: AppContext,
  input: z.input<typeof setPullSourcesInput>,
): Promise<{ sources: PullSource[] }> {
  mustBeAdmin(ctx, 'change the pull sources');
  const parsed = parseInput(setPullSourcesInput, input);
  const { connection, client } = await openRunConnection(ctx);
  const store = ctx.deps.store;
  const visible = await client.lists.all();
  // Every list resolved (an unknown one refuses the change) before anything changes.
  resolveLists(
    visible,
    parsed.sources.map((s) => ({ list: s.list })),
  );
  const kept: PullSource[] = [];
  for (const withFields of [false, true]) {
    const refs = parsed.sources.filter((s) => s.withFields === withFields).map((s) => s.list);
    if (refs.length > 0)
      kept.push(...(await addPullSources(store, connection.id, visible, refs, withFields)));
  }
  const keep = new Set(kept.map((s) => s.affinityListId));
  const stale = (await listPullSources(store, connection.id)).filter((s) => !keep.has(s.affinityListId));
  if (stale.length > 0)
    await removePullSources(
      store,
      connection.id,
      stale.map((s) => s.affinityListId),
    );
  return { sources: await listPullSources(store, connection.id) };
}

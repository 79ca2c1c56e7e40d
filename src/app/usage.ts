import { and, desc, eq, gt, gte, isNotNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { syncConnections, syncRuns, syncWebhookDeliveries, syncWebhooks } from '../store/index.js';
import type { RunKind } from '../sync/activity.js';
import { autoPushTargets } from './auto-push-targets.js';
import { type AppContext, AppError, mustBeAdmin, parseInput } from './context.js';

/**
 * The monthly call budget. Affinity counts every call of the account against a monthly quota
 * (`X-Ratelimit-Limit-Org*`); an admin gives automation (scheduled, auto-push and webhook runs) a
 * share of it, so unattended runs can never spend what people need for their own pushes and pulls.
 * Manual runs are never refused, only warned about when they would spend more than a set share of
 * what is left.
 */

/** Triggers whose calls count against the automation share. */
export const automationTriggers = ['schedule', 'auto-push', 'webhook'] as const;

/** The calendar month Affinity's quota counts (UTC), as `[start, end)`. */
export function monthBounds(now: Date, month?: string): { month: string; start: Date; end: Date } {
  let y = now.getUTCFullYear();
  let m = now.getUTCMonth();
  if (month !== undefined) {
    const match = /^(\d{4})-(\d{2})$/.exec(month);
    if (!match) throw new AppError('bad_request', `month: expected YYYY-MM, got '${month}'`);
    y = Number(match[1]);
    m = Number(match[2]) - 1;
  }
  const start = new Date(Date.UTC(y, m, 1));
  const end = new Date(Date.UTC(y, m + 1, 1));
  return { month: `${y}-${String(m + 1).padStart(2, '0')}`, start, end };
}

/** What is known of a connection's quota and what automation may still spend. */
export interface AutomationAllowance {
  /** The monthly quota, null when unknown or unlimited. */
  limit: number | null;
  unlimited: boolean;
  /** Calls left this month: Affinity's figure when known, else limit − our calls. */
  remaining: number | null;
  resetAt: string;
  automationBudgetPct: number | null;
  manualWarnPct: number | null;
  /** Calls automation spent this month (our runs). */
  automationSpent: number;
  /** Calls this month by any of our runs. */
  spent: number;
  /** What automation may still spend this month; null: no cap known. */
  automationLeft: number | null;
}

type ConnectionRow = typeof syncConnections.$inferSelect;

async function connectionRow(ctx: AppContext, connectionId: number): Promise<ConnectionRow> {
  const [row] = await ctx.deps.store.db
    .select()
    .from(syncConnections)
    .where(eq(syncConnections.id, connectionId));
  if (!row) throw new AppError('not_found', `no Affinity connection with id ${connectionId}`);
  return row;
}

/** Calls our runs of a connection spent in `[start, end)`: all of them and automation's. */
async function spentBetween(
  ctx: AppContext,
  connectionId: number,
  start: Date,
  end: Date,
): Promise<{ spent: number; automation: number }> {
  const [r] = await ctx.deps.store.db
    .select({
      spent: sql<string>`coalesce(sum(${syncRuns.apiCalls}), 0)`,
      automation: sql<string>`coalesce(sum(${syncRuns.apiCalls}) filter (where ${syncRuns.trigger} in ('schedule', 'auto-push', 'webhook')), 0)`,
    })
    .from(syncRuns)
    .where(
      and(
        eq(syncRuns.connectionId, connectionId),
        gte(syncRuns.startedAt, start.toISOString()),
        lt(syncRuns.startedAt, end.toISOString()),
      ),
    );
  // Webhook deliveries are automation too, and spend calls outside any run.
  const hooks = await webhookCalls(ctx, connectionId, start, end);
  return {
    spent: Number(r?.spent ?? 0) + hooks.apiCalls,
    automation: Number(r?.automation ?? 0) + hooks.apiCalls,
  };
}

/** Calls webhook deliveries of a connection spent in `[start, end)` (they update My CRM outside runs). */
async function webhookCalls(
  ctx: AppContext,
  connectionId: number,
  start: Date,
  end: Date,
): Promise<{ deliveries: number; apiCalls: number }> {
  const [r] = await ctx.deps.store.db
    .select({
      deliveries: sql<string>`count(*)`,
      apiCalls: sql<string>`coalesce(sum(${syncWebhookDeliveries.apiCalls}), 0)`,
    })
    .from(syncWebhookDeliveries)
    .innerJoin(syncWebhooks, eq(syncWebhooks.id, syncWebhookDeliveries.webhookId))
    .where(
      and(
        eq(syncWebhooks.connectionId, connectionId),
        gte(syncWebhookDeliveries.receivedAt, start.toISOString()),
        lt(syncWebhookDeliveries.receivedAt, end.toISOString()),
        gt(syncWebhookDeliveries.apiCalls, 0),
      ),
    );
  return { deliveries: Number(r?.deliveries ?? 0), apiCalls: Number(r?.apiCalls ?? 0) };
}

/**
 * The quota as last seen and what automation may still spend this month. A quota figure from an
 * earlier month is not trusted for this one: until a call of this month reports it, the limit is
 * kept and what is left is the limit minus our calls.
 */
export async function automationAllowance(
  ctx: AppContext,
  connectionId: number,
  now: Date = new Date(),
): Promise<AutomationAllowance> {
  const row = await connectionRow(ctx, connectionId);
  const { start, end } = monthBounds(now);
  const { spent, automation } = await spentBetween(ctx, connectionId, start, end);
  const seenThisMonth = row.quotaSeenAt !== null && new Date(row.quotaSeenAt) >= start;
  const unlimited = row.quotaSeenAt !== null && row.quotaLimit === null;
  const limit = row.quotaLimit;
  let remaining: number | null = null;
  if (limit !== null) {
    remaining =
      seenThisMonth && row.quotaRemaining !== null ? row.quotaRemaining : Math.max(0, limit - spent);
  }
  const resetAt =
    row.quotaResetAt !== null && new Date(row.quotaResetAt) > now
      ? new Date(row.quotaResetAt).toISOString()
      : end.toISOString();
  let automationLeft: number | null = null;
  if (limit !== null && row.automationBudgetPct !== null) {
    const share = Math.floor((limit * row.automationBudgetPct) / 100);
    automationLeft = Math.max(0, share - automation);
    if (remaining !== null) automationLeft = Math.min(automationLeft, remaining);
  } else if (remaining !== null) {
    automationLeft = remaining;
  }
  return {
    limit,
    unlimited,
    remaining,
    resetAt,
    automationBudgetPct: row.automationBudgetPct,
    manualWarnPct: row.manualWarnPct,
    automationSpent: automation,
    spent,
    automationLeft,
  };
}

export type BudgetVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * May a scheduled or auto-push run planned to cost `plannedCalls` start now? Refused when it would
 * spend more than is left of the automation share this month (or of the quota itself); the reason
 * says how many calls are planned, what is left and when the quota resets. Allowed when the quota
 * is unknown (no call has reported it yet) or unlimited.
 */
export async function checkAutomationBudget(
  ctx: AppContext,
  input: { connectionId: number; plannedCalls: number; now?: Date },
): Promise<BudgetVerdict> {
  const a = await automationAllowance(ctx, input.connectionId, input.now);
  if (a.automationLeft === null || input.plannedCalls <= a.automationLeft) return { allowed: true };
  const share =
    a.automationBudgetPct !== null && a.limit !== null
      ? `of the automation share this month (${a.automationBudgetPct}% of ${a.limit} calls; automation spent ${a.automationSpent})`
      : `of the monthly quota (${a.limit} calls)`;
  return {
    allowed: false,
    reason: `deferred: planned ${input.plannedCalls} calls, but only ${a.automationLeft} are left ${share}; the quota resets at ${a.resetAt}`,
  };
}

export const deferredRunInput = z.object({
  connectionId: z.number().int().positive(),
  kind: z.enum(['push', 'pull']),
  trigger: z.enum(['schedule', 'auto-push']),
  reason: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  scheduleId: z.number().int().positive().optional(),
  triggerNote: z.string().optional(),
});

/**
 * Records a run that was not started for lack of budget: `stopped`, 0 calls, its error the
 * reason, so activity shows each deferral and why.
 */
export async function recordDeferredRun(
  ctx: AppContext,
  input: z.input<typeof deferredRunInput>,
): Promise<{ runId: number }> {
  const i = deferredRunInput.parse(input);
  const [row] = await ctx.deps.store.db
    .insert(syncRuns)
    .values({
      kind: i.kind satisfies RunKind,
      trigger: i.trigger,
      actor: ctx.actor.id,
      connectionId: i.connectionId,
      status: 'stopped',
      params: i.params,
      error: i.reason,
      apiCalls: 0,
      finishedAt: sql`now()`,
      scheduleId: i.scheduleId ?? null,
      triggerNote: i.triggerNote ?? null,
    })
    .returning({ id: syncRuns.id });
  return { runId: row!.id };
}

/** A manual run's budget note: warns when its planned cost is more than the set share of what is left. */
export const budgetNote = z.object({ warn: z.boolean(), message: z.string() });
export type BudgetNote = z.output<typeof budgetNote>;

/**
 * The note a plan or an estimate carries for a manual run of `plannedCalls`: a warning when it
 * would spend more than the manual warning share of what is left this month (or more than is left
 * at all); otherwise what it spends of what is left. Manual runs are never refused for budget.
 */
export async function manualBudgetNote(
  ctx: AppContext,
  input: { connectionId: number; plannedCalls: number; now?: Date },
): Promise<BudgetNote> {
  const a = await automationAllowance(ctx, input.connectionId, input.now);
  const planned = input.plannedCalls;
  if (a.remaining === null)
    return {
      warn: false,
      message: a.unlimited
        ? `planned ${planned} calls; the monthly quota is unlimited`
        : `planned ${planned} calls; the monthly quota is not known yet`,
    };
  if (planned > a.remaining)
    return {
      warn: true,
      message: `planned ${planned} calls, more than the ${a.remaining} left of the monthly quota; the quota resets at ${a.resetAt}`,
    };
  if (a.manualWarnPct !== null) {
    const threshold = Math.floor((a.remaining * a.manualWarnPct) / 100);
    if (planned > threshold)
      return {
        warn: true,
        message: `planned ${planned} calls, more than ${a.manualWarnPct}% (${threshold}) of the ${a.remaining} left of the monthly quota; the quota resets at ${a.resetAt}`,
      };
  }
  return {
    warn: false,
    message: `planned ${planned} calls of the ${a.remaining} left of the monthly quota`,
  };
}

/** The connection a usage question is about: the configured one (`not_connected` when none). */
async function configuredConnection(ctx: AppContext): Promise<ConnectionRow> {
  const name = ctx.deps.config.connection;
  const [row] = await ctx.deps.store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
  if (!row)
    throw new AppError(
      'not_connected',
      `not connected to Affinity: connect first (\`affinity-sync connect --api-key -\`)`,
    );
  return row;
}

export const usageInput = z.object({
  /** `YYYY-MM` (UTC); default this month. */
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'expected YYYY-MM')
    .optional(),
});

const bucket = z.object({ runs: z.number().int(), apiCalls: z.number().int() });

export const usageResult = z.object({
  connection: z.string(),
  month: z.string(),
  from: z.string(),
  to: z.string(),
  /** Calls by our runs this month (plans included: they read) and by webhook deliveries. */
  total: bucket,
  /** By what started them: `cli`, `api`, `schedule`, `auto-push`, `webhook`, `demo`. */
  byTrigger: z.array(bucket.extend({ trigger: z.string() })),
  /** By kind: `push`, `pull`. */
  byKind: z.array(bucket.extend({ kind: z.string() })),
  /** Webhook deliveries that spent calls updating My CRM (outside runs; counted in `total.apiCalls`). */
  webhooks: z.object({ deliveries: z.number().int(), apiCalls: z.number().int() }),
  /** Scheduled runs per schedule (its name when it still exists). */
  bySchedule: z.array(bucket.extend({ scheduleId: z.number().int(), name: z.string().nullable() })),
  /** The runs that spent calls, most expensive first (at most 100). */
  runs: z.array(
    z.object({
      runId: z.number().int(),
      kind: z.string(),
      trigger: z.string(),
      status: z.string(),
      startedAt: z.string(),
      apiCalls: z.number().int(),
      scheduleId: z.number().int().nullable(),
    }),
  ),
  quota: z.object({
    limit: z.number().int().nullable(),
    unlimited: z.boolean(),
    /** Affinity's figure when it reported one this month, else limit − our calls. */
    remaining: z.number().int().nullable(),
    remainingSource: z.enum(['affinity', 'estimated', 'unknown']),
    resetAt: z.string(),
    seenAt: z.string().nullable(),
  }),
  /** The saved searches and lists marked auto-push. */
  autoPush: z.array(z.object({ kind: z.enum(['search', 'list']), id: z.number().int(), name: z.string() })),
  budget: z.object({
    automationBudgetPct: z.number().int().nullable(),
    manualWarnPct: z.number().int().nullable(),
    /** The automation share in calls (null: no cap or quota unknown). */
    automationShare: z.number().int().nullable(),
    automationSpent: z.number().int(),
    automationLeft: z.number().int().nullable(),
  }),
});
export type UsageResult = z.output<typeof usageResult>;

/**
 * Calls used in a month (this one by default): in total, per run kind and trigger, per schedule,
 * per run; the quota Affinity last reported and what is left; the budget settings. Anyone signed in.
 */
export async function usage(ctx: AppContext, input: z.input<typeof usageInput> = {}): Promise<UsageResult> {
  const { month } = parseInput(usageInput, input);
  const row = await configuredConnection(ctx);
  const now = new Date();
  const bounds = monthBounds(now, month);
  const db = ctx.deps.store.db;
  const inMonth = and(
    eq(syncRuns.connectionId, row.id),
    gte(syncRuns.startedAt, bounds.start.toISOString()),
    lt(syncRuns.startedAt, bounds.end.toISOString()),
  );
  const runs = sql<number>`count(*)::int`;
  const calls = sql<number>`coalesce(sum(${syncRuns.apiCalls}), 0)::int`;
  const byTrigger = await db
    .select({ trigger: syncRuns.trigger, runs, apiCalls: calls })
    .from(syncRuns)
    .where(inMonth)
    .groupBy(syncRuns.trigger)
    .orderBy(syncRuns.trigger);
  const byKind = await db
    .select({ kind: syncRuns.kind, runs, apiCalls: calls })
    .from(syncRuns)
    .where(inMonth)
    .groupBy(syncRuns.kind)
    .orderBy(syncRuns.kind);
  const bySchedule = await db
    .select({
      scheduleId: sql<number>`${syncRuns.scheduleId}`.mapWith(Number),
      name: sql<string | null>`(select s.name from sync_schedules s where s.id = ${syncRuns.scheduleId})`,
      runs,
      apiCalls: calls,
    })
    .from(syncRuns)
    .where(and(inMonth, isNotNull(syncRuns.scheduleId)))
    .groupBy(syncRuns.scheduleId)
    .orderBy(syncRuns.scheduleId);
  const top = await db
    .select({
      runId: syncRuns.id,
      kind: syncRuns.kind,
      trigger: syncRuns.trigger,
      status: syncRuns.status,
      startedAt: syncRuns.startedAt,
      apiCalls: syncRuns.apiCalls,
      scheduleId: syncRuns.scheduleId,
    })
    .from(syncRuns)
    .where(and(inMonth, gt(syncRuns.apiCalls, 0)))
    .orderBy(desc(syncRuns.apiCalls), desc(syncRuns.id))
    .limit(100);
  const webhooks = await webhookCalls(ctx, row.id, bounds.start, bounds.end);
  const total = {
    runs: byKind.reduce((n, b) => n + Number(b.runs), 0),
    apiCalls: byKind.reduce((n, b) => n + Number(b.apiCalls), 0) + webhooks.apiCalls,
  };
  const a = await automationAllowance(ctx, row.id, now);
  const current = month === undefined || month === monthBounds(now).month;
  const seenThisMonth = row.quotaSeenAt !== null && new Date(row.quotaSeenAt) >= monthBounds(now).start;
  const share =
    a.limit !== null && a.automationBudgetPct !== null
      ? Math.floor((a.limit * a.automationBudgetPct) / 100)
      : null;
  return {
    connection: row.name,
    month: bounds.month,
    from: bounds.start.toISOString(),
    to: bounds.end.toISOString(),
    total,
    byTrigger: byTrigger.map((b) => ({
      trigger: b.trigger,
      runs: Number(b.runs),
      apiCalls: Number(b.apiCalls),
    })),
    byKind: byKind.map((b) => ({ kind: b.kind, runs: Number(b.runs), apiCalls: Number(b.apiCalls) })),
    webhooks,
    bySchedule: bySchedule.map((b) => ({
      scheduleId: Number(b.scheduleId),
      name: b.name,
      runs: Number(b.runs),
      apiCalls: Number(b.apiCalls),
    })),
    runs: top,
    quota: {
      limit: a.limit,
      unlimited: a.unlimited,
      remaining: current ? a.remaining : null,
      remainingSource:
        !current || a.remaining === null
          ? 'unknown'
          : seenThisMonth && row.quotaRemaining !== null
            ? 'affinity'
            : 'estimated',
      resetAt: a.resetAt,
      seenAt: row.quotaSeenAt === null ? null : new Date(row.quotaSeenAt).toISOString(),
    },
    autoPush: (await autoPushTargets(ctx.deps)).map((t) => ({ kind: t.kind, id: t.id, name: t.name })),
    budget: {
      automationBudgetPct: a.automationBudgetPct,
      manualWarnPct: a.manualWarnPct,
      automationShare: share,
      automationSpent: a.automationSpent,
      automationLeft: a.automationLeft,
    },
  };
}

const pct = z.number().int().min(0).max(100).nullable();

export const setBudgetInput = z
  .object({
    /** Share of the monthly quota (percent) scheduled, auto-push and webhook runs may spend; null: no cap. */
    automationBudgetPct: pct.optional(),
    /** A manual run planned to spend more than this share (percent) of what is left warns; null: warn only above what is left. */
    manualWarnPct: pct.optional(),
  })
  .refine((i) => i.automationBudgetPct !== undefined || i.manualWarnPct !== undefined, {
    message: 'give automationBudgetPct or manualWarnPct',
  });

export const budgetSettings = z.object({
  automationBudgetPct: z.number().int().nullable(),
  manualWarnPct: z.number().int().nullable(),
});

/** Sets the automation share and the manual warning share of the monthly quota. Admins only. */
export async function setBudget(
  ctx: AppContext,
  input: z.input<typeof setBudgetInput>,
): Promise<z.output<typeof budgetSettings>> {
  const i = parseInput(setBudgetInput, input);
  mustBeAdmin(ctx, 'set the call budget');
  const row = await configuredConnection(ctx);
  const [updated] = await ctx.deps.store.db
    .update(syncConnections)
    .set({
      ...(i.automationBudgetPct !== undefined ? { automationBudgetPct: i.automationBudgetPct } : {}),
      ...(i.manualWarnPct !== undefined ? { manualWarnPct: i.manualWarnPct } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(syncConnections.id, row.id))
    .returning();
  return { automationBudgetPct: updated!.automationBudgetPct, manualWarnPct: updated!.manualWarnPct };
}

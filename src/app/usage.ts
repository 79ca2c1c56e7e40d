import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { syncConnections, syncRuns } from '../store/index.js';
import type { RunKind } from '../sync/activity.js';
import { type AppContext, AppError } from './context.js';

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
  return { spent: Number(r?.spent ?? 0), automation: Number(r?.automation ?? 0) };
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

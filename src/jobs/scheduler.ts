/**
 * The scheduler: fires due schedules as runs. Every process running workers runs one; each tick
 * claims a due schedule with one conditional UPDATE (its `next_run_at` moves on only where it still
 * holds the value this tick read), so however many processes tick at once, each due time fires
 * exactly once. A firing whose previous run is still queued or running is skipped, and runs missed
 * while no process was up fire once, not once per missed slot, with a note saying so.
 */
import { sql } from 'drizzle-orm';
import type { AppContext, AppDeps, RunQueue } from '../app/context.js';
import { estimatePull, type PullInput } from '../app/pull.js';
import { type PushInput, planPush } from '../app/push.js';
import { type Cadence, nextRunAfter, slotsBetween } from '../app/schedules.js';
import { automationAllowance, checkAutomationBudget } from '../app/usage.js';
import { syncRuns } from '../store/index.js';

/** What the automation budget answers for a run's planned calls (src/app/usage.ts's shape). */
export type BudgetAnswer = { allowed: true } | { allowed: false; reason: string };

/** The budget check a firing passes before it queues anything. */
export type BudgetCheck = (
  ctx: AppContext,
  request: { connectionId: number; plannedCalls: number },
) => Promise<BudgetAnswer>;

export interface SchedulerOptions {
  /** How often due schedules are looked for, ms (default 20 s); one tick also runs at start. */
  tickMs?: number;
  /** The clock (tests move it; default the wall clock). */
  now?: () => Date;
  /** A due time older than this when fired counts as missed (default 2 minutes). */
  missedAfterMs?: number;
  /**
   * The automation budget. When given, a firing first prices its run (the push's plan, the pull's
   * estimate) and a refused one is recorded `stopped` with the reason instead of queued.
   */
  budget?: BudgetCheck | undefined;
  /**
   * Whether the budget caps this connection now (default: always when `budget` is given). False
   * skips pricing the run, which costs calls of its own (a pull's `GET /lists`, a push's plan).
   */
  budgetApplies?: ((ctx: AppContext, connectionId: number) => Promise<boolean>) | undefined;
}

/**
 * The scheduler's default budget: the connection's automation share (src/app/usage.ts). Runs are
 * priced only when a quota is known, so an uncapped connection spends no call on planning.
 */
export const automationBudget: Pick<SchedulerOptions, 'budget' | 'budgetApplies'> = {
  budget: (ctx, request) => checkAutomationBudget(ctx, request),
  budgetApplies: async (ctx, connectionId) =>
    (await automationAllowance(ctx, connectionId)).automationLeft !== null,
};

/** What one firing did, for the log and for tests. */
export interface Firing {
  scheduleId: number;
  name: string;
  /** The slot that was due. */
  dueAt: string;
  outcome: 'queued' | 'skipped' | 'deferred' | 'failed';
  runId: number | null;
  note: string | null;
  reason: string | null;
}

export interface Scheduler {
  /** Fires what is due at `at` (default the clock's now); resolves once every firing is recorded. */
  tick(at?: Date): Promise<Firing[]>;
  /** Ticks now, then every `tickMs`. */
  start(): void;
  /** Stops ticking; waits for a tick in progress. */
  stop(): Promise<void>;
}

interface DueRow extends Record<string, unknown> {
  id: number | string;
  connection_id: number | string;
  name: string;
  kind: string;
  target: Record<string, unknown>;
  cron: string | null;
  interval_minutes: number | null;
  timezone: string;
  next_run_at: string | Date;
  /** `next_run_at` as the database prints it, to the microsecond: the claim compares against it exactly. */
  due_text: string;
  created_by: string;
}

const asDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

/** A time as the schedule's zone reads it: "2026-03-29 03:00 Europe/Paris". */
export function localTime(at: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${zone}`;
}

/** The scheduler of a process: fires due schedules through `queue` (the job queue). */
export function createScheduler(deps: AppDeps, queue: RunQueue, options: SchedulerOptions = {}): Scheduler {
  const { store, logger } = deps;
  const clock = options.now ?? (() => new Date());
  const missedAfterMs = options.missedAfterMs ?? 2 * 60_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  /** A run that was not queued (skipped, deferred, could not be priced), recorded `stopped`/`failed` in activity. */
  const recordUnqueued = async (
    row: DueRow,
    status: 'stopped' | 'failed',
    error: string,
    note: string | null,
  ): Promise<number> => {
    const [r] = await store.db
      .insert(syncRuns)
      .values({
        kind: row.kind,
        trigger: 'schedule',
        actor: row.created_by,
        connectionId: Number(row.connection_id),
        params: { input: row.target },
        status,
        queuedAt: sql`now()`,
        finishedAt: sql`now()`,
        error,
        scheduleId: Number(row.id),
        triggerNote: note,
      })
      .returning({ id: syncRuns.id });
    return r!.id;
  };

  const plannedCalls = async (ctx: AppContext, row: DueRow): Promise<number> => {
    if (row.kind === 'push') {
      const plan = await planPush(ctx, row.target as PushInput);
      return plan.plans.reduce((sum, p) => sum + (p.report?.plan.apiCalls ?? 0), 0);
    }
    return (await estimatePull(ctx, row.target as PullInput)).planned.calls;
  };

  const fire = async (row: DueRow, due: Date, now: Date): Promise<Firing> => {
    const scheduleId = Number(row.id);
    const cadence: Cadence = {
      cron: row.cron,
      intervalMinutes: row.interval_minutes,
      timezone: row.timezone,
    };
    let note: string | null = null;
    if (now.getTime() - due.getTime() > missedAfterMs) {
      const missed = 1 + slotsBetween(cadence, due, now);
      note = `missed at ${localTime(due, row.timezone)} while the server was down${
        missed > 1 ? ` (${missed} runs missed; run once)` : ''
      }`;
    }
    const base = { scheduleId, name: row.name, dueAt: due.toISOString(), note };
    const done = async (firing: Firing): Promise<Firing> => {
      if (firing.runId !== null)
        await store.query(
          sql`UPDATE sync_schedules SET last_run_id = ${firing.runId} WHERE id = ${scheduleId}`,
        );
      const log = {
        schedule: row.name,
        scheduleId,
        due: base.dueAt,
        runId: firing.runId,
        note,
        reason: firing.reason,
      };
      if (firing.outcome === 'queued') logger.info(log, 'schedule fired');
      else logger.warn(log, `schedule ${firing.outcome}`);
      return firing;
    };

    // A run of this schedule still queued or running: this firing is skipped, not stacked.
    const active = await store.query<{ id: number | string; status: string }>(
      sql`SELECT id, status FROM sync_runs WHERE schedule_id = ${scheduleId} AND status IN ('queued', 'running')
        ORDER BY id LIMIT 1`,
    );
    if (active[0]) {
      const reason = `skipped: run #${active[0].id} of this schedule is still ${active[0].status}`;
      const runId = await recordUnqueued(row, 'stopped', reason, note);
      return done({ ...base, outcome: 'skipped', runId, reason });
    }

    const ctx: AppContext = { actor: { id: row.created_by, role: 'admin' }, deps };
    const connectionId = Number(row.connection_id);
    if (options.budget && (!options.budgetApplies || (await options.budgetApplies(ctx, connectionId)))) {
      let calls: number;
      try {
        calls = await plannedCalls(ctx, row);
      } catch (err) {
        const reason = `could not be planned: ${err instanceof Error ? err.message : String(err)}`;
        const runId = await recordUnqueued(row, 'failed', reason, note);
        return done({ ...base, outcome: 'failed', runId, reason });
      }
      const answer = await options.budget(ctx, {
        connectionId: Number(row.connection_id),
        plannedCalls: calls,
      });
      if (!answer.allowed) {
        const error = answer.reason.startsWith('deferred') ? answer.reason : `deferred: ${answer.reason}`;
        const runId = await recordUnqueued(row, 'stopped', error, note);
        return done({ ...base, outcome: 'deferred', runId, reason: answer.reason });
      }
    }

    const { runId } = await queue.enqueue({
      kind: row.kind === 'push' ? 'push' : 'pull',
      connectionId: Number(row.connection_id),
      trigger: 'schedule',
      actor: row.created_by,
      params: { input: row.target },
      scheduleId,
      ...(note !== null ? { triggerNote: note } : {}),
    });
    return done({ ...base, outcome: 'queued', runId, reason: null });
  };

  const tickAt = async (now: Date): Promise<Firing[]> => {
    const due = await store.query<DueRow>(
      sql`SELECT id, connection_id, name, kind, target, cron, interval_minutes, timezone, next_run_at,
          next_run_at::text AS due_text, created_by
        FROM sync_schedules
        WHERE NOT paused AND next_run_at IS NOT NULL AND next_run_at <= ${now.toISOString()}::timestamptz
        ORDER BY next_run_at, id`,
    );
    const firings: Firing[] = [];
    for (const row of due) {
      const dueAt = asDate(row.next_run_at);
      const cadence: Cadence = {
        cron: row.cron,
        intervalMinutes: row.interval_minutes,
        timezone: row.timezone,
      };
      // The next slot after now: however many were missed, this firing stands for them all.
      const next = nextRunAfter(cadence, now, dueAt);
      const claimed = await store.query<{ id: number }>(
        sql`UPDATE sync_schedules SET next_run_at = ${next.toISOString()}::timestamptz,
            last_fired_at = ${now.toISOString()}::timestamptz
          WHERE id = ${row.id} AND NOT paused AND next_run_at = ${row.due_text}::timestamptz
          RETURNING id`,
      );
      // Another process claimed this due time first (or it was paused or edited meanwhile).
      if (claimed.length === 0) continue;
      try {
        firings.push(await fire(row, dueAt, now));
      } catch (err) {
        logger.error({ err, schedule: row.name, scheduleId: Number(row.id) }, 'a schedule could not fire');
      }
    }
    return firings;
  };

  const scheduler: Scheduler = {
    tick: (at?: Date) => {
      const result = running.then(() => tickAt(at ?? clock()));
      running = result.catch(() => {});
      return result;
    },
    start: () => {
      if (timer) return;
      const tick = () => {
        scheduler.tick().catch((err: unknown) => logger.warn({ err }, 'scheduler tick failed'));
      };
      tick();
      timer = setInterval(tick, options.tickMs ?? 20_000);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
  return scheduler;
}

import { CronExpressionParser } from 'cron-parser';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { syncRuns, syncSchedules } from '../store/index.js';
import { getConnection } from '../sync/connections.js';
import { type AppContext, AppError, mustBeAdmin, parseInput } from './context.js';
import { pullInput } from './pull.js';
import { pushInput, pushSelectionInput } from './push.js';
import { queueOf } from './runs.js';

/**
 * Schedules: a pull or a push that runs by itself, on a five-field cron expression or every N
 * minutes, in an IANA time zone. Admins create, edit, pause, resume and remove them; anyone signed
 * in reads them. The scheduler (src/jobs/scheduler.ts) fires them; here are the rules and the
 * next-time computation both share.
 */

/** A time zone the runtime knows (IANA name: `Europe/Paris`, `UTC`…). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is refused, or null when it is a valid five-field expression. */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`;
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** When a schedule fires: a cron expression in a zone, or every `intervalMinutes`. */
export interface Cadence {
  cron: string | null;
  intervalMinutes: number | null;
  timezone: string;
}

/**
 * The first time strictly after `after` the cadence fires. An interval keeps its phase from
 * `anchor` (the slot that was due), so a late tick does not drift the schedule; a cron expression
 * is read in the schedule's zone (so `0 9 * * *` stays 09:00 local across daylight saving).
 */
export function nextRunAfter(cadence: Cadence, after: Date, anchor?: Date): Date {
  if (cadence.cron) {
    const expr = CronExpressionParser.parse(cadence.cron, { currentDate: after, tz: cadence.timezone });
    return expr.next().toDate();
  }
  const step = (cadence.intervalMinutes ?? 60) * 60_000;
  const base = anchor && anchor.getTime() <= after.getTime() ? anchor.getTime() : after.getTime();
  const slots = Math.floor((after.getTime() - base) / step) + 1;
  return new Date(base + slots * step);
}

/** How many times the cadence was due in `(from, to]`, at most `cap` counted. */
export function slotsBetween(cadence: Cadence, from: Date, to: Date, cap = 1000): number {
  let n = 0;
  let at = from;
  for (;;) {
    at = nextRunAfter(cadence, at, from);
    if (at.getTime() > to.getTime() || n >= cap) return n;
    n++;
  }
}

const name = z.string().trim().min(1).max(120);
const timezone = z
  .string()
  .trim()
  .min(1)
  .refine(isTimeZone, { message: 'unknown time zone: use an IANA name such as Europe/Paris or UTC' });
const cron = z
  .string()
  .trim()
  .min(1)
  .superRefine((value, check) => {
    const problem = cronProblem(value);
    if (problem) check.addIssue({ code: 'custom', message: `invalid cron expression: ${problem}` });
  });
const intervalMinutes = z
  .number()
  .int()
  .min(1)
  .max(366 * 24 * 60);

/** What a scheduled pull takes: the pull sources (no lists) or the lists named. */
export const schedulePullTarget = pullInput.pick({ lists: true, withFields: true });

/** What a scheduled push takes: a saved search, one of our lists, or the My CRM enrichment. */
export const schedulePushTarget = z.object({
  selection: pushSelectionInput.refine((s) => 'search' in s || 'list' in s || 'crm' in s, {
    message:
      'a scheduled push takes a saved search ({search}), one of our lists ({list}) or My CRM ({crm: true})',
  }),
  mode: pushInput.shape.mode,
});

const cadenceFields = {
  cron: cron.optional(),
  intervalMinutes: intervalMinutes.optional(),
  timezone: timezone.optional(),
};

const onlyOneCadence = (s: { cron?: string | undefined; intervalMinutes?: number | undefined }) =>
  !(s.cron !== undefined && s.intervalMinutes !== undefined);

export const createScheduleInput = z
  .discriminatedUnion('kind', [
    z.object({
      name,
      kind: z.literal('pull'),
      target: schedulePullTarget.default({ withFields: false }),
      ...cadenceFields,
      paused: z.boolean().default(false),
    }),
    z.object({
      name,
      kind: z.literal('push'),
      target: schedulePushTarget,
      ...cadenceFields,
      paused: z.boolean().default(false),
    }),
  ])
  .refine(onlyOneCadence, { message: 'give cron or intervalMinutes, not both', path: ['cron'] })
  .refine((s) => s.cron !== undefined || s.intervalMinutes !== undefined, {
    message: 'give cron (a five-field expression) or intervalMinutes',
    path: ['cron'],
  });
export type CreateScheduleInput = z.input<typeof createScheduleInput>;

export const scheduleIdInput = z.object({ id: z.coerce.number().int().positive() });

/** What an edit may change (the body of `PATCH /api/schedules/:id`). */
export const scheduleChanges = z.object({
  name: name.optional(),
  target: z.union([schedulePushTarget, schedulePullTarget]).optional(),
  cron: cron.nullable().optional(),
  intervalMinutes: intervalMinutes.nullable().optional(),
  timezone: timezone.optional(),
  paused: z.boolean().optional(),
});

export const updateScheduleInput = scheduleChanges
  .extend({ id: z.coerce.number().int().positive() })
  .refine((s) => !(typeof s.cron === 'string' && typeof s.intervalMinutes === 'number'), {
    message: 'give cron or intervalMinutes, not both',
    path: ['cron'],
  });
export type UpdateScheduleInput = z.input<typeof updateScheduleInput>;

const lastRun = z
  .object({
    runId: z.number().int(),
    status: z.string(),
    at: z.string().nullable(),
    trigger: z.string(),
    note: z.string().nullable(),
    error: z.string().nullable(),
  })
  .nullable();

/** A schedule as the doors show it: its cadence, its next run and its last. */
export const scheduleResult = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(['pull', 'push']),
  target: z.record(z.string(), z.unknown()),
  cron: z.string().nullable(),
  intervalMinutes: z.number().int().nullable(),
  timezone: z.string(),
  paused: z.boolean(),
  /** When it fires next (ISO; null while paused). */
  nextRunAt: z.string().nullable(),
  lastFiredAt: z.string().nullable(),
  /** The run its last firing made (queued, or recorded `stopped` when skipped or deferred). */
  lastRun,
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Schedule = z.output<typeof scheduleResult>;
export const schedulesResult = z.object({ schedules: z.array(scheduleResult) });

type Row = typeof syncSchedules.$inferSelect;

const iso = (value: string | null): string | null => (value === null ? null : new Date(value).toISOString());

async function connectionIdOf(ctx: AppContext): Promise<number> {
  const connection = await getConnection(ctx.deps.store, ctx.deps.config.connection);
  if (!connection)
    throw new AppError('not_connected', 'not connected to Affinity: run `affinity-sync connect` first');
  return connection.id;
}

async function present(ctx: AppContext, rows: Row[]): Promise<Schedule[]> {
  const runIds = rows.map((r) => r.lastRunId).filter((id): id is number => id !== null);
  const runs = new Map<number, NonNullable<Schedule['lastRun']>>();
  if (runIds.length > 0) {
    const found = await ctx.deps.store.db
      .select()
      .from(syncRuns)
      .where(
        sql`${syncRuns.id} IN (${sql.join(
          runIds.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      );
    for (const r of found)
      runs.set(r.id, {
        runId: r.id,
        status: r.status,
        at: iso(r.finishedAt ?? r.startedAt ?? r.queuedAt),
        trigger: r.trigger,
        note: r.triggerNote,
        error: r.error,
      });
  }
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind as 'pull' | 'push',
    target: r.target as Record<string, unknown>,
    cron: r.cron,
    intervalMinutes: r.intervalMinutes,
    timezone: r.timezone,
    paused: r.paused,
    nextRunAt: iso(r.nextRunAt),
    lastFiredAt: iso(r.lastFiredAt),
    lastRun: r.lastRunId !== null ? (runs.get(r.lastRunId) ?? null) : null,
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  }));
}

async function rowOf(ctx: AppContext, id: number): Promise<Row> {
  const connectionId = await connectionIdOf(ctx);
  const [row] = await ctx.deps.store.db
    .select()
    .from(syncSchedules)
    .where(and(eq(syncSchedules.id, id), eq(syncSchedules.connectionId, connectionId)));
  if (!row) throw new AppError('not_found', `no schedule ${id}`);
  return row;
}

const nowOf = (now?: Date) => now ?? new Date();

function uniqueName(err: unknown, value: string): never {
  const text = String((err as { message?: unknown; cause?: { message?: unknown } })?.cause?.message ?? err);
  if (/sync_schedules_name_key|duplicate key/i.test(text))
    throw new AppError('conflict', `a schedule named "${value}" exists: choose another name or edit it`, {
      issues: [{ field: 'name', message: 'already used' }],
    });
  throw err;
}

/** Every schedule of the connection, by name. Anyone signed in may. */
export async function listSchedules(ctx: AppContext): Promise<{ schedules: Schedule[] }> {
  const connectionId = await connectionIdOf(ctx);
  const rows = await ctx.deps.store.db
    .select()
    .from(syncSchedules)
    .where(eq(syncSchedules.connectionId, connectionId))
    .orderBy(asc(syncSchedules.name));
  return { schedules: await present(ctx, rows) };
}

/** One schedule by id (`not_found` if none). Anyone signed in may. */
export async function getSchedule(
  ctx: AppContext,
  input: z.input<typeof scheduleIdInput>,
): Promise<Schedule> {
  const { id } = parseInput(scheduleIdInput, input);
  return (await present(ctx, [await rowOf(ctx, id)]))[0]!;
}

/**
 * Creates a schedule (admins): validates the cadence (a bad cron expression or an unknown time
 * zone is a `bad_request` naming the field) and computes its first run from now.
 */
export async function createSchedule(
  ctx: AppContext,
  input: CreateScheduleInput,
  now?: Date,
): Promise<Schedule> {
  mustBeAdmin(ctx, 'create schedules');
  const parsed = parseInput(createScheduleInput, input);
  const connectionId = await connectionIdOf(ctx);
  const cadence: Cadence = {
    cron: parsed.cron ?? null,
    intervalMinutes: parsed.cron ? null : (parsed.intervalMinutes ?? null),
    timezone: parsed.timezone ?? 'UTC',
  };
  const at = nowOf(now);
  let row: Row | undefined;
  try {
    [row] = await ctx.deps.store.db
      .insert(syncSchedules)
      .values({
        connectionId,
        name: parsed.name,
        kind: parsed.kind,
        target: parsed.target,
        cron: cadence.cron,
        intervalMinutes: cadence.intervalMinutes,
        timezone: cadence.timezone,
        paused: parsed.paused,
        nextRunAt: parsed.paused ? null : nextRunAfter(cadence, at).toISOString(),
        createdBy: ctx.actor.id,
      })
      .returning();
  } catch (err) {
    uniqueName(err, parsed.name);
  }
  return (await present(ctx, [row!]))[0]!;
}

/**
 * Edits a schedule (admins): name, target, cadence (setting cron clears the interval and the
 * reverse), zone, paused. A changed cadence or a resume recomputes the next run from now.
 */
export async function updateSchedule(
  ctx: AppContext,
  input: UpdateScheduleInput,
  now?: Date,
): Promise<Schedule> {
  mustBeAdmin(ctx, 'edit schedules');
  const parsed = parseInput(updateScheduleInput, input);
  const row = await rowOf(ctx, parsed.id);
  const target =
    parsed.target === undefined
      ? (row.target as Record<string, unknown>)
      : row.kind === 'push'
        ? parseInput(z.object({ target: schedulePushTarget }), { target: parsed.target }).target
        : parseInput(z.object({ target: schedulePullTarget }), { target: parsed.target }).target;
  let cronValue = row.cron;
  let interval = row.intervalMinutes;
  if (typeof parsed.cron === 'string') {
    cronValue = parsed.cron;
    interval = null;
  } else if (typeof parsed.intervalMinutes === 'number') {
    interval = parsed.intervalMinutes;
    cronValue = null;
  }
  if (cronValue === null && interval === null)
    throw new AppError('bad_request', 'cron: give cron (a five-field expression) or intervalMinutes', {
      issues: [{ field: 'cron', message: 'a schedule needs cron or intervalMinutes' }],
    });
  const cadence: Cadence = {
    cron: cronValue,
    intervalMinutes: interval,
    timezone: parsed.timezone ?? row.timezone,
  };
  const paused = parsed.paused ?? row.paused;
  const cadenceChanged =
    cadence.cron !== row.cron ||
    cadence.intervalMinutes !== row.intervalMinutes ||
    cadence.timezone !== row.timezone;
  const nextRunAt = paused
    ? null
    : cadenceChanged || row.paused || row.nextRunAt === null
      ? nextRunAfter(cadence, nowOf(now)).toISOString()
      : row.nextRunAt;
  let updated: Row | undefined;
  try {
    [updated] = await ctx.deps.store.db
      .update(syncSchedules)
      .set({
        ...(parsed.name !== undefined ? { name: parsed.name } : {}),
        target,
        cron: cadence.cron,
        intervalMinutes: cadence.intervalMinutes,
        timezone: cadence.timezone,
        paused,
        nextRunAt,
        updatedAt: sql`now()`,
      })
      .where(eq(syncSchedules.id, row.id))
      .returning();
  } catch (err) {
    uniqueName(err, parsed.name ?? row.name);
  }
  return (await present(ctx, [updated!]))[0]!;
}

/** Pauses a schedule (admins): it does not fire until resumed; a run it started goes on. */
export async function pauseSchedule(
  ctx: AppContext,
  input: z.input<typeof scheduleIdInput>,
  now?: Date,
): Promise<Schedule> {
  mustBeAdmin(ctx, 'pause schedules');
  const { id } = parseInput(scheduleIdInput, input);
  return updateSchedule(ctx, { id, paused: true }, now);
}

/** Resumes a paused schedule (admins): its next run is the next slot from now, none made up. */
export async function resumeSchedule(
  ctx: AppContext,
  input: z.input<typeof scheduleIdInput>,
  now?: Date,
): Promise<Schedule> {
  mustBeAdmin(ctx, 'resume schedules');
  const { id } = parseInput(scheduleIdInput, input);
  return updateSchedule(ctx, { id, paused: false }, now);
}

/** Removes a schedule (admins); the runs it made stay in activity. */
export async function removeSchedule(
  ctx: AppContext,
  input: z.input<typeof scheduleIdInput>,
): Promise<{ removed: Schedule }> {
  mustBeAdmin(ctx, 'remove schedules');
  const { id } = parseInput(scheduleIdInput, input);
  const row = await rowOf(ctx, id);
  const [shown] = await present(ctx, [row]);
  await ctx.deps.store.db.delete(syncSchedules).where(eq(syncSchedules.id, id));
  return { removed: shown! };
}

export const removeScheduleResult = z.object({ removed: scheduleResult });

export const runScheduleNowResult = z.object({
  runId: z.number().int(),
  status: z.literal('queued'),
  scheduleId: z.number().int(),
});

/**
 * Runs a schedule's pull or push now, outside its times (admins), as a queued run with trigger
 * `schedule` and a note saying who asked; its next time is unchanged. Refused (`busy`) while a run
 * of the schedule is still queued or running, as a firing would be skipped.
 */
export async function runScheduleNow(
  ctx: AppContext,
  input: z.input<typeof scheduleIdInput>,
): Promise<z.output<typeof runScheduleNowResult>> {
  mustBeAdmin(ctx, 'run schedules');
  const { id } = parseInput(scheduleIdInput, input);
  const row = await rowOf(ctx, id);
  const [active] = await ctx.deps.store.db
    .select({ id: syncRuns.id, status: syncRuns.status })
    .from(syncRuns)
    .where(and(eq(syncRuns.scheduleId, id), inArray(syncRuns.status, ['queued', 'running'])))
    .limit(1);
  if (active)
    throw new AppError(
      'busy',
      `run #${active.id} of schedule "${row.name}" is still ${active.status}: wait for it or cancel it`,
    );
  const { runId } = await queueOf(ctx).enqueue({
    kind: row.kind === 'push' ? 'push' : 'pull',
    connectionId: row.connectionId,
    trigger: 'schedule',
    actor: ctx.actor.id,
    params: { input: row.target },
    scheduleId: id,
    triggerNote: `run now by ${ctx.actor.id}`,
  });
  await ctx.deps.store.db
    .update(syncSchedules)
    .set({ lastRunId: runId, lastFiredAt: sql`now()` })
    .where(eq(syncSchedules.id, id));
  return { runId, status: 'queued', scheduleId: id };
}

import type { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/index.js';
import type { Actor } from '../sync/roles.js';

export type { Actor, Role } from '../sync/roles.js';
export { LOCAL_ADMIN, requireAdmin } from '../sync/roles.js';

/**
 * What every use case may use. The doors (CLI, HTTP API, jobs) build it once and hand it in; a use
 * case never reads the environment or opens a store of its own.
 */
export interface AppDeps {
  store: Store;
  config: Config;
  logger: Logger;
  /** The job queue, when runs may be queued (the server, a worker, the CLI on a served store). */
  jobs?: RunQueue | undefined;
}

/** Who asks, with what: the first argument of every use case. */
export interface AppContext {
  actor: Actor;
  deps: AppDeps;
  /** Aborts long work (SIGINT at the CLI, a cancelled job). */
  signal?: AbortSignal | undefined;
}

/** How a run is asked for: queued as a job, or done in this process while the caller waits. */
export interface RunQueue {
  /** Records the run `queued` in activity and enqueues its job; the run id is known at once. */
  enqueue(request: RunRequest): Promise<{ runId: number }>;
  /** Cancels a queued or running run: a queued one never starts, a running one stops after its in-flight writes. */
  cancel(runId: number, actor: Actor): Promise<'cancelled' | 'stopping' | 'finished'>;
}

export type RunRequestKind = 'push' | 'pull';

export interface RunRequest {
  kind: RunRequestKind;
  connectionId: number;
  trigger: 'cli' | 'api' | 'schedule' | 'webhook' | 'auto-push' | 'demo';
  /** The actor's id as activity shows it (an email for a user). */
  actor: string;
  /** The use case's validated input, replayed by the job handler. */
  params: Record<string, unknown>;
  /** The schedule that fired it (trigger `schedule`). */
  scheduleId?: number | undefined;
  /** Why it runs when that is not obvious from the trigger ("missed at 03:00 while the server was down"). */
  triggerNote?: string | undefined;
}

/** Why a use case refused, as a code the doors map to an exit code or an HTTP status. */
export const appErrorCodes = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  not_connected: 409,
  busy: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  unavailable: 503,
} as const;
export type AppErrorCode = keyof typeof appErrorCodes;

/** A refusal a person can act on: its message says what was wrong and what to do. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get status(): number {
    return appErrorCodes[this.code];
  }
}

/**
 * Validates a use case's input with its schema. A bad input throws `bad_request` naming each
 * field and what was wrong with it (`details.issues`), never a half-checked value.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(input)',
    message: i.message,
  }));
  const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new AppError('bad_request', message, { issues });
}

/** Throws `forbidden` unless the actor is an admin; `action` reads "connect Affinity", "edit destinations"… */
export function mustBeAdmin(ctx: AppContext, action: string): void {
  if (ctx.actor.role !== 'admin') {
    throw new AppError(
      'forbidden',
      `only an admin may ${action}; ${ctx.actor.id} is a ${ctx.actor.role}: ask a workspace admin`,
    );
  }
}

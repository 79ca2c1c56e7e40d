import { parseRateLimitHeaders, parseRetryAfter } from './rate-limit-headers.js';

/**
 * What happened to one attempt: an HTTP answer, or no answer. `not-sent` means the request
 * provably never left (connection refused, DNS failure), so repeating it is always safe.
 */
export type RetryInput =
  | { status: number; headers?: Headers | undefined; idempotent: boolean }
  | { error: 'timeout' | 'network' | 'not-sent'; idempotent: boolean };

export type RetryDecision =
  | { retry: false; reason: string }
  | { retry: true; delayMs: number; reason: string };

export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /** First backoff step for 5xx/network errors (default 500 ms); doubles per attempt. */
  baseDelayMs?: number;
  /** Cap of one backoff step (default 30 s). */
  maxBackoffMs?: number;
  /** Longest wait a 429 may ask for (default 120 s); beyond it the quota counts as exhausted. */
  maxRetryWaitMs?: number;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Wall clock in epoch ms, for `Retry-After` dates (default `Date.now`). */
  now?: () => number;
}

export const DEFAULT_RETRY_POLICY = {
  maxRetries: 5,
  baseDelayMs: 500,
  maxBackoffMs: 30_000,
  maxRetryWaitMs: 120_000,
} as const;

/** Where a 429's wait came from and how long it is. */
export interface RateLimitWait {
  waitMs: number;
  source: 'retry-after' | 'user-reset' | 'org-reset';
}

/**
 * How long a 429 asks the client to wait, from its headers: `Retry-After` first; otherwise the
 * reset of every exhausted window (user per-minute and org monthly, whichever is later — waiting
 * only for the minute while the month is spent would just earn another 429); otherwise the user
 * reset. `null` when the headers say nothing usable (e.g. a concurrency 429).
 */
export function rateLimitWait(
  headers: Headers | undefined,
  nowMs: number = Date.now(),
): RateLimitWait | null {
  if (!headers) return null;
  const retryAfter = parseRetryAfter(headers.get('retry-after'), nowMs);
  if (retryAfter !== null) return { waitMs: retryAfter, source: 'retry-after' };
  const { user, org } = parseRateLimitHeaders(headers);
  let best: RateLimitWait | null = null;
  if (user?.remaining === 0 && user.resetSeconds !== null) {
    best = { waitMs: user.resetSeconds * 1000, source: 'user-reset' };
  }
  if (org?.remaining === 0 && org.resetSeconds !== null) {
    const waitMs = org.resetSeconds * 1000;
    if (best === null || waitMs > best.waitMs) best = { waitMs, source: 'org-reset' };
  }
  if (
    best === null &&
    user?.resetSeconds !== undefined &&
    user.resetSeconds !== null &&
    user.remaining === null
  ) {
    best = { waitMs: user.resetSeconds * 1000, source: 'user-reset' };
  }
  return best;
}

/** Capped exponential backoff with "equal jitter": half fixed, half random, never zero. */
export function backoffDelay(attempt: number, policy?: RetryPolicy): number {
  const base = policy?.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  const cap = policy?.maxBackoffMs ?? DEFAULT_RETRY_POLICY.maxBackoffMs;
  const random = policy?.random ?? Math.random;
  const step = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Extra wait on top of a server-given reset, so clients released together do not stampede. */
export function resetJitter(waitMs: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(1_000, 100 + waitMs * 0.1));
}

/**
 * Decides whether to repeat an attempt; pure (time and randomness come from `policy`).
 * `attempt` is the number of the attempt that just finished (1 for the first).
 * - 2xx/3xx and 4xx other than 429: never.
 * - 429: always (Affinity rejects before acting, so even a POST is safe), after the wait the
 *   headers ask for plus jitter, or backoff when they ask for none; a wait beyond
 *   `maxRetryWaitMs` is not waited for (`quota exhausted`).
 * - 5xx, timeouts, network errors: only idempotent requests, with capped exponential backoff
 *   (a 5xx `Retry-After` within `maxRetryWaitMs` is honoured).
 * - `not-sent` (connection refused): always, with backoff — nothing reached the server.
 */
export function shouldRetry(input: RetryInput, attempt: number, policy?: RetryPolicy): RetryDecision {
  const maxRetries = policy?.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries;
  const maxWait = policy?.maxRetryWaitMs ?? DEFAULT_RETRY_POLICY.maxRetryWaitMs;
  const random = policy?.random ?? Math.random;
  const now = policy?.now ?? Date.now;

  if ('status' in input) {
    const { status } = input;
    if (status < 400) return { retry: false, reason: `status ${status} is not a failure` };
    if (status === 429) {
      const wait = rateLimitWait(input.headers, now());
      if (wait !== null && wait.waitMs > maxWait) {
        return {
          retry: false,
          reason: `quota exhausted: 429 asks to wait ${Math.ceil(wait.waitMs / 1000)} s (${wait.source}), beyond ${Math.round(maxWait / 1000)} s`,
        };
      }
      if (attempt > maxRetries)
        return { retry: false, reason: `429 after ${attempt} attempts: retries exhausted` };
      if (wait !== null) {
        return {
          retry: true,
          delayMs: wait.waitMs + resetJitter(wait.waitMs, random),
          reason: `429: waiting ${wait.source}`,
        };
      }
      return {
        retry: true,
        delayMs: backoffDelay(attempt, policy),
        reason: '429 without reset headers: backoff',
      };
    }
    if (status >= 500) {
      if (!input.idempotent)
        return { retry: false, reason: `${status} on a non-idempotent request: not repeated` };
      if (attempt > maxRetries) {
        return { retry: false, reason: `${status} after ${attempt} attempts: retries exhausted` };
      }
      const retryAfter = parseRetryAfter(input.headers?.get('retry-after') ?? null, now());
      if (retryAfter !== null && retryAfter <= maxWait) {
        return {
          retry: true,
          delayMs: retryAfter + resetJitter(retryAfter, random),
          reason: `${status}: waiting retry-after`,
        };
      }
      return { retry: true, delayMs: backoffDelay(attempt, policy), reason: `${status}: backoff` };
    }
    return { retry: false, reason: `${status} is a client error` };
  }

  const what =
    input.error === 'timeout'
      ? 'timeout'
      : input.error === 'not-sent'
        ? 'connection refused'
        : 'network error';
  if (input.error !== 'not-sent' && !input.idempotent) {
    return { retry: false, reason: `${what} on a non-idempotent request: not repeated` };
  }
  if (attempt > maxRetries)
    return { retry: false, reason: `${what} after ${attempt} attempts: retries exhausted` };
  return { retry: true, delayMs: backoffDelay(attempt, policy), reason: `${what}: backoff` };
}

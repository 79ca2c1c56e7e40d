/**
 * Affinity's `X-Ratelimit-*` headers, read leniently: every response should carry all six, but a
 * missing or malformed one must never fail a request. Monthly org values may be `"unlimited"`.
 */

export interface UserRateLimit {
  /** Requests allowed per minute for this API key. */
  limit: number | null;
  remaining: number | null;
  /** Seconds until the per-minute window resets. */
  resetSeconds: number | null;
}

export interface OrgRateLimit {
  /** Requests allowed per month for the account; `'unlimited'` on unlimited plans. */
  limit: number | 'unlimited' | null;
  remaining: number | 'unlimited' | null;
  /** Seconds until the monthly quota resets. */
  resetSeconds: number | null;
}

/** The last rate-limit values Affinity reported for one API key. */
export interface RateLimitState {
  user: UserRateLimit;
  org: OrgRateLimit;
  /** ISO-8601 time the values were received, or `null` before any response. */
  observedAt: string | null;
}

export const RATE_LIMIT_HEADERS = {
  userLimit: 'x-ratelimit-limit-user',
  userRemaining: 'x-ratelimit-limit-user-remaining',
  userReset: 'x-ratelimit-limit-user-reset',
  orgLimit: 'x-ratelimit-limit-org',
  orgRemaining: 'x-ratelimit-limit-org-remaining',
  orgReset: 'x-ratelimit-limit-org-reset',
} as const;

function numberOrNull(raw: string | null): number | null {
  if (raw === null) return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function quotaOrNull(raw: string | null): number | 'unlimited' | null {
  if (raw !== null && raw.trim().toLowerCase() === 'unlimited') return 'unlimited';
  return numberOrNull(raw);
}

/**
 * Reads the rate-limit headers. A group (`user`, `org`) is present only when at least one of its
 * headers is; values that are missing or unparsable are `null`. Never throws.
 */
export function parseRateLimitHeaders(h: Headers): Partial<RateLimitState> {
  const out: Partial<RateLimitState> = {};
  const uL = h.get(RATE_LIMIT_HEADERS.userLimit);
  const uR = h.get(RATE_LIMIT_HEADERS.userRemaining);
  const uS = h.get(RATE_LIMIT_HEADERS.userReset);
  if (uL !== null || uR !== null || uS !== null) {
    out.user = { limit: numberOrNull(uL), remaining: numberOrNull(uR), resetSeconds: numberOrNull(uS) };
  }
  const oL = h.get(RATE_LIMIT_HEADERS.orgLimit);
  const oR = h.get(RATE_LIMIT_HEADERS.orgRemaining);
  const oS = h.get(RATE_LIMIT_HEADERS.orgReset);
  if (oL !== null || oR !== null || oS !== null) {
    out.org = { limit: quotaOrNull(oL), remaining: quotaOrNull(oR), resetSeconds: numberOrNull(oS) };
  }
  return out;
}

/** A state with nothing observed yet. */
export function emptyRateLimitState(): RateLimitState {
  return {
    user: { limit: null, remaining: null, resetSeconds: null },
    org: { limit: null, remaining: null, resetSeconds: null },
    observedAt: null,
  };
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (relative to `nowMs`, epoch ms).
 * `null` when absent or unparsable; never negative.
 */
export function parseRetryAfter(raw: string | null, nowMs: number): number | null {
  if (raw === null) return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

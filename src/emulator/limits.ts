/**
 * Affinity's three request limits: per API key per minute, per account per calendar month
 * (a number or unlimited), and concurrent requests per account. Usage is counted on the
 * emulator's clock so tests can move time.
 */
import type { RateLimitStatus } from './framework.js';

export interface LimitSettings {
  ratePerMinute: number;
  monthlyLimit: number | 'unlimited';
  maxConcurrent: number;
}

/** Why a request was refused, or null when it may proceed. */
export type LimitVerdict = null | 'per-minute' | 'monthly' | 'concurrency';

const MINUTE = 60_000;

function monthKey(d: Date): number {
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function secondsToMonthEnd(d: Date): number {
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return Math.max(0, Math.ceil((end - d.getTime()) / 1000));
}

export class RateLimiter {
  private minute = new Map<number, { window: number; used: number }>();
  private month = { window: -1, used: 0 };
  inFlight = 0;

  constructor(
    public settings: LimitSettings,
    private readonly now: () => Date,
  ) {}

  private minuteUsage(keyId: number, nowMs: number): { window: number; used: number } {
    const window = Math.floor(nowMs / MINUTE);
    let u = this.minute.get(keyId);
    if (!u || u.window !== window) {
      u = { window, used: 0 };
      this.minute.set(keyId, u);
    }
    return u;
  }

  private monthUsage(now: Date): { window: number; used: number } {
    const w = monthKey(now);
    if (this.month.window !== w) this.month = { window: w, used: 0 };
    return this.month;
  }

  /** Checks the limits for a request of `keyId` and, when it may proceed, counts it. */
  admit(keyId: number): LimitVerdict {
    const now = this.now();
    const month = this.monthUsage(now);
    const minute = this.minuteUsage(keyId, now.getTime());
    const { monthlyLimit, ratePerMinute, maxConcurrent } = this.settings;
    if (monthlyLimit !== 'unlimited' && month.used >= monthlyLimit) return 'monthly';
    if (minute.used >= ratePerMinute) return 'per-minute';
    if (this.inFlight >= maxConcurrent) return 'concurrency';
    month.used += 1;
    minute.used += 1;
    return null;
  }

  /** The usage `GET /rate-limit` and the `X-Ratelimit-*` headers show (no key: a fresh window). */
  status(keyId: number | null): RateLimitStatus {
    const now = this.now();
    const nowMs = now.getTime();
    const month = this.monthUsage(now);
    const used = keyId === null ? 0 : this.minuteUsage(keyId, nowMs).used;
    const { monthlyLimit, ratePerMinute } = this.settings;
    return {
      org_monthly: {
        limit: monthlyLimit,
        remaining: monthlyLimit === 'unlimited' ? 'unlimited' : Math.max(0, monthlyLimit - month.used),
        reset: secondsToMonthEnd(now),
        used: month.used,
      },
      api_key_per_minute: {
        limit: ratePerMinute,
        remaining: Math.max(0, ratePerMinute - used),
        reset: Math.ceil((MINUTE - (nowMs % MINUTE)) / 1000),
        used,
      },
    };
  }

  /** Forgets all usage (admin reset of statistics and limits). */
  clear(): void {
    this.minute.clear();
    this.month = { window: -1, used: 0 };
  }
}

/** The six `X-Ratelimit-*` headers for a status. */
export function rateLimitHeaders(s: RateLimitStatus): Record<string, string> {
  return {
    'X-Ratelimit-Limit-User': String(s.api_key_per_minute.limit),
    'X-Ratelimit-Limit-User-Remaining': String(s.api_key_per_minute.remaining),
    'X-Ratelimit-Limit-User-Reset': String(s.api_key_per_minute.reset),
    'X-Ratelimit-Limit-Org': String(s.org_monthly.limit),
    'X-Ratelimit-Limit-Org-Remaining': String(s.org_monthly.remaining),
    'X-Ratelimit-Limit-Org-Reset': String(s.org_monthly.reset),
  };
}

import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, parseRetryAfter } from './rate-limit-headers.js';

describe('parseRateLimitHeaders', () => {
  it('reads all six headers', () => {
    const h = new Headers({
      'X-Ratelimit-Limit-User': '900',
      'X-Ratelimit-Limit-User-Remaining': '899',
      'X-Ratelimit-Limit-User-Reset': '59',
      'X-Ratelimit-Limit-Org': '100000',
      'X-Ratelimit-Limit-Org-Remaining': '99431',
      'X-Ratelimit-Limit-Org-Reset': '1234567',
    });
    expect(parseRateLimitHeaders(h)).toEqual({
      user: { limit: 900, remaining: 899, resetSeconds: 59 },
      org: { limit: 100_000, remaining: 99_431, resetSeconds: 1_234_567 },
    });
  });

  it('accepts "unlimited" org values', () => {
    const h = new Headers({
      'x-ratelimit-limit-org': 'unlimited',
      'x-ratelimit-limit-org-remaining': 'Unlimited',
      'x-ratelimit-limit-org-reset': '100',
    });
    expect(parseRateLimitHeaders(h).org).toEqual({
      limit: 'unlimited',
      remaining: 'unlimited',
      resetSeconds: 100,
    });
  });

  it('leaves out groups with no headers and nulls missing or malformed values', () => {
    expect(parseRateLimitHeaders(new Headers())).toEqual({});
    const h = new Headers({
      'x-ratelimit-limit-user-remaining': 'lots',
      'x-ratelimit-limit-user-reset': '-3',
    });
    expect(parseRateLimitHeaders(h)).toEqual({ user: { limit: null, remaining: null, resetSeconds: null } });
    expect(parseRateLimitHeaders(new Headers({ 'x-ratelimit-limit-user': '' })).user?.limit).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads seconds and HTTP dates, never negative', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('is null when absent or unreadable', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

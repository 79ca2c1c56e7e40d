import { describe, expect, it } from 'vitest';
import { backoffDelay, rateLimitWait, shouldRetry } from './retry.js';

const fixed = { random: () => 0.5, now: () => Date.parse('2026-01-01T00:00:00Z') };
const h = (init: Record<string, string>) => new Headers(init);

describe('shouldRetry', () => {
  it('never retries successes and redirects', () => {
    expect(shouldRetry({ status: 200, idempotent: true }, 1, fixed).retry).toBe(false);
    expect(shouldRetry({ status: 302, idempotent: true }, 1, fixed).retry).toBe(false);
  });

  it('never retries client errors other than 429, whatever the method', () => {
    for (const status of [400, 401, 403, 404, 422]) {
      const d = shouldRetry({ status, idempotent: true }, 1, fixed);
      expect(d).toEqual({ retry: false, reason: `${status} is a client error` });
    }
  });

  it('429 honours Retry-After first, plus bounded jitter, even for non-idempotent requests', () => {
    const headers = h({
      'retry-after': '3',
      'x-ratelimit-limit-user-remaining': '0',
      'x-ratelimit-limit-user-reset': '40',
    });
    const d = shouldRetry({ status: 429, headers, idempotent: false }, 1, fixed);
    // jitter = 0.5 * min(1000, 100 + 3000 * 0.1) = 200
    expect(d).toEqual({ retry: true, delayMs: 3200, reason: '429: waiting retry-after' });
  });

  it('429 accepts Retry-After as an HTTP date', () => {
    const headers = h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' });
    const d = shouldRetry({ status: 429, headers, idempotent: true }, 1, fixed);
    expect(d).toMatchObject({ retry: true, delayMs: 10_000 + 500 });
  });

  it('429 without Retry-After waits for the user reset when the user budget is spent', () => {
    const headers = h({
      'x-ratelimit-limit-user-remaining': '0',
      'x-ratelimit-limit-user-reset': '12',
      'x-ratelimit-limit-org-remaining': '5000',
      'x-ratelimit-limit-org-reset': '900000',
    });
    const d = shouldRetry({ status: 429, headers, idempotent: true }, 2, fixed);
    expect(d).toEqual({ retry: true, delayMs: 12_000 + 500, reason: '429: waiting user-reset' });
  });

  it('429 uses the user reset when remaining is not reported', () => {
    const d = shouldRetry(
      { status: 429, headers: h({ 'x-ratelimit-limit-user-reset': '7' }), idempotent: true },
      1,
      fixed,
    );
    expect(d).toMatchObject({ retry: true, delayMs: 7_000 + 400 });
  });

  it('429 with the monthly quota spent and a far reset is not waited for', () => {
    const headers = h({
      'x-ratelimit-limit-user-remaining': '0',
      'x-ratelimit-limit-user-reset': '30',
      'x-ratelimit-limit-org-remaining': '0',
      'x-ratelimit-limit-org-reset': '864000',
    });
    const d = shouldRetry({ status: 429, headers, idempotent: true }, 1, fixed);
    expect(d.retry).toBe(false);
    expect(d.reason).toMatch(/^quota exhausted: 429 asks to wait 864000 s \(org-reset\)/);
  });

  it('429 with the monthly quota spent but resetting soon waits for the org reset', () => {
    const headers = h({
      'x-ratelimit-limit-user-remaining': '10',
      'x-ratelimit-limit-org-remaining': '0',
      'x-ratelimit-limit-org-reset': '20',
    });
    const d = shouldRetry({ status: 429, headers, idempotent: true }, 1, {
      ...fixed,
      maxRetryWaitMs: 60_000,
    });
    expect(d).toMatchObject({ retry: true, reason: '429: waiting org-reset', delayMs: 20_000 + 500 });
  });

  it('429 with nothing usable in the headers backs off exponentially', () => {
    const d = shouldRetry({ status: 429, headers: h({}), idempotent: false }, 3, fixed);
    // step = 500 * 2^2 = 2000; equal jitter: 1000 + 0.5 * 1000
    expect(d).toEqual({ retry: true, delayMs: 1500, reason: '429 without reset headers: backoff' });
  });

  it('429 gives up after maxRetries', () => {
    const d = shouldRetry({ status: 429, headers: h({ 'retry-after': '1' }), idempotent: true }, 6, fixed);
    expect(d).toEqual({ retry: false, reason: '429 after 6 attempts: retries exhausted' });
  });

  it('5xx retries idempotent requests with backoff and honours a short Retry-After', () => {
    expect(shouldRetry({ status: 503, idempotent: true }, 1, fixed)).toEqual({
      retry: true,
      delayMs: 375,
      reason: '503: backoff',
    });
    const withHeader = shouldRetry(
      { status: 503, headers: h({ 'retry-after': '2' }), idempotent: true },
      1,
      fixed,
    );
    expect(withHeader).toMatchObject({ retry: true, delayMs: 2150, reason: '503: waiting retry-after' });
    const tooFar = shouldRetry(
      { status: 503, headers: h({ 'retry-after': '9999' }), idempotent: true },
      1,
      fixed,
    );
    expect(tooFar).toMatchObject({ retry: true, reason: '503: backoff' });
  });

  it('5xx never repeats a non-idempotent request', () => {
    expect(shouldRetry({ status: 500, idempotent: false }, 1, fixed)).toEqual({
      retry: false,
      reason: '500 on a non-idempotent request: not repeated',
    });
  });

  it('5xx gives up after maxRetries', () => {
    const d = shouldRetry({ status: 502, idempotent: true }, 3, { ...fixed, maxRetries: 2 });
    expect(d).toEqual({ retry: false, reason: '502 after 3 attempts: retries exhausted' });
  });

  it('timeouts and network errors are retried only when idempotent', () => {
    expect(shouldRetry({ error: 'timeout', idempotent: true }, 1, fixed)).toMatchObject({
      retry: true,
      reason: 'timeout: backoff',
    });
    expect(shouldRetry({ error: 'timeout', idempotent: false }, 1, fixed)).toEqual({
      retry: false,
      reason: 'timeout on a non-idempotent request: not repeated',
    });
    expect(shouldRetry({ error: 'network', idempotent: true }, 2, fixed)).toMatchObject({
      retry: true,
      reason: 'network error: backoff',
    });
    expect(shouldRetry({ error: 'network', idempotent: false }, 1, fixed).retry).toBe(false);
    expect(shouldRetry({ error: 'network', idempotent: true }, 6, fixed)).toEqual({
      retry: false,
      reason: 'network error after 6 attempts: retries exhausted',
    });
  });

  it('a request that provably never left is retried even when not idempotent', () => {
    expect(shouldRetry({ error: 'not-sent', idempotent: false }, 1, fixed)).toMatchObject({
      retry: true,
      reason: 'connection refused: backoff',
    });
    expect(shouldRetry({ error: 'not-sent', idempotent: false }, 6, fixed).retry).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt, stays within [step/2, step] and is capped', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(250);
    expect(backoffDelay(1, { random: () => 0.999999 })).toBe(500);
    expect(backoffDelay(4, { random: () => 0 })).toBe(2000);
    expect(backoffDelay(20, { random: () => 0.999999, maxBackoffMs: 10_000 })).toBe(10_000);
  });
});

describe('rateLimitWait', () => {
  it('is null when the headers say nothing or the budget is not spent', () => {
    expect(rateLimitWait(undefined)).toBeNull();
    expect(rateLimitWait(h({}))).toBeNull();
    expect(
      rateLimitWait(h({ 'x-ratelimit-limit-user-remaining': '3', 'x-ratelimit-limit-user-reset': '10' })),
    ).toBeNull();
  });

  it('takes the later reset when both windows are spent', () => {
    const w = rateLimitWait(
      h({
        'x-ratelimit-limit-user-remaining': '0',
        'x-ratelimit-limit-user-reset': '50',
        'x-ratelimit-limit-org-remaining': '0',
        'x-ratelimit-limit-org-reset': '40',
      }),
    );
    expect(w).toEqual({ waitMs: 50_000, source: 'user-reset' });
  });
});

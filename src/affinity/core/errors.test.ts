import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AffinityAuthError,
  AffinityError,
  AffinityForbiddenError,
  AffinityNotFoundError,
  AffinityQuotaExhaustedError,
  AffinityRateLimitError,
  AffinityResponseValidationError,
  AffinityServerError,
  AffinityValidationError,
  errorFromResponse,
} from './errors.js';
import { formatPath, validateResponse } from './validation.js';

const at = { endpoint: 'POST /persons', method: 'POST' as const };

describe('errorFromResponse', () => {
  it('chooses the subclass from the status', () => {
    expect(errorFromResponse({ ...at, status: 401, body: null })).toBeInstanceOf(AffinityAuthError);
    expect(errorFromResponse({ ...at, status: 403, body: null })).toBeInstanceOf(AffinityForbiddenError);
    expect(errorFromResponse({ ...at, status: 404, body: null })).toBeInstanceOf(AffinityNotFoundError);
    expect(errorFromResponse({ ...at, status: 422, body: null })).toBeInstanceOf(AffinityValidationError);
    expect(errorFromResponse({ ...at, status: 400, body: null })).toBeInstanceOf(AffinityValidationError);
    expect(errorFromResponse({ ...at, status: 429, body: null })).toBeInstanceOf(AffinityRateLimitError);
    expect(errorFromResponse({ ...at, status: 429, body: null })).not.toBeInstanceOf(
      AffinityQuotaExhaustedError,
    );
    expect(errorFromResponse({ ...at, status: 500, body: null })).toBeInstanceOf(AffinityServerError);
    const other = errorFromResponse({ ...at, status: 409, body: null });
    expect(other).toBeInstanceOf(AffinityError);
    expect(other).not.toBeInstanceOf(AffinityValidationError);
  });

  it('reads 422 messages from a bare array, an object or text', () => {
    const arr = errorFromResponse({
      ...at,
      status: 422,
      body: ['There exists a contact with this email address.'],
    });
    expect(arr).toBeInstanceOf(AffinityValidationError);
    expect((arr as AffinityValidationError).messages).toEqual([
      'There exists a contact with this email address.',
    ]);
    expect(arr.message).toBe(
      'POST /persons: 422 Unprocessable Entity: There exists a contact with this email address.',
    );
    const obj = errorFromResponse({ ...at, status: 422, body: { message: 'Invalid page_token variable' } });
    expect((obj as AffinityValidationError).messages).toEqual(['Invalid page_token variable']);
    const text = errorFromResponse({ ...at, status: 422, body: 'bad field' });
    expect((text as AffinityValidationError).messages).toEqual(['bad field']);
  });

  it('marks 5xx on non-idempotent requests as possibly landed', () => {
    const post = errorFromResponse({
      ...at,
      status: 503,
      body: null,
      idempotent: false,
    }) as AffinityServerError;
    expect(post.mayHaveLanded).toBe(true);
    expect(post.message).toMatch(/may have been applied/);
    const get = errorFromResponse({
      ...at,
      status: 503,
      body: null,
      idempotent: true,
    }) as AffinityServerError;
    expect(get.mayHaveLanded).toBe(false);
  });

  it('builds a quota error with its reset', () => {
    const e = errorFromResponse({ ...at, status: 429, body: null, quotaResetSeconds: 86_400 });
    expect(e).toBeInstanceOf(AffinityQuotaExhaustedError);
    expect(e).toBeInstanceOf(AffinityRateLimitError);
    expect((e as AffinityQuotaExhaustedError).resetSeconds).toBe(86_400);
    expect(e.message).toMatch(/quota exhausted; resets in 86400 s/);
  });

  it('carries status, body, headers and request id', () => {
    const headers = new Headers({ 'x-request-id': 'req-1' });
    const e = errorFromResponse({ ...at, status: 404, body: { message: 'Person not found.' }, headers });
    expect(e).toMatchObject({ status: 404, body: { message: 'Person not found.' }, requestId: 'req-1' });
    expect(e.name).toBe('AffinityNotFoundError');
    expect(inspect(e)).toContain('AffinityNotFoundError');
  });
});

describe('validateResponse', () => {
  const schema = z.looseObject({
    list_entries: z.array(z.looseObject({ id: z.number(), created_at: z.string() })),
    next_page_token: z.string().nullable(),
  });
  const ctx = { endpoint: 'GET /lists/{list_id}', method: 'GET' as const, status: 200 };

  it('returns the parsed body and keeps unknown keys', () => {
    const body = { list_entries: [{ id: 1, created_at: 'x', extra: true }], next_page_token: null, more: 1 };
    expect(validateResponse(schema, body, ctx)).toEqual(body);
  });

  it('names endpoint and path in the error', () => {
    const entries = [0, 1, 2, 3].map((id) => ({ id, created_at: id === 3 ? 1700000000 : 'x' }));
    const run = () => validateResponse(schema, { list_entries: entries, next_page_token: null }, ctx);
    expect(run).toThrow(AffinityResponseValidationError);
    expect(run).toThrow('GET /lists/{list_id}: list_entries[3].created_at: expected string, got number');
  });

  it('reports missing keys and wrong roots', () => {
    expect(() => validateResponse(schema, { list_entries: [] }, ctx)).toThrow(
      'GET /lists/{list_id}: next_page_token: expected string, got undefined (missing)',
    );
    expect(() => validateResponse(schema, [], ctx)).toThrow(
      'GET /lists/{list_id}: (body): expected object, got array',
    );
    try {
      validateResponse(schema, { list_entries: [{}, {}], next_page_token: 3 }, ctx);
      expect.unreachable();
    } catch (e) {
      const err = e as AffinityResponseValidationError;
      expect(err.issues).toHaveLength(5);
      expect(err.message).toMatch(/\(and 2 more\)$/);
    }
  });

  it('formats odd keys readably', () => {
    expect(formatPath(['a', 0, 'b-c', 'd'])).toBe('a[0]["b-c"].d');
    expect(formatPath([])).toBe('(body)');
  });
});

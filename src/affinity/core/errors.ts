import type { HttpMethod } from '../transport.js';
import { extractMessages } from './body.js';

/**
 * Errors at the Affinity boundary: one base class and subclasses chosen by one factory
 * ({@link errorFromResponse}) from the status, so callers can `instanceof` what they handle.
 * None of them ever holds the API key: they carry the response, never the request headers.
 */

export interface AffinityErrorInit {
  message: string;
  endpoint: string;
  method: HttpMethod;
  status?: number | undefined;
  body?: unknown;
  headers?: Headers | undefined;
  requestId?: string | undefined;
  cause?: unknown;
}

export class AffinityError extends Error {
  override name = 'AffinityError';
  /** HTTP status, absent when no answer arrived. */
  readonly status: number | undefined;
  /** Parsed response body: object, bare array, text or `null`. */
  readonly body: unknown;
  /** Response headers (never request headers, which hold the key). */
  readonly headers: Headers | undefined;
  /** Route template with method, e.g. `GET /lists/{list_id}`. */
  readonly endpoint: string;
  readonly method: HttpMethod;
  readonly requestId: string | undefined;

  constructor(init: AffinityErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.body = init.body ?? null;
    this.headers = init.headers;
    this.endpoint = init.endpoint;
    this.method = init.method;
    this.requestId = init.requestId;
  }
}

/** 401: the API key is invalid. */
export class AffinityAuthError extends AffinityError {
  override name = 'AffinityAuthError';
}

/** 403: insufficient rights to a resource. */
export class AffinityForbiddenError extends AffinityError {
  override name = 'AffinityForbiddenError';
}

/** 404: the resource does not exist. */
export class AffinityNotFoundError extends AffinityError {
  override name = 'AffinityNotFoundError';
}

/** 422 (and 400): malformed or logically impossible parameters. */
export class AffinityValidationError extends AffinityError {
  override name = 'AffinityValidationError';
  /** Messages from the body, whether it was an object, a bare array or text. */
  readonly messages: string[];
  constructor(init: AffinityErrorInit) {
    super(init);
    this.messages = extractMessages(init.body);
  }
}

/** 429: a per-minute, monthly or concurrency limit was hit (after retries, when retried). */
export class AffinityRateLimitError extends AffinityError {
  override name = 'AffinityRateLimitError';
}

/**
 * 429 whose reset lies beyond the client's longest acceptable wait: in practice the monthly
 * account quota is gone. Waiting in-process for days would hide the problem, so it fails.
 */
export class AffinityQuotaExhaustedError extends AffinityRateLimitError {
  override name = 'AffinityQuotaExhaustedError';
  /** Seconds until Affinity said the limit resets (`null` if it did not say). */
  readonly resetSeconds: number | null;
  constructor(init: AffinityErrorInit & { resetSeconds: number | null }) {
    super(init);
    this.resetSeconds = init.resetSeconds;
  }
}

/**
 * 5xx. `mayHaveLanded` is true when the request was not idempotent: Affinity may have acted
 * before failing, so check before sending it again.
 */
export class AffinityServerError extends AffinityError {
  override name = 'AffinityServerError';
  readonly mayHaveLanded: boolean;
  constructor(init: AffinityErrorInit & { mayHaveLanded: boolean }) {
    super(init);
    this.mayHaveLanded = init.mayHaveLanded;
  }
}

/**
 * No HTTP answer: network error, dropped connection or timeout. `mayHaveLanded` is false only
 * when the request provably never left (connection refused, DNS failure) or was idempotent.
 */
export class AffinityConnectionError extends AffinityError {
  override name = 'AffinityConnectionError';
  readonly mayHaveLanded: boolean;
  /** True when the client gave up waiting (`timeoutMs`). */
  readonly timedOut: boolean;
  constructor(init: AffinityErrorInit & { mayHaveLanded: boolean; timedOut: boolean }) {
    super(init);
    this.mayHaveLanded = init.mayHaveLanded;
    this.timedOut = init.timedOut;
  }
}

/**
 * Affinity cannot be reached: a short run of attempts in a row failed (no answer, or a 5xx) with
 * no success between, or its host name does not resolve. Thrown for the request that reached the
 * run and, without sending, for later ones until a probe succeeds, so a run stops at once instead
 * of retrying every request against a dead server. `since` is when the failing run began.
 */
export class AffinityUnreachableError extends AffinityConnectionError {
  override name = 'AffinityUnreachableError';
  readonly baseUrl: string;
  readonly since: Date;
  constructor(
    init: Omit<AffinityErrorInit, 'message'> & {
      baseUrl: string;
      since: Date;
      /** What the last failed attempt saw, e.g. `GET /lists: network error (ECONNREFUSED)`. */
      lastCause: string;
      mayHaveLanded: boolean;
      timedOut?: boolean;
    },
  ) {
    super({
      ...init,
      message: `Affinity unreachable at ${init.baseUrl} since ${init.since.toISOString()}: ${init.lastCause}`,
      timedOut: init.timedOut ?? false,
    });
    this.baseUrl = init.baseUrl;
    this.since = init.since;
  }
}

/**
 * A 2xx answer whose body is empty or not whole JSON (a dropped or truncated answer). For a write
 * the outcome is unknown — it may have been applied — so, like a 5xx after a write, it is settled
 * by reading back before sending it again (`mayHaveLanded`).
 */
export class AffinityUnparsableResponseError extends AffinityServerError {
  override name = 'AffinityUnparsableResponseError';
}

/** One problem found while validating a response body. */
export interface ResponseIssue {
  /** Path in the body, e.g. `list_entries[3].created_at`, or `(body)` for the root. */
  path: string;
  message: string;
}

/** A 2xx body did not match the endpoint's schema. The message names endpoint and path. */
export class AffinityResponseValidationError extends AffinityError {
  override name = 'AffinityResponseValidationError';
  readonly issues: ResponseIssue[];
  constructor(init: AffinityErrorInit & { issues: ResponseIssue[] }) {
    super(init);
    this.issues = init.issues;
  }
}

/** Pagination went wrong (the server repeated a page token): thrown instead of looping forever. */
export class AffinityPaginationError extends AffinityError {
  override name = 'AffinityPaginationError';
}

export interface ErrorFromResponseInit {
  status: number;
  /** Parsed body (see `parseErrorBody`). */
  body: unknown;
  headers?: Headers | undefined;
  endpoint: string;
  method: HttpMethod;
  /** Whether repeating the request is harmless; decides `mayHaveLanded` for 5xx. */
  idempotent?: boolean | undefined;
  /** For 429s that will not be waited for: seconds until the limit resets. */
  quotaResetSeconds?: number | null | undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The request id a gateway may have attached, for support tickets. */
export function requestIdFrom(headers: Headers | undefined): string | undefined {
  if (!headers) return undefined;
  return headers.get('x-request-id') ?? headers.get('x-amzn-requestid') ?? headers.get('cf-ray') ?? undefined;
}

/**
 * Builds the error for a non-2xx answer: the subclass follows the status (401, 403, 404, 400/422,
 * 429 — quota-exhausted when `quotaResetSeconds` is given —, 5xx). The message reads
 * `GET /persons/{person_id}: 404 Not Found: Person not found.`
 */
export function errorFromResponse(init: ErrorFromResponseInit): AffinityError {
  const { status, body, headers, endpoint, method } = init;
  const detail = extractMessages(body).join('; ');
  const head = `${endpoint}: ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
  const base: AffinityErrorInit = {
    message: detail === '' ? head : `${head}: ${detail}`,
    endpoint,
    method,
    status,
    body,
    headers,
    requestId: requestIdFrom(headers),
  };
  if (status === 401) return new AffinityAuthError(base);
  if (status === 403) return new AffinityForbiddenError(base);
  if (status === 404) return new AffinityNotFoundError(base);
  if (status === 429) {
    if (init.quotaResetSeconds !== undefined) {
      const when = init.quotaResetSeconds === null ? 'unknown' : `in ${Math.ceil(init.quotaResetSeconds)} s`;
      return new AffinityQuotaExhaustedError({
        ...base,
        message: `${base.message} (quota exhausted; resets ${when})`,
        resetSeconds: init.quotaResetSeconds,
      });
    }
    return new AffinityRateLimitError(base);
  }
  if (status >= 500) {
    const mayHaveLanded = init.idempotent === false;
    return new AffinityServerError({
      ...base,
      message: mayHaveLanded ? `${base.message} (the write may have been applied)` : base.message,
      mayHaveLanded,
    });
  }
  if (status === 400 || status === 422) return new AffinityValidationError(base);
  return new AffinityError(base);
}

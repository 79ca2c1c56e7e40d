import { inspect } from 'node:util';
import type { z } from 'zod';
import type { HttpMethod, RawRequestSpec, RequestSpec, Transport } from '../transport.js';
import { parseErrorBody, summarizeText } from './body.js';
import {
  AffinityConnectionError,
  AffinityUnparsableResponseError,
  AffinityUnreachableError,
  errorFromResponse,
} from './errors.js';
import { type ClientEvent, type ClientStats, EventHub, emptyStats } from './events.js';
import { Governor, governorFor } from './governor.js';
import { buildUrl, encodeQuery } from './query.js';
import { parseRateLimitHeaders, type RateLimitState } from './rate-limit-headers.js';
import {
  DEFAULT_RETRY_POLICY,
  type RetryInput,
  type RetryPolicy,
  rateLimitWait,
  shouldRetry,
} from './retry.js';
import { validateResponse } from './validation.js';

export interface TransportOptions {
  apiKey: string;
  /** e.g. `https://api.affinity.co` or an emulator's URL; a path prefix is kept. */
  baseUrl: string;
  /** `basic` (default): the key as password with an empty user, as the reference documents. */
  auth?: 'basic' | 'bearer';
  /** Requests per window for this key (default 900, Affinity's per-user minute limit). */
  ratePerMinute?: number;
  /** Length of the rate window in ms (default 60 000; tests use a short one). */
  rateWindowMs?: number;
  /** Requests in flight for this key (default 8). */
  maxConcurrent?: number;
  /** Per-attempt timeout in ms, until the whole body is read (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /**
   * Longest wait a 429 may impose (default 120 000 ms). A 429 whose reset is further away (the
   * monthly quota) fails with `AffinityQuotaExhaustedError` instead of sleeping for days.
   */
  maxRetryWaitMs?: number;
  fetch?: typeof fetch;
  /**
   * Retry waits go through it, so tests can record them. Governor holds use it too when `now` is
   * also given (a virtual clock); otherwise they use real timers.
   */
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic clock in ms (default `performance.now`); give it with `sleep` for virtual time. */
  now?: () => number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  onEvent?: (e: ClientEvent) => void;
  userAgent?: string;
  /**
   * Attempts in a row that got no answer or a 5xx, with no success between, after which Affinity
   * counts as unreachable (default 5): the request fails with `AffinityUnreachableError`, and so
   * do later ones, without being sent, until a probe gets an answer.
   */
  unreachableAfter?: number;
  /** While Affinity is unreachable, one request is let through this often as a probe (default 5 000 ms). */
  unreachableProbeMs?: number;
}

export interface HttpTransport extends Transport {
  /** Counters since the transport was created. */
  stats(): ClientStats;
  /** The last `X-Ratelimit-*` values seen for this key (shared by transports of the same key). */
  rateLimit(): RateLimitState;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (e: ClientEvent) => void): () => void;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Connection failures that prove the request never reached a server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The host name does not resolve: repeating the request within seconds will not change that. */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/** A 2xx body that is empty, or says or looks like JSON and does not parse: a cut-off answer. */
function unparsable(text: string, contentType: string | null): 'empty' | 'truncated' | null {
  const trimmed = text.trim();
  if (trimmed === '') return 'empty';
  const saysJson = contentType !== null && /[/+]json\b/i.test(contentType);
  if (!saysJson && !trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  try {
    JSON.parse(trimmed);
    return null;
  } catch {
    return 'truncated';
  }
}

function errorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur !== null && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const rec = cur as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof rec.code === 'string') return rec.code;
    if (Array.isArray(rec.errors)) {
      for (const inner of rec.errors) {
        const code = errorCode(inner);
        if (code) return code;
      }
    }
    cur = rec.cause;
  }
  return undefined;
}

function encodeBody(spec: RawRequestSpec): {
  body: RequestInit['body'] | undefined;
  contentType: string | undefined;
} {
  if (spec.multipart !== undefined) return { body: spec.multipart, contentType: undefined };
  if (spec.form !== undefined) {
    return { body: encodeQuery(spec.form), contentType: 'application/x-www-form-urlencoded' };
  }
  if (spec.json !== undefined) return { body: JSON.stringify(spec.json), contentType: 'application/json' };
  return { body: undefined, contentType: undefined };
}

interface Exchange {
  response: Response;
  /** Body text; `null` when the caller takes the raw body. */
  text: string | null;
}

/** The HTTP core: auth, governor, retries, body parsing, validation, counters and events. */
class AffinityHttpTransport implements HttpTransport {
  readonly #authorization: string;
  readonly #redactions: string[];
  readonly #baseUrl: string;
  readonly #authKind: 'basic' | 'bearer';
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #maxRetryWaitMs: number;
  readonly #policy: RetryPolicy;
  readonly #userAgent: string;
  readonly #governor: Governor;
  readonly #hub = new EventHub();
  readonly #stats: ClientStats = emptyStats();
  readonly #unreachableAfter: number;
  readonly #probeMs: number;
  /** Attempts in a row without an answer below 500, when the first of them failed, and what the last saw. */
  #failing: { count: number; since: Date; lastCause: string } | null = null;
  /** Set once the failing run is long enough: requests fail fast but for a probe now and then. */
  #down = false;
  #probing = false;
  #lastProbeAt = Number.NEGATIVE_INFINITY;

  constructor(options: TransportOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey === '')
      throw new TypeError('apiKey is required');
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(options.baseUrl)}`);
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw new TypeError('baseUrl must not carry credentials; pass apiKey instead');
    }
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authKind = options.auth ?? 'basic';
    const basic = Buffer.from(`:${options.apiKey}`).toString('base64');
    this.#authorization = this.#authKind === 'bearer' ? `Bearer ${options.apiKey}` : `Basic ${basic}`;
    this.#redactions = [options.apiKey, basic].filter((s) => s.length >= 4);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? (() => performance.now());
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxRetryWaitMs = options.maxRetryWaitMs ?? DEFAULT_RETRY_POLICY.maxRetryWaitMs;
    this.#policy = {
      maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
      maxRetryWaitMs: this.#maxRetryWaitMs,
      random: options.random ?? Math.random,
      now: Date.now,
    };
    this.#userAgent = options.userAgent ?? 'affinity-sync (+https://github.com/affinity-sync)';
    this.#unreachableAfter = Math.max(1, options.unreachableAfter ?? 5);
    this.#probeMs = options.unreachableProbeMs ?? 5_000;
    // The governor's clock and waits must agree: a recording `sleep` that returns at once, paired
    // with the real clock, would spin. So it takes the injected pair only when `now` is given.
    const now = options.now ?? (() => performance.now());
    const sleep = options.now ? this.#sleep : realSleep;
    this.#governor = governorFor(
      this.#baseUrl,
      options.apiKey,
      () =>
        new Governor({
          ratePerWindow: options.ratePerMinute ?? 900,
          windowMs: options.rateWindowMs ?? 60_000,
          maxConcurrent: options.maxConcurrent ?? 8,
          now,
          sleep,
        }),
    );
    if (options.onEvent) this.#hub.on(options.onEvent);
  }

  /** Sends a request and returns its body validated by `spec.schema`. */
  async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const { response, text } = await this.#exchange(spec, false);
    const contentType = response.headers.get('content-type');
    const body = parseErrorBody(text ?? '', contentType);
    const cut = unparsable(text ?? '', contentType);
    if (cut !== null && !spec.schema.safeParse(body).success) {
      const idempotent = spec.idempotent ?? spec.method !== 'POST';
      throw new AffinityUnparsableResponseError({
        message: `${spec.endpoint}: ${response.status} with ${cut === 'empty' ? 'an empty' : 'a truncated'} body${idempotent ? '' : ' (the write may have been applied)'}`,
        endpoint: spec.endpoint,
        method: spec.method,
        status: response.status,
        headers: response.headers,
        body: this.#redact(text ?? ''),
        mayHaveLanded: !idempotent,
      });
    }
    return validateResponse(spec.schema, body, {
      endpoint: spec.endpoint,
      method: spec.method,
      status: response.status,
      headers: response.headers,
    });
  }

  /** Sends a request and hands back the response unread (downloads, `redirect: 'manual'`). */
  async requestRaw(spec: RawRequestSpec): Promise<Response> {
    const { response } = await this.#exchange(spec, true);
    return response;
  }

  stats(): ClientStats {
    return structuredClone(this.#stats);
  }

  rateLimit(): RateLimitState {
    return this.#governor.rateLimit();
  }

  on(listener: (e: ClientEvent) => void): () => void {
    return this.#hub.on(listener);
  }

  toString(): string {
    return `AffinityHttpTransport(${this.#baseUrl}, auth=${this.#authKind})`;
  }

  toJSON(): { baseUrl: string; auth: string } {
    return { baseUrl: this.#baseUrl, auth: this.#authKind };
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #redact(text: string): string {
    let out = text;
    for (const secret of this.#redactions) out = out.split(secret).join('[redacted]');
    return out;
  }

  #emit(event: ClientEvent): void {
    this.#hub.emit(event);
  }

  async #exchange(spec: RawRequestSpec, raw: boolean): Promise<Exchange> {
    const { method, endpoint } = spec;
    const idempotent = spec.idempotent ?? method !== 'POST';
    const url = buildUrl(this.#baseUrl, spec.path, spec.query);
    const { body, contentType } = encodeBody(spec);
    const headers: Record<string, string> = {
      authorization: this.#authorization,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (contentType !== undefined) headers['content-type'] = contentType;

    for (let attempt = 1; ; attempt++) {
      const probe = this.#admit(endpoint, method);
      try {
        const exchanged = await this.#attempt(spec, raw, url, body, headers, idempotent, attempt, probe);
        if (exchanged !== 'retry') return exchanged;
      } finally {
        if (probe) this.#probing = false;
      }
    }
  }

  /**
   * Lets a request through unless Affinity is known to be unreachable; then only one probe at a time,
   * at most every `unreachableProbeMs`. Returns whether this attempt is such a probe.
   */
  #admit(endpoint: string, method: HttpMethod): boolean {
    if (!this.#down) return false;
    const now = this.#now();
    if (this.#probing || now - this.#lastProbeAt < this.#probeMs) {
      throw this.#unreachableError(endpoint, method, undefined, false, false);
    }
    this.#probing = true;
    this.#lastProbeAt = now;
    return true;
  }

  #unreachableError(
    endpoint: string,
    method: HttpMethod,
    cause: unknown,
    mayHaveLanded: boolean,
    timedOut: boolean,
  ): AffinityUnreachableError {
    const failing = this.#failing ?? { count: 0, since: new Date(), lastCause: 'no answer' };
    return new AffinityUnreachableError({
      endpoint,
      method,
      baseUrl: this.#baseUrl,
      since: failing.since,
      lastCause: this.#redact(failing.lastCause),
      mayHaveLanded,
      timedOut,
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  /** Counts a failed attempt; true when the run of failures makes Affinity unreachable. */
  #failed(what: string): boolean {
    this.#failing ??= { count: 0, since: new Date(), lastCause: what };
    this.#failing.count += 1;
    this.#failing.lastCause = what;
    if (this.#failing.count >= this.#unreachableAfter && !this.#down) {
      this.#down = true;
      // The next probe waits a full interval: the failing attempt was as good as one.
      this.#lastProbeAt = this.#now();
    }
    return this.#down;
  }

  #answered(): void {
    this.#failing = null;
    this.#down = false;
  }

  /** One attempt: its exchange, or `retry` after waiting, or it throws. */
  async #attempt(
    spec: RawRequestSpec,
    raw: boolean,
    url: string,
    body: RequestInit['body'] | undefined,
    headers: Record<string, string>,
    idempotent: boolean,
    attempt: number,
    probe: boolean,
  ): Promise<Exchange | 'retry'> {
    const { method, endpoint } = spec;
    const lease = await this.#governor.acquire();
    if (lease.waitedMs >= 1) {
      this.#stats.waitedMs += lease.waitedMs;
      this.#emit({ type: 'throttled', endpoint, method, delayMs: lease.waitedMs, source: 'client' });
    }
    this.#stats.requests += 1;
    this.#emit({ type: 'request', endpoint, method, attempt });
    const started = this.#now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
    let response: Response | undefined;
    let text: string | null = null;
    let failure: unknown;
    try {
      const init: RequestInit = {
        method,
        headers,
        signal: controller.signal,
        redirect: spec.redirect ?? 'follow',
      };
      if (body !== undefined) init.body = body;
      response = await this.#fetch(url, init);
      if (!raw || response.status >= 400) text = await response.text();
    } catch (err) {
      failure = err;
    } finally {
      clearTimeout(timer);
      lease.release();
    }

    let input: RetryInput;
    if (failure !== undefined || response === undefined) {
      this.#stats.networkErrors += 1;
      const code = errorCode(failure);
      const kind = timedOut
        ? 'timeout'
        : code !== undefined && NOT_SENT_CODES.has(code)
          ? 'not-sent'
          : 'network';
      const mayHaveLanded = kind !== 'not-sent' && !idempotent;
      const what = timedOut
        ? `timed out after ${this.#timeoutMs} ms`
        : `network error${code ? ` (${code})` : ''}`;
      this.#emit({
        type: 'no-response',
        endpoint,
        method,
        error: what,
        durationMs: this.#now() - started,
        attempt,
      });
      if (code !== undefined && DNS_CODES.has(code)) {
        const what = `cannot resolve host ${new URL(url).hostname} (${code})`;
        this.#failing = { count: this.#unreachableAfter - 1, since: new Date(), lastCause: what };
        this.#failed(what);
        throw this.#unreachableError(endpoint, method, failure, false, false);
      }
      if (this.#failed(`${endpoint}: ${what}`) || probe) {
        throw this.#unreachableError(endpoint, method, failure, mayHaveLanded, timedOut);
      }
      input = { error: kind, idempotent };
      const decision = shouldRetry(input, attempt, this.#policy);
      if (decision.retry) {
        await this.#retryWait(endpoint, method, attempt, decision.delayMs, decision.reason, false);
        return 'retry';
      }
      throw new AffinityConnectionError({
        message: this.#redact(
          `${endpoint}: ${what}${attempt > 1 ? ` after ${attempt} attempts` : ''}${mayHaveLanded ? ' (the write may have been applied)' : ''}`,
        ),
        endpoint,
        method,
        cause: failure,
        mayHaveLanded,
        timedOut,
      });
    }

    const status = response.status;
    this.#governor.observe(parseRateLimitHeaders(response.headers), lease);
    this.#stats.responsesByStatus[String(status)] = (this.#stats.responsesByStatus[String(status)] ?? 0) + 1;
    if (status === 429) this.#stats.throttled += 1;
    this.#emit({ type: 'response', endpoint, method, status, durationMs: this.#now() - started, attempt });
    if (status < 500) this.#answered();
    if (status < 400) return { response, text };

    if (status >= 500) {
      const what = `${endpoint}: ${status}${text ? ` ${summarizeText(this.#redact(text), 80)}` : ''}`;
      if (this.#failed(what) || probe) {
        throw this.#unreachableError(endpoint, method, undefined, !idempotent, false);
      }
    }
    input = { status, headers: response.headers, idempotent };
    const decision = shouldRetry(input, attempt, this.#policy);
    if (decision.retry) {
      await this.#retryWait(endpoint, method, attempt, decision.delayMs, decision.reason, status === 429);
      return 'retry';
    }
    let quotaResetSeconds: number | null | undefined;
    if (status === 429) {
      const wait = rateLimitWait(response.headers, Date.now());
      if (wait !== null && wait.waitMs > this.#maxRetryWaitMs) quotaResetSeconds = wait.waitMs / 1000;
    }
    throw errorFromResponse({
      status,
      body: parseErrorBody(this.#redact(text ?? ''), response.headers.get('content-type')),
      headers: response.headers,
      endpoint,
      method,
      idempotent,
      quotaResetSeconds,
    });
  }

  async #retryWait(
    endpoint: string,
    method: HttpMethod,
    attempt: number,
    delayMs: number,
    reason: string,
    serverThrottled: boolean,
  ): Promise<void> {
    this.#stats.retries += 1;
    this.#stats.waitedMs += delayMs;
    if (serverThrottled) {
      // Other requests of this key should not run into the same wall meanwhile.
      this.#governor.pauseFor(delayMs);
      this.#emit({ type: 'throttled', endpoint, method, delayMs, source: 'server' });
    }
    this.#emit({ type: 'retry', endpoint, method, attempt, delayMs, reason });
    await this.#sleep(delayMs);
  }
}

/**
 * Creates the transport the resource methods run on. Transports of the same base URL and API key
 * share one rate-limit governor, so several clients of one key never exceed its budget together.
 */
export function createTransport(options: TransportOptions): HttpTransport {
  return new AffinityHttpTransport(options);
}

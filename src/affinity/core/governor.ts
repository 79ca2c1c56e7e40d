import { createHash } from 'node:crypto';
import { emptyRateLimitState, type RateLimitState } from './rate-limit-headers.js';

/**
 * The client-side rate-limit governor of one API key.
 *
 * Budget: at most `ratePerWindow` requests in any sliding window of `windowMs`, and at most
 * `maxConcurrent` in flight. A slot is held from the moment a request is sent until its answer
 * (or failure) arrives, and is returned only `windowMs` after that. Hence the guarantee, which
 * holds whatever the network latency: a request reaches the server between its send and its
 * completion, so for any `ratePerWindow + 1` requests arriving within `windowMs` of each other,
 * the earliest one would still have held its slot when the last was sent — which the governor
 * refuses. (A token bucket refilled at a steady rate allows twice its size in one window.)
 *
 * It also adapts to what Affinity reports: when `X-Ratelimit-Limit-User-Remaining` is lower than
 * the local budget, the server's number wins until its reset; at 0 nothing is sent before it.
 */
export interface GovernorOptions {
  ratePerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  /** Monotonic clock in ms. */
  now: () => number;
  /** Waits; tests pass a virtual clock's sleep together with its `now`. */
  sleep: (ms: number) => Promise<void>;
}

/** A granted slot. `release` must be called exactly once when the attempt is over. */
export interface Lease {
  /** How long the request waited for the slot, in ms. */
  waitedMs: number;
  /** Order of the grant, used to tell which server observations are newer. */
  readonly seq: number;
  release(): void;
}

interface Waiter {
  enqueuedAt: number;
  resolve: (lease: Lease) => void;
}

/** Why the governor is holding requests back right now (for diagnostics). */
export type HoldReason = 'rate' | 'concurrency' | 'server-remaining' | 'server-paused' | null;

export class Governor {
  readonly ratePerWindow: number;
  readonly windowMs: number;
  readonly maxConcurrent: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Completion times of finished requests still inside the window, oldest first. */
  readonly #completions: number[] = [];
  readonly #inFlight = new Set<number>();
  readonly #queue: Waiter[] = [];
  #seq = 0;
  #armedUntil = Number.POSITIVE_INFINITY;
  #armed = false;
  /** Requests the server still allows until `until` (from the latest observation). */
  #server: { remaining: number; until: number } | null = null;
  #pausedUntil = 0;
  #lastObservedSeq = -1;
  #rateLimit: RateLimitState = emptyRateLimitState();

  constructor(options: GovernorOptions) {
    if (!(options.ratePerWindow >= 1) || !(options.windowMs > 0) || !(options.maxConcurrent >= 1)) {
      throw new RangeError('governor needs ratePerWindow >= 1, windowMs > 0 and maxConcurrent >= 1');
    }
    this.ratePerWindow = Math.floor(options.ratePerWindow);
    this.windowMs = options.windowMs;
    this.maxConcurrent = Math.floor(options.maxConcurrent);
    this.#now = options.now;
    this.#sleep = options.sleep;
  }

  /** Waits for a slot (FIFO) and returns it. */
  acquire(): Promise<Lease> {
    return new Promise<Lease>((resolve) => {
      this.#queue.push({ enqueuedAt: this.#now(), resolve });
      this.#pump();
    });
  }

  /**
   * Feeds what a response said about the server's budget. `lease` is the slot of the request that
   * got the response: observations older than one already applied are ignored, and requests sent
   * after it (which the server may not have counted yet) are subtracted from its `remaining`.
   */
  observe(state: Partial<RateLimitState>, lease: Pick<Lease, 'seq'>, wallClock: Date = new Date()): void {
    if (state.user === undefined && state.org === undefined) return;
    if (lease.seq < this.#lastObservedSeq) return;
    this.#lastObservedSeq = lease.seq;
    this.#rateLimit = {
      user: state.user ?? this.#rateLimit.user,
      org: state.org ?? this.#rateLimit.org,
      observedAt: wallClock.toISOString(),
    };
    const remaining = state.user?.remaining;
    if (remaining !== null && remaining !== undefined) {
      let sentAfter = 0;
      for (const seq of this.#inFlight) if (seq > lease.seq) sentAfter++;
      const resetMs = (state.user?.resetSeconds ?? this.windowMs / 1000) * 1000;
      this.#server = { remaining: remaining - sentAfter, until: this.#now() + resetMs };
    }
    this.#pump();
  }

  /** Holds every request until `ms` from now (used when Affinity answers 429). */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  /** The last `X-Ratelimit-*` values seen for this key. */
  rateLimit(): RateLimitState {
    return structuredClone(this.#rateLimit);
  }

  /** Requests currently in flight and waiting. */
  load(): { inFlight: number; queued: number } {
    return { inFlight: this.#inFlight.size, queued: this.#queue.length };
  }

  /** ms until the next request may start; `Infinity` when only a release can free a slot. */
  #delay(now: number): { ms: number; reason: HoldReason } {
    if (this.#inFlight.size >= this.maxConcurrent)
      return { ms: Number.POSITIVE_INFINITY, reason: 'concurrency' };
    if (this.#pausedUntil > now) return { ms: this.#pausedUntil - now, reason: 'server-paused' };
    if (this.#server !== null) {
      if (this.#server.until <= now) this.#server = null;
      else if (this.#server.remaining <= 0)
        return { ms: this.#server.until - now, reason: 'server-remaining' };
    }
    const horizon = now - this.windowMs;
    while (this.#completions.length > 0 && (this.#completions[0] as number) <= horizon)
      this.#completions.shift();
    const used = this.#inFlight.size + this.#completions.length;
    if (used < this.ratePerWindow) return { ms: 0, reason: null };
    // The (used - rate + 1)-th oldest completion must leave the window first.
    const index = used - this.ratePerWindow;
    const t = this.#completions[index];
    if (t === undefined) return { ms: Number.POSITIVE_INFINITY, reason: 'rate' };
    return { ms: t + this.windowMs - now, reason: 'rate' };
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const now = this.#now();
      const { ms } = this.#delay(now);
      if (ms === Number.POSITIVE_INFINITY) return; // a release will pump again
      if (ms > 0) {
        this.#arm(ms, now);
        return;
      }
      const waiter = this.#queue.shift() as Waiter;
      this.#grant(waiter, now);
    }
  }

  #grant(waiter: Waiter, now: number): void {
    const seq = ++this.#seq;
    this.#inFlight.add(seq);
    if (this.#server !== null) this.#server.remaining -= 1;
    let released = false;
    waiter.resolve({
      seq,
      waitedMs: Math.max(0, now - waiter.enqueuedAt),
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight.delete(seq);
        // Completion times only grow, so appending keeps the list sorted.
        this.#completions.push(this.#now());
        this.#pump();
      },
    });
  }

  #arm(ms: number, now: number): void {
    const until = now + ms;
    // One timer is enough unless the new deadline is earlier than the armed one.
    if (this.#armed && until >= this.#armedUntil) return;
    this.#armed = true;
    this.#armedUntil = until;
    void this.#sleep(Math.max(1, Math.ceil(ms))).then(() => {
      if (this.#armedUntil === until) {
        this.#armed = false;
        this.#armedUntil = Number.POSITIVE_INFINITY;
      }
      this.#pump();
    });
  }
}

const registry = new Map<string, Governor>();

/** Registry key of one API key at one base URL: a hash, so the key itself is never stored. */
export function governorKey(baseUrl: string, apiKey: string): string {
  return createHash('sha256').update(baseUrl.replace(/\/+$/, '')).update('\0').update(apiKey).digest('hex');
}

/**
 * The governor shared by every transport of the same base URL and API key (one budget per key,
 * as Affinity counts it). The first caller's limits define it; later callers share it as is.
 */
export function governorFor(baseUrl: string, apiKey: string, create: () => Governor): Governor {
  const key = governorKey(baseUrl, apiKey);
  let governor = registry.get(key);
  if (!governor) {
    governor = create();
    registry.set(key, governor);
  }
  return governor;
}

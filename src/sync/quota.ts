import { and, eq, isNull, lte, or } from 'drizzle-orm';
import type { HttpTransport } from '../affinity/index.js';
import type { Store } from '../store/index.js';
import { syncConnections } from '../store/index.js';

/**
 * The account's monthly quota as Affinity reports it on every answer (`X-Ratelimit-Limit-Org`,
 * `-Remaining`, `-Reset`), kept on the connection so the usage page and the automation budget know
 * what is left. Every client of a connection is tracked (runs, plans, reads of the workspace);
 * writes are throttled — the first answer is written at once, later ones at most every
 * {@link QUOTA_WRITE_INTERVAL_MS}, and {@link flushQuota} writes the latest at a run's end.
 */

/** How often a busy client writes the quota it saw (default 5 s). */
export const QUOTA_WRITE_INTERVAL_MS = 5_000;

/** What is written: an unlimited plan stores a null limit and remaining with `quota_seen_at` set. */
export interface QuotaSnapshot {
  limit: number | null;
  remaining: number | null;
  resetAt: string | null;
  seenAt: string;
}

/** The transport's latest org quota, or null before any answer carried it. */
export function quotaOf(transport: Pick<HttpTransport, 'rateLimit'>): QuotaSnapshot | null {
  const state = transport.rateLimit();
  const { org, observedAt } = state;
  if (observedAt === null || (org.limit === null && org.remaining === null && org.resetSeconds === null))
    return null;
  const seen = new Date(observedAt);
  return {
    limit: typeof org.limit === 'number' ? org.limit : null,
    remaining: typeof org.remaining === 'number' ? org.remaining : null,
    resetAt:
      org.resetSeconds === null
        ? null
        : // Whole seconds: the header counts seconds, so the reset is no more precise than that.
          new Date(Math.round(seen.getTime() / 1000 + org.resetSeconds) * 1000).toISOString(),
    seenAt: seen.toISOString(),
  };
}

/**
 * Writes a quota snapshot unless the connection already holds a newer one (another process may
 * have seen a later answer).
 */
export async function recordQuota(store: Store, connectionId: number, q: QuotaSnapshot): Promise<void> {
  await store.db
    .update(syncConnections)
    .set({ quotaLimit: q.limit, quotaRemaining: q.remaining, quotaResetAt: q.resetAt, quotaSeenAt: q.seenAt })
    .where(
      and(
        eq(syncConnections.id, connectionId),
        or(isNull(syncConnections.quotaSeenAt), lte(syncConnections.quotaSeenAt, q.seenAt)),
      ),
    );
}

class QuotaTracker {
  #lastWrite = 0;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly connectionId: number,
    private readonly transport: HttpTransport,
    private readonly intervalMs: number,
  ) {}

  seen(): void {
    this.#dirty = true;
    if (this.#timer) return;
    const wait = this.#lastWrite + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.#write();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, wait);
    this.#timer.unref();
  }

  #write(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#lastWrite = Date.now();
    const q = quotaOf(this.transport);
    if (!q) return;
    // Best effort: a failed write (the store closing under a finished command) must never fail a run.
    this.#pending = this.#pending.then(() => recordQuota(this.store, this.connectionId, q)).catch(() => {});
  }

  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#write();
    await this.#pending;
  }
}

const trackers = new WeakMap<HttpTransport, QuotaTracker>();

/** Keeps the connection's quota up to date from every answer `transport` gets. */
export function trackQuota(
  store: Store,
  connectionId: number,
  transport: HttpTransport,
  intervalMs = QUOTA_WRITE_INTERVAL_MS,
): void {
  if (trackers.has(transport)) return;
  const tracker = new QuotaTracker(store, connectionId, transport, intervalMs);
  trackers.set(transport, tracker);
  transport.on((e) => {
    if (e.type === 'response') tracker.seen();
  });
}

/** Writes the latest quota `transport` saw now (a run's end) and waits for it. */
export async function flushQuota(transport: HttpTransport): Promise<void> {
  await trackers.get(transport)?.flush();
}

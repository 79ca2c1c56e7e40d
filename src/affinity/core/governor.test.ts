import { describe, expect, it } from 'vitest';
import { Governor, governorKey, type Lease } from './governor.js';
import { virtualClock } from './test-server.js';

function governor(rate: number, windowMs: number, maxConcurrent: number) {
  const clock = virtualClock();
  return {
    clock,
    g: new Governor({ ratePerWindow: rate, windowMs, maxConcurrent, now: clock.now, sleep: clock.sleep }),
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const serverSays = (remaining: number, resetSeconds: number) => ({
  user: { limit: 900, remaining, resetSeconds },
});

describe('Governor', () => {
  it('never grants more than its rate in any window, even with instant requests', async () => {
    const { g, clock } = governor(5, 1000, 100);
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 23 }, async () => {
        const lease = await g.acquire();
        grants.push(clock.now());
        lease.release();
      }),
    );
    expect(grants).toHaveLength(23);
    for (const t of grants)
      expect(grants.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
    // And it does not hold back more than needed: five per window.
    expect(grants.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(grants.slice(5, 10)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('returns a slot one window after the request completed, not after it started', async () => {
    const { g, clock } = governor(1, 1000, 10);
    const first = await g.acquire();
    await clock.sleep(300); // the request takes 300 ms
    first.release();
    const second = await g.acquire();
    expect(clock.now()).toBe(1300);
    expect(second.waitedMs).toBe(1000);
  });

  it('caps requests in flight', async () => {
    const { g } = governor(100, 1000, 2);
    const a = await g.acquire();
    await g.acquire();
    let third: Lease | undefined;
    void g.acquire().then((l) => {
      third = l;
    });
    await settle();
    expect(third).toBeUndefined();
    expect(g.load()).toEqual({ inFlight: 2, queued: 1 });
    a.release();
    await settle();
    expect(third).toBeDefined();
  });

  it('uses the server remaining count when it is lower, until its reset', async () => {
    const { g, clock } = governor(100, 60_000, 10);
    const lease = await g.acquire();
    lease.release();
    g.observe(serverSays(2, 30), lease);
    await g.acquire().then((l) => l.release());
    await g.acquire().then((l) => l.release());
    expect(clock.now()).toBe(0);
    const third = await g.acquire();
    expect(clock.now()).toBe(30_000);
    expect(third.waitedMs).toBe(30_000);
  });

  it('waits for the reset when the server says nothing remains', async () => {
    const { g, clock } = governor(900, 60_000, 8);
    const lease = await g.acquire();
    lease.release();
    g.observe(serverSays(0, 12), lease);
    await g.acquire();
    expect(clock.now()).toBe(12_000);
    expect(g.rateLimit().user).toEqual({ limit: 900, remaining: 0, resetSeconds: 12 });
  });

  it('counts requests sent after the observed one against the server remaining', async () => {
    const { g, clock } = governor(100, 60_000, 10);
    const first = await g.acquire();
    await g.acquire();
    await g.acquire();
    g.observe(serverSays(2, 5), first); // two later requests are still in flight
    first.release();
    await g.acquire();
    expect(clock.now()).toBe(5_000);
  });

  it('ignores observations older than one already applied', async () => {
    const { g, clock } = governor(100, 60_000, 10);
    const older = await g.acquire();
    const newer = await g.acquire();
    g.observe(serverSays(0, 9), newer);
    g.observe(serverSays(50, 9), older);
    older.release();
    newer.release();
    expect(g.rateLimit().user.remaining).toBe(0);
    await g.acquire();
    expect(clock.now()).toBe(9_000);
  });

  it('keeps the last org values, including "unlimited"', async () => {
    const { g } = governor(10, 1000, 1);
    const lease = await g.acquire();
    g.observe({ org: { limit: 'unlimited', remaining: 'unlimited', resetSeconds: 100 } }, lease);
    expect(g.rateLimit().org).toEqual({ limit: 'unlimited', remaining: 'unlimited', resetSeconds: 100 });
    expect(g.rateLimit().observedAt).not.toBeNull();
  });

  it('pauses everyone when asked', async () => {
    const { g, clock } = governor(10, 1000, 5);
    g.pauseFor(4_000);
    await g.acquire();
    expect(clock.now()).toBe(4_000);
  });

  it('rejects nonsensical limits', () => {
    const clock = virtualClock();
    expect(() => new Governor({ ratePerWindow: 0, windowMs: 1, maxConcurrent: 1, ...clock })).toThrow(
      RangeError,
    );
  });
});

describe('governorKey', () => {
  it('is a hash that does not contain the key and ignores a trailing slash', () => {
    const key = governorKey('https://api.affinity.co/', 'secret-key-123');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('secret');
    expect(governorKey('https://api.affinity.co', 'secret-key-123')).toBe(key);
    expect(governorKey('https://api.affinity.co', 'other-key')).not.toBe(key);
  });
});

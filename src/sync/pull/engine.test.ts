import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { gathered, prefetch, WalkHalted } from './engine.js';

/** Pages of `size` numbered items, `count` of them, each after `delayMs`; `log` records what happened. */
async function* pagesOf(count: number, size: number, delayMs: number, log: string[]) {
  try {
    for (let p = 0; p < count; p++) {
      if (delayMs > 0) await sleep(delayMs);
      log.push(`fetched ${p}`);
      yield { page: p, items: Array.from({ length: size }, (_, k) => p * size + k) };
    }
  } finally {
    log.push('source closed');
  }
}

describe('a list walk, fetched ahead and written in groups', () => {
  it('writes the pages waiting behind one together, up to the most entries, in order', async () => {
    const log: string[] = [];
    const ahead = { count: 0 };
    const walk = gathered(prefetch(pagesOf(5, 500, 0, log), 16, ahead), ahead, 1000);
    const groups: number[][] = [];
    for await (const group of walk) {
      groups.push(group.map((p) => p.page));
      // The database is slow: every other page is fetched meanwhile.
      await sleep(20);
    }
    // Two 500-entry pages make the most: five waiting pages go in three statements, in order.
    expect(groups.flat()).toEqual([0, 1, 2, 3, 4]);
    expect(groups.map((g) => g.length)).toEqual([2, 2, 1]);
    expect(log.at(-1)).toBe('source closed');
  });

  it('takes pages one at a time when the walk waits for each', async () => {
    const ahead = { count: 0 };
    const groups: number[][] = [];
    for await (const group of gathered(prefetch(pagesOf(4, 500, 15, []), 16, ahead), ahead, 1000))
      groups.push(group.map((p) => p.page));
    expect(groups).toEqual([[0], [1], [2], [3]]);
  });

  it('never takes more than the most entries, however many pages wait', async () => {
    const ahead = { count: 0 };
    const sizes: number[] = [];
    for await (const group of gathered(prefetch(pagesOf(9, 300, 0, []), 16, ahead), ahead, 1000)) {
      sizes.push(group.reduce((n, p) => n + p.items.length, 0));
      await sleep(20);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2700);
    // A group stops at the first page that reaches the most: 300 + 300 + 300 + 300 at worst.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1200);
    expect(sizes.some((n) => n > 300)).toBe(true);
  });

  it('stops fetching when the writer stops, and passes a failed fetch on where it is reached', async () => {
    const log: string[] = [];
    const ahead = { count: 0 };
    for await (const group of gathered(prefetch(pagesOf(50, 10, 1, log), 4, ahead), ahead, 1000)) {
      if (group.some((p) => p.page >= 2)) break;
    }
    expect(log.at(-1)).toBe('source closed');
    expect(log.filter((l) => l.startsWith('fetched')).length).toBeLessThan(50);

    async function* failing() {
      yield { items: [1] };
      throw new Error('503 from Affinity');
    }
    const seen: number[] = [];
    const run = async () => {
      const a = { count: 0 };
      for await (const group of gathered(prefetch(failing(), 16, a), a, 1000))
        for (const p of group) seen.push(...p.items);
    };
    await expect(run()).rejects.toThrow('503 from Affinity');
    expect(seen).toEqual([1]);
  });
  it('asks for no new page once halted: the pages fetched are delivered, then the walk ends incomplete', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const seen: number[] = [];
    const walk = async () => {
      for await (const page of prefetch(pagesOf(50, 10, 1, log), 4, { count: 0 }, controller.signal)) {
        seen.push(page.page);
        if (page.page === 2) controller.abort();
        await sleep(5);
      }
    };
    await expect(walk()).rejects.toBeInstanceOf(WalkHalted);
    const fetched = log.filter((l) => l.startsWith('fetched')).length;
    // Every page fetched reached the writer, in order; the walk stopped far from the end.
    expect(seen).toEqual(Array.from({ length: fetched }, (_, k) => k));
    expect(fetched).toBeLessThan(10);
    expect(log.at(-1)).toBe('source closed');
  });
});

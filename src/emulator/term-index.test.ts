import { describe, expect, it } from 'vitest';
import { domainTokens, emailTokens, nameTokens, TermIndex } from './term-index.js';

describe('TermIndex', () => {
  const idx = new TermIndex();
  idx.add(1, [...nameTokens('Acme Corporation'), ...domainTokens('acme.co')]);
  idx.add(2, [...nameTokens('Brand Affinity Technologies'), ...domainTokens('brandaffinity.net')]);
  idx.add(3, [...nameTokens('John', "O'Doe"), ...emailTokens('jdoe@alumni.stanford.edu')]);

  it('matches every word of the term as a prefix of some token, case-insensitively', () => {
    expect(idx.search('ACME')).toEqual([1]);
    expect(idx.search('acme corp')).toEqual([1]);
    expect(idx.search('acme tech')).toEqual([]);
    expect(idx.search('affinity')).toEqual([2]);
    expect(idx.search('brandaff')).toEqual([2]);
    expect(idx.search('doe')).toEqual([3]);
    expect(idx.search('jdoe@alu')).toEqual([3]);
    expect(idx.search('stanford')).toEqual([3]);
    expect(idx.search('orporation')).toEqual([]);
  });

  it('answers null (everything) for an empty term and forgets removed ids', () => {
    expect(idx.search('   ')).toBeNull();
    const local = new TermIndex();
    local.add(5, ['shared', 'five']);
    local.add(6, ['shared']);
    expect(local.search('sha')).toEqual([5, 6]);
    local.remove(5, ['shared', 'five']);
    expect(local.search('sha')).toEqual([6]);
    expect(local.search('five')).toEqual([]);
  });
});

describe('TermIndex at volume', () => {
  it('finds tokens whether they are still pending or merged, and after removals', () => {
    const idx = new TermIndex();
    for (let i = 0; i < 5000; i++) idx.add(i, [`tok${i}`, 'common']);
    expect(idx.search('tok4999')).toEqual([4999]);
    idx.add(9999, ['zzlate']);
    expect(idx.search('zzl')).toEqual([9999]);
    idx.remove(4999, ['tok4999', 'common']);
    expect(idx.search('tok4999')).toEqual([]);
    expect(idx.search('tok499')).toHaveLength(10);
    expect(idx.search('common')).toHaveLength(4999);
  });
});

describe('TermIndex against a brute-force model', () => {
  it('answers what a linear scan answers through interleaved adds, removes and searches', () => {
    // A small deterministic generator: the same sequence on every run.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const vocabulary = ['al', 'alp', 'alpha', 'alpine', 'b', 'beta', 'bet', 'zz', 'zeta', 'é', 'éco'];
    // Merges often and caches small results, so sorted and pending tokens and cached matches all
    // see every case.
    const idx = new TermIndex({ maxPending: 8, cacheMinIds: 3 });
    const model = new Map<number, string[]>();
    for (let step = 0; step < 20000; step++) {
      const op = rand(10);
      if (op < 5) {
        const id = rand(300);
        const tokens = Array.from(
          { length: 1 + rand(3) },
          () => `${vocabulary[rand(vocabulary.length)]}${rand(400)}`,
        );
        const before = model.get(id) ?? [];
        idx.add(id, tokens);
        model.set(id, [...new Set([...before, ...tokens])]);
      } else if (op < 8) {
        const id = rand(300);
        const tokens = model.get(id);
        if (!tokens) continue;
        idx.remove(id, tokens);
        model.delete(id);
      } else {
        const words = Array.from({ length: 1 + rand(2) }, () => {
          const w = `${vocabulary[rand(vocabulary.length)]}${rand(3) === 0 ? rand(400) : ''}`;
          return w.slice(0, 1 + rand(w.length));
        });
        const expected = [...model.entries()]
          .filter(([, tokens]) => words.every((w) => tokens.some((t) => t.startsWith(w))))
          .map(([id]) => id)
          .sort((a, b) => a - b);
        expect(idx.search(words.join(' ').toUpperCase())).toEqual(expected);
      }
    }
  });
});

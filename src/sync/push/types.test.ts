import { describe, expect, it } from 'vitest';
import { estimateOf } from './types.js';

describe('plan estimate', () => {
  it('states calls and time at the rate, in words', () => {
    expect(estimateOf(56_232, 900)).toEqual({
      calls: 56_232,
      ratePerMinute: 900,
      seconds: 3749,
      text: '56,232 calls ≈ 62 min at 900/min',
    });
    expect(estimateOf(1, 900).text).toBe('1 call ≈ 1 s at 900/min');
    expect(estimateOf(0, 900).text).toBe('0 calls');
    expect(estimateOf(200_000, 900).text).toBe('200,000 calls ≈ 3 h 42 min at 900/min');
  });
});

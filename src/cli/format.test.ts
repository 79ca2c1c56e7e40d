import { describe, expect, it } from 'vitest';
import { article, plural } from './format.js';

describe('plural and article', () => {
  it('uses the singular for exactly one and the plural otherwise', () => {
    expect(plural(1, 'record')).toBe('1 record');
    expect(plural(0, 'record')).toBe('0 records');
    expect(plural(2, 'read')).toBe('2 reads');
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(3, 'person')).toBe('3 people');
    expect(plural(2, 'company')).toBe('2 companies');
    expect(plural(2, 'match')).toBe('2 matches');
    expect(plural(56_232, 'call')).toBe('56,232 calls');
    expect(plural(2, 'datum', 'data')).toBe('2 data');
  });

  it('picks a or an by sound', () => {
    expect(article('organization')).toBe('an organization');
    expect(article('investor')).toBe('an investor');
    expect(article('person')).toBe('a person');
    expect(article('opportunity')).toBe('an opportunity');
    expect(article('unit')).toBe('a unit');
    expect(article('unmatched record')).toBe('an unmatched record');
  });
});

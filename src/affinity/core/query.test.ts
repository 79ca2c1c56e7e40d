import { describe, expect, it } from 'vitest';
import { buildUrl, encodeQuery } from './query.js';

describe('encodeQuery', () => {
  it('drops null and undefined, writes booleans and numbers as text', () => {
    expect(
      encodeQuery({ term: 'doe', page_size: 500, with_interaction_dates: true, x: null, y: undefined }),
    ).toBe('term=doe&page_size=500&with_interaction_dates=true');
    expect(encodeQuery({ with_opportunities: false })).toBe('with_opportunities=false');
  });

  it('repeats arrays Rails-style as the reference does, without doubling an existing []', () => {
    expect(decodeURIComponent(encodeQuery({ person_ids: [38706, 624289] }))).toBe(
      'person_ids[]=38706&person_ids[]=624289',
    );
    expect(decodeURIComponent(encodeQuery({ 'ids[]': ['1', '2'] }))).toBe('ids[]=1&ids[]=2');
    expect(encodeQuery({ ids: [] })).toBe('');
  });

  it('escapes reserved characters', () => {
    expect(encodeQuery({ term: 'a&b=c d', page_token: 'eyJ+/=' })).toBe(
      'term=a%26b%3Dc+d&page_token=eyJ%2B%2F%3D',
    );
    expect(encodeQuery(undefined)).toBe('');
  });
});

describe('buildUrl', () => {
  it('keeps a base path prefix and handles trailing slashes', () => {
    expect(buildUrl('https://api.affinity.co/', '/lists/12/list-entries', { page_size: 10 })).toBe(
      'https://api.affinity.co/lists/12/list-entries?page_size=10',
    );
    expect(buildUrl('http://127.0.0.1:9/affinity', 'persons')).toBe('http://127.0.0.1:9/affinity/persons');
  });
});

import { describe, expect, it } from 'vitest';
import type { Field } from '../affinity/index.js';
import { checkMapping, convertValue, type ResolvedMapping, valueKey } from './mapping.js';

const field = (over: Partial<Field>): Field => ({
  id: 1,
  name: 'F',
  value_type: 6,
  allows_multiple: false,
  list_id: null,
  ...over,
});

describe('field mapping', () => {
  it('accepts fitting types and refuses others naming the field and both types', () => {
    expect(checkMapping('company', 'website', field({ name: 'Website' })).code).toBe('ok');
    expect(checkMapping('company', 'total_funding_usd', field({ value_type: 3 })).code).toBe('ok');
    expect(checkMapping('company', 'stage', field({ value_type: 7 })).code).toBe('ok');
    expect(checkMapping('person', 'company', field({ value_type: 1 })).code).toBe('ok');
    const bad = checkMapping('company', 'last_funding_date', field({ name: 'Notes', value_type: 6 }));
    expect(bad).toEqual({
      code: 'type-mismatch',
      message: expect.stringMatching(
        /last_funding_date \(date\) to field "Notes" \(text\): a date needs a date field/,
      ),
    });
    // English articles: "an organization", never "a organization".
    expect(checkMapping('person', 'company', field({ name: 'Notes', value_type: 6 }))).toMatchObject({
      message: expect.stringMatching(/: an organization needs an organization field$/),
    });
    expect(checkMapping('company', 'industries', field({ value_type: 2 })).code).toBe('multiplicity');
    expect(checkMapping('company', 'nope', field({})).code).toBe('unknown-source');
  });

  it('converts values to what the field accepts and skips what it would reject', () => {
    const stage: ResolvedMapping = {
      source: 'stage',
      sourceType: 'status',
      fieldId: 5,
      fieldName: 'Stage',
      valueType: 7,
      allowsMultiple: false,
      listId: null,
      options: [
        { id: 50, text: 'Seed' },
        { id: 51, text: 'Series A' },
      ],
    };
    expect(convertValue(stage, 'series a')).toEqual({ values: [51], skipped: [] });
    expect(convertValue(stage, 'Series Z').skipped[0]).toMatch(/not an option of "Stage"/);
    const tags: ResolvedMapping = {
      ...stage,
      source: 'tags',
      sourceType: 'tags',
      valueType: 2,
      allowsMultiple: true,
    };
    expect(convertValue(tags, ['ai', 'ai', 'b2b']).values).toEqual(['ai', 'b2b']);
    const org: ResolvedMapping = { ...stage, source: 'company', sourceType: 'organization', valueType: 1 };
    expect(convertValue(org, 'acme.com', (d) => (d === 'acme.com' ? 9 : null)).values).toEqual([9]);
    expect(convertValue(org, 'other.com', () => null).skipped[0]).toMatch(/not known in Affinity/);
  });

  it('compares what we write with what Affinity answers', () => {
    expect(valueKey(4, '2025-03-14')).toBe(valueKey(4, '2025-03-14T00:00:00.000-07:00'));
    expect(valueKey(7, 51)).toBe(valueKey(7, { id: 51, text: 'Series A', rank: 1, color: 0 }));
    expect(valueKey(5, { city: 'Paris', state: null, country: 'France' })).toBe(
      valueKey(5, {
        street_address: null,
        city: 'Paris',
        state: null,
        country: 'France',
        continent: 'Europe',
      }),
    );
    expect(valueKey(3, 2_500_000)).toBe('2500000');
  });
});

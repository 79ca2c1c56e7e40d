import { describe, expect, it } from 'vitest';
import {
  normaliseDomain,
  normaliseEmail,
  normaliseLinkedinUrl,
  parseDate,
  parseMoney,
  personKey,
  splitList,
} from './normalize.js';

describe('natural keys', () => {
  it('reduces a company reference to its registrable domain, public-suffix aware', () => {
    expect(normaliseDomain('https://www.Acme.co.uk/about')).toBe('acme.co.uk');
    expect(normaliseDomain('app.acme.com')).toBe('acme.com');
    expect(normaliseDomain('WWW.ACME.COM')).toBe('acme.com');
    expect(normaliseDomain('jane@acme.io')).toBe('acme.io');
    expect(normaliseDomain('foo.github.io')).toBe('foo.github.io');
    for (const bad of ['', 'acme', 'localhost', '10.0.0.1', 'acme.notatld'])
      expect(normaliseDomain(bad)).toBeNull();
  });

  it('lowercases emails and rejects what is not one', () => {
    expect(normaliseEmail(' Jane.Doe@Acme.COM ')).toBe('jane.doe@acme.com');
    for (const bad of ['jane', 'jane@', '@acme.com', 'a@b@acme.com', 'jane doe@acme.com', 'jane@acme']) {
      expect(normaliseEmail(bad)).toBeNull();
    }
  });

  it('gives LinkedIn URLs one canonical form', () => {
    const canonical = 'https://www.linkedin.com/in/jane-doe';
    for (const v of ['linkedin.com/in/Jane-Doe/', 'http://uk.linkedin.com/in/jane-doe?trk=x', canonical]) {
      expect(normaliseLinkedinUrl(v)).toBe(canonical);
    }
    expect(normaliseLinkedinUrl('https://example.com/in/jane')).toBeNull();
    expect(normaliseLinkedinUrl('https://www.linkedin.com/feed')).toBeNull();
  });

  it('keys people by first email, else LinkedIn', () => {
    expect(personKey(['a@x.com', 'b@y.com'], 'https://www.linkedin.com/in/a')).toBe('email:a@x.com');
    expect(personKey([], 'https://www.linkedin.com/in/a')).toBe('linkedin:linkedin.com/in/a');
    expect(personKey([], null)).toBeNull();
  });
});

describe('values', () => {
  it('reads amounts with separators and suffixes', () => {
    expect(parseMoney('12.5M')).toBe(12_500_000);
    expect(parseMoney('$1,200,000')).toBe(1_200_000);
    expect(parseMoney('3bn')).toBe(3_000_000_000);
    expect(parseMoney(42)).toBe(42);
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney(-5)).toBeNull();
  });

  it('reads real calendar dates only', () => {
    expect(parseDate('2025-02-28')).toBe('2025-02-28');
    expect(parseDate('2025-02-28T10:00:00Z')).toBe('2025-02-28');
    expect(parseDate('2025-02-30')).toBeNull();
    expect(parseDate('28/02/2025')).toBeNull();
  });

  it('splits list cells on ; or | and keeps JSON arrays', () => {
    expect(splitList('Fintech; AI/ML |Climate')).toEqual(['Fintech', 'AI/ML', 'Climate']);
    expect(splitList(['a', ' b ', ''])).toEqual(['a', 'b']);
    expect(splitList('Acme, Inc.')).toEqual(['Acme, Inc.']);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildDemoUniverse,
  DEMO_INDUSTRIES,
  DEMO_STAGES,
  DEMO_UNIVERSE_DEFAULTS,
  demoUniverse,
  isRegistrableDomain,
} from './universe.js';

const u = demoUniverse();

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

describe('demoUniverse', () => {
  it('has the default sizes', () => {
    expect(u.companies).toHaveLength(DEMO_UNIVERSE_DEFAULTS.companies);
    expect(u.people).toHaveLength(DEMO_UNIVERSE_DEFAULTS.people);
    expect(u.investors).toHaveLength(DEMO_UNIVERSE_DEFAULTS.investors);
  });

  it('is deterministic: two independent builds are deep-equal', () => {
    const again = buildDemoUniverse({ ...DEMO_UNIVERSE_DEFAULTS });
    expect(again).not.toBe(u);
    expect(again).toEqual(u);
  });

  it('matches a fixed digest, so it is the same on every machine and run', () => {
    // Changing the generator (or the pinned faker version's name data) changes this on purpose:
    // the intelligence dataset and the emulator's demo workspace must be rebuilt together then.
    expect(digest(u)).toBe('f7c78ce76d4bc4da189db024be7a75797a1c9fee54cee310d94e757ea3932d8c');
  });

  it('is memoised per sizes', () => {
    expect(demoUniverse()).toBe(u);
    expect(demoUniverse({ companies: 10, people: 20, investors: 3 })).toBe(
      demoUniverse({ companies: 10, people: 20, investors: 3 }),
    );
  });

  it('is frozen, because callers share the memoised instance', () => {
    expect(Object.isFrozen(u.companies)).toBe(true);
    expect(Object.isFrozen(u.people[0])).toBe(true);
    expect(Object.isFrozen(u.companies[0]?.otherDomains)).toBe(true);
  });

  it('keeps companies and investors stable across sizes (a smaller universe is a prefix)', () => {
    const small = demoUniverse({ companies: 200, people: 0, investors: 20 });
    expect(small.companies).toEqual(u.companies.slice(0, 200));
    expect(small.investors.map((i) => i.name)).toEqual(u.investors.slice(0, 20).map((i) => i.name));
    const fewerPeople = demoUniverse({ people: 1_000 });
    expect(fewerPeople.people).toEqual(u.people.slice(0, 1_000));
  });

  it('handles empty and tiny sizes and rejects invalid ones', () => {
    const empty = demoUniverse({ companies: 0, people: 5, investors: 0 });
    expect(empty).toEqual({ companies: [], people: [], investors: [] });
    const one = demoUniverse({ companies: 1, people: 3, investors: 1 });
    expect(one.people.every((p) => p.companyDomain === one.companies[0]?.domain)).toBe(true);
    expect(one.people.every((p) => p.pastCompanyDomains.length === 0)).toBe(true);
    expect(() => demoUniverse({ companies: -1 })).toThrow(RangeError);
    expect(() => demoUniverse({ people: 1.5 })).toThrow(RangeError);
  });
});

describe('demo universe domains', () => {
  const all = [
    ...u.companies.flatMap((c) => [c.domain, ...c.otherDomains]),
    ...u.investors.map((i) => i.domain),
  ];

  it('are unique across companies (primary and other) and investors', () => {
    expect(new Set(all).size).toBe(all.length);
  });

  it('are lowercase registrable domains', () => {
    const bad = all.filter((d) => d !== d.toLowerCase() || !isRegistrableDomain(d));
    expect(bad).toEqual([]);
    expect(isRegistrableDomain('www.example.com')).toBe(false);
    expect(isRegistrableDomain('example.co.uk')).toBe(true);
    expect(isRegistrableDomain('Example.com')).toBe(false);
  });

  it('give some companies a second domain', () => {
    const withTwo = u.companies.filter((c) => c.otherDomains.length > 0).length;
    expect(withTwo).toBeGreaterThan(u.companies.length * 0.05);
    expect(withTwo).toBeLessThan(u.companies.length * 0.2);
  });

  it('back the website and are unique by name and LinkedIn URL', () => {
    const badSites = u.companies.filter(
      (c) => c.website !== `https://${c.domain}` && c.website !== `https://www.${c.domain}`,
    );
    expect(badSites).toEqual([]);
    expect(new Set(u.companies.map((c) => c.name)).size).toBe(u.companies.length);
    expect(new Set(u.companies.map((c) => c.linkedinUrl)).size).toBe(u.companies.length);
    expect(new Set(u.investors.map((i) => i.name)).size).toBe(u.investors.length);
  });
});

describe('demo universe people', () => {
  const domains = new Set(u.companies.map((c) => c.domain));

  it('have unique emails, the primary one at their company domain', () => {
    const emails = u.people.flatMap((p) => [p.email, ...p.otherEmails]);
    expect(new Set(emails).size).toBe(emails.length);
    const bad = u.people.filter(
      (p) =>
        !domains.has(p.companyDomain) ||
        !p.email.endsWith(`@${p.companyDomain}`) ||
        !/^[a-z0-9._]+@[a-z0-9.-]+$/.test(p.email),
    );
    expect(bad).toEqual([]);
  });

  it('some have a second email; past companies are other universe companies', () => {
    expect(u.people.filter((p) => p.otherEmails.length > 0).length).toBeGreaterThan(1_000);
    const bad = u.people.filter((p) =>
      p.pastCompanyDomains.some((d) => !domains.has(d) || d === p.companyDomain),
    );
    expect(bad).toEqual([]);
    expect(u.people.filter((p) => p.pastCompanyDomains.length > 0).length).toBeGreaterThan(1_000);
  });

  it('give every company a founder and have unique LinkedIn URLs', () => {
    const founders = new Set(u.people.filter((p) => /CEO/.test(p.title)).map((p) => p.companyDomain));
    expect(founders.size).toBe(u.companies.length);
    expect(new Set(u.people.map((p) => p.linkedinUrl)).size).toBe(u.people.length);
  });
});

describe('demo universe variety', () => {
  it('covers every industry and stage, plausible founding years and several countries', () => {
    expect(new Set(u.companies.map((c) => c.industry))).toEqual(new Set(DEMO_INDUSTRIES));
    expect(new Set(u.companies.map((c) => c.stage))).toEqual(new Set(DEMO_STAGES));
    const bad = u.companies.filter(
      (c) =>
        c.foundedYear < 1995 ||
        c.foundedYear > 2026 ||
        c.tags.length === 0 ||
        new Set(c.tags).size !== c.tags.length ||
        !c.description.includes(c.name),
    );
    expect(bad).toEqual([]);
    expect(new Set(u.companies.map((c) => c.country)).size).toBeGreaterThan(10);
    expect(new Set(u.investors.map((i) => i.type))).toEqual(
      new Set(['VC', 'Angel', 'CVC', 'PE', 'Accelerator']),
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  fullName,
  normaliseName,
  OpportunityIndex,
  OrganizationIndex,
  PersonIndex,
  splitName,
} from './matching.js';

describe('matching', () => {
  it('normalises names for exact comparison', () => {
    expect(normaliseName('  Acme   Robotics ')).toBe('acme robotics');
    expect(normaliseName('ＡＣＭＥ')).toBe('acme');
    expect(normaliseName('   ')).toBeNull();
    expect(fullName('Ada', 'Lovelace')).toBe('ada lovelace');
    expect(splitName('Jean Claude Van Damme')).toEqual({ first_name: 'Jean Claude Van', last_name: 'Damme' });
    expect(splitName('Cher')).toEqual({ first_name: 'Cher', last_name: '' });
  });

  it('matches organizations by normalised domain, then exact name, and never guesses', () => {
    const idx = new OrganizationIndex().add([
      { id: 1, name: 'Acme', domain: 'acme.com', domains: ['acme.com', 'acme.io'] },
      { id: 2, name: 'Nimbus', domain: null },
      { id: 3, name: 'nimbus', domain: null },
      { id: 4, name: 'Globex', domain: 'globex.co' },
    ]);
    expect(idx.match({ domain: 'https://www.ACME.io/about', name: 'x' })).toEqual({
      code: 'matched',
      affinityId: 1,
      by: 'domain',
    });
    expect(idx.match({ domain: 'nimbus.dev', name: 'Nimbus' })).toEqual({
      code: 'ambiguous',
      by: 'name',
      candidates: [2, 3],
    });
    // Same name, another domain: a different company.
    expect(idx.match({ domain: 'globex.com', name: 'Globex' })).toEqual({ code: 'none' });
    expect(idx.match({ domain: null, name: 'Globex' })).toMatchObject({ code: 'matched', affinityId: 4 });
  });

  it('matches people by any email, then full name with the current company', () => {
    const idx = new PersonIndex().add([
      { id: 10, first_name: 'Ada', last_name: 'Lovelace', emails: ['ada@calc.org', 'ada@home.net'] },
      { id: 11, first_name: 'Sam', last_name: 'Lee', emails: [], current_organization_ids: [7] },
      { id: 12, first_name: 'Sam', last_name: 'Lee', emails: [], current_organization_ids: [8] },
      { id: 13, first_name: 'Sam', last_name: 'Lee', emails: [], current_organization_ids: [8] },
    ]);
    expect(idx.match({ emails: ['x@y.com', 'ADA@home.net'] })).toEqual({
      code: 'matched',
      affinityId: 10,
      by: 'email',
    });
    expect(idx.match({ emails: [], name: 'Sam Lee', companyOrganizationId: 7 })).toMatchObject({
      affinityId: 11,
    });
    expect(idx.match({ emails: [], name: 'Sam Lee', companyOrganizationId: 8 })).toMatchObject({
      code: 'ambiguous',
    });
    expect(idx.match({ emails: [], name: 'Sam Lee' })).toEqual({ code: 'none' });
  });

  it('matches opportunities by name within their list', () => {
    const idx = new OpportunityIndex().add([
      { id: 1, name: 'Northwind Capital' },
      { id: 2, name: 'Other' },
    ]);
    expect(idx.match({ name: 'northwind capital' })).toMatchObject({ code: 'matched', affinityId: 1 });
    expect(idx.match({ name: 'Southwind' })).toEqual({ code: 'none' });
  });
});

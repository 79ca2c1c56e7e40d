import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('organizations', () => {
  it('search sends term, flags and date filters; parses the page', async () => {
    h.server.on('GET', '/organizations', { json: ex.searchOrganizations });
    const page = await h.client.organizations.search({
      term: 'affinity',
      with_interaction_dates: true,
      with_interaction_persons: true,
      with_opportunities: true,
      min_last_email_date: '2021-01-01T00:00:00',
      max_last_email_date: '2021-01-12T23:59:59',
      page_size: 500,
    });
    expect(h.server.last().rawQuery).toBe(
      'term=affinity&with_interaction_dates=true&with_interaction_persons=true&with_opportunities=true' +
        '&min_last_email_date=2021-01-01T00%3A00%3A00&max_last_email_date=2021-01-12T23%3A59%3A59&page_size=500',
    );
    expect(page).toEqual(ex.searchOrganizations);
  });

  it('iterate walks every page, passing empty pages through', async () => {
    const [a, b] = ex.searchOrganizations.organizations;
    h.server.on(
      'GET',
      '/organizations',
      { json: { organizations: [a], next_page_token: 't1' } },
      { json: { organizations: [], next_page_token: 't2' } },
      { json: { organizations: [b], next_page_token: null } },
    );
    const ids: number[] = [];
    for await (const o of h.client.organizations.iterate({ term: 'affinity' })) ids.push(o.id);
    expect(ids).toEqual([64779194, 1513682]);
    expect(h.server.last().rawQuery).toBe('term=affinity&page_token=t2');
  });

  it('get with flags; the resource and use-case examples parse', async () => {
    h.server.on('GET', '/organizations/64779194', { json: ex.getOrganization });
    const org = await h.client.organizations.get(64779194, {
      with_interaction_dates: true,
      with_interaction_persons: false,
      with_opportunities: true,
    });
    expect(h.server.last().rawQuery).toBe(
      'with_interaction_dates=true&with_interaction_persons=false&with_opportunities=true',
    );
    expect(org).toEqual(ex.getOrganization);
    h.server.on('GET', '/organizations/64779194', { json: ex.organizationResource });
    expect(await h.client.organizations.get(64779194)).toEqual(ex.organizationResource);
    expect(h.server.last().rawQuery).toBe('');
    h.server.on('GET', '/organizations/7133202', { json: ex.useCaseOrganization });
    expect(await h.client.organizations.get(7133202)).toEqual(ex.useCaseOrganization);
  });

  it('create, update and delete', async () => {
    h.server.on('POST', '/organizations', { json: ex.createOrganization });
    const created = await h.client.organizations.create({
      name: 'Acme Corporation',
      domain: 'acme.co',
      person_ids: [38706],
    });
    expect(h.server.lastJson()).toEqual({ name: 'Acme Corporation', domain: 'acme.co', person_ids: [38706] });
    expect(created).toEqual(ex.createOrganization);

    h.server.on('PUT', '/organizations/120611418', { json: ex.updateOrganization });
    const updated = await h.client.organizations.update(120611418, {
      name: 'Acme Corp.',
      person_ids: [38706, 89734],
    });
    expect(h.server.lastJson()).toEqual({ name: 'Acme Corp.', person_ids: [38706, 89734] });
    expect(updated).toEqual(ex.updateOrganization);

    h.server.on('DELETE', '/organizations/120611418', { json: ex.success });
    expect(await h.client.organizations.delete(120611418)).toEqual({ success: true });
    expect(h.server.last().method).toBe('DELETE');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('persons', () => {
  it('search sends term and parses results that omit organization_ids', async () => {
    h.server.on('GET', '/persons', { json: ex.searchPersons });
    const page = await h.client.persons.search({ term: 'doe' });
    expect(h.server.last().rawQuery).toBe('term=doe');
    expect(page).toEqual(ex.searchPersons);
    expect(page.persons[0]?.organization_ids).toBeUndefined();
  });

  it('search sends every flag, interaction-date filter and paging parameter', async () => {
    h.server.on('GET', '/persons', { json: { persons: [ex.personResource], next_page_token: null } });
    const page = await h.client.persons.search({
      term: 'jane doe',
      with_interaction_dates: true,
      with_interaction_persons: true,
      with_opportunities: true,
      with_current_organizations: true,
      min_last_email_date: '2021-01-01T00:00:00',
      max_last_email_date: new Date(Date.UTC(2021, 0, 12, 23, 59, 59)),
      min_first_email_date: '2020-01-01',
      max_next_event_date: '2030-01-01T00:00:00Z',
      min_last_interaction_date: '2020-06-01',
      max_first_event_date: '2022-01-01',
      min_last_event_date: '2019-01-01',
      page_size: 50,
      page_token: 'eyJ0b2tlbiI6MX0=',
    });
    const q = h.server.last().query;
    expect(h.server.last().rawQuery).toBe(
      'term=jane+doe&with_interaction_dates=true&with_interaction_persons=true&with_opportunities=true' +
        '&with_current_organizations=true&min_first_email_date=2020-01-01' +
        '&min_last_email_date=2021-01-01T00%3A00%3A00&max_last_email_date=2021-01-12T23%3A59%3A59.000Z' +
        '&min_last_interaction_date=2020-06-01&min_last_event_date=2019-01-01&max_first_event_date=2022-01-01' +
        '&max_next_event_date=2030-01-01T00%3A00%3A00Z&page_size=50&page_token=eyJ0b2tlbiI6MX0%3D',
    );
    expect(q.get('max_last_email_date')).toBe('2021-01-12T23:59:59.000Z');
    expect(page.persons[0]).toEqual(ex.personResource);
    expect(page.persons[0]?.interactions?.next_event?.person_ids).toEqual([123, 124, 125]);
  });

  it('iterate follows next_page_token with identical parameters', async () => {
    const [john, jane] = ex.searchPersons.persons;
    h.server.on(
      'GET',
      '/persons',
      { json: { persons: [john], next_page_token: 'p2' } },
      { json: { persons: [jane], next_page_token: null } },
    );
    const before = h.server.requests.length;
    const names: Array<string | null> = [];
    for await (const p of h.client.persons.iterate({ term: 'doe', page_size: 1 })) names.push(p.first_name);
    expect(names).toEqual(['John', 'Jane']);
    expect(h.server.requests.slice(before).map((r) => r.rawQuery)).toEqual([
      'term=doe&page_size=1',
      'term=doe&page_size=1&page_token=p2',
    ]);
  });

  it('get sends the with_* flags', async () => {
    h.server.on('GET', '/persons/38706', { json: ex.getPerson });
    const person = await h.client.persons.get(38706, {
      with_opportunities: true,
      with_current_organizations: true,
    });
    expect(h.server.last().rawQuery).toBe('with_opportunities=true&with_current_organizations=true');
    expect(person).toEqual(ex.getPerson);
    expect(person.list_entries?.[0]?.entity).toBeUndefined();
  });

  it('create, update and delete', async () => {
    h.server.on('POST', '/persons', { json: ex.createPerson });
    const created = await h.client.persons.create({
      first_name: 'Alice',
      last_name: 'Doe',
      emails: ['alice@affinity.co'],
      organization_ids: [1687449],
    });
    expect(h.server.last().contentType).toBe('application/json');
    expect(h.server.lastJson()).toEqual({
      first_name: 'Alice',
      last_name: 'Doe',
      emails: ['alice@affinity.co'],
      organization_ids: [1687449],
    });
    expect(created).toEqual(ex.createPerson);

    h.server.on('PUT', '/persons/860197', { json: ex.updatePerson });
    const updated = await h.client.persons.update(860197, {
      first_name: 'Allison',
      emails: ['allison@affinity.co', 'allison@gmail.com'],
    });
    expect(h.server.last().method).toBe('PUT');
    expect(h.server.lastJson()).toEqual({
      first_name: 'Allison',
      emails: ['allison@affinity.co', 'allison@gmail.com'],
    });
    expect(updated).toEqual(ex.updatePerson);

    h.server.on('DELETE', '/persons/860197', { json: ex.success });
    expect(await h.client.persons.delete(860197)).toEqual({ success: true });
  });

  it('rejects a malformed interaction-date filter before sending', async () => {
    const before = h.server.requests.length;
    await expect(h.client.persons.search({ min_last_email_date: 'last week' })).rejects.toThrow(
      'GET /persons: min_last_email_date must be an ISO-8601 timestamp',
    );
    expect(h.server.requests.length).toBe(before);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Seed } from '../seed-builder.js';
import { type RunningEmulator, startEmulator } from '../server.js';

interface Ids {
  ada: number;
  bo: number;
  acme: number;
  globex: number;
  jane: number;
  john: number;
  people: number;
  orgs: number;
  deals: number;
  secret: number;
  status: number;
  statusOptions: number[];
  deal: number;
  dealEntry: number;
}
const ids = {} as Ids;

const seed: Seed = (b) => {
  ids.ada = b.addUser({ firstName: 'Ada', lastName: 'Admin', email: 'ada@firm.vc', apiKey: 'key-ada' });
  ids.bo = b.addUser({ firstName: 'Bo', lastName: 'Basic', email: 'bo@firm.vc', apiKey: 'key-bo' });
  ids.acme = b.addOrganization({ name: 'Acme Corporation', domain: 'acme.co' });
  ids.globex = b.addOrganization({
    name: 'Globex',
    domain: 'globex.com',
    global: true,
    crunchbaseUuid: 'cb-1',
  });
  ids.jane = b.addPerson({
    firstName: 'Jane',
    lastName: 'Doe',
    emails: ['jane@acme.co'],
    organizationIds: [ids.acme],
  });
  ids.john = b.addPerson({ firstName: 'John', lastName: "O'Doe", emails: ['jdoe@alumni.stanford.edu'] });
  ids.people = b.addList({ name: 'People', type: 0, public: true, ownerId: ids.ada });
  ids.orgs = b.addList({ name: 'Companies', type: 1, public: true, ownerId: ids.ada });
  ids.deals = b.addList({ name: 'Deals', type: 8, public: true, ownerId: ids.ada });
  ids.secret = b.addList({ name: 'Secret', type: 1, public: false, ownerId: ids.bo });
  const status = b.addField({
    name: 'Status',
    entityType: 8,
    valueType: 7,
    listId: ids.deals,
    dropdownOptions: [{ text: 'New' }, { text: 'Won', color: 2 }],
  });
  ids.status = status.id;
  ids.statusOptions = status.optionIds;
  const deal = b.addOpportunity({ name: 'Acme Series A', listId: ids.deals, organizationIds: [ids.acme] });
  ids.deal = deal.id;
  ids.dealEntry = deal.listEntryId;
  b.addListEntry({ listId: ids.orgs, entityId: ids.acme, createdAt: '2024-01-01T00:00:00Z' });
  b.addListEntry({ listId: ids.orgs, entityId: ids.globex, createdAt: '2024-02-01T00:00:00Z' });
  b.addListEntry({ listId: ids.secret, entityId: ids.acme });
  b.addInteraction({
    type: 3,
    date: '2025-05-01T10:00:00Z',
    personIds: [ids.ada, ids.jane],
    subject: 'Hello',
  });
};

let emu: RunningEmulator;
const events: Array<{ type: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  emu = await startEmulator({ seed });
  const orig = emu.core.emit.bind(emu.core);
  emu.core.emit = (type, body) => {
    events.push({ type, body: body as Record<string, unknown> });
    orig(type, body);
  };
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  events.length = 0;
});

type Json = Record<string, unknown>;
/** The answer shapes the tests read: resource objects, search pages, bare arrays. */
interface Body extends Json {
  persons: Json[];
  organizations: Json[];
  opportunities: Json[];
  list_entries: Json[];
}
async function api(
  method: string,
  path: string,
  body?: unknown,
  key = 'key-ada',
): Promise<{ status: number; body: Body & Json[] }> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Body & Json[] };
}
const eventTypes = (): string[] => events.map((e) => e.type);

describe('lists', () => {
  it('lists visible lists with creator_id and list_size; 403 on a private list of another user', async () => {
    const all = await api('GET', '/lists');
    const names = all.body.map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['People', 'Companies', 'Deals']));
    expect(names).not.toContain('Secret');
    expect(all.body.find((l) => l.name === 'Companies')).toMatchObject({
      type: 1,
      list_size: 2,
      creator_id: ids.ada,
    });
    expect((await api('GET', `/lists/${ids.secret}`)).status).toBe(403);
    expect((await api('GET', `/lists/${ids.secret}`, undefined, 'key-bo')).body).toMatchObject({
      list_size: 1,
    });
    expect((await api('GET', '/lists/999999')).status).toBe(404);
  });

  it('GET /lists/{id} includes the list-specific fields', async () => {
    const { body } = await api('GET', `/lists/${ids.deals}`);
    expect(body.fields).toEqual([
      expect.objectContaining({
        id: ids.status,
        name: 'Status',
        value_type: 7,
        dropdown_options: expect.any(Array),
      }),
    ]);
  });

  it('creates lists with owner and additional permissions; validates', async () => {
    const r = await api('POST', '/lists', {
      name: 'Private Picks',
      type: 0,
      is_public: false,
      additional_permissions: [{ internal_person_id: ids.bo, role_id: 1 }],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Private Picks',
      public: false,
      owner_id: ids.ada,
      creator_id: ids.ada,
      list_size: 0,
      additional_permissions: [{ internal_person_id: ids.bo, role_id: 1 }],
    });
    expect(eventTypes()).toEqual(['list.created']);
    expect((await api('GET', `/lists/${r.body.id}`, undefined, 'key-bo')).status).toBe(200);
    expect((await api('POST', '/lists', { name: 'x', type: 3, is_public: true })).status).toBe(422);
    expect((await api('POST', '/lists', { name: 'x', type: 1 })).status).toBe(422);
    expect((await api('POST', '/lists', { type: 1, is_public: true })).status).toBe(422);
    expect(
      (await api('POST', '/lists', { name: 'x', type: 1, is_public: true, owner_id: ids.jane })).status,
    ).toBe(422);
  });
});

describe('list entries', () => {
  it('answers a bare array newest first without page_size, an object with it', async () => {
    const bare = await api('GET', `/lists/${ids.orgs}/list-entries`);
    expect(Array.isArray(bare.body)).toBe(true);
    expect(bare.body.map((e) => e.entity_id)).toEqual([ids.globex, ids.acme]);
    expect(bare.body[0]).toMatchObject({
      entity_type: 1,
      entity: { id: ids.globex, name: 'Globex', global: true },
    });
    expect(String(bare.body[0]?.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const paged = await api('GET', `/lists/${ids.orgs}/list-entries?page_size=1`);
    expect(paged.body.list_entries).toHaveLength(1);
    const next = await api(
      'GET',
      `/lists/${ids.orgs}/list-entries?page_size=1&page_token=${encodeURIComponent(String(paged.body.next_page_token))}`,
    );
    expect(next.body).toMatchObject({ list_entries: [{ entity_id: ids.acme }], next_page_token: null });
    expect((await api('GET', `/lists/${ids.secret}/list-entries`)).status).toBe(403);
  });

  it('creates (duplicates allowed), gets and deletes entries, with events', async () => {
    const a = await api('POST', `/lists/${ids.people}/list-entries`, { entity_id: ids.jane });
    const b = await api('POST', `/lists/${ids.people}/list-entries`, {
      entity_id: ids.jane,
      creator_id: ids.bo,
    });
    expect(a.body).toMatchObject({
      list_id: ids.people,
      creator_id: ids.ada,
      entity: { first_name: 'Jane' },
    });
    expect(b.body.creator_id).toBe(ids.bo);
    expect(eventTypes()).toEqual(['list_entry.created', 'list_entry.created']);
    expect((await api('GET', `/lists/${ids.people}/list-entries/${a.body.id}`)).body.id).toBe(a.body.id);
    expect((await api('GET', `/lists/${ids.orgs}/list-entries/${a.body.id}`)).status).toBe(404);
    expect((await api('DELETE', `/lists/${ids.people}/list-entries/${a.body.id}`)).body).toEqual({
      success: true,
    });
    expect(eventTypes()).toContain('list_entry.deleted');
    expect((await api('GET', `/lists/${ids.people}/list-entries/${a.body.id}`)).status).toBe(404);
    expect((await api('POST', `/lists/${ids.people}/list-entries`, { entity_id: ids.acme })).status).toBe(
      422,
    );
    expect((await api('POST', `/lists/${ids.people}/list-entries`, {})).status).toBe(422);
    expect((await api('POST', `/lists/${ids.deals}/list-entries`, { entity_id: ids.deal })).status).toBe(422);
    expect(
      (await api('POST', `/lists/${ids.people}/list-entries`, { entity_id: ids.john, creator_id: ids.jane }))
        .status,
    ).toBe(422);
  });
});

describe('fields', () => {
  it('filters by list, value type and entity type; modified names; excluded dropdown options', async () => {
    const byList = await api('GET', `/fields?list_id=${ids.deals}`);
    expect(byList.body.map((f) => f.id)).toEqual([ids.status]);
    expect((await api('GET', '/fields?value_type=7')).body.every((f) => f.value_type === 7)).toBe(true);
    const named = await api(
      'GET',
      `/fields?list_id=${ids.deals}&with_modified_names=true&exclude_dropdown_options=true`,
    );
    expect(named.body[0]).toMatchObject({ name: '[Deals] Status', dropdown_options: [] });
    expect((await api('GET', `/fields?entity_type=8`)).body.map((f) => f.id)).toEqual([ids.status]);
  });

  it('creates global and list-specific fields, deletes them, validates', async () => {
    const g = await api('POST', '/fields', {
      name: 'Stage',
      entity_type: 1,
      value_type: 2,
      allows_multiple: true,
    });
    expect(g.body).toMatchObject({
      list_id: null,
      value_type: 2,
      allows_multiple: true,
      enrichment_source: 'none',
    });
    expect((await api('GET', '/organizations/fields')).body.map((f) => f.id)).toContain(g.body.id);
    const l = await api('POST', '/fields', {
      name: 'Amount',
      entity_type: 8,
      value_type: 3,
      list_id: ids.deals,
      is_list_specific: true,
    });
    expect(l.body).toMatchObject({ list_id: ids.deals, track_changes: true });
    expect(eventTypes()).toEqual(['field.created', 'field.created']);
    expect((await api('DELETE', `/fields/${l.body.id}`)).body).toEqual({ success: true });
    expect(eventTypes()).toContain('field.deleted');
    expect((await api('DELETE', `/fields/${l.body.id}`)).status).toBe(404);
    expect((await api('POST', '/fields', { name: 'x', entity_type: 8, value_type: 3 })).status).toBe(422);
    expect((await api('POST', '/fields', { name: 'x', entity_type: 1, value_type: 9 })).status).toBe(422);
    expect(
      (await api('POST', '/fields', { name: 'x', entity_type: 0, value_type: 3, is_list_specific: true }))
        .status,
    ).toBe(422);
    expect(
      (await api('POST', '/fields', { name: 'x', entity_type: 0, value_type: 3, list_id: ids.orgs })).status,
    ).toBe(422);
  });
});

describe('field values and changes', () => {
  it('validates every value type and renders stored values', async () => {
    const mk = async (value_type: number, allows_multiple = false) =>
      (await api('POST', '/fields', { name: `T${value_type}`, entity_type: 0, value_type, allows_multiple }))
        .body.id as number;
    const cases: Array<[number, unknown, unknown, unknown]> = [
      [0, ids.john, ids.john, 'x'],
      [1, ids.acme, ids.acme, ids.john],
      [2, 'Fintech', 'Fintech', 5],
      [3, 12.5, 12.5, 'lots'],
      [4, '2026-03-15T12:00:00Z', expect.stringMatching(/^2026-03-15T00:00:00\.000-0[78]:00$/), 'someday'],
      [
        5,
        { city: 'Paris', country: 'France' },
        { city: 'Paris', country: 'France', state: null, continent: null, street_address: null },
        'Paris',
      ],
      [6, 'Long text', 'Long text', { a: 1 }],
    ];
    for (const [type, good, rendered, bad] of cases) {
      const field = await mk(type);
      const ok = await api('POST', '/field-values', { field_id: field, entity_id: ids.jane, value: good });
      expect(ok.status, `type ${type}`).toBe(200);
      expect(ok.body).toMatchObject({
        field_id: field,
        entity_id: ids.jane,
        list_entry_id: null,
        updated_at: null,
        value: rendered,
      });
      const again = await api('POST', '/field-values', { field_id: field, entity_id: ids.jane, value: good });
      expect(again.status, `single-valued type ${type}`).toBe(422);
      const badField = await mk(type);
      expect(
        (await api('POST', '/field-values', { field_id: badField, entity_id: ids.jane, value: bad })).status,
        `bad ${type}`,
      ).toBe(422);
    }
    const multi = await mk(3, true);
    expect(
      (await api('POST', '/field-values', { field_id: multi, entity_id: ids.jane, value: 1 })).status,
    ).toBe(200);
    expect(
      (await api('POST', '/field-values', { field_id: multi, entity_id: ids.jane, value: 2 })).status,
    ).toBe(200);
    const values = await api('GET', `/field-values?person_id=${ids.jane}`);
    expect(values.body.filter((v) => v.field_id === multi)).toHaveLength(2);
    expect(
      (await api('POST', '/field-values', { field_id: multi, entity_id: ids.acme, value: 1 })).status,
    ).toBe(422);
  });

  it('ranked dropdowns take an option id (text is a 422); list-specific values need the entry', async () => {
    const [newId, wonId] = ids.statusOptions as [number, number];
    expect(
      (await api('POST', '/field-values', { field_id: ids.status, entity_id: ids.deal, value: newId }))
        .status,
    ).toBe(422);
    const text = await api('POST', '/field-values', {
      field_id: ids.status,
      entity_id: ids.deal,
      list_entry_id: ids.dealEntry,
      value: 'New',
    });
    expect(text.status).toBe(422);
    const created = await api('POST', '/field-values', {
      field_id: ids.status,
      entity_id: ids.deal,
      list_entry_id: ids.dealEntry,
      value: newId,
    });
    expect(created.body).toMatchObject({
      list_entry_id: ids.dealEntry,
      value: { id: newId, text: 'New', rank: 0, color: 0 },
      updated_at: null,
    });
    const updated = await api('PUT', `/field-values/${created.body.id}`, { value: wonId });
    expect(updated.body).toMatchObject({
      value: { id: wonId, text: 'Won', rank: 1, color: 2 },
      updated_at: expect.any(String),
    });
    expect((await api('PUT', `/field-values/${created.body.id}`, { value: 'Won' })).status).toBe(422);
    expect(
      (await api('GET', `/field-values?list_entry_id=${ids.dealEntry}`)).body.map((v) => v.id),
    ).toContain(created.body.id);
    expect((await api('GET', `/field-values?opportunity_id=${ids.deal}`)).body).toHaveLength(1);
    expect((await api('DELETE', `/field-values/${created.body.id}`)).body).toEqual({ success: true });
    expect(eventTypes()).toEqual(['field_value.created', 'field_value.updated', 'field_value.deleted']);

    const changes = await api('GET', `/field-value-changes?field_id=${ids.status}`);
    expect(changes.body.map((c) => c.action_type)).toEqual([0, 2, 1]);
    expect(changes.body[1]).toMatchObject({
      field_id: ids.status,
      entity_attribute_id: ids.status,
      entity_id: ids.deal,
      list_entry_id: ids.dealEntry,
      changer: { id: ids.ada, first_name: 'Ada', type: 1 },
      person: null,
      company: null,
      opp: { id: ids.deal, name: 'Acme Series A' },
      value: { id: wonId, text: 'Won' },
    });
    expect((await api('GET', `/field-value-changes?field_id=${ids.status}&action_type=1`)).body).toHaveLength(
      1,
    );
    expect(
      (await api('GET', `/field-value-changes?field_id=${ids.status}&list_entry_id=1`)).body,
    ).toHaveLength(0);
  });

  it('records no changes for value types the reference excludes; requires field_id', async () => {
    const text = (await api('POST', '/fields', { name: 'Notes', entity_type: 0, value_type: 6 })).body;
    expect(text.track_changes).toBe(false);
    expect((await api('GET', `/field-value-changes?field_id=${text.id}`)).status).toBe(422);
    expect((await api('GET', '/field-value-changes')).status).toBe(422);
    expect((await api('GET', '/field-values')).status).toBe(422);
    expect((await api('GET', `/field-values?person_id=${ids.jane}&organization_id=${ids.acme}`)).status).toBe(
      422,
    );
  });
});

describe('persons', () => {
  it('searches names and emails by word prefix; results omit organization_ids', async () => {
    const byLast = await api('GET', '/persons?term=doe');
    expect(byLast.body.persons.map((p: Json) => p.id)).toEqual([ids.jane, ids.john]);
    expect(byLast.body.persons[0]).not.toHaveProperty('organization_ids');
    expect((await api('GET', '/persons?term=JDOE@alumni')).body.persons.map((p: Json) => p.id)).toEqual([
      ids.john,
    ]);
    expect((await api('GET', '/persons?term=stanford')).body.persons.map((p: Json) => p.id)).toEqual([
      ids.john,
    ]);
    expect((await api('GET', '/persons?term=jane doe')).body.persons.map((p: Json) => p.id)).toEqual([
      ids.jane,
    ]);
    expect((await api('GET', '/persons?term=oe')).body.persons).toEqual([]);
  });

  it('with_* flags and interaction date filters', async () => {
    const r = await api(
      'GET',
      '/persons?term=jane&with_interaction_dates=true&with_interaction_persons=true&with_opportunities=true&with_current_organizations=true',
    );
    const jane = r.body.persons[0] as Json;
    expect(jane).toMatchObject({ opportunity_ids: [], current_organization_ids: [ids.acme] });
    expect((jane.interaction_dates as Json).last_email_date).toEqual(expect.any(String));
    expect(jane.interactions).toBeTruthy();
    const withDates = await api('GET', '/persons?with_interaction_dates=true');
    expect(withDates.body.persons.map((p: Json) => p.id)).not.toContain(ids.john);
    const inRange = await api(
      'GET',
      '/persons?min_last_email_date=2025-04-01&max_last_email_date=2025-06-01',
    );
    expect(inRange.body.persons.map((p: Json) => p.id)).toEqual([ids.ada, ids.jane]);
    expect((await api('GET', '/persons?min_last_email_date=2025-06-01')).body.persons).toEqual([]);
    expect((await api('GET', '/persons?min_last_email_date=yesterday')).status).toBe(422);
  });

  it('single GET has organization_ids and list_entries without nested entity', async () => {
    await api('POST', `/lists/${ids.people}/list-entries`, { entity_id: ids.john });
    const { body } = await api('GET', `/persons/${ids.john}`);
    expect(body.organization_ids).toEqual([]);
    expect(body.list_entries).toHaveLength(1);
    expect(body.list_entries[0]).not.toHaveProperty('entity');
    expect((await api('GET', '/persons/999999')).status).toBe(404);
  });

  it('creates, rejects duplicate emails with a bare array, updates by replacing sets, deletes', async () => {
    const created = await api('POST', '/persons', {
      first_name: 'Alice',
      last_name: 'Doe',
      emails: ['Alice@Example.com'],
      organization_ids: [ids.acme],
    });
    expect(created.body).toMatchObject({
      primary_email: 'alice@example.com',
      organization_ids: [ids.acme],
      type: 0,
    });
    const dup = await api('POST', '/persons', {
      first_name: 'A',
      last_name: 'B',
      emails: ['alice@example.com'],
    });
    expect(dup).toEqual({ status: 422, body: ['There exists a contact with this email address.'] });
    expect((await api('POST', '/persons', { first_name: 'A', last_name: 'B' })).status).toBe(422);
    expect(
      (
        await api('POST', '/persons', {
          first_name: 'A',
          last_name: 'B',
          emails: [],
          organization_ids: [999999],
        })
      ).status,
    ).toBe(422);
    const id = created.body.id as number;
    const upd = await api('PUT', `/persons/${id}`, {
      first_name: 'Allison',
      emails: ['allison@example.com'],
      organization_ids: [],
    });
    expect(upd.body).toMatchObject({
      first_name: 'Allison',
      last_name: 'Doe',
      emails: ['allison@example.com'],
      organization_ids: [],
    });
    expect((await api('GET', `/organizations/${ids.acme}`)).body.person_ids).not.toContain(id);
    expect((await api('PUT', `/persons/${id}`, { emails: ['jane@acme.co'] })).body).toEqual([
      'There exists a contact with this email address.',
    ]);
    expect(
      (await api('POST', '/persons', { first_name: 'Re', last_name: 'Use', emails: ['alice@example.com'] }))
        .status,
    ).toBe(200);
    expect((await api('DELETE', `/persons/${id}`)).body).toEqual({ success: true });
    expect((await api('GET', `/persons/${id}`)).status).toBe(404);
    expect(eventTypes()).toEqual(['person.created', 'person.updated', 'person.created', 'person.deleted']);
  });
});

describe('organizations', () => {
  it('searches names and domains; single GET has person_ids and list_entries; crunchbase_uuid', async () => {
    expect(
      (await api('GET', '/organizations?term=acme.co')).body.organizations.map((o: Json) => o.id),
    ).toEqual([ids.acme]);
    expect((await api('GET', '/organizations?term=corp')).body.organizations.map((o: Json) => o.id)).toEqual([
      ids.acme,
    ]);
    const g = await api('GET', `/organizations/${ids.globex}?with_opportunities=true`);
    expect(g.body).toMatchObject({
      crunchbase_uuid: 'cb-1',
      global: true,
      person_ids: [],
      opportunity_ids: [],
    });
    const a = await api(
      'GET',
      `/organizations/${ids.acme}?with_opportunities=true&with_interaction_dates=true`,
    );
    expect(a.body).toMatchObject({
      person_ids: expect.arrayContaining([ids.jane]),
      opportunity_ids: [ids.deal],
    });
    expect((a.body.interaction_dates as Json).last_email_date).toEqual(expect.any(String));
    expect((a.body.list_entries as Json[]).every((e) => !('entity' in e))).toBe(true);
    expect((a.body.list_entries as Json[]).map((e) => e.list_id)).not.toContain(ids.secret);
  });

  it('keeps global organizations immutable and undeletable', async () => {
    expect((await api('PUT', `/organizations/${ids.globex}`, { name: 'Other' })).status).toBe(422);
    expect((await api('PUT', `/organizations/${ids.globex}`, { domain: 'other.com' })).status).toBe(422);
    expect(
      (await api('PUT', `/organizations/${ids.globex}`, { person_ids: [ids.john] })).body.person_ids,
    ).toEqual([ids.john]);
    expect((await api('DELETE', `/organizations/${ids.globex}`)).status).toBe(422);
  });

  it('creates, updates (person_ids replace), rejects taken domains, deletes', async () => {
    const c = await api('POST', '/organizations', {
      name: 'Initech',
      domain: 'initech.com',
      person_ids: [ids.john],
    });
    expect(c.body).toMatchObject({
      domains: ['initech.com'],
      global: false,
      person_ids: [ids.john],
      crunchbase_uuid: null,
    });
    expect((await api('GET', `/persons/${ids.john}`)).body.organization_ids).toContain(c.body.id);
    expect((await api('POST', '/organizations', { name: 'Dup', domain: 'initech.com' })).status).toBe(422);
    expect((await api('POST', '/organizations', { domain: 'x.com' })).status).toBe(422);
    const u = await api('PUT', `/organizations/${c.body.id}`, { name: 'Initech Inc', person_ids: [] });
    expect(u.body).toMatchObject({ name: 'Initech Inc', person_ids: [] });
    expect((await api('DELETE', `/organizations/${c.body.id}`)).body).toEqual({ success: true });
    expect(eventTypes()).toEqual(['organization.created', 'organization.updated', 'organization.deleted']);
  });
});

describe('search pages from cached row JSON', () => {
  it('show persons and organizations as they are after updates and merges, byte for byte', async () => {
    const text = async (
      path: string,
    ): Promise<{ text: string; type: string | null; length: string | null }> => {
      const res = await fetch(`${emu.url}${path}`, { headers: { Authorization: 'Bearer key-ada' } });
      return {
        text: await res.text(),
        type: res.headers.get('content-type'),
        length: res.headers.get('content-length'),
      };
    };
    const a = (await api('POST', '/organizations', { name: 'Cachet Alpha', domain: 'cachet-a.io' })).body;
    const b = (await api('POST', '/organizations', { name: 'Cachet Beta', domain: 'cachet-b.io' })).body;
    const summary = (o: Json): Json => ({
      id: o.id,
      name: o.name,
      domain: o.domain,
      domains: o.domains,
      crunchbase_uuid: o.crunchbase_uuid,
      global: o.global,
    });
    const first = await text('/organizations?term=cachet');
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(first.length).toBe(String(Buffer.byteLength(first.text)));
    expect(first.text).toBe(
      JSON.stringify({ organizations: [summary(a), summary(b)], next_page_token: null }),
    );

    const renamed = (await api('PUT', `/organizations/${a.id}`, { name: 'Cachet Gamma', domain: 'gamma.io' }))
      .body;
    expect((await text('/organizations?term=gamma')).text).toBe(
      JSON.stringify({ organizations: [summary(renamed)], next_page_token: null }),
    );
    const single = await text(`/organizations/${a.id}`);
    expect(single.text).toBe(JSON.stringify({ ...summary(renamed), person_ids: [], list_entries: [] }));

    const merged = await fetch(`${emu.url}/_emulator/merge-organizations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: b.id, into: a.id }),
    });
    expect(merged.status).toBe(200);
    const page = JSON.parse((await text('/organizations?term=cachet')).text) as Body;
    expect(page.organizations).toEqual([{ ...summary(renamed), domains: ['gamma.io', 'cachet-b.io'] }]);

    const p = (
      await api('POST', '/persons', { first_name: 'Cachet', last_name: 'Person', emails: ['cp@x.io'] })
    ).body;
    await text('/persons?term=cachet');
    await api('PUT', `/persons/${p.id}`, { last_name: 'Renamed', emails: ['renamed@x.io'] });
    expect((await text('/persons?term=cachet')).text).toBe(
      JSON.stringify({
        persons: [
          {
            id: p.id,
            type: 0,
            first_name: 'Cachet',
            last_name: 'Renamed',
            primary_email: 'renamed@x.io',
            emails: ['renamed@x.io'],
          },
        ],
        next_page_token: null,
      }),
    );
    await api('DELETE', `/persons/${p.id}`);
    await api('DELETE', `/organizations/${a.id}`);
  });

  it('pages match lists by ids, with tokens bound to the query', async () => {
    const made: number[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await api('POST', '/organizations', { name: `Pagewise ${i}` })).body.id as number);
    const one = await api('GET', '/organizations?term=pagewise&page_size=2');
    expect(one.body.organizations.map((o: Json) => o.id)).toEqual(made.slice(0, 2));
    const token = one.body.next_page_token as string;
    const two = await api('GET', `/organizations?term=pagewise&page_size=2&page_token=${token}`);
    expect(two.body.organizations.map((o: Json) => o.id)).toEqual(made.slice(2, 4));
    const three = await api(
      'GET',
      `/organizations?term=pagewise&page_token=${two.body.next_page_token as string}`,
    );
    expect(three.body).toEqual({
      organizations: [expect.objectContaining({ id: made[4] })],
      next_page_token: null,
    });
    expect((await api('GET', `/organizations?term=other&page_token=${token}`)).status).toBe(422);
    for (const id of made) await api('DELETE', `/organizations/${id}`);
  });
});

describe('opportunities', () => {
  it('creates on exactly one list; deleting its list entry deletes it', async () => {
    expect((await api('POST', '/opportunities', { name: 'No list' })).status).toBe(422);
    expect((await api('POST', '/opportunities', { name: 'Wrong', list_id: ids.orgs })).status).toBe(422);
    const c = await api('POST', '/opportunities', {
      name: 'Globex Seed',
      list_id: ids.deals,
      person_ids: [ids.jane],
    });
    expect(c.body).toMatchObject({ name: 'Globex Seed', person_ids: [ids.jane], organization_ids: [] });
    const entries = c.body.list_entries as Json[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ list_id: ids.deals, entity_type: 8, entity_id: c.body.id });
    expect(eventTypes()).toEqual(['opportunity.created', 'list_entry.created']);
    const upd = await api('PUT', `/opportunities/${c.body.id}`, {
      name: 'Globex Seed II',
      organization_ids: [ids.globex],
    });
    expect(upd.body).toMatchObject({
      name: 'Globex Seed II',
      person_ids: [ids.jane],
      organization_ids: [ids.globex],
    });
    expect(
      (await api('GET', '/opportunities?term=globex')).body.opportunities.map((o: Json) => o.id),
    ).toEqual([c.body.id]);
    expect((await api('GET', `/persons/${ids.jane}?with_opportunities=true`)).body.opportunity_ids).toContain(
      c.body.id,
    );
    events.length = 0;
    await api('DELETE', `/lists/${ids.deals}/list-entries/${entries[0]?.id}`);
    expect(eventTypes()).toEqual(['list_entry.deleted', 'opportunity.deleted']);
    expect((await api('GET', `/opportunities/${c.body.id}`)).status).toBe(404);
  });

  it('deleting an opportunity deletes its list entry; opportunities on private lists are hidden', async () => {
    const list = (await api('POST', '/lists', { name: 'Bo deals', type: 8, is_public: false }, 'key-bo'))
      .body;
    const opp = (await api('POST', '/opportunities', { name: 'Hidden deal', list_id: list.id }, 'key-bo'))
      .body;
    expect((await api('GET', `/opportunities/${opp.id}`)).status).toBe(403);
    expect((await api('GET', '/opportunities?term=hidden')).body.opportunities).toEqual([]);
    expect((await api('DELETE', `/opportunities/${opp.id}`, undefined, 'key-bo')).body).toEqual({
      success: true,
    });
    expect((await api('GET', `/lists/${list.id}/list-entries`, undefined, 'key-bo')).body).toEqual([]);
  });
});

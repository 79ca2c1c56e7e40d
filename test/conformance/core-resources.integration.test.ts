/**
 * Conformance of the client and the emulator on the core resources: lists, list entries, fields,
 * field values, field-value changes, persons, organizations and opportunities — every endpoint
 * and every documented error, through `AffinityClient` over real HTTP. Each answer passes the
 * client's zod schemas, so a shape the emulator gets wrong fails here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AffinityArgumentError,
  type AffinityClient,
  AffinityForbiddenError,
  AffinityNotFoundError,
  AffinityValidationError,
  type Person,
} from '../../src/affinity/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { caught, clientFor, type Ids, KEYS, raw, resetWorkspace, startWorkspace } from './support.js';

let em: RunningEmulator;
let ids: Ids;
let ada: AffinityClient;
let bo: AffinityClient;

beforeAll(async () => {
  ({ em, ids } = await startWorkspace());
  ada = clientFor(em, KEYS.ada);
  bo = clientFor(em, KEYS.bo);
});
afterAll(async () => {
  await em.close();
});

describe('lists', () => {
  beforeAll(() => resetWorkspace(em));

  it('gets every list the user can see, and one list with its list-specific fields', async () => {
    const names = (await ada.lists.all()).map((l) => l.name).sort();
    expect(names).toEqual(['Companies', 'Deals', 'People']);
    expect((await bo.lists.all()).map((l) => l.name)).toContain('Secret');

    const deals = await ada.lists.get(ids.deals);
    expect(deals).toMatchObject({ id: ids.deals, type: 8, public: true, owner_id: ids.ada, list_size: 1 });
    expect((deals.fields ?? []).map((f) => f.name).sort()).toEqual(['Amount', 'Status']);
    const status = deals.fields?.find((f) => f.id === ids.status);
    expect(status?.dropdown_options?.map((o) => o.id)).toEqual(ids.statusOptions);
  });

  it('creates public and private lists with additional permissions', async () => {
    const shared = await ada.lists.create({
      name: 'Shared',
      type: 1,
      is_public: true,
      additional_permissions: [{ internal_person_id: ids.bo, role_id: 1 }],
    });
    expect(shared).toMatchObject({ name: 'Shared', type: 1, public: true, owner_id: ids.ada, list_size: 0 });
    expect(shared.creator_id).toBe(ids.ada);
    expect(shared.additional_permissions).toEqual([{ internal_person_id: ids.bo, role_id: 1 }]);

    const mine = await ada.lists.create({ name: 'Mine', type: 0, is_public: false, owner_id: ids.ada });
    expect(mine.public).toBe(false);
    expect((await ada.lists.all()).map((l) => l.id)).toContain(mine.id);
    expect((await bo.lists.all()).map((l) => l.id)).not.toContain(mine.id);
  });

  it("answers 403 on another user's private list (second API key) and 404 on an unknown one", async () => {
    const err = await caught(() => ada.lists.get(ids.secret));
    expect(err).toBeInstanceOf(AffinityForbiddenError);
    expect((err as AffinityForbiddenError).status).toBe(403);
    expect((await bo.lists.get(ids.secret)).name).toBe('Secret');
    expect(await caught(() => ada.listEntries.all(ids.secret))).toBeInstanceOf(AffinityForbiddenError);
    expect(await caught(() => ada.lists.get(987_654_321))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('rejects a list of an unknown type locally, and the emulator does too when sent raw', async () => {
    const local = await caught(() => ada.lists.create({ name: 'Odd', type: 3 as 0, is_public: true }));
    expect(local).toBeInstanceOf(AffinityArgumentError);
    expect(
      (await raw(em, 'POST', '/lists', KEYS.ada, { name: 'Odd', type: 3, is_public: true })).status,
    ).toBe(422);
  });
});

describe('list entries', () => {
  beforeAll(() => resetWorkspace(em));

  it('answers a bare array without page_size (newest first) and pages with it', async () => {
    const all = await ada.listEntries.all(ids.companies);
    expect(all.map((e) => e.entity_id)).toEqual([ids.globex, ids.acme]);
    expect(all[0]?.entity).toMatchObject({ id: ids.globex, name: 'Globex' });

    const first = await ada.listEntries.page(ids.companies, { page_size: 1 });
    expect(first.list_entries).toHaveLength(1);
    expect(first.next_page_token).toEqual(expect.any(String));
    const second = await ada.listEntries.page(ids.companies, {
      page_size: 1,
      page_token: first.next_page_token as string,
    });
    expect(second.list_entries.map((e) => e.entity_id)).toEqual([ids.acme]);
    expect(second.next_page_token).toBeNull();

    const iterated: number[] = [];
    for await (const e of ada.listEntries.iterate(ids.companies, { page_size: 1 })) iterated.push(e.id);
    expect(iterated).toEqual(all.map((e) => e.id));
  });

  it('creates, gets and deletes a person entry', async () => {
    const entry = await ada.listEntries.create(ids.people, { entity_id: ids.john });
    expect(entry).toMatchObject({ list_id: ids.people, entity_id: ids.john, creator_id: ids.ada });
    expect(entry.entity).toMatchObject({ id: ids.john, first_name: 'John' });
    expect((await ada.listEntries.get(ids.people, entry.id)).id).toBe(entry.id);
    const withCreator = await ada.listEntries.create(ids.people, { entity_id: ids.mia, creator_id: ids.bo });
    expect(withCreator.creator_id).toBe(ids.bo);

    expect(await ada.listEntries.delete(ids.people, entry.id)).toEqual({ success: true });
    expect(await caught(() => ada.listEntries.get(ids.people, entry.id))).toBeInstanceOf(
      AffinityNotFoundError,
    );
  });

  it('lists opportunity entries and refuses to add an opportunity through list entries', async () => {
    const entries = await ada.listEntries.all(ids.deals);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ id: ids.dealEntry, entity_id: ids.deal, entity_type: 8 });
    const err = await caught(() => ada.listEntries.create(ids.deals, { entity_id: ids.deal }));
    expect(err).toBeInstanceOf(AffinityValidationError);
  });

  it('answers 404 for an entry of another list', async () => {
    expect(await caught(() => ada.listEntries.get(ids.people, ids.acmeOnCompanies))).toBeInstanceOf(
      AffinityNotFoundError,
    );
  });
});

describe('fields', () => {
  beforeAll(() => resetWorkspace(em));

  it('filters by list, value type and entity type', async () => {
    const all = await ada.fields.all();
    expect(all.map((f) => f.id)).toEqual(expect.arrayContaining([ids.status, ids.amount, ids.stage, ids.hq]));
    expect((await ada.fields.all({ list_id: ids.deals })).map((f) => f.id).sort()).toEqual(
      [ids.status, ids.amount].sort(),
    );
    const ranked = await ada.fields.all({ value_type: 7 });
    expect(ranked.every((f) => f.value_type === 7)).toBe(true);
    expect(ranked.map((f) => f.id)).toContain(ids.status);
    const opp = await ada.fields.all({ entity_type: 8 });
    expect(opp.map((f) => f.id).sort()).toEqual([ids.status, ids.amount].sort());
  });

  it('prefixes list names with with_modified_names and drops options with exclude_dropdown_options', async () => {
    const named = await ada.fields.all({ list_id: ids.deals, with_modified_names: true });
    expect(named.map((f) => f.name).sort()).toEqual(['[Deals] Amount', '[Deals] Status']);
    const global = (await ada.fields.all({ with_modified_names: true })).find((f) => f.id === ids.stage);
    expect(global?.name).toBe('Stage');
    const bare = await ada.fields.all({ list_id: ids.deals, exclude_dropdown_options: true });
    expect(bare.find((f) => f.id === ids.status)?.dropdown_options).toEqual([]);
    const full = await ada.fields.all({ list_id: ids.deals });
    expect(full.find((f) => f.id === ids.status)?.dropdown_options).toHaveLength(2);
  });

  it('creates global and list-specific fields and deletes one', async () => {
    const global = await ada.fields.create({ name: 'Score', entity_type: 0, value_type: 3 });
    expect(global).toMatchObject({ name: 'Score', list_id: null, value_type: 3, allows_multiple: false });
    const specific = await ada.fields.create({
      name: 'Round',
      entity_type: 8,
      value_type: 2,
      list_id: ids.deals,
      is_list_specific: true,
      allows_multiple: true,
    });
    expect(specific).toMatchObject({ list_id: ids.deals, allows_multiple: true, enrichment_source: 'none' });
    expect(await ada.fields.delete(specific.id)).toEqual({ success: true });
    expect((await ada.fields.all({ list_id: ids.deals })).map((f) => f.id)).not.toContain(specific.id);
    expect(await caught(() => ada.fields.delete(specific.id))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('needs a list_id for a list-specific field: locally, and from the emulator when sent raw', async () => {
    const local = await caught(() =>
      ada.fields.create({ name: 'X', entity_type: 1, value_type: 3, is_list_specific: true }),
    );
    expect(local).toBeInstanceOf(AffinityArgumentError);
    const answer = await raw(em, 'POST', '/fields', KEYS.ada, {
      name: 'X',
      entity_type: 1,
      value_type: 3,
      is_list_specific: true,
    });
    expect(answer.status).toBe(422);
  });
});

describe('field values', () => {
  beforeEach(() => resetWorkspace(em));

  it('stores every value type 0–7 and reads them back per entity and per list entry', async () => {
    const person = await ada.fieldValues.create({
      field_id: ids.owners,
      entity_id: ids.jane,
      value: ids.ada,
    });
    expect(person).toMatchObject({
      field_id: ids.owners,
      entity_id: ids.jane,
      value: ids.ada,
      list_entry_id: null,
    });
    expect(person.updated_at).toBeNull();
    const org = await ada.fieldValues.create({
      field_id: ids.partner,
      entity_id: ids.acme,
      value: ids.initech,
    });
    expect(org.value).toBe(ids.initech);
    const dropdown = await ada.fieldValues.create({
      field_id: ids.stage,
      entity_id: ids.acme,
      value: 'Seed',
    });
    expect(dropdown.value).toBe('Seed');
    const amount = await ada.fieldValues.create({
      field_id: ids.amount,
      entity_id: ids.deal,
      list_entry_id: ids.dealEntry,
      value: 5000,
    });
    expect(amount).toMatchObject({ value: 5000, list_entry_id: ids.dealEntry });
    const date = await ada.fieldValues.create({
      field_id: ids.closeDate,
      entity_id: ids.acme,
      value: '2020-05-01T12:00:00Z',
    });
    expect(String(date.value).slice(0, 10)).toBe('2020-05-01');
    const location = await ada.fieldValues.create({
      field_id: ids.hq,
      entity_id: ids.acme,
      value: {
        street_address: null,
        city: 'San Francisco',
        state: 'California',
        country: null,
        continent: null,
      },
    });
    expect(location.value).toMatchObject({ city: 'San Francisco', country: null });
    const text = await ada.fieldValues.create({
      field_id: ids.summary,
      entity_id: ids.jane,
      value: 'Met at a dinner',
    });
    expect(text.value).toBe('Met at a dinner');
    const won = ids.statusOptions[1] as number;
    const ranked = await ada.fieldValues.create({
      field_id: ids.status,
      entity_id: ids.deal,
      list_entry_id: ids.dealEntry,
      value: won,
    });
    expect(ranked.value).toEqual({ id: won, text: 'Won', rank: expect.any(Number), color: 2 });

    const acmeValues = await ada.fieldValues.all({ organization_id: ids.acme });
    expect(acmeValues.map((v) => v.id).sort()).toEqual([org.id, dropdown.id, date.id, location.id].sort());
    const entryValues = await ada.fieldValues.all({ list_entry_id: ids.dealEntry });
    expect(entryValues.map((v) => v.id).sort()).toEqual([amount.id, ranked.id].sort());
    expect((await ada.fieldValues.all({ opportunity_id: ids.deal })).length).toBe(2);
    expect((await ada.fieldValues.all({ person_id: ids.jane })).map((v) => v.id).sort()).toEqual(
      [person.id, text.id].sort(),
    );
  });

  it('allows several values only in multi-valued fields', async () => {
    await ada.fieldValues.create({ field_id: ids.owners, entity_id: ids.jane, value: ids.ada });
    await ada.fieldValues.create({ field_id: ids.owners, entity_id: ids.jane, value: ids.bo });
    await ada.fieldValues.create({ field_id: ids.tags, entity_id: ids.jane, value: 'fintech' });
    await ada.fieldValues.create({ field_id: ids.tags, entity_id: ids.jane, value: 'ai' });
    expect((await ada.fieldValues.all({ person_id: ids.jane })).length).toBe(4);

    await ada.fieldValues.create({ field_id: ids.stage, entity_id: ids.acme, value: 'Seed' });
    const err = await caught(() =>
      ada.fieldValues.create({ field_id: ids.stage, entity_id: ids.acme, value: 'A' }),
    );
    expect(err).toBeInstanceOf(AffinityValidationError);
  });

  it('takes ranked dropdown option ids, answers 422 for their text and for misfit values', async () => {
    const text = await caught(() =>
      ada.fieldValues.create({
        field_id: ids.status,
        entity_id: ids.deal,
        list_entry_id: ids.dealEntry,
        value: 'Won',
      }),
    );
    expect(text).toBeInstanceOf(AffinityValidationError);
    expect((text as AffinityValidationError).messages.join(' ')).toMatch(/id/i);
    const number = await caught(() =>
      ada.fieldValues.create({
        field_id: ids.amount,
        entity_id: ids.deal,
        list_entry_id: ids.dealEntry,
        value: 'lots',
      }),
    );
    expect(number).toBeInstanceOf(AffinityValidationError);
    const person = await caught(() =>
      ada.fieldValues.create({ field_id: ids.owners, entity_id: ids.jane, value: 987_654_321 }),
    );
    expect(person).toBeInstanceOf(AffinityValidationError);
  });

  it('needs the list entry for list-specific values, and no list entry for global ones', async () => {
    const missing = await caught(() =>
      ada.fieldValues.create({ field_id: ids.amount, entity_id: ids.deal, value: 1 }),
    );
    expect(missing).toBeInstanceOf(AffinityValidationError);
    const wrongEntry = await caught(() =>
      ada.fieldValues.create({
        field_id: ids.amount,
        entity_id: ids.deal,
        list_entry_id: ids.acmeOnCompanies,
        value: 1,
      }),
    );
    expect(wrongEntry).toBeInstanceOf(AffinityValidationError);
    const extra = await caught(() =>
      ada.fieldValues.create({
        field_id: ids.stage,
        entity_id: ids.acme,
        list_entry_id: ids.acmeOnCompanies,
        value: 'x',
      }),
    );
    expect(extra).toBeInstanceOf(AffinityValidationError);
  });

  it('updates and deletes a value', async () => {
    const v = await ada.fieldValues.create({ field_id: ids.stage, entity_id: ids.acme, value: 'Seed' });
    const updated = await ada.fieldValues.update(v.id, 'Series A');
    expect(updated).toMatchObject({ id: v.id, value: 'Series A' });
    expect(updated.updated_at).not.toBeNull();
    expect(await caught(() => ada.fieldValues.update(v.id, { city: 'Nope' }))).toBeInstanceOf(
      AffinityValidationError,
    );
    expect(await ada.fieldValues.delete(v.id)).toEqual({ success: true });
    expect(await ada.fieldValues.all({ organization_id: ids.acme })).toEqual([]);
    expect(await caught(() => ada.fieldValues.delete(v.id))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('wants exactly one owner: locally, and from the emulator when sent raw', async () => {
    const none = await caught(() => ada.fieldValues.all({} as { person_id: number }));
    expect(none).toBeInstanceOf(AffinityArgumentError);
    expect((await raw(em, 'GET', '/field-values')).status).toBe(422);
  });
});

describe('field value changes', () => {
  beforeAll(() => resetWorkspace(em));

  it('records create (0), update (2) and delete (1) of tracked fields, filterable', async () => {
    const [newId, wonId] = ids.statusOptions as [number, number];
    const v = await ada.fieldValues.create({
      field_id: ids.status,
      entity_id: ids.deal,
      list_entry_id: ids.dealEntry,
      value: newId,
    });
    await ada.fieldValues.update(v.id, wonId);
    await ada.fieldValues.delete(v.id);

    const changes = await ada.fieldValueChanges.all({ field_id: ids.status });
    expect(changes.map((c) => c.action_type).sort()).toEqual([0, 1, 2]);
    for (const c of changes) {
      expect(c).toMatchObject({ field_id: ids.status, entity_id: ids.deal, list_entry_id: ids.dealEntry });
      expect(c.changer).toMatchObject({ id: ids.ada });
    }
    const created = changes.find((c) => c.action_type === 0);
    expect(created?.value).toMatchObject({ id: newId, text: 'New' });
    // On delete the value is the old one.
    expect(changes.find((c) => c.action_type === 1)?.value).toMatchObject({ id: wonId });

    const updates = await ada.fieldValueChanges.all({ field_id: ids.status, action_type: 2 });
    expect(updates.map((c) => c.action_type)).toEqual([2]);
    expect(
      await ada.fieldValueChanges.all({ field_id: ids.status, list_entry_id: ids.dealEntry }),
    ).toHaveLength(3);
    expect(await ada.fieldValueChanges.all({ field_id: ids.status, opportunity_id: ids.deal })).toHaveLength(
      3,
    );
    expect(
      await ada.fieldValueChanges.all({ field_id: ids.status, list_entry_id: ids.janeOnPeople }),
    ).toEqual([]);
  });

  it('tracks multi-valued person fields, but not plain dropdown or text fields', async () => {
    await ada.fieldValues.create({ field_id: ids.owners, entity_id: ids.jane, value: ids.bo });
    const owners = await ada.fieldValueChanges.all({ field_id: ids.owners, person_id: ids.jane });
    expect(owners.map((c) => c.action_type)).toEqual([0]);
    expect(owners[0]?.value).toBe(ids.bo);

    await ada.fieldValues.create({ field_id: ids.stage, entity_id: ids.acme, value: 'Seed' });
    expect(await caught(() => ada.fieldValueChanges.all({ field_id: ids.stage }))).toBeInstanceOf(
      AffinityValidationError,
    );
    expect(await caught(() => ada.fieldValueChanges.all({ field_id: ids.summary }))).toBeInstanceOf(
      AffinityValidationError,
    );
  });
});

describe('persons', () => {
  beforeAll(() => resetWorkspace(em));

  it('searches by term (name or email) and pages through everyone with the iterator', async () => {
    const doe = await ada.persons.search({ term: 'doe' });
    expect(doe.persons.map((p) => p.id).sort()).toEqual([ids.jane, ids.john].sort());
    expect(doe.next_page_token).toBeNull();
    expect((await ada.persons.search({ term: 'mia@initech.io' })).persons.map((p) => p.id)).toEqual([
      ids.mia,
    ]);

    const everyone: Person[] = [];
    for await (const p of ada.persons.iterate({ page_size: 2 })) everyone.push(p);
    expect(everyone.map((p) => p.id).sort((a, b) => a - b)).toEqual(
      [ids.ada, ids.bo, ids.cy, ids.jane, ids.john, ids.mia].sort((a, b) => a - b),
    );
    let pages = 0;
    for await (const _ of ada.persons.pages({ page_size: 2 })) pages++;
    expect(pages).toBe(3);
  });

  it('adds interaction dates, persons, opportunities and current organizations on request', async () => {
    const withDates = await ada.persons.search({
      with_interaction_dates: true,
      with_interaction_persons: true,
    });
    const found = withDates.persons.map((p) => p.id);
    expect(found).toEqual(expect.arrayContaining([ids.jane, ids.mia]));
    expect(found).not.toContain(ids.john);
    const jane = withDates.persons.find((p) => p.id === ids.jane);
    expect(jane?.interaction_dates?.last_email_date?.slice(0, 10)).toBe('2024-01-10');
    expect(jane?.interactions?.last_email?.person_ids).toEqual([ids.ada]);

    const got = await ada.persons.get(ids.jane, {
      with_interaction_dates: true,
      with_opportunities: true,
      with_current_organizations: true,
    });
    expect(got.organization_ids).toEqual([ids.acme]);
    expect(got.list_entries?.map((e) => e.id)).toEqual([ids.janeOnPeople]);
    expect(got.interaction_dates?.last_event_date?.slice(0, 10)).toBe('2024-02-10');
    expect(got.opportunity_ids).toEqual(expect.any(Array));
    expect(got.current_organization_ids).toEqual(expect.any(Array));
  });

  it('gives `interactions` with the dates alone, its person_ids only with with_interaction_persons', async () => {
    const dates = await ada.persons.get(ids.jane, { with_interaction_dates: true });
    expect(dates.interactions?.last_email?.date?.slice(0, 10)).toBe('2024-01-10');
    expect(dates.interactions?.last_email).not.toHaveProperty('person_ids');
    const org = await ada.organizations.get(ids.acme, { with_interaction_dates: true });
    expect(org.interactions?.last_event?.date?.slice(0, 10)).toBe('2024-02-10');
    const both = await ada.persons.get(ids.jane, {
      with_interaction_dates: true,
      with_interaction_persons: true,
    });
    expect(both.interactions?.last_email?.person_ids).toEqual([ids.ada]);
  });

  it('refuses an unknown person or organization id given as a parameter with a validation error', async () => {
    const err = await caught(() => ada.organizations.create({ name: 'Nobody Inc', person_ids: [999_999] }));
    expect(err).toBeInstanceOf(AffinityValidationError);
    expect((err as AffinityValidationError).status).toBe(422);
  });

  it('filters by interaction dates', async () => {
    const late = await ada.persons.search({ min_last_email_date: '2024-02-15T00:00:00Z' });
    const ids2 = late.persons.map((p) => p.id);
    expect(ids2).toContain(ids.mia);
    expect(ids2).not.toContain(ids.jane);
    const early = await ada.persons.search({
      min_last_email_date: new Date('2024-01-01T00:00:00Z'),
      max_last_email_date: new Date('2024-01-31T00:00:00Z'),
    });
    expect(early.persons.map((p) => p.id)).toContain(ids.jane);
    expect(early.persons.map((p) => p.id)).not.toContain(ids.mia);
  });

  it('creates, updates (sets are replaced) and deletes a person', async () => {
    const p = await ada.persons.create({
      first_name: 'Alice',
      last_name: 'Doe',
      emails: ['alice@acme.co'],
      organization_ids: [ids.acme],
    });
    expect(p).toMatchObject({ type: 0, primary_email: 'alice@acme.co', organization_ids: [ids.acme] });
    const updated = await ada.persons.update(p.id, {
      first_name: 'Allison',
      emails: ['allison@initech.io'],
      organization_ids: [ids.initech],
    });
    expect(updated).toMatchObject({
      first_name: 'Allison',
      last_name: 'Doe',
      emails: ['allison@initech.io'],
    });
    expect(updated.organization_ids).toEqual([ids.initech]);
    expect((await ada.organizations.get(ids.acme)).person_ids).not.toContain(p.id);
    expect(await ada.persons.delete(p.id)).toEqual({ success: true });
    expect(await caught(() => ada.persons.get(p.id))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('answers a duplicate email with 422 and a bare-array body', async () => {
    const err = await caught(() =>
      ada.persons.create({ first_name: 'Copy', last_name: 'Cat', emails: ['jane@acme.co'] }),
    );
    expect(err).toBeInstanceOf(AffinityValidationError);
    const v = err as AffinityValidationError;
    expect(v.status).toBe(422);
    expect(Array.isArray(v.body)).toBe(true);
    expect(v.messages).toEqual(['There exists a contact with this email address.']);
    const onUpdate = await caught(() => ada.persons.update(ids.john, { emails: ['jane@acme.co'] }));
    expect((onUpdate as AffinityValidationError).messages).toEqual([
      'There exists a contact with this email address.',
    ]);
  });

  it('lists the global person fields', async () => {
    const fields = await ada.persons.globalFields();
    expect(fields.map((f) => f.id)).toEqual(expect.arrayContaining([ids.owners, ids.summary, ids.tags]));
    expect(fields.every((f) => f.list_id === null || f.list_id === undefined)).toBe(true);
    expect(fields.map((f) => f.id)).not.toContain(ids.stage);
  });
});

describe('organizations', () => {
  beforeAll(() => resetWorkspace(em));

  it('searches by name or domain and pages with the iterator', async () => {
    expect((await ada.organizations.search({ term: 'acme' })).organizations.map((o) => o.id)).toEqual([
      ids.acme,
    ]);
    expect((await ada.organizations.search({ term: 'globex.com' })).organizations.map((o) => o.id)).toEqual([
      ids.globex,
    ]);
    const all: number[] = [];
    for await (const o of ada.organizations.iterate({ page_size: 1 })) all.push(o.id);
    expect(all.sort((a, b) => a - b)).toEqual([ids.acme, ids.globex, ids.initech].sort((a, b) => a - b));
    const dated = await ada.organizations.search({ with_interaction_dates: true });
    expect(dated.organizations.map((o) => o.id)).toEqual(expect.arrayContaining([ids.acme, ids.initech]));
    expect(dated.organizations.map((o) => o.id)).not.toContain(ids.globex);
    const filtered = await ada.organizations.search({ min_last_email_date: '2024-02-15T00:00:00Z' });
    expect(filtered.organizations.map((o) => o.id)).toEqual([ids.initech]);
  });

  it('gets one with its list entries, persons and (on request) opportunities', async () => {
    const acme = await ada.organizations.get(ids.acme, {
      with_opportunities: true,
      with_interaction_dates: true,
    });
    expect(acme).toMatchObject({ name: 'Acme Corporation', domain: 'acme.co', global: false });
    expect(acme.person_ids).toEqual([ids.jane]);
    expect(acme.opportunity_ids).toEqual([ids.deal]);
    expect(acme.list_entries?.map((e) => e.list_id)).toEqual(expect.arrayContaining([ids.companies]));
    expect(acme.interaction_dates?.last_email_date?.slice(0, 10)).toBe('2024-01-10');
  });

  it('creates, updates (person_ids replaced) and deletes an organization', async () => {
    const o = await ada.organizations.create({ name: 'Hooli', domain: 'hooli.xyz', person_ids: [ids.john] });
    expect(o).toMatchObject({ name: 'Hooli', domain: 'hooli.xyz', domains: ['hooli.xyz'], global: false });
    expect(o.person_ids).toEqual([ids.john]);
    const u = await ada.organizations.update(o.id, { name: 'Hooli Inc', person_ids: [ids.mia] });
    expect(u.name).toBe('Hooli Inc');
    expect(u.person_ids).toEqual([ids.mia]);
    expect(await ada.organizations.delete(o.id)).toEqual({ success: true });
    expect(await caught(() => ada.organizations.get(o.id))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('keeps global organizations immutable: no rename, no new domain, no delete', async () => {
    expect(await caught(() => ada.organizations.update(ids.globex, { name: 'Globex 2' }))).toBeInstanceOf(
      AffinityValidationError,
    );
    expect(await caught(() => ada.organizations.update(ids.globex, { domain: 'globex.io' }))).toBeInstanceOf(
      AffinityValidationError,
    );
    expect(await caught(() => ada.organizations.delete(ids.globex))).toBeInstanceOf(AffinityValidationError);
    // Its people can still change.
    const u = await ada.organizations.update(ids.globex, { person_ids: [ids.john] });
    expect(u).toMatchObject({ name: 'Globex', global: true, person_ids: [ids.john] });
  });

  it('lists the global organization fields', async () => {
    const fields = await ada.organizations.globalFields();
    expect(fields.map((f) => f.id)).toEqual(
      expect.arrayContaining([ids.stage, ids.hq, ids.partner, ids.closeDate]),
    );
    expect(fields.map((f) => f.id)).not.toContain(ids.owners);
  });
});

describe('opportunities', () => {
  beforeEach(() => resetWorkspace(em));

  it('creates an opportunity on exactly one list and finds it', async () => {
    const o = await ada.opportunities.create({
      name: 'Initech Seed',
      list_id: ids.deals,
      person_ids: [ids.mia],
      organization_ids: [ids.initech],
    });
    expect(o.list_entries ?? []).toHaveLength(1);
    expect(o.list_entries?.[0]).toMatchObject({ list_id: ids.deals, entity_id: o.id, entity_type: 8 });
    expect((await ada.opportunities.get(o.id)).name).toBe('Initech Seed');
    expect((await ada.opportunities.search({ term: 'initech' })).opportunities.map((x) => x.id)).toEqual([
      o.id,
    ]);
    const all: number[] = [];
    for await (const x of ada.opportunities.iterate({ page_size: 1 })) all.push(x.id);
    expect(all.sort((a, b) => a - b)).toEqual([ids.deal, o.id].sort((a, b) => a - b));
    expect((await ada.listEntries.all(ids.deals)).map((e) => e.entity_id)).toContain(o.id);

    const wrongList = await caught(() => ada.opportunities.create({ name: 'Nope', list_id: ids.companies }));
    expect(wrongList).toBeInstanceOf(AffinityValidationError);
  });

  it('updates (sets replaced) and deletes an opportunity', async () => {
    const u = await ada.opportunities.update(ids.deal, { name: 'Acme A', person_ids: [ids.jane, ids.john] });
    expect(u).toMatchObject({ name: 'Acme A', organization_ids: [ids.acme] });
    expect((u.person_ids ?? []).sort((a, b) => a - b)).toEqual([ids.jane, ids.john].sort((a, b) => a - b));
    const again = await ada.opportunities.update(ids.deal, { person_ids: [ids.john], organization_ids: [] });
    expect(again.person_ids).toEqual([ids.john]);
    expect(again.organization_ids).toEqual([]);
    expect(await ada.opportunities.delete(ids.deal)).toEqual({ success: true });
    expect(await caught(() => ada.opportunities.get(ids.deal))).toBeInstanceOf(AffinityNotFoundError);
    expect(await ada.listEntries.all(ids.deals)).toEqual([]);
  });

  it('deletes the opportunity with its list entry', async () => {
    expect(await ada.listEntries.delete(ids.deals, ids.dealEntry)).toEqual({ success: true });
    expect(await caught(() => ada.opportunities.get(ids.deal))).toBeInstanceOf(AffinityNotFoundError);
    expect((await ada.opportunities.search()).opportunities).toEqual([]);
  });

  it('hides opportunities of a private list from users who cannot see it', async () => {
    const hidden = await bo.lists.create({ name: 'Bo deals', type: 8, is_public: false });
    const o = await bo.opportunities.create({ name: 'Quiet deal', list_id: hidden.id });
    expect(await caught(() => ada.opportunities.get(o.id))).toBeInstanceOf(AffinityForbiddenError);
    expect((await ada.opportunities.search({ term: 'quiet' })).opportunities).toEqual([]);
    expect((await bo.opportunities.search({ term: 'quiet' })).opportunities.map((x) => x.id)).toEqual([o.id]);
  });
});

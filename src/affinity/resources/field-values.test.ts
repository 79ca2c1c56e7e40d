import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityResponseValidationError } from '../core/errors.js';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('field values', () => {
  it('GET by person, organization, opportunity or list entry', async () => {
    h.server.on('GET', '/field-values', { json: ex.getFieldValues });
    const values = await h.client.fieldValues.all({ person_id: 38706 });
    expect(h.server.last().rawQuery).toBe('person_id=38706');
    expect(values).toEqual(ex.getFieldValues);
    expect(values[0]?.value).toMatchObject({ city: 'San Francisco', continent: null });
    await h.client.fieldValues.all({ organization_id: 7 });
    expect(h.server.last().rawQuery).toBe('organization_id=7');
    await h.client.fieldValues.all({ opportunity_id: 8 });
    expect(h.server.last().rawQuery).toBe('opportunity_id=8');
    await h.client.fieldValues.all({ list_entry_id: 9 });
    expect(h.server.last().rawQuery).toBe('list_entry_id=9');
  });

  it('parses every value kind of the reference (location, ranked dropdown, number, text, id)', async () => {
    const all = [ex.fieldValueLocation, ex.fieldValueRankedDropdown, ...ex.useCaseFieldValues];
    h.server.on('GET', '/field-values', { json: all });
    const values = await h.client.fieldValues.all({ list_entry_id: 605 });
    expect(values).toEqual(all);
    expect(values[1]?.value).toEqual({ id: 71, text: 'Low', rank: 1, color: 4 });
    expect(values[2]?.value).toBe(5000);
  });

  it('requires exactly one owner', async () => {
    const before = h.server.requests.length;
    // @ts-expect-error two owners
    await expect(h.client.fieldValues.all({ person_id: 1, organization_id: 2 })).rejects.toThrow(
      'are mutually exclusive',
    );
    // @ts-expect-error no owner
    await expect(h.client.fieldValues.all({})).rejects.toThrow('missing: give one of person_id');
    expect(h.server.requests.length).toBe(before);
  });

  it('POST creates a value', async () => {
    h.server.on('POST', '/field-values', { json: ex.createFieldValue });
    const created = await h.client.fieldValues.create({
      field_id: 1284,
      value: 'Architecture',
      entity_id: 38706,
    });
    expect(h.server.last().contentType).toBe('application/json');
    expect(h.server.lastJson()).toEqual({ field_id: 1284, value: 'Architecture', entity_id: 38706 });
    expect(created).toEqual(ex.createFieldValue);
    await h.client.fieldValues.create({ field_id: 751, value: 71, entity_id: 38706, list_entry_id: 605 });
    expect(h.server.lastJson()).toEqual({ field_id: 751, value: 71, entity_id: 38706, list_entry_id: 605 });
  });

  it('PUT updates a value', async () => {
    h.server.on('PUT', '/field-values/20406836', { json: ex.updateFieldValue });
    const updated = await h.client.fieldValues.update(20406836, 'Healthcare');
    expect(h.server.lastJson()).toEqual({ value: 'Healthcare' });
    expect(updated).toEqual(ex.updateFieldValue);
  });

  it('DELETE a value', async () => {
    h.server.on('DELETE', '/field-values/20406836', { json: ex.success });
    expect(await h.client.fieldValues.delete(20406836)).toEqual({ success: true });
  });

  it('a timestamp that is not ISO-8601 fails validation, naming the path', async () => {
    h.server.on('GET', '/field-values', { json: [{ ...ex.createFieldValue, created_at: 'yesterday' }] });
    const err = await h.client.fieldValues.all({ person_id: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityResponseValidationError);
    expect((err as Error).message).toContain('[0].created_at');
  });
});

describe('field value changes', () => {
  it('GET with every filter', async () => {
    h.server.on('GET', '/field-value-changes', { json: ex.getFieldValueChanges });
    const changes = await h.client.fieldValueChanges.all({
      field_id: 236333,
      action_type: 2,
      person_id: 1,
      organization_id: 2,
      opportunity_id: 3,
      list_entry_id: 4,
    });
    expect(h.server.last().rawQuery).toBe(
      'field_id=236333&action_type=2&person_id=1&organization_id=2&opportunity_id=3&list_entry_id=4',
    );
    expect(changes).toEqual(ex.getFieldValueChanges);
  });

  it('parses the live-shaped example with person/company/opp and entity_attribute_id', async () => {
    h.server.on('GET', '/field-value-changes', { json: ex.useCaseFieldValueChanges });
    const changes = await h.client.fieldValueChanges.all({ field_id: 61223 });
    expect(h.server.last().rawQuery).toBe('field_id=61223');
    expect(changes).toEqual(ex.useCaseFieldValueChanges);
    expect(changes[0]?.company).toBeNull();
  });

  it('accepts microsecond timestamps', async () => {
    const change = { ...ex.fieldValueChangeResource, changed_at: '2020-04-11T15:46:50.963123-07:00' };
    h.server.on('GET', '/field-value-changes', { json: [change] });
    expect(await h.client.fieldValueChanges.all({ field_id: 236333 })).toEqual([change]);
  });
});

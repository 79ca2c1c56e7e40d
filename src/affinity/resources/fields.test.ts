import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('fields', () => {
  it('GET /fields with every filter', async () => {
    h.server.on('GET', '/fields', { json: ex.getFields });
    const fields = await h.client.fields.all({
      list_id: 11,
      value_type: 3,
      entity_type: 8,
      with_modified_names: true,
      exclude_dropdown_options: false,
    });
    expect(h.server.last().rawQuery).toBe(
      'list_id=11&value_type=3&entity_type=8&with_modified_names=true&exclude_dropdown_options=false',
    );
    expect(fields).toEqual(ex.getFields);
  });

  it('GET /fields without filters sends no query; the field examples parse', async () => {
    h.server.on('GET', '/fields', { json: [ex.fieldResource, ...ex.useCaseFields] });
    const fields = await h.client.fields.all();
    expect(h.server.last().rawQuery).toBe('');
    expect(fields[0]?.dropdown_options?.map((o) => o.text)).toEqual(['New', 'In Progress', 'Won']);
    expect(fields).toEqual([ex.fieldResource, ...ex.useCaseFields]);
  });

  it('POST /fields sends the reference payload', async () => {
    h.server.on('POST', '/fields', { json: ex.createField });
    const field = await h.client.fields.create({
      name: '[Deals] Amount',
      list_id: 11,
      entity_type: 1,
      value_type: 3,
      allows_multiple: false,
      is_list_specific: true,
    });
    expect(h.server.lastJson()).toEqual({
      name: '[Deals] Amount',
      list_id: 11,
      entity_type: 1,
      value_type: 3,
      allows_multiple: false,
      is_list_specific: true,
    });
    expect(field).toEqual(ex.createField);
  });

  it('DELETE /fields/{id}', async () => {
    h.server.on('DELETE', '/fields/1234', { json: ex.success });
    expect(await h.client.fields.delete(1234)).toEqual({ success: true });
  });

  it('global person and organization fields', async () => {
    h.server.on('GET', '/persons/fields', { json: ex.personFields });
    h.server.on('GET', '/organizations/fields', { json: ex.organizationFields });
    expect(await h.client.persons.globalFields()).toEqual(ex.personFields);
    expect(await h.client.organizations.globalFields()).toEqual(ex.organizationFields);
    expect(h.server.last().path).toBe('/organizations/fields');
  });

  it('rejects impossible arguments locally', async () => {
    const before = h.server.requests.length;
    // @ts-expect-error 9 is not a value type
    await expect(h.client.fields.all({ value_type: 9 })).rejects.toThrow('value_type must be one of 0, 1, 2');
    await expect(
      h.client.fields.create({ name: 'x', entity_type: 0, value_type: 6, is_list_specific: true }),
    ).rejects.toThrow('list_id is required when is_list_specific is true');
    expect(h.server.requests.length).toBe(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityArgumentError } from './arguments.js';
import { type Harness, startHarness, TEST_API_KEY } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('lists', () => {
  it('GET /lists sends Basic auth and parses the reference example', async () => {
    h.server.on('GET', '/lists', { json: ex.getAllLists });
    const lists = await h.client.lists.all();
    const req = h.server.last();
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/lists');
    expect(req.rawQuery).toBe('');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`:${TEST_API_KEY}`).toString('base64')}`);
    expect(lists).toEqual(ex.getAllLists);
    expect(lists[1]?.type).toBe(1);
  });

  it('parses the use-case example of GET /lists', async () => {
    h.server.on('GET', '/lists', { json: ex.useCaseLists });
    expect(await h.client.lists.all()).toEqual(ex.useCaseLists);
  });

  it('GET /lists/{list_id} returns the list with its fields', async () => {
    h.server.on('GET', '/lists/450', { json: ex.getList });
    const list = await h.client.lists.get(450);
    expect(h.server.last().path).toBe('/lists/450');
    expect(list).toEqual(ex.getList);
    expect(list.fields?.[0]?.dropdown_options?.[0]?.text).toBe('Interested');
  });

  it('the list resource example (creator and permissions) parses', async () => {
    h.server.on('GET', '/lists/450', { json: ex.listResource });
    const list = await h.client.lists.get(450);
    expect(list.additional_permissions).toEqual([{ internal_person_id: 38706, role_id: 0 }]);
  });

  it('POST /lists sends the reference payload as JSON', async () => {
    h.server.on('POST', '/lists', { json: ex.createList });
    const created = await h.client.lists.create({
      name: 'My List of Organizations',
      type: 1,
      is_public: true,
      owner_id: 38706,
      additional_permissions: [
        { internal_person_id: 38701, role_id: 0 },
        { internal_person_id: 38703, role_id: 1 },
        { internal_person_id: 38900, role_id: 0 },
      ],
    });
    const req = h.server.last();
    expect(req.method).toBe('POST');
    expect(req.contentType).toBe('application/json');
    expect(h.server.lastJson()).toEqual({
      name: 'My List of Organizations',
      type: 1,
      is_public: true,
      owner_id: 38706,
      additional_permissions: [
        { internal_person_id: 38701, role_id: 0 },
        { internal_person_id: 38703, role_id: 1 },
        { internal_person_id: 38900, role_id: 0 },
      ],
    });
    expect(created).toEqual(ex.createList);
  });

  it('rejects a bad list type and a bad id before sending', async () => {
    const before = h.server.requests.length;
    // @ts-expect-error 2 is not a list type
    await expect(h.client.lists.create({ name: 'x', type: 2, is_public: true })).rejects.toThrow(
      AffinityArgumentError,
    );
    await expect(h.client.lists.get(0)).rejects.toThrow(
      'GET /lists/{list_id}: list_id must be a positive integer id',
    );
    expect(h.server.requests.length).toBe(before);
  });
});

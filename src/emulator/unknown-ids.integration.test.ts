/**
 * The emulator's one rule for ids that name nothing: in the path, 404 (the resource asked for
 * does not exist); given as a parameter, 422 naming the parameter. Every route that looks a
 * parameter's id up is exercised over HTTP. (Which one the live service answers per route is not
 * verified; the rule is the emulator's.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startWorkspace, type Workspace } from './routes/activity.test-support.js';

let w: Workspace;
let field: number;
let listField: number;
let peopleList: number;
let entry: number;
beforeAll(async () => {
  w = await startWorkspace();
  const f = await call<{ id: number }>(w, 'POST', '/fields', {
    json: { name: 'Note', entity_type: 0, value_type: 6 },
  });
  field = f.body.id;
  const l = await call<{ id: number }>(w, 'POST', '/lists', {
    json: { name: 'People', type: 0, is_public: true },
  });
  peopleList = l.body.id;
  const lf = await call<{ id: number }>(w, 'POST', '/fields', {
    json: { name: 'Stage', entity_type: 0, value_type: 6, list_id: peopleList },
  });
  listField = lf.body.id;
  const e = await call<{ id: number }>(w, 'POST', `/lists/${peopleList}/list-entries`, {
    json: { entity_id: w.bob },
  });
  entry = e.body.id;
});
afterAll(() => w.em.close());

const NONE = 999_999;
const range = 'start_time=2024-01-01T00:00:00Z&end_time=2024-12-31T00:00:00Z';

describe('an id given as a parameter that names nothing: 422 naming the parameter', () => {
  const cases: Array<[string, string, string, () => unknown, string]> = [
    [
      'POST',
      '/persons',
      'organization_ids',
      () => ({ first_name: 'A', last_name: 'B', emails: [], organization_ids: [NONE] }),
      'Organization',
    ],
    ['POST', '/organizations', 'person_ids', () => ({ name: 'X', person_ids: [NONE] }), 'Person'],
    ['POST', '/opportunities', 'list_id', () => ({ name: 'X', list_id: NONE }), 'List'],
    [
      'POST',
      '/opportunities',
      'person_ids',
      () => ({ name: 'X', list_id: w.dealList, person_ids: [NONE] }),
      'Person',
    ],
    [
      'POST',
      '/opportunities',
      'organization_ids',
      () => ({ name: 'X', list_id: w.dealList, organization_ids: [NONE] }),
      'Organization',
    ],
    [
      'POST',
      '/fields',
      'list_id',
      () => ({ name: 'X', entity_type: 0, value_type: 6, list_id: NONE }),
      'List',
    ],
    ['POST', '/field-values', 'field_id', () => ({ field_id: NONE, entity_id: w.bob, value: 'x' }), 'Field'],
    [
      'POST',
      '/field-values',
      'entity_id',
      () => ({ field_id: field, entity_id: NONE, value: 'x' }),
      'Entity',
    ],
    ['POST', '/notes', 'person_ids', () => ({ content: 'x', person_ids: [NONE] }), 'Person'],
    [
      'POST',
      '/notes',
      'organization_ids',
      () => ({ content: 'x', organization_ids: [NONE] }),
      'Organization',
    ],
    ['POST', '/notes', 'opportunity_ids', () => ({ content: 'x', opportunity_ids: [NONE] }), 'Opportunity'],
    ['POST', '/notes', 'parent_id', () => ({ content: 'x', parent_id: NONE }), 'Note'],
    [
      'POST',
      '/interactions',
      'person_ids',
      () => ({ type: 0, content: 'x', date: '2024-03-01T00:00:00Z', person_ids: [w.ann, NONE] }),
      'Person',
    ],
    ['POST', '/reminders', 'owner_id', () => ({ owner_id: NONE, type: 0, due_date: '2024-04-01' }), 'Person'],
    [
      'POST',
      '/reminders',
      'person_id',
      () => ({ owner_id: w.ann, type: 0, due_date: '2024-04-01', person_id: NONE }),
      'Person',
    ],
    [
      'POST',
      '/reminders',
      'organization_id',
      () => ({ owner_id: w.ann, type: 0, due_date: '2024-04-01', organization_id: NONE }),
      'Organization',
    ],
    [
      'POST',
      '/reminders',
      'opportunity_id',
      () => ({ owner_id: w.ann, type: 0, due_date: '2024-04-01', opportunity_id: NONE }),
      'Opportunity',
    ],
  ];
  it.each(cases)('%s %s with an unknown %s', async (method, path, param, body, what) => {
    const r = await call(w, method, path, { json: body() });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ message: `${what} with id ${NONE} not found (${param}).` });
  });

  it('on updates too', async () => {
    for (const [path, body, param] of [
      [`/persons/${w.bob}`, { organization_ids: [NONE] }, 'organization_ids'],
      [`/organizations/${w.acme}`, { person_ids: [NONE] }, 'person_ids'],
      [`/opportunities/${w.deal}`, { person_ids: [NONE] }, 'person_ids'],
    ] as const) {
      const r = await call(w, 'PUT', path, { json: body });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({ message: expect.stringContaining(`(${param})`) });
    }
    const reminder = await call<{ id: number }>(w, 'POST', '/reminders', {
      json: { owner_id: w.ann, type: 0, due_date: '2024-04-01' },
    });
    expect(
      (await call(w, 'PUT', `/reminders/${reminder.body.id}`, { json: { owner_id: NONE } })).status,
    ).toBe(422);
  });

  it('on list entries, files and the subjects of reads', async () => {
    const entryOfNothing = await call(w, 'POST', `/lists/${peopleList}/list-entries`, {
      json: { entity_id: NONE },
    });
    expect(entryOfNothing.status).toBe(422);
    expect(entryOfNothing.body).toEqual({ message: `Entity with id ${NONE} not found (entity_id).` });
    const form = new FormData();
    form.append('file', new Blob(['x']), 'x.txt');
    form.append('opportunity_id', String(NONE));
    expect((await call(w, 'POST', '/entity-files', { multipart: form })).status).toBe(422);
    for (const path of [
      `/interactions?type=0&person_id=${NONE}&${range}`,
      `/interactions?type=0&organization_id=${NONE}&${range}`,
      `/interactions?type=0&opportunity_id=${NONE}&${range}`,
      `/field-values?person_id=${NONE}`,
      `/field-values?list_entry_id=${NONE}`,
      `/field-value-changes?field_id=${NONE}`,
      `/relationships-strengths?external_id=${NONE}`,
      `/relationships-strengths?external_id=${w.bob}&internal_id=${NONE}`,
    ]) {
      const r = await call(w, 'GET', path);
      expect(r.status, path).toBe(422);
      expect(r.body, path).toEqual({ message: expect.stringMatching(/not found \(\w+\)\.$/) });
    }
    // A list-specific value needs the entry (unknown: 422 as well).
    const v = await call(w, 'POST', '/field-values', {
      json: { field_id: listField, entity_id: w.bob, list_entry_id: NONE, value: 'x' },
    });
    expect(v.status).toBe(422);
    expect((await call(w, 'GET', `/field-values?list_entry_id=${entry}`)).status).toBe(200);
  });
});

describe('an id in the path that names nothing: 404', () => {
  it.each([
    ['GET', `/persons/${NONE}`],
    ['PUT', `/organizations/${NONE}`],
    ['DELETE', `/opportunities/${NONE}`],
    ['GET', `/lists/${NONE}`],
    ['GET', `/lists/${NONE}/list-entries`],
    ['PUT', `/field-values/${NONE}`],
    ['DELETE', `/fields/${NONE}`],
    ['GET', `/notes/${NONE}`],
    ['GET', `/interactions/${NONE}?type=0`],
    ['GET', `/reminders/${NONE}`],
    ['GET', `/entity-files/${NONE}`],
    ['GET', `/webhook/${NONE}`],
  ])('%s %s', async (method, path) => {
    const r = await call(w, method, path, method === 'PUT' ? { json: { name: 'x', value: 'x' } } : {});
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: expect.stringContaining('not found') });
  });
});

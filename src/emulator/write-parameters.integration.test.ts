/**
 * Writes read their parameters from the query string as well as the body, as the live API does
 * (published clients send updates as `PUT /organizations/{id}?name=…`); the body wins where both
 * give one. Every write route is exercised with its parameters in the query only, over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startWorkspace, type Workspace } from './routes/activity.test-support.js';

let w: Workspace;
beforeAll(async () => {
  w = await startWorkspace();
});
afterAll(() => w.em.close());

const q = (params: Record<string, string | number | Array<string | number>>): string =>
  Object.entries(params)
    .flatMap(([k, v]) =>
      Array.isArray(v)
        ? v.map((x) => `${encodeURIComponent(`${k}[]`)}=${encodeURIComponent(String(x))}`)
        : [`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`],
    )
    .join('&');

type Obj = Record<string, unknown> & { id: number };

async function ok<T = Obj>(method: string, path: string, o: Parameters<typeof call>[3] = {}): Promise<T> {
  const r = await call<T>(w, method, path, o);
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

describe('write parameters in the query string', () => {
  it('persons and organizations: create and update', async () => {
    const p = await ok(
      'POST',
      `/persons?${q({ first_name: 'Quinn', last_name: 'Query', emails: ['q@query.io'] })}`,
    );
    expect(p).toMatchObject({ first_name: 'Quinn', emails: ['q@query.io'] });
    await ok('PUT', `/persons/${p.id}?${q({ last_name: 'Renamed', organization_ids: [w.acme] })}`);
    expect(await ok('GET', `/persons/${p.id}`)).toMatchObject({
      last_name: 'Renamed',
      organization_ids: [w.acme],
    });

    const o = await ok(
      'POST',
      `/organizations?${q({ name: 'Query Co', domain: 'query.co', person_ids: [p.id] })}`,
    );
    expect(o).toMatchObject({ name: 'Query Co', domain: 'query.co', person_ids: [p.id] });
    await ok('PUT', `/organizations/${o.id}?${q({ name: 'Query Corp' })}`);
    expect(await ok('GET', `/organizations/${o.id}`)).toMatchObject({ name: 'Query Corp' });
  });

  it('opportunities, lists, list entries and fields', async () => {
    const opp = await ok('POST', `/opportunities?${q({ name: 'Q deal', list_id: w.dealList })}`);
    await ok('PUT', `/opportunities/${opp.id}?${q({ name: 'Renamed', person_ids: [w.bob] })}`);
    expect(await ok('GET', `/opportunities/${opp.id}`)).toMatchObject({
      name: 'Renamed',
      person_ids: [w.bob],
    });

    const list = await ok('POST', `/lists?${q({ name: 'Q list', type: 0, is_public: 'true' })}`);
    const entry = await ok('POST', `/lists/${list.id}/list-entries?${q({ entity_id: w.dee })}`);
    expect(entry).toMatchObject({ list_id: list.id, entity_id: w.dee });

    const field = await ok('POST', `/fields?${q({ name: 'Q note', entity_type: 0, value_type: 6 })}`);
    expect(field).toMatchObject({ name: 'Q note', value_type: 6, list_id: null });
  });

  it('field values: create and update', async () => {
    const field = await ok('POST', '/fields', { json: { name: 'Q text', entity_type: 0, value_type: 6 } });
    const v = await ok(
      'POST',
      `/field-values?${q({ field_id: field.id, entity_id: w.dee, value: 'first' })}`,
    );
    expect(v).toMatchObject({ value: 'first' });
    await ok('PUT', `/field-values/${v.id}?${q({ value: 'x' })}`);
    const values = await ok<Obj[]>('GET', `/field-values?person_id=${w.dee}`);
    expect(values.find((x) => x.id === v.id)).toMatchObject({ value: 'x' });
  });

  it('notes, reminders, interactions and entity files', async () => {
    const note = await ok('POST', `/notes?${q({ person_ids: [w.bob], content: 'from the query' })}`);
    expect(note).toMatchObject({ person_ids: [w.bob], content: 'from the query' });
    await ok('PUT', `/notes/${note.id}?${q({ content: 'edited' })}`);
    expect(await ok('GET', `/notes/${note.id}`)).toMatchObject({ content: 'edited' });

    const reminder = await ok(
      'POST',
      `/reminders?${q({ owner_id: w.ann, type: 0, due_date: '2024-04-01', content: 'call' })}`,
    );
    await ok('PUT', `/reminders/${reminder.id}?${q({ content: 'call back' })}`);
    expect(await ok('GET', `/reminders/${reminder.id}`)).toMatchObject({ content: 'call back' });

    const chat = await ok(
      'POST',
      `/interactions?${q({ type: 2, person_ids: [w.ann, w.bob], content: 'hi', date: '2024-03-01T00:00:00Z' })}`,
    );
    await ok('PUT', `/interactions/${chat.id}?${q({ type: 2, direction: 1 })}`);
    expect(await ok('GET', `/interactions/${chat.id}?type=2`)).toMatchObject({ direction: 1 });

    const form = new FormData();
    form.append('file', new Blob(['hello']), 'q.txt');
    expect(await ok('POST', `/entity-files?${q({ person_id: w.bob })}`, { multipart: form })).toEqual({
      success: true,
    });
    const files = await ok<{ entity_files: Obj[] }>('GET', `/entity-files?person_id=${w.bob}`);
    expect(files.entity_files.map((f) => f.name)).toContain('q.txt');
  });

  it('webhook subscriptions', async () => {
    const sub = await ok(
      'POST',
      `/webhook/subscribe?${q({ webhook_url: 'https://hooks.example/q', subscriptions: ['person.created'] })}`,
    );
    expect(sub).toMatchObject({ webhook_url: 'https://hooks.example/q', subscriptions: ['person.created'] });
    await ok('PUT', `/webhook/${sub.id}?${q({ disabled: 'true' })}`);
    expect(await ok('GET', `/webhook/${sub.id}`)).toMatchObject({ disabled: true });
    await ok('DELETE', `/webhook/${sub.id}`);
  });

  it('the body wins where both give a parameter; the query fills in the rest', async () => {
    const opp = await ok('POST', '/opportunities', { json: { name: 'Both', list_id: w.dealList } });
    await ok('PUT', `/opportunities/${opp.id}?${q({ name: 'From query', person_ids: [w.bob] })}`, {
      json: { name: 'From body' },
    });
    expect(await ok('GET', `/opportunities/${opp.id}`)).toMatchObject({
      name: 'From body',
      person_ids: [w.bob],
    });
    // Form bodies too, `key[]` or bare.
    await ok('PUT', `/opportunities/${opp.id}?${q({ name: 'From query' })}`, {
      form: 'person_ids[]=' + String(w.dee),
    });
    expect(await ok('GET', `/opportunities/${opp.id}`)).toMatchObject({
      name: 'From query',
      person_ids: [w.dee],
    });
  });

  it('a query parameter that fails validation is refused, not ignored', async () => {
    const note = await ok('POST', '/notes', { json: { person_ids: [w.bob], content: 'x' } });
    expect((await call(w, 'PUT', `/notes/${note.id}?content=`)).status).toBe(422);
    const opp = await ok('POST', '/opportunities', { json: { name: 'Strict', list_id: w.dealList } });
    expect((await call(w, 'PUT', `/opportunities/${opp.id}?person_ids[]=abc`)).status).toBe(422);
  });
});

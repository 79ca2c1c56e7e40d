import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startWorkspace, type Workspace } from './activity.test-support.js';

interface Note {
  id: number;
  creator_id: number;
  person_ids: number[];
  associated_person_ids: number[];
  interaction_person_ids: number[];
  organization_ids: number[];
  opportunity_ids: number[];
  parent_id: number | null;
  content: string;
  type: number;
  created_at: string;
  updated_at: string | null;
}
type Page = { notes: Note[]; next_page_token: string | null };

let w: Workspace;

beforeAll(async () => {
  w = await startWorkspace();
});
afterAll(() => w.em.close());

async function create(json: Record<string, unknown>, key?: string): Promise<Note> {
  const r = await call<Note>(w, 'POST', '/notes', { json, ...(key ? { key } : {}) });
  expect(r.status).toBe(200);
  return r.body;
}

describe('POST /notes', () => {
  it('creates a plain note on entities, authored by the key owner, with the note shape', async () => {
    const n = await create({
      person_ids: [w.bob],
      organization_ids: [w.acme],
      opportunity_ids: [w.deal],
      content: 'Lunch with Bob',
    });
    expect(n).toEqual({
      id: expect.any(Number),
      creator_id: w.ann,
      person_ids: [w.bob],
      associated_person_ids: [w.bob],
      interaction_person_ids: [],
      interaction_id: null,
      interaction_type: null,
      is_meeting: false,
      mentioned_person_ids: [],
      organization_ids: [w.acme],
      opportunity_ids: [w.deal],
      parent_id: null,
      content: 'Lunch with Bob',
      type: 0,
      created_at: '2024-03-15T05:00:00.000-07:00',
      updated_at: null,
    });
  });

  it('creates an HTML note from a form body', async () => {
    const r = await call<Note>(w, 'POST', '/notes', {
      form: `person_ids[]=${w.bob}&person_ids[]=${w.dee}&type=2&content=${encodeURIComponent('<p><strong>Hi</strong></p>')}`,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      type: 2,
      person_ids: [w.bob, w.dee],
      content: '<p><strong>Hi</strong></p>',
    });
  });

  it('creates a reply that ignores entity ids', async () => {
    const parent = await create({ person_ids: [w.bob], content: 'root' });
    const reply = await create({
      parent_id: parent.id,
      person_ids: [w.dee],
      organization_ids: [w.acme],
      content: 'r',
    });
    expect(reply).toMatchObject({
      parent_id: parent.id,
      person_ids: [],
      organization_ids: [],
      opportunity_ids: [],
    });
    const again = await call(w, 'POST', '/notes', { json: { parent_id: reply.id, content: 'nested' } });
    expect(again.status).toBe(422);
    // An unknown id given as a parameter is a 422 naming it (an unknown id in the path is a 404).
    const orphan = await call(w, 'POST', '/notes', { json: { parent_id: 999_999, content: 'x' } });
    expect(orphan.status).toBe(422);
    expect(orphan.body).toEqual({ message: 'Note with id 999999 not found (parent_id).' });
  });

  it('records another author and a past creation time', async () => {
    const n = await create({
      person_ids: [w.bob],
      content: 'by Carl',
      creator_id: w.carl,
      created_at: '2023-01-02T03:04:05Z',
    });
    expect(n.creator_id).toBe(w.carl);
    expect(n.created_at).toBe('2023-01-01T19:04:05.000-08:00');
  });

  it('rejects bad input', async () => {
    const post = (json: Record<string, unknown>) => call(w, 'POST', '/notes', { json });
    expect((await post({ person_ids: [w.bob] })).status).toBe(422);
    expect((await post({ content: 'no entity' })).status).toBe(422);
    expect((await post({ person_ids: [w.bob], content: 'x', type: 1 })).status).toBe(422);
    expect((await post({ person_ids: [w.bob], content: 'x', type: 3 })).status).toBe(422);
    expect((await post({ person_ids: [w.bob], content: 'x', creator_id: w.bob })).status).toBe(422);
    expect(
      (await post({ person_ids: [w.bob], content: 'x', created_at: '2024-03-16T00:00:00Z' })).status,
    ).toBe(422);
    expect((await post({ person_ids: [999_999], content: 'x' })).status).toBe(422);
    expect((await post({ organization_ids: [999_999], content: 'x' })).status).toBe(422);
    expect((await post({ opportunity_ids: [999_999], content: 'x' })).status).toBe(422);
  });
});

describe('GET /notes', () => {
  it('filters by person, organization, opportunity and creator, and pages', async () => {
    const local = await startWorkspace();
    try {
      const mk = async (json: Record<string, unknown>) =>
        (await call<Note>(local, 'POST', '/notes', { json })).body.id;
      const onBob = await mk({ person_ids: [local.bob], content: 'a' });
      const onAcme = await mk({ organization_ids: [local.acme], content: 'b' });
      const onDeal = await mk({ opportunity_ids: [local.deal], content: 'c', creator_id: local.carl });
      const list = async (q: string) => (await call<Page>(local, 'GET', `/notes${q}`)).body;
      expect((await list('')).notes.map((n) => n.id)).toEqual([onDeal, onAcme, onBob]);
      expect((await list(`?person_id=${local.bob}`)).notes.map((n) => n.id)).toEqual([onBob]);
      expect((await list(`?organization_id=${local.acme}`)).notes.map((n) => n.id)).toEqual([onAcme]);
      expect((await list(`?opportunity_id=${local.deal}`)).notes.map((n) => n.id)).toEqual([onDeal]);
      expect((await list(`?creator_id=${local.carl}`)).notes.map((n) => n.id)).toEqual([onDeal]);
      const first = await list('?page_size=2');
      expect(first.notes).toHaveLength(2);
      const second = await list(`?page_token=${first.next_page_token}`);
      expect(second).toMatchObject({ notes: [{ id: onBob }], next_page_token: null });
      expect(
        (await call(local, 'GET', `/notes?creator_id=1&page_token=${first.next_page_token}`)).status,
      ).toBe(422);
    } finally {
      await local.em.close();
    }
  });
});

describe('GET, PUT, DELETE /notes/{note_id}', () => {
  it('gets, updates content, deletes (with replies)', async () => {
    const n = await create({ person_ids: [w.bob], content: 'v1' });
    const reply = await create({ parent_id: n.id, content: 'reply' });
    expect((await call<Note>(w, 'GET', `/notes/${n.id}`)).body).toEqual(n);
    w.clock.advance(60_000);
    const up = await call<Note>(w, 'PUT', `/notes/${n.id}`, { json: { content: 'v2' } });
    expect(up.body).toMatchObject({ content: 'v2', updated_at: '2024-03-15T05:01:00.000-07:00' });
    expect((await call(w, 'PUT', `/notes/${n.id}`, { json: {} })).status).toBe(422);
    expect((await call(w, 'DELETE', `/notes/${n.id}`)).body).toEqual({ success: true });
    expect((await call(w, 'GET', `/notes/${n.id}`)).status).toBe(404);
    expect((await call(w, 'GET', `/notes/${reply.id}`)).status).toBe(404);
    expect((await call(w, 'PUT', '/notes/999999', { json: { content: 'x' } })).status).toBe(404);
    expect((await call(w, 'DELETE', '/notes/999999')).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('notes', () => {
  it('GET /notes: the reference bare array parses into a page', async () => {
    h.server.on('GET', '/notes', { json: ex.getNotes });
    const page = await h.client.notes.page();
    expect(h.server.last().rawQuery).toBe('');
    expect(page).toEqual({ notes: ex.getNotes, next_page_token: null });
  });

  it('GET /notes with every filter; the paged shape parses', async () => {
    h.server.on('GET', '/notes', { json: { notes: [ex.noteResource], next_page_token: 'n2' } });
    const page = await h.client.notes.page({
      person_id: 1,
      organization_id: 2,
      opportunity_id: 3,
      creator_id: 4,
      page_size: 10,
      page_token: 'n1',
    });
    expect(h.server.last().rawQuery).toBe(
      'person_id=1&organization_id=2&opportunity_id=3&creator_id=4&page_size=10&page_token=n1',
    );
    expect(page).toEqual({ notes: [ex.noteResource], next_page_token: 'n2' });
  });

  it('iterate walks the pages', async () => {
    h.server.on(
      'GET',
      '/notes',
      { json: { notes: [ex.getNotes[0]], next_page_token: 'a' } },
      { json: { notes: [ex.getNotes[1]], next_page_token: null } },
    );
    const ids: number[] = [];
    for await (const n of h.client.notes.iterate({ organization_id: 64779194 })) ids.push(n.id);
    expect(ids).toEqual([22984, 22983]);
    expect(h.server.last().rawQuery).toBe('organization_id=64779194&page_token=a');
  });

  it('get', async () => {
    h.server.on('GET', '/notes/22984', { json: ex.getNote });
    expect(await h.client.notes.get(22984)).toEqual(ex.getNote);
  });

  it('create a plain note as JSON', async () => {
    h.server.on('POST', '/notes', { json: ex.createNote });
    const note = await h.client.notes.create({
      person_ids: [38706, 624289],
      organization_ids: [120611418],
      opportunity_ids: [167],
      content: 'Had a lunch meeting with Jane and John today. They want to invest in Acme Corp.',
    });
    expect(h.server.last().contentType).toBe('application/json');
    expect(h.server.lastJson()).toEqual({
      person_ids: [38706, 624289],
      organization_ids: [120611418],
      opportunity_ids: [167],
      content: 'Had a lunch meeting with Jane and John today. They want to invest in Acme Corp.',
    });
    expect(note).toEqual(ex.createNote);
  });

  it('create an HTML note as a form body', async () => {
    h.server.on('POST', '/notes', { json: ex.createHtmlNote });
    const note = await h.client.notes.create(
      {
        person_ids: [38706],
        organization_ids: [120611418],
        opportunity_ids: [167],
        type: 2,
        content: 'Had a <strong>lunch meeting<strong> with Jane and John today.',
        creator_id: 860197,
        created_at: '2017-03-28T00:38:41.275-08:00',
      },
      { encoding: 'form' },
    );
    const req = h.server.last();
    expect(req.contentType).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.text);
    expect([...form.entries()]).toEqual([
      ['content', 'Had a <strong>lunch meeting<strong> with Jane and John today.'],
      ['person_ids[]', '38706'],
      ['organization_ids[]', '120611418'],
      ['opportunity_ids[]', '167'],
      ['type', '2'],
      ['creator_id', '860197'],
      ['created_at', '2017-03-28T00:38:41.275-08:00'],
    ]);
    expect(note).toEqual(ex.createHtmlNote);
  });

  it('a form body repeats array keys Rails-style for several ids', async () => {
    h.server.on('POST', '/notes', { json: ex.createHtmlNote });
    await h.client.notes.create({ person_ids: [1, 2], content: 'x' }, { encoding: 'form' });
    const req = h.server.requests.at(-1)!;
    expect(req.contentType).toBe('application/x-www-form-urlencoded');
    expect([...new URLSearchParams(req.text).entries()]).toEqual([
      ['content', 'x'],
      ['person_ids[]', '1'],
      ['person_ids[]', '2'],
    ]);
  });

  it('a reply via parent_id', async () => {
    h.server.on('POST', '/notes', { json: ex.createReplyNote });
    const reply = await h.client.notes.create({
      person_ids: [38706],
      organization_ids: [120611418],
      parent_id: 22984,
      content: 'This is a <strong> reply </strong>to the previous note.',
      type: 2,
    });
    expect(h.server.lastJson()).toEqual({
      person_ids: [38706],
      organization_ids: [120611418],
      parent_id: 22984,
      content: 'This is a <strong> reply </strong>to the previous note.',
      type: 2,
    });
    expect(reply).toEqual(ex.createReplyNote);
    expect(reply.parent_id).toBe(22984);
  });

  it('a note about nothing, or of type 1, is refused locally', async () => {
    const before = h.server.requests.length;
    await expect(h.client.notes.create({ content: 'orphan' })).rejects.toThrow('a note needs at least one');
    // @ts-expect-error type 1 notes cannot be created
    await expect(h.client.notes.create({ content: 'x', person_ids: [1], type: 1 })).rejects.toThrow(
      'type must be one of 0, 2',
    );
    expect(h.server.requests.length).toBe(before);
  });

  it('update and delete', async () => {
    h.server.on('PUT', '/notes/22984', { json: ex.updateNote });
    const updated = await h.client.notes.update(22984, 'Had another meeting with Jane and John today');
    expect(h.server.lastJson()).toEqual({ content: 'Had another meeting with Jane and John today' });
    expect(updated).toEqual(ex.updateNote);
    h.server.on('DELETE', '/notes/22984', { json: ex.success });
    expect(await h.client.notes.delete(22984)).toEqual({ success: true });
  });
});

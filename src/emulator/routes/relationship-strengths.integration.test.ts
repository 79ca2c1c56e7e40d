import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activitySeeder } from '../activity-seed.js';
import { call, startWorkspace, type Workspace } from './activity.test-support.js';

let w: Workspace;

beforeEach(async () => {
  w = await startWorkspace();
});
afterEach(() => w.em.close());

describe('GET /relationships-strengths', () => {
  it('answers every strength of an external person, or the one of a pair', async () => {
    const seed = activitySeeder(w.em.core);
    seed.setRelationshipStrength({ internalId: w.ann, externalId: w.bob, strength: 0.5 });
    seed.setRelationshipStrength({ internalId: w.carl, externalId: w.bob, strength: 0.9 });
    // At most one per pair: setting again replaces.
    seed.setRelationshipStrength({ internalId: w.ann, externalId: w.bob, strength: 0.7 });
    const all = await call<unknown[]>(w, 'GET', `/relationships-strengths?external_id=${w.bob}`);
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(2);
    expect(all.body).toEqual(
      expect.arrayContaining([
        { internal_id: w.ann, external_id: w.bob, strength: 0.7 },
        { internal_id: w.carl, external_id: w.bob, strength: 0.9 },
      ]),
    );
    const pair = await call(w, 'GET', `/relationships-strengths?external_id=${w.bob}&internal_id=${w.carl}`);
    expect(pair.body).toEqual([{ internal_id: w.carl, external_id: w.bob, strength: 0.9 }]);
    const none = await call(w, 'GET', `/relationships-strengths?external_id=${w.dee}&internal_id=${w.carl}`);
    expect(none.body).toEqual([]);
  });

  it('requires external_id and known persons', async () => {
    expect((await call(w, 'GET', '/relationships-strengths')).status).toBe(422);
    expect((await call(w, 'GET', '/relationships-strengths?external_id=abc')).status).toBe(422);
    expect((await call(w, 'GET', '/relationships-strengths?external_id=999999')).status).toBe(422);
    expect(() =>
      activitySeeder(w.em.core).setRelationshipStrength({
        internalId: w.ann,
        externalId: w.bob,
        strength: 2,
      }),
    ).toThrow(RangeError);
  });
});

describe('deleting an entity', () => {
  it('deletes its files, reminders and strengths, and unlinks it from notes', async () => {
    activitySeeder(w.em.core).setRelationshipStrength({
      internalId: w.ann,
      externalId: w.dee,
      strength: 0.3,
    });
    const form = new FormData();
    form.append('person_id', String(w.dee));
    form.append('file', new Blob(['x']), 'x.txt');
    expect((await call(w, 'POST', '/entity-files', { multipart: form })).status).toBe(200);
    const rem = await call<{ id: number }>(w, 'POST', '/reminders', {
      json: { owner_id: w.ann, person_id: w.dee, type: 0, due_date: '2024-04-01' },
    });
    const note = await call<{ id: number }>(w, 'POST', '/notes', {
      json: { person_ids: [w.dee, w.bob], content: 'both' },
    });
    expect((await call(w, 'DELETE', `/persons/${w.dee}`)).status).toBe(200);
    expect(
      (await call<{ entity_files: unknown[] }>(w, 'GET', `/entity-files?person_id=${w.dee}`)).body
        .entity_files,
    ).toEqual([]);
    expect((await call(w, 'GET', `/reminders/${rem.body.id}`)).status).toBe(404);
    expect((await call(w, 'GET', `/notes/${note.body.id}`)).body).toMatchObject({ person_ids: [w.bob] });
    expect((await call(w, 'GET', `/relationships-strengths?external_id=${w.bob}`)).status).toBe(200);
    expect(w.em.core.table('relationship_strengths').size).toBe(0);
  });
});

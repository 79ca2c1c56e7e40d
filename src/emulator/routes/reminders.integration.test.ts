import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, startWorkspace, type Workspace } from './activity.test-support.js';

interface Reminder {
  id: number;
  type: number;
  status: number;
  due_date: string;
  completed_at: string | null;
  reset_type: number | null;
  reminder_days: number | null;
  content: string;
  creator: { id: number } | null;
  owner: { id: number } | null;
  completer: { id: number } | null;
  person: { id: number } | null;
  organization: { id: number; name: string } | null;
  opportunity: { id: number } | null;
}
type Page = { reminders: Reminder[]; next_page_token: string | null };

let w: Workspace;

beforeEach(async () => {
  w = await startWorkspace();
});
afterEach(() => w.em.close());

async function create(json: Record<string, unknown>): Promise<Reminder> {
  const r = await call<Reminder>(w, 'POST', '/reminders', { json });
  expect(r.status).toBe(200);
  return r.body;
}

describe('POST /reminders', () => {
  it('creates a one-time reminder; a bare due date is midnight Pacific', async () => {
    const r = await create({
      owner_id: w.carl,
      person_id: w.bob,
      type: 0,
      due_date: '2024-11-30',
      content: 'Call',
    });
    expect(r).toMatchObject({
      type: 0,
      created_at: '2024-03-15T05:00:00.000-07:00',
      completed_at: null,
      content: 'Call',
      due_date: '2024-11-30T00:00:00.000-08:00',
      reset_type: null,
      reminder_days: null,
      status: 1,
      creator: { id: w.ann, type: 1, primary_email: 'ann@firm.com' },
      owner: { id: w.carl },
      completer: null,
      person: { id: w.bob, first_name: 'Bob' },
      organization: null,
      opportunity: null,
    });
  });

  it('creates a recurring reminder due reminder_days from now', async () => {
    const r = await create({
      owner_id: w.ann,
      organization_id: w.acme,
      type: 1,
      reset_type: 1,
      reminder_days: 30,
    });
    expect(r).toMatchObject({
      type: 1,
      reset_type: 1,
      reminder_days: 30,
      due_date: '2024-04-14T05:00:00.000-07:00',
      status: 1,
      organization: { id: w.acme, name: 'Acme', domain: 'acme.com', global: false },
    });
  });

  it('validates as documented', async () => {
    const post = (json: Record<string, unknown>) => call(w, 'POST', '/reminders', { json });
    const ok = { owner_id: w.ann, type: 0, due_date: '2024-05-01' };
    expect((await post({ ...ok, owner_id: undefined })).status).toBe(422);
    expect((await post({ ...ok, owner_id: w.bob })).status).toBe(422);
    expect((await post({ ...ok, type: undefined })).status).toBe(422);
    expect((await post({ ...ok, type: 5 })).status).toBe(422);
    expect((await post({ owner_id: w.ann, type: 0 })).status).toBe(422);
    expect((await post({ ...ok, due_date: 'soon' })).status).toBe(422);
    expect((await post({ owner_id: w.ann, type: 1, reminder_days: 7 })).status).toBe(422);
    expect((await post({ owner_id: w.ann, type: 1, reset_type: 0 })).status).toBe(422);
    expect((await post({ owner_id: w.ann, type: 1, reset_type: 3, reminder_days: 7 })).status).toBe(422);
    expect((await post({ owner_id: w.ann, type: 1, reset_type: 0, reminder_days: 0 })).status).toBe(422);
    expect((await post({ ...ok, person_id: w.bob, organization_id: w.acme })).status).toBe(422);
    expect((await post({ ...ok, person_id: 999_999 })).status).toBe(422);
    expect((await post({ ...ok, opportunity_id: 999_999 })).status).toBe(422);
    expect((await post({ ...ok, owner_id: 999_999 })).status).toBe(422);
  });
});

describe('status', () => {
  it('is active before the due date, overdue after, completed once completed (on the emulator clock)', async () => {
    const r = await create({ owner_id: w.ann, type: 0, due_date: '2024-03-16T12:00:00Z' });
    expect(r.status).toBe(1);
    w.clock.set('2024-03-16T12:00:01Z');
    expect((await call<Reminder>(w, 'GET', `/reminders/${r.id}`)).body.status).toBe(2);
    const done = await call<Reminder>(w, 'PUT', `/reminders/${r.id}`, {
      json: { is_completed: true },
      key: w.carlKey,
    });
    expect(done.body).toMatchObject({
      status: 0,
      completed_at: '2024-03-16T05:00:01.000-07:00',
      completer: { id: w.carl },
    });
    const undone = await call<Reminder>(w, 'PUT', `/reminders/${r.id}`, { json: { is_completed: 0 } });
    expect(undone.body).toMatchObject({ status: 2, completed_at: null, completer: null });
  });

  it('a completed recurring reminder falls due again reminder_days later', async () => {
    const r = await create({ owner_id: w.ann, type: 1, reset_type: 0, reminder_days: 10 });
    w.clock.set('2024-04-01T12:00:00Z');
    expect((await call<Reminder>(w, 'GET', `/reminders/${r.id}`)).body.status).toBe(2);
    const done = await call<Reminder>(w, 'PUT', `/reminders/${r.id}`, { json: { is_completed: 1 } });
    expect(done.body).toMatchObject({ status: 1, due_date: '2024-04-11T05:00:00.000-07:00' });
  });

  it('a meeting with the reminder person resets a recurring reminder', async () => {
    const r = await create({ owner_id: w.ann, person_id: w.bob, type: 1, reset_type: 2, reminder_days: 30 });
    const m = await call(w, 'POST', '/interactions', {
      json: { type: 0, person_ids: [w.ann, w.bob], content: 'met', date: '2024-04-01T12:00:00Z' },
    });
    expect(m.status).toBe(200);
    expect((await call<Reminder>(w, 'GET', `/reminders/${r.id}`)).body.due_date).toBe(
      '2024-05-01T05:00:00.000-07:00',
    );
  });
});

describe('GET /reminders', () => {
  it('filters on every documented parameter and pages', async () => {
    const a = await create({ owner_id: w.ann, person_id: w.bob, type: 0, due_date: '2024-03-10' });
    const b = await create({
      owner_id: w.carl,
      organization_id: w.acme,
      type: 1,
      reset_type: 2,
      reminder_days: 5,
    });
    const c = await create({ owner_id: w.ann, opportunity_id: w.deal, type: 0, due_date: '2024-06-01' });
    await call(w, 'PUT', `/reminders/${c.id}`, { json: { is_completed: true }, key: w.carlKey });
    const ids = async (q: string) =>
      (await call<Page>(w, 'GET', `/reminders${q}`)).body.reminders.map((r) => r.id);
    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids(`?person_id=${w.bob}`)).toEqual([a.id]);
    expect(await ids(`?organization_id=${w.acme}`)).toEqual([b.id]);
    expect(await ids(`?opportunity_id=${w.deal}`)).toEqual([c.id]);
    expect(await ids(`?creator_id=${w.ann}`)).toEqual([c.id, b.id, a.id]);
    expect(await ids(`?owner_id=${w.carl}`)).toEqual([b.id]);
    expect(await ids(`?completer_id=${w.carl}`)).toEqual([c.id]);
    expect(await ids('?type=1')).toEqual([b.id]);
    expect(await ids('?type=1&reset_type=2')).toEqual([b.id]);
    expect(await ids('?reset_type=0')).toEqual([]);
    expect(await ids('?status=0')).toEqual([c.id]);
    expect(await ids('?status=1')).toEqual([b.id]);
    expect(await ids('?status=2')).toEqual([a.id]);
    expect(await ids('?due_before=2024-03-21T00:00:00Z')).toEqual([b.id, a.id]);
    expect(await ids('?due_after=2024-03-21T00:00:00Z')).toEqual([c.id]);
    expect((await call(w, 'GET', '/reminders?status=7')).status).toBe(422);
    const first = await call<Page>(w, 'GET', '/reminders?page_size=2');
    expect(first.body.reminders).toHaveLength(2);
    const second = await call<Page>(w, 'GET', `/reminders?page_token=${first.body.next_page_token}`);
    expect(second.body).toMatchObject({ reminders: [{ id: a.id }], next_page_token: null });
  });
});

describe('GET, PUT, DELETE /reminders/{reminder_id}', () => {
  it('updates type, owner, content and dates with the documented validation, then deletes', async () => {
    const r = await create({
      owner_id: w.ann,
      person_id: w.bob,
      type: 0,
      due_date: '2024-11-30',
      content: 'x',
    });
    const up = await call<Reminder>(w, 'PUT', `/reminders/${r.id}`, {
      json: { type: 1, reset_type: 0, reminder_days: 70, owner_id: w.carl, content: 'y' },
    });
    expect(up.body).toMatchObject({
      type: 1,
      reset_type: 0,
      reminder_days: 70,
      owner: { id: w.carl },
      content: 'y',
      due_date: '2024-11-30T00:00:00.000-08:00',
    });
    expect((await call(w, 'PUT', `/reminders/${r.id}`, { json: { type: 0 } })).status).toBe(422);
    const back = await call<Reminder>(w, 'PUT', `/reminders/${r.id}`, {
      json: { type: 0, due_date: '2024-12-01' },
    });
    expect(back.body).toMatchObject({ type: 0, reset_type: null, reminder_days: null });
    expect((await call(w, 'PUT', `/reminders/${r.id}`, { json: { owner_id: w.dee } })).status).toBe(422);
    expect((await call(w, 'PUT', '/reminders/999999', { json: { content: 'z' } })).status).toBe(404);
    expect((await call(w, 'DELETE', `/reminders/${r.id}`)).body).toEqual({ success: true });
    expect((await call(w, 'GET', `/reminders/${r.id}`)).status).toBe(404);
    expect((await call(w, 'DELETE', `/reminders/${r.id}`)).status).toBe(404);
  });
});

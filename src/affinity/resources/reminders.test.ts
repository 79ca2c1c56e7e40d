import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('reminders', () => {
  it('GET /reminders with the reference query', async () => {
    h.server.on('GET', '/reminders', { json: ex.getReminders });
    const page = await h.client.reminders.page({ page_size: 2, status: 2 });
    expect(h.server.last().rawQuery).toBe('status=2&page_size=2');
    expect(page).toEqual(ex.getReminders);
    expect(page.reminders[0]?.organization?.domain).toBeNull();
  });

  it('GET /reminders with every filter', async () => {
    h.server.on('GET', '/reminders', { json: { reminders: [], next_page_token: null } });
    await h.client.reminders.page({
      person_id: 1,
      organization_id: 2,
      opportunity_id: 3,
      creator_id: 4,
      owner_id: 5,
      completer_id: 6,
      type: 1,
      reset_type: 0,
      status: 1,
      due_before: '2022-01-01',
      due_after: new Date(Date.UTC(2021, 0, 1)),
      page_token: 'z',
    });
    expect(h.server.last().rawQuery).toBe(
      'person_id=1&organization_id=2&opportunity_id=3&creator_id=4&owner_id=5&completer_id=6&type=1' +
        '&reset_type=0&status=1&due_before=2022-01-01&due_after=2021-01-01T00%3A00%3A00.000Z&page_token=z',
    );
  });

  it('iterate and get', async () => {
    h.server.on(
      'GET',
      '/reminders',
      { json: { reminders: [ex.getReminders.reminders[0]], next_page_token: 'r2' } },
      { json: { reminders: [ex.getReminders.reminders[1]], next_page_token: null } },
    );
    const ids: number[] = [];
    for await (const r of h.client.reminders.iterate({ status: 2 })) ids.push(r.id);
    expect(ids).toEqual([15562, 15326]);
    h.server.on('GET', '/reminders/15326', { json: ex.getReminder }, { json: ex.reminderResource });
    expect(await h.client.reminders.get(15326)).toEqual(ex.getReminder);
    expect(await h.client.reminders.get(15326)).toEqual(ex.reminderResource);
  });

  it('create a one-time reminder', async () => {
    h.server.on('POST', '/reminders', { json: ex.createReminder });
    const created = await h.client.reminders.create({
      owner_id: 443,
      person_id: 2021,
      type: 0,
      due_date: '2021-11-30',
      content: 'Create reminder from external API.',
    });
    expect(h.server.lastJson()).toEqual({
      owner_id: 443,
      person_id: 2021,
      type: 0,
      due_date: '2021-11-30',
      content: 'Create reminder from external API.',
    });
    expect(created).toEqual(ex.createReminder);
  });

  it('update and delete', async () => {
    h.server.on('PUT', '/reminders/15385', { json: ex.updateReminder });
    const updated = await h.client.reminders.update(15385, { type: 1, reset_type: 0, reminder_days: 30 });
    expect(h.server.lastJson()).toEqual({ type: 1, reset_type: 0, reminder_days: 30 });
    expect(updated).toEqual(ex.updateReminder);
    await h.client.reminders.update(15385, { is_completed: true });
    expect(h.server.lastJson()).toEqual({ is_completed: 1 });
    h.server.on('DELETE', '/reminders/22984', { json: ex.success });
    expect(await h.client.reminders.delete(22984)).toEqual({ success: true });
  });

  it('refuses incomplete or ambiguous reminders before sending', async () => {
    const before = h.server.requests.length;
    await expect(
      // @ts-expect-error a recurring reminder needs reset_type and reminder_days
      h.client.reminders.create({ owner_id: 1, type: 1 }),
    ).rejects.toThrow('reset_type/reminder_days are required');
    await expect(
      h.client.reminders.create({
        owner_id: 1,
        type: 0,
        due_date: '2021-01-01',
        person_id: 1,
        organization_id: 2,
      }),
    ).rejects.toThrow('mutually exclusive');
    expect(h.server.requests.length).toBe(before);
  });
});

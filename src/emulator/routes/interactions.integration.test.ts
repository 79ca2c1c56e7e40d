import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activitySeeder } from '../activity-seed.js';
import { call, startWorkspace, type Workspace } from './activity.test-support.js';
import { interactionDates, interactionPersons } from './interactions.js';

interface Row {
  id: number;
  type: number;
  date: string;
  notes?: number[];
  persons?: Array<{ id: number; primary_email: string }>;
  [key: string]: unknown;
}
type Page = { events?: Row[]; chat_messages?: Row[]; emails?: Row[]; next_page_token: string | null };

let w: Workspace;
const range = 'start_time=2024-01-01T00:00:00Z&end_time=2024-12-31T00:00:00Z';

beforeAll(async () => {
  w = await startWorkspace();
});
afterAll(() => w.em.close());

async function logMeeting(date: string, personIds: number[], type = 0): Promise<Row> {
  const r = await call<Row>(w, 'POST', '/interactions', {
    json: { type, person_ids: personIds, content: `met on ${date}`, date },
  });
  expect(r.status).toBe(200);
  return r.body;
}

describe('POST /interactions', () => {
  it('logs a meeting with its attendees, persons and a note holding the content', async () => {
    const m = await logMeeting('2024-02-01T10:00:00-08:00', [w.ann, w.bob]);
    expect(m).toMatchObject({
      type: 0,
      date: '2024-02-01T10:00:00.000-08:00',
      start_time: '2024-02-01T10:00:00.000-08:00',
      end_time: null,
      updated_at: null,
      manual_creator_id: w.ann,
      title: 'Manually logged event',
      attendees: ['ann@firm.com', 'bob@acme.com'],
    });
    expect(m.persons?.map((p) => p.id)).toEqual([w.ann, w.bob]);
    expect(m.notes).toHaveLength(1);
    const note = await call<{
      content: string;
      interaction_id: number;
      is_meeting: boolean;
      person_ids: number[];
    }>(w, 'GET', `/notes/${m.notes?.[0]}`);
    expect(note.body).toMatchObject({
      content: 'met on 2024-02-01T10:00:00-08:00',
      interaction_id: m.id,
      is_meeting: true,
      person_ids: [w.ann, w.bob],
    });
  });

  it('logs a chat message with a direction, and a call', async () => {
    const chat = await call<Row>(w, 'POST', '/interactions', {
      json: {
        type: 2,
        person_ids: [w.ann, w.dee],
        content: 'ping',
        date: '2024-02-02T09:00:00Z',
        direction: 1,
      },
    });
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ type: 2, direction: 1, manual_creator_id: w.ann });
    expect(chat.body).not.toHaveProperty('attendees');
    const callRow = await logMeeting('2024-02-03T09:00:00Z', [w.carl, w.dee], 1);
    expect(callRow.type).toBe(1);
  });

  it('accepts a form body', async () => {
    const r = await call<Row>(w, 'POST', '/interactions', {
      form: `type=0&person_ids[]=${w.ann}&person_ids[]=${w.dee}&content=form&date=2024-02-04T09:00:00Z`,
    });
    expect(r.status).toBe(200);
    expect(r.body.persons?.map((p) => p.id)).toEqual([w.ann, w.dee]);
  });

  it('rejects emails, missing fields, unknown persons and persons without an internal one', async () => {
    const base = { type: 0, person_ids: [w.ann, w.bob], content: 'x', date: '2024-02-01T00:00:00Z' };
    expect((await call(w, 'POST', '/interactions', { json: { ...base, type: 3 } })).status).toBe(422);
    expect((await call(w, 'POST', '/interactions', { json: { ...base, type: 9 } })).status).toBe(422);
    for (const key of ['type', 'person_ids', 'content', 'date'] as const) {
      const { [key]: _omitted, ...rest } = base;
      expect((await call(w, 'POST', '/interactions', { json: rest })).status, key).toBe(422);
    }
    expect((await call(w, 'POST', '/interactions', { json: { ...base, date: 'yesterday' } })).status).toBe(
      422,
    );
    expect(
      (await call(w, 'POST', '/interactions', { json: { ...base, person_ids: [w.bob, w.dee] } })).status,
    ).toBe(422);
    expect(
      (await call(w, 'POST', '/interactions', { json: { ...base, person_ids: [w.ann, 999_999] } })).status,
    ).toBe(422);
  });
});

describe('GET /interactions', () => {
  it('groups by type, newest first, within [start_time, end_time)', async () => {
    const older = await logMeeting('2024-05-01T10:00:00Z', [w.ann, w.dee]);
    const newer = await logMeeting('2024-05-02T10:00:00Z', [w.carl, w.dee]);
    const r = await call<Page>(
      w,
      'GET',
      `/interactions?type=0&person_id=${w.dee}&start_time=2024-05-01T10:00:00Z&end_time=2024-05-02T10:00:00Z`,
    );
    expect(r.status).toBe(200);
    expect(r.body.events?.map((e) => e.id)).toEqual([older.id]); // end_time is exclusive
    const both = await call<Page>(w, 'GET', `/interactions?type=0&person_id=${w.dee}&${range}`);
    const ids = both.body.events?.map((e) => e.id) ?? [];
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
    expect(both.body.next_page_token).toBeNull();
    const chats = await call<Page>(w, 'GET', `/interactions?type=2&person_id=${w.dee}&${range}`);
    expect(chats.body.chat_messages?.length).toBeGreaterThan(0);
    expect(chats.body).not.toHaveProperty('events');
    const emails = await call<Page>(w, 'GET', `/interactions?type=3&person_id=${w.dee}&${range}`);
    expect(emails.body).toEqual({ emails: [], next_page_token: null });
  });

  it('filters by organization, opportunity, internal person, direction and logging type', async () => {
    await logMeeting('2024-06-01T10:00:00Z', [w.ann, w.bob]);
    await logMeeting('2024-06-02T10:00:00Z', [w.carl, w.bob]);
    const org = await call<Page>(w, 'GET', `/interactions?type=0&organization_id=${w.acme}&${range}`);
    const orgIds = org.body.events?.map((e) => e.id) ?? [];
    const opp = await call<Page>(w, 'GET', `/interactions?type=0&opportunity_id=${w.deal}&${range}`);
    expect(opp.body.events?.map((e) => e.id)).toEqual(orgIds);
    expect(orgIds.length).toBeGreaterThanOrEqual(2);
    const onlyCarl = await call<Page>(
      w,
      'GET',
      `/interactions?type=0&organization_id=${w.acme}&internal_person_id=${w.carl}&${range}`,
    );
    expect(onlyCarl.body.events?.every((e) => e.persons?.some((p) => p.id === w.carl))).toBe(true);
    expect(onlyCarl.body.events?.length).toBeLessThan(orgIds.length);
    const received = await call<Page>(
      w,
      'GET',
      `/interactions?type=2&person_id=${w.dee}&direction=1&${range}`,
    );
    expect(received.body.chat_messages?.every((c) => c.direction === 1)).toBe(true);
    const sent = await call<Page>(w, 'GET', `/interactions?type=2&person_id=${w.dee}&direction=0&${range}`);
    expect(sent.body.chat_messages).toEqual([]);
    const manual = await call<Page>(
      w,
      'GET',
      `/interactions?type=0&organization_id=${w.acme}&logging_type=1&${range}`,
    );
    expect(manual.body.events?.length).toBe(orgIds.length);
  });

  it('validates type, times, range and entity', async () => {
    const q = (s: string) => call(w, 'GET', `/interactions?${s}`);
    expect((await q(`person_id=${w.bob}&${range}`)).status).toBe(422);
    expect((await q(`type=0&person_id=${w.bob}&start_time=2024-01-01T00:00:00Z`)).status).toBe(422);
    expect((await q(`type=0&person_id=${w.bob}&end_time=2024-01-01T00:00:00Z`)).status).toBe(422);
    expect((await q(`type=0&${range}`)).status).toBe(422);
    expect(
      (await q(`type=0&person_id=${w.bob}&start_time=2024-02-01T00:00:00Z&end_time=2024-01-01T00:00:00Z`))
        .status,
    ).toBe(422);
    const tooLong = await q(
      `type=0&person_id=${w.bob}&start_time=2023-01-01T00:00:00Z&end_time=2024-01-01T00:00:01Z`,
    );
    expect(tooLong.status).toBe(422);
    const oneYear = await q(
      `type=0&person_id=${w.bob}&start_time=2023-01-01T00:00:00Z&end_time=2024-01-01T00:00:00Z`,
    );
    expect(oneYear.status).toBe(200);
    expect((await q(`type=0&person_id=999999&${range}`)).status).toBe(422);
  });

  it('pages by 100 at most, with tokens bound to the query', async () => {
    for (let i = 0; i < 105; i++) {
      const r = await call(w, 'POST', '/interactions', {
        json: {
          type: 1,
          person_ids: [w.carl, w.dee],
          content: `call ${i}`,
          date: new Date(Date.UTC(2024, 7, 1, 0, i)).toISOString(),
        },
      });
      expect(r.status).toBe(200);
    }
    const path = `/interactions?type=1&person_id=${w.dee}&start_time=2024-08-01T00:00:00Z&end_time=2024-09-01T00:00:00Z`;
    const first = await call<Page>(w, 'GET', `${path}&page_size=500`);
    expect(first.body.events).toHaveLength(100);
    expect(first.body.next_page_token).toEqual(expect.any(String));
    const second = await call<Page>(w, 'GET', `${path}&page_token=${first.body.next_page_token}`);
    expect(second.body.events).toHaveLength(5);
    expect(second.body.next_page_token).toBeNull();
    const bad = await call(
      w,
      'GET',
      `${path.replace('type=1', 'type=0')}&page_token=${first.body.next_page_token}`,
    );
    expect(bad.status).toBe(422);
  });
});

describe('GET, PUT, DELETE /interactions/{id}', () => {
  it('gets by id and type only', async () => {
    const m = await logMeeting('2024-03-01T10:00:00Z', [w.ann, w.bob]);
    expect((await call<Row>(w, 'GET', `/interactions/${m.id}?type=0`)).body).toEqual(m);
    expect((await call(w, 'GET', `/interactions/${m.id}?type=2`)).status).toBe(404);
    expect((await call(w, 'GET', `/interactions/${m.id}`)).status).toBe(422);
    expect((await call(w, 'GET', '/interactions/999999?type=0')).status).toBe(404);
  });

  it('updates date, persons and content', async () => {
    const m = await logMeeting('2024-03-02T10:00:00Z', [w.ann, w.bob]);
    const r = await call<Row>(w, 'PUT', `/interactions/${m.id}`, {
      json: { type: 0, date: '2024-03-03T10:00:00Z', person_ids: [w.carl, w.dee], content: 'moved' },
    });
    expect(r.status).toBe(200);
    expect(r.body.date).toBe('2024-03-03T02:00:00.000-08:00');
    expect(r.body.persons?.map((p) => p.id)).toEqual([w.carl, w.dee]);
    expect(r.body.updated_at).toEqual(expect.any(String));
    const note = await call<{ content: string }>(w, 'GET', `/notes/${m.notes?.[0]}`);
    expect(note.body.content).toBe('moved');
    // The person index follows the change.
    const dee = await call<Page>(
      w,
      'GET',
      `/interactions?type=0&person_id=${w.dee}&start_time=2024-03-03T00:00:00Z&end_time=2024-03-04T00:00:00Z`,
    );
    expect(dee.body.events?.map((e) => e.id)).toEqual([m.id]);
    expect(
      (await call(w, 'PUT', `/interactions/${m.id}`, { json: { date: '2024-03-03T10:00:00Z' } })).status,
    ).toBe(422);
    expect(
      (await call(w, 'PUT', `/interactions/${m.id}`, { json: { type: 0, person_ids: [w.dee] } })).status,
    ).toBe(422);
  });

  it('deletes with its notes', async () => {
    const m = await logMeeting('2024-03-05T10:00:00Z', [w.ann, w.bob]);
    expect((await call(w, 'DELETE', `/interactions/${m.id}`)).status).toBe(422);
    expect((await call(w, 'DELETE', `/interactions/${m.id}?type=1`)).status).toBe(404);
    const r = await call(w, 'DELETE', `/interactions/${m.id}?type=0`);
    expect(r).toMatchObject({ status: 200, body: { success: true } });
    expect((await call(w, 'GET', `/interactions/${m.id}?type=0`)).status).toBe(404);
    expect((await call(w, 'GET', `/notes/${m.notes?.[0]}`)).status).toBe(404);
  });
});

describe('interaction dates of persons and organizations', () => {
  it('summarises first/last email, events, chats and the next event, with internal persons', async () => {
    const local = await startWorkspace();
    try {
      const { core } = local.em;
      const seed = activitySeeder(core);
      // The clock reads 2024-03-15T12:00Z.
      seed.addInteraction({ type: 3, date: '2024-01-10T00:00:00Z', personIds: [local.ann, local.bob] });
      seed.addInteraction({ type: 3, date: '2024-03-01T00:00:00Z', personIds: [local.bob, local.carl] });
      seed.addInteraction({ type: 0, date: '2024-02-01T00:00:00Z', personIds: [local.carl, local.bob] });
      seed.addInteraction({
        type: 0,
        date: '2024-04-01T00:00:00Z',
        personIds: [local.ann, local.carl, local.bob],
      });
      seed.addInteraction({ type: 2, date: '2024-03-10T00:00:00Z', personIds: [local.ann, local.bob] });
      const ts = (iso: string) => core.timestamp(new Date(iso));
      expect(interactionDates(core, [local.bob])).toEqual({
        first_email_date: ts('2024-01-10T00:00:00Z'),
        last_email_date: ts('2024-03-01T00:00:00Z'),
        last_event_date: ts('2024-02-01T00:00:00Z'),
        last_chat_message_date: ts('2024-03-10T00:00:00Z'),
        last_interaction_date: ts('2024-03-10T00:00:00Z'),
        next_event_date: ts('2024-04-01T00:00:00Z'),
        first_event_date: ts('2024-02-01T00:00:00Z'),
      });
      expect(interactionPersons(core, [local.bob])).toMatchObject({
        first_email: { date: ts('2024-01-10T00:00:00Z'), person_ids: [local.ann] },
        last_email: { person_ids: [local.carl] },
        next_event: { person_ids: [local.ann, local.carl] },
      });
      expect(interactionDates(core, [local.dee])).toEqual({
        first_email_date: null,
        last_email_date: null,
        last_event_date: null,
        last_chat_message_date: null,
        last_interaction_date: null,
        next_event_date: null,
        first_event_date: null,
      });
      // Over HTTP: the persons resource embeds the same summary.
      const person = await call<{ interaction_dates: unknown }>(
        local,
        'GET',
        `/persons/${local.bob}?with_interaction_dates=true`,
      );
      expect(person.body.interaction_dates).toEqual(interactionDates(core, [local.bob]));
    } finally {
      await local.em.close();
    }
  });
});

describe('interactions on persons and organizations', () => {
  let local: Workspace;
  beforeAll(async () => {
    local = await startWorkspace();
    const seed = activitySeeder(local.em.core);
    // The clock reads 2024-03-15T12:00Z.
    seed.addInteraction({ type: 3, date: '2024-01-10T00:00:00Z', personIds: [local.ann, local.bob] });
    seed.addInteraction({ type: 0, date: '2024-02-01T00:00:00Z', personIds: [local.carl, local.bob] });
  });
  afterAll(() => local.em.close());

  type Summary = Record<string, { date: string; person_ids?: number[] } | null>;
  type Entity = { id: number; interaction_dates?: unknown; interactions?: Summary };
  const ts = (iso: string) => local.em.core.timestamp(new Date(iso));

  /** The person (or organization) as each of the four reads answers it. */
  async function reads(query: string): Promise<Entity[]> {
    const person = await call<Entity>(local, 'GET', `/persons/${local.bob}?${query}`);
    const persons = await call<{ persons: Entity[] }>(local, 'GET', `/persons?term=bob&${query}`);
    const org = await call<Entity>(local, 'GET', `/organizations/${local.acme}?${query}`);
    const orgs = await call<{ organizations: Entity[] }>(local, 'GET', `/organizations?term=acme&${query}`);
    for (const r of [person, persons, org, orgs]) expect(r.status).toBe(200);
    return [
      person.body,
      persons.body.persons.find((p) => p.id === local.bob) as Entity,
      org.body,
      orgs.body.organizations.find((o) => o.id === local.acme) as Entity,
    ];
  }

  it('adds `interactions` (dates only) with with_interaction_dates alone', async () => {
    for (const entity of await reads('with_interaction_dates=true')) {
      expect(entity.interaction_dates).toMatchObject({ last_email_date: ts('2024-01-10T00:00:00Z') });
      expect(entity.interactions).toEqual({
        first_email: { date: ts('2024-01-10T00:00:00Z') },
        last_email: { date: ts('2024-01-10T00:00:00Z') },
        last_event: { date: ts('2024-02-01T00:00:00Z') },
        last_chat_message: null,
        last_interaction: { date: ts('2024-02-01T00:00:00Z') },
        next_event: null,
        first_event: { date: ts('2024-02-01T00:00:00Z') },
      });
    }
  });

  it('adds the internal persons of each with with_interaction_persons too', async () => {
    for (const entity of await reads('with_interaction_dates=true&with_interaction_persons=true')) {
      expect(entity.interactions).toMatchObject({
        first_email: { date: ts('2024-01-10T00:00:00Z'), person_ids: [local.ann] },
        last_event: { date: ts('2024-02-01T00:00:00Z'), person_ids: [local.carl] },
        last_chat_message: null,
      });
    }
  });

  it('adds neither without with_interaction_dates', async () => {
    for (const entity of await reads('with_interaction_persons=true')) {
      expect(entity).not.toHaveProperty('interactions');
      expect(entity).not.toHaveProperty('interaction_dates');
    }
  });
});

describe('the keys of each interaction type', () => {
  // The reference's example of each type, plus `logging_type` (in its attribute table for every
  // type) and, on meetings, `ical_uid`.
  const EVENT = [
    'attendees',
    'date',
    'end_time',
    'id',
    'logging_type',
    'manual_creator_id',
    'notes',
    'persons',
    'start_time',
    'title',
    'type',
    'updated_at',
  ];
  const KEYS: Record<number, string[]> = {
    0: [...EVENT, 'ical_uid'].sort(),
    1: EVENT,
    2: ['date', 'direction', 'id', 'logging_type', 'manual_creator_id', 'notes', 'persons', 'type'],
    3: ['cc', 'date', 'direction', 'from', 'id', 'logging_type', 'subject', 'to', 'type'],
  };

  it('answers exactly the reference keys per type; synced meetings carry their calendar ical_uid', async () => {
    const local = await startWorkspace();
    try {
      const seed = activitySeeder(local.em.core);
      const synced = seed.addInteraction({
        type: 0,
        date: '2024-02-01T00:00:00Z',
        personIds: [local.ann, local.bob],
        loggingType: 0,
      });
      const other = seed.addInteraction({
        type: 0,
        date: '2024-02-02T00:00:00Z',
        personIds: [local.ann, local.bob],
        loggingType: 0,
      });
      seed.addInteraction({ type: 3, date: '2024-02-03T00:00:00Z', personIds: [local.ann, local.bob] });
      for (const type of [0, 1, 2]) {
        const logged = await call<Row>(local, 'POST', '/interactions', {
          json: { type, person_ids: [local.ann, local.bob], content: 'logged', date: '2024-02-04T00:00:00Z' },
        });
        expect(logged.status).toBe(200);
        expect(Object.keys(logged.body).sort()).toEqual(KEYS[type]);
        // A meeting logged by hand has no calendar event behind it.
        if (type === 0) expect(logged.body.ical_uid).toBeNull();
      }
      for (const type of [0, 1, 2, 3]) {
        const page = await call<Page>(
          local,
          'GET',
          `/interactions?type=${type}&person_id=${local.bob}&${range}`,
        );
        const rows = [
          ...(page.body.events ?? []),
          ...(page.body.chat_messages ?? []),
          ...(page.body.emails ?? []),
        ];
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(Object.keys(row).sort()).toEqual(KEYS[type]);
      }
      const one = await call<Row>(local, 'GET', `/interactions/${synced}?type=0`);
      expect(one.body.ical_uid).toMatch(/^[0-9a-f]{26}@google\.com$/);
      const two = await call<Row>(local, 'GET', `/interactions/${other}?type=0`);
      expect(two.body.ical_uid).not.toBe(one.body.ical_uid);
      // The uid belongs to the meeting: an update keeps it.
      const moved = await call<Row>(local, 'PUT', `/interactions/${synced}`, {
        json: { type: 0, date: '2024-02-05T00:00:00Z' },
      });
      expect(moved.body.ical_uid).toBe(one.body.ical_uid);
    } finally {
      await local.em.close();
    }
  });
});

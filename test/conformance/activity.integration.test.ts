/**
 * Conformance of the client and the emulator on activity and account endpoints: interactions,
 * relationship strengths, notes, entity files, reminders, whoami and rate-limit. The emulator
 * runs on a clock the tests move, so "in the future", "overdue" and "expired" are deterministic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AffinityArgumentError,
  type AffinityClient,
  AffinityNotFoundError,
  AffinityValidationError,
} from '../../src/affinity/index.js';
import { activitySeeder } from '../../src/emulator/activity-seed.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import {
  caught,
  clientFor,
  configure,
  type Ids,
  KEYS,
  raw,
  resetWorkspace,
  startWorkspace,
} from './support.js';

const START = '2024-03-15T12:00:00.000Z';
const clock = { now: new Date(START) };
const advance = (ms: number): void => {
  clock.now = new Date(clock.now.getTime() + ms);
};
const DAY = 86_400_000;

let em: RunningEmulator;
let ids: Ids;
let ada: AffinityClient;
let bo: AffinityClient;

beforeAll(async () => {
  ({ em, ids } = await startWorkspace({ now: () => clock.now }));
  ada = clientFor(em, KEYS.ada);
  bo = clientFor(em, KEYS.bo);
});
afterAll(async () => {
  await em.close();
});

describe('interactions', () => {
  beforeAll(async () => {
    clock.now = new Date(START);
    await resetWorkspace(em);
  });
  const range = { start_time: '2024-01-01T00:00:00Z', end_time: '2024-12-31T00:00:00Z' } as const;

  it('groups each type under its key: meetings and calls under events, chats and emails apart', async () => {
    const emails = await ada.interactions.page({ type: 3, person_id: ids.jane, ...range });
    expect(emails.emails?.map((e) => e.type)).toEqual([3]);
    expect(emails.events).toBeUndefined();
    expect(emails.next_page_token).toBeNull();
    const meetings = await ada.interactions.page({ type: 0, organization_id: ids.acme, ...range });
    expect(meetings.events?.map((e) => e.type)).toEqual([0]);
    expect(meetings.emails).toBeUndefined();

    const call = await ada.interactions.create({
      type: 1,
      person_ids: [ids.ada, ids.john],
      content: 'Intro call',
      date: '2024-03-01T15:00:00Z',
    });
    expect(call).toMatchObject({ type: 1, manual_creator_id: ids.ada });
    const calls = await ada.interactions.page({ type: 1, person_id: ids.john, ...range });
    expect(calls.events?.map((e) => e.id)).toEqual([call.id]);

    const chat = await ada.interactions.create({
      type: 2,
      person_ids: [ids.ada, ids.john],
      content: 'ping',
      date: '2024-03-02T15:00:00Z',
      direction: 1,
    });
    expect(chat).toMatchObject({ type: 2, direction: 1 });
    const chats = await ada.interactions.page({ type: 2, person_id: ids.john, ...range });
    expect(chats.chat_messages?.map((c) => c.id)).toEqual([chat.id]);
    const iterated: number[] = [];
    for await (const i of ada.interactions.iterate({ type: 2, person_id: ids.john, ...range }))
      iterated.push(i.id);
    expect(iterated).toEqual([chat.id]);
  });

  it('gets, updates and deletes a logged interaction', async () => {
    const meeting = await ada.interactions.create({
      type: 0,
      person_ids: [ids.ada, ids.mia],
      content: 'Board prep',
      date: '2024-03-05T10:00:00Z',
    });
    expect((await ada.interactions.get(meeting.id, 0)).id).toBe(meeting.id);
    expect(await caught(() => ada.interactions.get(meeting.id, 2))).toBeInstanceOf(AffinityNotFoundError);
    const moved = await ada.interactions.update(meeting.id, { type: 0, date: '2024-03-06T10:00:00Z' });
    expect(moved.date.slice(0, 10)).toBe('2024-03-06');
    expect(await ada.interactions.delete(meeting.id, 0)).toEqual({ success: true });
    expect(await caught(() => ada.interactions.get(meeting.id, 0))).toBeInstanceOf(AffinityNotFoundError);
  });

  it("passes a meeting's ical_uid through: the calendar uid when synced, null when logged by hand", async () => {
    const synced = activitySeeder(em.core).addInteraction({
      type: 0,
      date: '2024-02-20T10:00:00Z',
      personIds: [ids.ada, ids.jane],
      loggingType: 0,
    });
    const page = await ada.interactions.page({ type: 0, person_id: ids.jane, ...range });
    const byId = new Map((page.events ?? []).map((e) => [e.id, e]));
    expect(byId.get(synced)?.ical_uid).toEqual(expect.stringMatching(/@/));
    const logged = [...byId.values()].find((e) => e.id !== synced);
    expect(logged?.ical_uid).toBeNull();
    expect((await ada.interactions.get(synced, 0)).ical_uid).toBe(byId.get(synced)?.ical_uid);
  });

  it('needs an internal person to log one, and refuses to log emails', async () => {
    const external = await caught(() =>
      ada.interactions.create({
        type: 0,
        person_ids: [ids.john],
        content: 'x',
        date: '2024-03-01T00:00:00Z',
      }),
    );
    expect(external).toBeInstanceOf(AffinityValidationError);
    const email = await raw(em, 'POST', '/interactions', KEYS.ada, {
      type: 3,
      person_ids: [ids.ada, ids.john],
      content: 'x',
      date: '2024-03-01T00:00:00Z',
    });
    expect(email.status).toBe(422);
  });

  it('rejects a range over one year locally, and the emulator rejects it when sent raw', async () => {
    const wide = { start_time: '2023-01-01T00:00:00Z', end_time: '2024-01-02T00:00:00Z' };
    const local = await caught(() => ada.interactions.page({ type: 3, person_id: ids.jane, ...wide }));
    expect(local).toBeInstanceOf(AffinityArgumentError);
    const answer = await raw(
      em,
      'GET',
      `/interactions?type=3&person_id=${ids.jane}&start_time=${wide.start_time}&end_time=${wide.end_time}`,
    );
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toMatch(/year/i);
    const exact = await ada.interactions.page({
      type: 3,
      person_id: ids.jane,
      start_time: '2023-01-10T00:00:00Z',
      end_time: '2024-01-10T00:00:00Z',
    });
    expect(exact.emails).toEqual([]);
  });
});

describe('relationship strengths', () => {
  it('answers every internal person for an external one, or one pair', async () => {
    await resetWorkspace(em);
    const all = await ada.relationshipStrengths.get({ external_id: ids.jane });
    expect(all.map((s) => [s.internal_id, s.strength]).sort()).toEqual(
      [
        [ids.ada, 0.8],
        [ids.bo, 0.3],
      ].sort(),
    );
    const pair = await ada.relationshipStrengths.get({ external_id: ids.jane, internal_id: ids.bo });
    expect(pair).toEqual([{ internal_id: ids.bo, external_id: ids.jane, strength: 0.3 }]);
    expect(await ada.relationshipStrengths.get({ external_id: ids.jane, internal_id: ids.cy })).toEqual([]);
    expect((await raw(em, 'GET', '/relationships-strengths')).status).toBe(422);
  });
});

describe('notes', () => {
  beforeAll(async () => {
    clock.now = new Date(START);
    await resetWorkspace(em);
  });

  it('creates plain and HTML notes from JSON and form bodies, and replies', async () => {
    const plain = await ada.notes.create({
      content: 'Lunch with Jane',
      person_ids: [ids.jane],
      organization_ids: [ids.acme],
      opportunity_ids: [ids.deal],
    });
    expect(plain).toMatchObject({
      type: 0,
      creator_id: ids.ada,
      parent_id: null,
      organization_ids: [ids.acme],
    });
    expect(plain.person_ids).toContain(ids.jane);
    expect(plain.opportunity_ids).toEqual([ids.deal]);
    const html = await ada.notes.create(
      { content: '<p><strong>Bold</strong> plan</p>', type: 2, person_ids: [ids.jane, ids.john] },
      { encoding: 'form' },
    );
    expect(html).toMatchObject({ type: 2, content: '<p><strong>Bold</strong> plan</p>' });
    expect(html.person_ids.sort((a, b) => a - b)).toEqual([ids.jane, ids.john].sort((a, b) => a - b));
    const reply = await bo.notes.create({ content: 'Agreed', parent_id: plain.id, person_ids: [ids.mia] });
    expect(reply).toMatchObject({
      parent_id: plain.id,
      creator_id: ids.bo,
      person_ids: [],
      organization_ids: [],
    });
    const backdated = await ada.notes.create({
      content: 'Old news',
      organization_ids: [ids.initech],
      created_at: '2024-01-01T00:00:00Z',
      creator_id: ids.bo,
    });
    expect(backdated.creator_id).toBe(ids.bo);
    expect(Date.parse(backdated.created_at)).toBe(Date.parse('2024-01-01T00:00:00Z'));

    expect((await ada.notes.page({ person_id: ids.jane })).notes.map((n) => n.id).sort()).toEqual(
      [plain.id, html.id].sort(),
    );
    expect((await ada.notes.page({ creator_id: ids.bo })).notes.map((n) => n.id).sort()).toEqual(
      [reply.id, backdated.id].sort(),
    );
    const all: number[] = [];
    for await (const n of ada.notes.iterate({ page_size: 1 })) all.push(n.id);
    expect(all.sort()).toEqual([plain.id, html.id, reply.id, backdated.id].sort());
  });

  it('answers 422 for created_at in the future and for a reply to a reply', async () => {
    const future = await caught(() =>
      ada.notes.create({
        content: 'Tomorrow',
        person_ids: [ids.jane],
        created_at: new Date(clock.now.getTime() + DAY),
      }),
    );
    expect(future).toBeInstanceOf(AffinityValidationError);
    const root = await ada.notes.create({ content: 'Root', person_ids: [ids.jane] });
    const child = await ada.notes.create({ content: 'Child', parent_id: root.id });
    expect(
      await caught(() => ada.notes.create({ content: 'Grandchild', parent_id: child.id })),
    ).toBeInstanceOf(AffinityValidationError);
  });

  it('gets, updates and deletes a note', async () => {
    const n = await ada.notes.create({ content: 'Draft', person_ids: [ids.john] });
    expect(n.updated_at).toBeNull();
    expect((await ada.notes.get(n.id)).content).toBe('Draft');
    advance(60_000);
    const u = await ada.notes.update(n.id, 'Final');
    expect(u.content).toBe('Final');
    expect(u.updated_at).not.toBeNull();
    expect(await ada.notes.delete(n.id)).toEqual({ success: true });
    expect(await caught(() => ada.notes.get(n.id))).toBeInstanceOf(AffinityNotFoundError);
  });
});

describe('entity files', () => {
  beforeAll(async () => {
    clock.now = new Date(START);
    await resetWorkspace(em);
  });

  it('uploads one and several files, lists, gets and downloads them through the redirect', async () => {
    expect(
      await ada.entityFiles.upload({
        person_id: ids.jane,
        file: { name: 'notes.txt', data: 'hello jane', contentType: 'text/plain' },
      }),
    ).toEqual({ success: true });
    expect(
      await ada.entityFiles.upload({
        organization_id: ids.acme,
        files: [
          { name: 'deck.pdf', data: new Uint8Array([37, 80, 68, 70]), contentType: 'application/pdf' },
          { name: 'memo.md', data: '# Memo' },
        ],
      }),
    ).toEqual({ success: true });

    const janes = await ada.entityFiles.page({ person_id: ids.jane });
    expect(janes.entity_files).toHaveLength(1);
    const file = janes.entity_files[0];
    expect(file).toMatchObject({ name: 'notes.txt', size: 10, person_id: ids.jane, uploader_id: ids.ada });
    const acmes: string[] = [];
    for await (const f of ada.entityFiles.iterate({ organization_id: ids.acme, page_size: 1 }))
      acmes.push(f.name);
    expect(acmes.sort()).toEqual(['deck.pdf', 'memo.md']);
    expect((await ada.entityFiles.page()).entity_files).toHaveLength(3);

    const id = file?.id as number;
    expect((await ada.entityFiles.get(id)).name).toBe('notes.txt');
    const download = await ada.entityFiles.download(id);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('hello jane');
    expect(await caught(() => ada.entityFiles.get(987_654_321))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('refuses an expired download link', async () => {
    const [file] = (await ada.entityFiles.page({ person_id: ids.jane })).entity_files;
    const url = await ada.entityFiles.downloadUrl(file?.id as number);
    expect(url).toEqual(expect.any(String));
    advance(60 * 60_000);
    const expired = await fetch(url as string);
    expect(expired.status).toBe(403);
    await expired.body?.cancel();
  });

  it('needs exactly one entity and a file', async () => {
    const both = await caught(() =>
      ada.entityFiles.upload({
        person_id: ids.jane,
        organization_id: ids.acme,
        file: { name: 'x.txt', data: 'x' },
      } as unknown as Parameters<typeof ada.entityFiles.upload>[0]),
    );
    expect(both).toBeInstanceOf(AffinityArgumentError);
    const form = new FormData();
    form.append('person_id', String(ids.jane));
    const res = await fetch(`${em.url}/entity-files`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`:${KEYS.ada}`).toString('base64')}` },
      body: form,
    });
    expect(res.status).toBe(422);
    await res.body?.cancel();
  });
});

describe('reminders', () => {
  beforeAll(async () => {
    clock.now = new Date(START);
    await resetWorkspace(em);
  });

  it('creates one-time and recurring reminders of each reset type, with a derived status', async () => {
    const once = await ada.reminders.create({
      type: 0,
      owner_id: ids.ada,
      person_id: ids.jane,
      content: 'Follow up',
      due_date: '2024-03-20T12:00:00Z',
    });
    expect(once).toMatchObject({ type: 0, status: 1, reset_type: null, reminder_days: null });
    expect(once.person).toMatchObject({ id: ids.jane });
    expect(once.creator).toMatchObject({ id: ids.ada });
    for (const reset_type of [0, 1, 2] as const) {
      const r = await ada.reminders.create({
        type: 1,
        owner_id: ids.bo,
        organization_id: ids.acme,
        reset_type,
        reminder_days: 30,
      });
      expect(r).toMatchObject({ type: 1, reset_type, reminder_days: 30, status: 1 });
      expect(r.owner).toMatchObject({ id: ids.bo });
    }
    // A bare date, as in the reference's example, is midnight Pacific of that day.
    const bare = await ada.reminders.create({ type: 0, owner_id: ids.ada, due_date: '2024-03-30' });
    expect(bare.due_date).toBe('2024-03-30T00:00:00.000-07:00');
    await ada.reminders.delete(bare.id);
    expect((await ada.reminders.page({ type: 1 })).reminders).toHaveLength(3);
    expect((await ada.reminders.page({ type: 1, reset_type: 2 })).reminders).toHaveLength(1);
    expect((await ada.reminders.page({ owner_id: ids.ada })).reminders.map((r) => r.id)).toEqual([once.id]);

    advance(10 * DAY);
    expect((await ada.reminders.get(once.id)).status).toBe(2);
    expect((await ada.reminders.page({ status: 2 })).reminders.map((r) => r.id)).toEqual([once.id]);
    const done = await ada.reminders.update(once.id, { is_completed: true });
    expect(done.status).toBe(0);
    expect(done.completer).toMatchObject({ id: ids.ada });
    expect((await ada.reminders.page({ completer_id: ids.ada })).reminders.map((r) => r.id)).toEqual([
      once.id,
    ]);
    const due = await ada.reminders.page({
      due_before: '2024-03-21T00:00:00Z',
      due_after: '2024-03-19T00:00:00Z',
    });
    expect(due.reminders.map((r) => r.id)).toEqual([once.id]);
    const all: number[] = [];
    for await (const r of ada.reminders.iterate({ page_size: 2 })) all.push(r.id);
    expect(all).toHaveLength(4);

    expect(await ada.reminders.delete(once.id)).toEqual({ success: true });
    expect(await caught(() => ada.reminders.get(once.id))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('requires what each type needs: locally, and from the emulator when sent raw', async () => {
    const local = await caught(() =>
      ada.reminders.create({ type: 1, owner_id: ids.ada } as unknown as Parameters<
        typeof ada.reminders.create
      >[0]),
    );
    expect(local).toBeInstanceOf(AffinityArgumentError);
    expect((await raw(em, 'POST', '/reminders', KEYS.ada, { type: 1, owner_id: ids.ada })).status).toBe(422);
    expect((await raw(em, 'POST', '/reminders', KEYS.ada, { type: 0, owner_id: ids.ada })).status).toBe(422);
    const external = await caught(() =>
      ada.reminders.create({ type: 0, owner_id: ids.jane, due_date: '2024-04-01T00:00:00Z' }),
    );
    expect(external).toBeInstanceOf(AffinityValidationError);
  });
});

describe('whoami and rate limit', () => {
  beforeAll(() => resetWorkspace(em));

  it('answers whoami in camelCase for the key used', async () => {
    const me = await bo.whoami.get();
    expect(me.user).toMatchObject({ id: ids.bo, firstName: 'Bo', lastName: 'Basic', email: 'bo@firm.vc' });
    expect(me.grant).toMatchObject({ type: 'api_key', scope: 'external_api', createdAt: expect.any(String) });
    expect(me.tenant.subdomain).toEqual(expect.any(String));
  });

  it('reports "unlimited" plans as strings and numeric plans as numbers', async () => {
    await configure(em, { monthlyLimit: 'unlimited', ratePerMinute: 900 });
    const unlimited = await ada.rateLimit.get();
    expect(unlimited.rate.org_monthly).toMatchObject({ limit: 'unlimited', remaining: 'unlimited' });
    expect(unlimited.rate.api_key_per_minute.limit).toBe(900);

    await configure(em, { monthlyLimit: 100_000 });
    const numeric = await ada.rateLimit.get();
    expect(numeric.rate.org_monthly.limit).toBe(100_000);
    expect(numeric.rate.org_monthly.used).toBeGreaterThan(0);
    expect(numeric.rate.org_monthly.remaining).toBe(100_000 - numeric.rate.org_monthly.used);
    expect(numeric.rate.api_key_per_minute.remaining).toBe(900 - numeric.rate.api_key_per_minute.used);
    await configure(em, { monthlyLimit: 'unlimited' });
  });
});

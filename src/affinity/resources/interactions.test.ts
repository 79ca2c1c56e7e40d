import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityArgumentError } from './arguments.js';
import { type Harness, startHarness } from './harness.js';
import { checkInteractionRange, interactionPageKey } from './interactions.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('interactions', () => {
  it('GET /interactions sends the reference query and parses emails', async () => {
    h.server.on('GET', '/interactions', { json: ex.getInteractions });
    const page = await h.client.interactions.page({
      organization_id: 1609909,
      type: 3,
      start_time: '2021-01-01T07:00:00Z',
      end_time: '2021-02-25T21:00:00Z',
    });
    expect(h.server.last().rawQuery).toBe(
      'type=3&organization_id=1609909&start_time=2021-01-01T07%3A00%3A00Z&end_time=2021-02-25T21%3A00%3A00Z',
    );
    expect(page).toEqual(ex.getInteractions);
    expect(page.emails?.[0]?.from?.first_name).toBe('John');
  });

  it('sends every optional filter', async () => {
    h.server.on('GET', '/interactions', { json: { chat_messages: [], next_page_token: null } });
    await h.client.interactions.page({
      person_id: 2021,
      type: 2,
      logging_type: 1,
      internal_person_id: 443,
      direction: 0,
      start_time: new Date(Date.UTC(2022, 0, 1)),
      end_time: new Date(Date.UTC(2022, 11, 31)),
      page_size: 100,
      page_token: 'abc',
    });
    expect(h.server.last().rawQuery).toBe(
      'type=2&logging_type=1&person_id=2021&internal_person_id=443&direction=0' +
        '&start_time=2022-01-01T00%3A00%3A00.000Z&end_time=2022-12-31T00%3A00%3A00.000Z&page_size=100&page_token=abc',
    );
  });

  it('iterate reads the key of the requested type across pages', async () => {
    const [meeting] = [ex.interactionMeeting];
    h.server.on(
      'GET',
      '/interactions',
      { json: { events: [meeting], next_page_token: 'n1' } },
      { json: { events: [{ ...meeting, id: 3008, type: 1 }], next_page_token: null } },
    );
    const seen: Array<[number, number]> = [];
    for await (const i of h.client.interactions.iterate({
      opportunity_id: 117,
      type: 0,
      start_time: '2022-01-01',
      end_time: '2022-06-01',
    })) {
      seen.push([i.id, i.type]);
    }
    expect(seen).toEqual([
      [3007, 0],
      [3008, 1],
    ]);
    expect(h.server.last().query.get('page_token')).toBe('n1');
    expect(interactionPageKey(0)).toBe('events');
    expect(interactionPageKey(1)).toBe('events');
    expect(interactionPageKey(2)).toBe('chat_messages');
    expect(interactionPageKey(3)).toBe('emails');
  });

  it('a range over one year, a reversed range or a missing entity throws before sending', async () => {
    const before = h.server.requests.length;
    const base = { person_id: 1, type: 0 as const };
    await expect(
      h.client.interactions.page({
        ...base,
        start_time: '2021-01-01T00:00:00Z',
        end_time: '2022-01-01T00:00:01Z',
      }),
    ).rejects.toThrow('GET /interactions: start_time..end_time spans more than one year');
    await expect(
      h.client.interactions.page({ ...base, start_time: '2021-02-01', end_time: '2021-01-01' }),
    ).rejects.toThrow(AffinityArgumentError);
    await expect(
      // @ts-expect-error no person, organization or opportunity
      h.client.interactions.page({ type: 0, start_time: '2021-01-01', end_time: '2021-02-01' }),
    ).rejects.toThrow('missing: give one of person_id, organization_id, opportunity_id');
    expect(h.server.requests.length).toBe(before);
    // exactly one year is allowed, including across a leap day
    expect(() =>
      checkInteractionRange('GET /interactions', '2024-02-01T00:00:00Z', '2025-02-01T00:00:00Z'),
    ).not.toThrow();
  });

  it('get one of each type; the three resource examples parse', async () => {
    h.server.on('GET', '/interactions/15326', { json: ex.getInteraction });
    const chat = await h.client.interactions.get(15326, 2);
    expect(h.server.last().rawQuery).toBe('type=2');
    expect(chat).toEqual(ex.getInteraction);
    for (const example of [ex.interactionMeeting, ex.interactionChatMessage, ex.interactionEmail]) {
      h.server.on('GET', `/interactions/${example.id}`, { json: example });
      expect(await h.client.interactions.get(example.id, example.type)).toEqual(example);
    }
  });

  it('create, update and delete', async () => {
    h.server.on('POST', '/interactions', { json: ex.createInteraction });
    const created = await h.client.interactions.create({
      person_ids: [443, 2021],
      type: 0,
      date: '2021-02-07T10:56:29.546-08:00',
      content: 'Create interaction from external API.',
    });
    expect(h.server.last().contentType).toBe('application/json');
    expect(h.server.lastJson()).toEqual({
      person_ids: [443, 2021],
      type: 0,
      date: '2021-02-07T10:56:29.546-08:00',
      content: 'Create interaction from external API.',
    });
    expect(created).toEqual(ex.createInteraction);

    h.server.on('PUT', '/interactions/3007', { json: ex.updateInteraction });
    const updated = await h.client.interactions.update(3007, {
      type: 0,
      date: '2022-02-07T10:56:29.546-08:00',
      content: 'Update interaction from external API.',
    });
    expect(h.server.lastJson()).toEqual({
      type: 0,
      date: '2022-02-07T10:56:29.546-08:00',
      content: 'Update interaction from external API.',
    });
    expect(updated).toEqual(ex.updateInteraction);

    h.server.on('DELETE', '/interactions/22984', { json: ex.success });
    expect(await h.client.interactions.delete(22984, 0)).toEqual({ success: true });
    expect(h.server.last().rawQuery).toBe('type=0');
  });

  it('refuses to create an email', async () => {
    await expect(
      // @ts-expect-error emails cannot be created
      h.client.interactions.create({ type: 3, person_ids: [1], content: 'x', date: '2021-01-01' }),
    ).rejects.toThrow('type must be one of 0, 1, 2');
  });
});

describe('relationship strengths', () => {
  it('GET with external_id and internal_id', async () => {
    h.server.on('GET', '/relationships-strengths', { json: ex.getRelationshipStrength });
    const one = await h.client.relationshipStrengths.get({ external_id: 1234, internal_id: 2345 });
    expect(h.server.last().rawQuery).toBe('external_id=1234&internal_id=2345');
    expect(one).toEqual(ex.getRelationshipStrength);
  });

  it('GET with external_id only', async () => {
    h.server.on('GET', '/relationships-strengths', { json: ex.getRelationshipStrengths });
    const all = await h.client.relationshipStrengths.get({ external_id: 1234 });
    expect(h.server.last().rawQuery).toBe('external_id=1234');
    expect(all).toEqual(ex.getRelationshipStrengths);
    h.server.on('GET', '/relationships-strengths', {
      json: [ex.relationshipStrengthResource, ...ex.useCaseRelationshipStrengths],
    });
    expect(await h.client.relationshipStrengths.get({ external_id: 89734 })).toHaveLength(2);
  });
});

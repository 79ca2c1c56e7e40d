/**
 * Conformance of webhook subscriptions through the client, and real delivery: events caused by
 * client calls reach a `node:http` receiver on port 0, each subscription getting only the event
 * types it asked for. Tests wait for deliveries, never for time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AffinityArgumentError,
  type AffinityClient,
  AffinityForbiddenError,
  AffinityNotFoundError,
  AffinityValidationError,
} from '../../src/affinity/index.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import {
  caught,
  clientFor,
  type Ids,
  KEYS,
  type Receiver,
  resetWorkspace,
  startReceiver,
  startWorkspace,
} from './support.js';

let em: RunningEmulator;
let ids: Ids;
let ada: AffinityClient;
let bo: AffinityClient;
let receiver: Receiver;

beforeAll(async () => {
  ({ em, ids } = await startWorkspace());
  ada = clientFor(em, KEYS.ada);
  bo = clientFor(em, KEYS.bo);
  receiver = await startReceiver();
});
afterAll(async () => {
  await em.close();
  await receiver.close();
});

describe('webhook subscriptions', () => {
  beforeAll(() => resetWorkspace(em));

  it('allows three per instance, lists and gets them', async () => {
    const a = await ada.webhooks.create({
      webhook_url: `${receiver.url}/a`,
      subscriptions: ['person.created'],
    });
    expect(a).toMatchObject({ subscriptions: ['person.created'], disabled: false, created_by: ids.ada });
    const b = await bo.webhooks.create({ webhook_url: `${receiver.url}/b` });
    expect(b.subscriptions).toEqual([]);
    const c = await bo.webhooks.create({ webhook_url: `${receiver.url}/c`, subscriptions: [] });
    const fourth = await caught(() => ada.webhooks.create({ webhook_url: `${receiver.url}/d` }));
    expect(fourth).toBeInstanceOf(AffinityValidationError);
    expect((fourth as AffinityValidationError).messages.join(' ')).toMatch(/3/);

    expect((await ada.webhooks.all()).map((w) => w.id)).toEqual([a.id, b.id, c.id]);
    expect((await bo.webhooks.get(a.id)).webhook_url).toBe(`${receiver.url}/a`);
    expect(await caught(() => ada.webhooks.get(987_654_321))).toBeInstanceOf(AffinityNotFoundError);
  });

  it('lets only the creator update, and the creator or the admin delete', async () => {
    const [a, b, c] = await ada.webhooks.all();
    const mine = a?.id as number;
    expect(await caught(() => bo.webhooks.update(mine, { disabled: true }))).toBeInstanceOf(
      AffinityForbiddenError,
    );
    expect(await caught(() => ada.webhooks.update(b?.id as number, { disabled: true }))).toBeInstanceOf(
      AffinityForbiddenError,
    );
    const off = await ada.webhooks.update(mine, {
      disabled: true,
      subscriptions: ['person.created', 'note.created'],
    });
    expect(off).toMatchObject({ disabled: true, subscriptions: ['person.created', 'note.created'] });
    expect(off.updated_at).not.toBeNull();

    expect(await caught(() => bo.webhooks.delete(mine))).toBeInstanceOf(AffinityForbiddenError);
    // Ada holds the instance's first key: the admin may delete Bo's subscription.
    expect(await ada.webhooks.delete(c?.id as number)).toEqual({ success: true });
    expect(await bo.webhooks.delete(b?.id as number)).toEqual({ success: true });
    expect((await ada.webhooks.all()).map((w) => w.id)).toEqual([mine]);
  });

  it('rejects unknown event types at the emulator and non-http URLs in the client', async () => {
    expect(
      await caught(() =>
        ada.webhooks.create({
          webhook_url: `${receiver.url}/x`,
          subscriptions: ['person.exploded' as 'person.created'],
        }),
      ),
    ).toBeInstanceOf(AffinityValidationError);
    expect(await caught(() => ada.webhooks.create({ webhook_url: 'ftp://example.com/hook' }))).toBeInstanceOf(
      AffinityArgumentError,
    );
  });
});

describe('webhook delivery', () => {
  beforeAll(() => resetWorkspace(em));

  it('delivers the events client calls cause, each subscription only what it subscribed to', async () => {
    await ada.webhooks.create({ webhook_url: `${receiver.url}/people`, subscriptions: ['person.created'] });
    await ada.webhooks.create({ webhook_url: `${receiver.url}/all` });

    const org = await ada.organizations.create({ name: 'Webhook Co', domain: 'webhook.co' });
    const person = await ada.persons.create({
      first_name: 'Hook',
      last_name: 'Ed',
      emails: ['hook@webhook.co'],
    });
    const entry = await ada.listEntries.create(ids.people, { entity_id: person.id });

    const orgEvent = await receiver.next('organization.created', '/all');
    expect(orgEvent.json.body).toMatchObject({ id: org.id, name: 'Webhook Co' });
    expect(orgEvent.json.sent_at).toEqual(expect.any(Number));
    const entryEvent = await receiver.next('list_entry.created', '/all');
    expect(entryEvent.json.body).toMatchObject({ id: entry.id, list_id: ids.people, entity_id: person.id });

    const personEvent = await receiver.next('person.created', '/people');
    expect(personEvent.json.body).toMatchObject({ id: person.id, first_name: 'Hook' });
    expect((await receiver.next('person.created', '/all')).json.body).toMatchObject({ id: person.id });
    // Deliveries of one subscription keep their order: had /people wanted the organization event,
    // it would have arrived before the person event.
    const people = receiver.received.filter((d) => d.path.endsWith('/people')).map((d) => d.json.type);
    expect(people).toEqual(['person.created']);
  });

  it('stops delivering to a disabled subscription until it is enabled again', async () => {
    const [people] = await ada.webhooks.all();
    const id = people?.id as number;
    await ada.webhooks.update(id, { disabled: true });
    const quiet = await ada.persons.create({ first_name: 'Quiet', last_name: 'One', emails: [] });
    await ada.webhooks.update(id, { disabled: false });
    const loud = await ada.persons.create({ first_name: 'Loud', last_name: 'Two', emails: [] });

    await receiver.next('person.created', '/all');
    const toPeople = async (): Promise<number[]> => {
      // Deliveries of one subscription keep their order: once Loud has arrived, Quiet would have.
      for (;;) {
        const got = receiver.received
          .filter((d) => d.path.endsWith('/people'))
          .map((d) => d.json.body.id as number);
        if (got.includes(loud.id)) return got;
        await receiver.nextAny();
      }
    };
    const got = await toPeople();
    expect(got).not.toContain(quiet.id);
    expect(receiver.received.some((d) => d.path.endsWith('/all') && d.json.body.id === quiet.id)).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient } from './client.js';
import { AffinityServerError } from './core/errors.js';
import { createTransport } from './core/http.js';
import * as surface from './index.js';
import { type RecordingServer, startRecordingServer } from './resources/recording-server.js';
import { referenceExamples as ex } from './resources/reference-examples.js';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());

describe('AffinityClient', () => {
  it('builds its own transport from the transport options (bearer auth here)', async () => {
    const client = new AffinityClient({ apiKey: 'k-1', baseUrl: server.url, auth: 'bearer', maxRetries: 0 });
    server.on('GET', '/auth/whoami', { json: ex.getWhoami });
    expect((await client.whoami.get()).tenant.subdomain).toBe('affinity');
    expect(server.last().headers.authorization).toBe('Bearer k-1');
  });

  it('keeps a base URL path prefix', async () => {
    const client = new AffinityClient({ apiKey: 'k', baseUrl: `${server.url}/v1/`, maxRetries: 0 });
    server.on('GET', '/v1/lists/450', { json: ex.getList });
    expect((await client.lists.get(450)).name).toBe('My List of People');
    expect(server.last().path).toBe('/v1/lists/450');
  });

  it('exposes every resource and the module surface re-exports core, schemas and resources', () => {
    const client = new AffinityClient({ transport: createTransport({ apiKey: 'k', baseUrl: server.url }) });
    expect(Object.keys(client).sort()).toEqual(
      [
        'entityFiles',
        'fieldValueChanges',
        'fieldValues',
        'fields',
        'interactions',
        'listEntries',
        'lists',
        'notes',
        'opportunities',
        'organizations',
        'persons',
        'rateLimit',
        'relationshipStrengths',
        'reminders',
        'transport',
        'webhooks',
        'whoami',
      ].sort(),
    );
    expect(surface.AffinityClient).toBe(AffinityClient);
    expect(typeof surface.createTransport).toBe('function');
    expect(typeof surface.paginate).toBe('function');
    expect(typeof surface.personSchema.parse).toBe('function');
    expect(surface.ValueType.RankedDropdown).toBe(7);
    expect(typeof surface.PersonsResource).toBe('function');
  });
});

/**
 * Idempotency as the transport acts on it: a 500 is retried for GET/PUT/DELETE and never for a
 * POST, which instead fails saying the write may have landed.
 */
describe('idempotent flags on writes', () => {
  const sleepless = () =>
    new AffinityClient({
      transport: createTransport({ apiKey: 'k', baseUrl: server.url, maxRetries: 1, sleep: async () => {} }),
    });
  const boom = { status: 500, json: { message: 'boom' } };

  const posts: Array<[string, string, (c: AffinityClient) => Promise<unknown>]> = [
    ['lists.create', '/lists', (c) => c.lists.create({ name: 'L', type: 0, is_public: true })],
    ['listEntries.create', '/lists/1/list-entries', (c) => c.listEntries.create(1, { entity_id: 2 })],
    ['fields.create', '/fields', (c) => c.fields.create({ name: 'F', entity_type: 0, value_type: 6 })],
    [
      'fieldValues.create',
      '/field-values',
      (c) => c.fieldValues.create({ field_id: 1, entity_id: 2, value: 'x' }),
    ],
    ['persons.create', '/persons', (c) => c.persons.create({ first_name: 'A', last_name: 'B', emails: [] })],
    ['organizations.create', '/organizations', (c) => c.organizations.create({ name: 'O' })],
    ['opportunities.create', '/opportunities', (c) => c.opportunities.create({ name: 'D', list_id: 1 })],
    [
      'interactions.create',
      '/interactions',
      (c) => c.interactions.create({ type: 1, person_ids: [1], content: 'c', date: '2021-01-01' }),
    ],
    ['notes.create', '/notes', (c) => c.notes.create({ content: 'n', person_ids: [1] })],
    [
      'entityFiles.upload',
      '/entity-files',
      (c) => c.entityFiles.upload({ person_id: 1, file: new File(['x'], 'x.txt') }),
    ],
    [
      'reminders.create',
      '/reminders',
      (c) => c.reminders.create({ owner_id: 1, type: 0, due_date: '2021-01-01' }),
    ],
    [
      'webhooks.create',
      '/webhook/subscribe',
      (c) => c.webhooks.create({ webhook_url: 'https://h.example/x' }),
    ],
  ];

  it.each(posts)('%s (POST) is sent once and reports that it may have landed', async (_name, path, call) => {
    server.on('POST', path, boom, { json: ex.success });
    const before = server.requests.length;
    const err = await call(sleepless()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AffinityServerError);
    expect((err as AffinityServerError).mayHaveLanded).toBe(true);
    expect(server.requests.length - before).toBe(1);
  });

  const repeatable: Array<
    [string, 'PUT' | 'DELETE', string, unknown, (c: AffinityClient) => Promise<unknown>]
  > = [
    [
      'listEntries.delete',
      'DELETE',
      '/lists/1/list-entries/2',
      ex.success,
      (c) => c.listEntries.delete(1, 2),
    ],
    ['fields.delete', 'DELETE', '/fields/3', ex.success, (c) => c.fields.delete(3)],
    [
      'fieldValues.update',
      'PUT',
      '/field-values/4',
      ex.updateFieldValue,
      (c) => c.fieldValues.update(4, 'x'),
    ],
    ['fieldValues.delete', 'DELETE', '/field-values/4', ex.success, (c) => c.fieldValues.delete(4)],
    ['persons.update', 'PUT', '/persons/5', ex.updatePerson, (c) => c.persons.update(5, { last_name: 'Z' })],
    ['persons.delete', 'DELETE', '/persons/5', ex.success, (c) => c.persons.delete(5)],
    [
      'organizations.update',
      'PUT',
      '/organizations/6',
      ex.updateOrganization,
      (c) => c.organizations.update(6, { name: 'N' }),
    ],
    ['organizations.delete', 'DELETE', '/organizations/6', ex.success, (c) => c.organizations.delete(6)],
    [
      'opportunities.update',
      'PUT',
      '/opportunities/7',
      ex.updateOpportunity,
      (c) => c.opportunities.update(7, { name: 'N' }),
    ],
    ['opportunities.delete', 'DELETE', '/opportunities/7', ex.success, (c) => c.opportunities.delete(7)],
    [
      'interactions.update',
      'PUT',
      '/interactions/8',
      ex.updateInteraction,
      (c) => c.interactions.update(8, { type: 0, content: 'c' }),
    ],
    ['interactions.delete', 'DELETE', '/interactions/8', ex.success, (c) => c.interactions.delete(8, 0)],
    ['notes.update', 'PUT', '/notes/9', ex.updateNote, (c) => c.notes.update(9, 'c')],
    ['notes.delete', 'DELETE', '/notes/9', ex.success, (c) => c.notes.delete(9)],
    [
      'reminders.update',
      'PUT',
      '/reminders/10',
      ex.updateReminder,
      (c) => c.reminders.update(10, { content: 'c' }),
    ],
    ['reminders.delete', 'DELETE', '/reminders/10', ex.success, (c) => c.reminders.delete(10)],
    [
      'webhooks.update',
      'PUT',
      '/webhook/11',
      ex.updateWebhook,
      (c) => c.webhooks.update(11, { disabled: true }),
    ],
    ['webhooks.delete', 'DELETE', '/webhook/11', ex.success, (c) => c.webhooks.delete(11)],
  ];

  it.each(repeatable)('%s (%s) is retried after a 500', async (_name, method, path, answer, call) => {
    server.on(method, path, boom, { json: answer });
    const before = server.requests.length;
    expect(await call(sleepless())).toEqual(answer);
    expect(server.requests.length - before).toBe(2);
  });
});

/**
 * Shared pieces of the conformance suite: a small seeded workspace, the client built the way an
 * application builds it, the emulator's admin API spoken over HTTP, raw requests for what the
 * client refuses to send, and a `node:http` webhook receiver. Every test file starts its own
 * emulator on port 0, so files never share state or rate-limit budgets.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { AffinityClient, type ClientEvent, type TransportOptions } from '../../src/affinity/index.js';
import {
  type EmulatorConfig,
  type EmulatorStats,
  type RunningEmulator,
  type Seed,
  startEmulator,
} from '../../src/emulator/index.js';

/** Ids of the seeded workspace, filled in when the seed runs (again after every reset). */
export interface Ids {
  ada: number;
  bo: number;
  cy: number;
  acme: number;
  globex: number;
  initech: number;
  jane: number;
  john: number;
  mia: number;
  people: number;
  companies: number;
  deals: number;
  secret: number;
  status: number;
  statusOptions: number[];
  owners: number;
  stage: number;
  amount: number;
  closeDate: number;
  hq: number;
  summary: number;
  tags: number;
  partner: number;
  deal: number;
  dealEntry: number;
  janeOnPeople: number;
  acmeOnCompanies: number;
  globexOnCompanies: number;
}

export const KEYS = { ada: 'key-ada', bo: 'key-bo', cy: 'key-cy' } as const;

/**
 * A workspace small enough to reason about: three users with keys, three organizations (one
 * global), three external persons with emails and interactions, person/organization/opportunity
 * lists (one private to Bo), global fields of every value type and list-specific ones.
 */
export function workspaceSeed(ids: Ids): Seed {
  return (b) => {
    ids.ada = b.addUser({ firstName: 'Ada', lastName: 'Admin', email: 'ada@firm.vc', apiKey: KEYS.ada });
    ids.bo = b.addUser({ firstName: 'Bo', lastName: 'Basic', email: 'bo@firm.vc', apiKey: KEYS.bo });
    ids.cy = b.addUser({ firstName: 'Cy', lastName: 'Spare', email: 'cy@firm.vc', apiKey: KEYS.cy });
    ids.acme = b.addOrganization({ name: 'Acme Corporation', domain: 'acme.co' });
    ids.globex = b.addOrganization({
      name: 'Globex',
      domain: 'globex.com',
      global: true,
      crunchbaseUuid: 'cb-1',
    });
    ids.initech = b.addOrganization({ name: 'Initech', domain: 'initech.io' });
    ids.jane = b.addPerson({
      firstName: 'Jane',
      lastName: 'Doe',
      emails: ['jane@acme.co'],
      organizationIds: [ids.acme],
    });
    ids.john = b.addPerson({ firstName: 'John', lastName: 'Doe', emails: ['jdoe@alumni.stanford.edu'] });
    ids.mia = b.addPerson({
      firstName: 'Mia',
      lastName: 'Wong',
      emails: ['mia@initech.io'],
      organizationIds: [ids.initech],
    });
    ids.people = b.addList({ name: 'People', type: 0, public: true, ownerId: ids.ada });
    ids.companies = b.addList({ name: 'Companies', type: 1, public: true, ownerId: ids.ada });
    ids.deals = b.addList({ name: 'Deals', type: 8, public: true, ownerId: ids.ada });
    ids.secret = b.addList({ name: 'Secret', type: 1, public: false, ownerId: ids.bo });
    const status = b.addField({
      name: 'Status',
      entityType: 8,
      valueType: 7,
      listId: ids.deals,
      dropdownOptions: [{ text: 'New' }, { text: 'Won', color: 2 }],
    });
    ids.status = status.id;
    ids.statusOptions = status.optionIds;
    ids.amount = b.addField({ name: 'Amount', entityType: 8, valueType: 3, listId: ids.deals }).id;
    ids.owners = b.addField({ name: 'Owners', entityType: 0, valueType: 0, allowsMultiple: true }).id;
    ids.partner = b.addField({ name: 'Partner', entityType: 1, valueType: 1 }).id;
    ids.stage = b.addField({ name: 'Stage', entityType: 1, valueType: 2 }).id;
    ids.closeDate = b.addField({ name: 'Founded', entityType: 1, valueType: 4 }).id;
    ids.hq = b.addField({ name: 'HQ', entityType: 1, valueType: 5 }).id;
    ids.summary = b.addField({ name: 'Summary', entityType: 0, valueType: 6 }).id;
    ids.tags = b.addField({ name: 'Tags', entityType: 0, valueType: 2, allowsMultiple: true }).id;
    const deal = b.addOpportunity({ name: 'Acme Series A', listId: ids.deals, organizationIds: [ids.acme] });
    ids.deal = deal.id;
    ids.dealEntry = deal.listEntryId;
    ids.janeOnPeople = b.addListEntry({ listId: ids.people, entityId: ids.jane });
    ids.acmeOnCompanies = b.addListEntry({
      listId: ids.companies,
      entityId: ids.acme,
      createdAt: '2024-01-01T00:00:00Z',
    });
    ids.globexOnCompanies = b.addListEntry({
      listId: ids.companies,
      entityId: ids.globex,
      createdAt: '2024-02-01T00:00:00Z',
    });
    b.addListEntry({ listId: ids.secret, entityId: ids.acme });
    b.addInteraction({
      type: 3,
      date: '2024-01-10T10:00:00Z',
      personIds: [ids.ada, ids.jane],
      subject: 'Hi',
    });
    b.addInteraction({ type: 0, date: '2024-02-10T10:00:00Z', personIds: [ids.ada, ids.jane] });
    b.addInteraction({ type: 3, date: '2024-03-01T09:00:00Z', personIds: [ids.bo, ids.mia], subject: 'Yo' });
    b.setRelationshipStrength({ internalId: ids.ada, externalId: ids.jane, strength: 0.8 });
    b.setRelationshipStrength({ internalId: ids.bo, externalId: ids.jane, strength: 0.3 });
  };
}

/** An emulator on port 0 with the workspace seed, and the ids it produced. */
export async function startWorkspace(
  options: Omit<Parameters<typeof startEmulator>[0] & object, 'seed'> = {},
): Promise<{ em: RunningEmulator; ids: Ids }> {
  const ids = {} as Ids;
  const em = await startEmulator({ ...options, seed: workspaceSeed(ids) });
  return { em, ids };
}

/** A client of `em` as an application builds one: Basic auth, default governor, given extras. */
export function clientFor(
  em: RunningEmulator,
  key: string = KEYS.ada,
  extra: Partial<TransportOptions> = {},
): AffinityClient {
  return new AffinityClient({ apiKey: key, baseUrl: em.url, ...extra });
}

/** Calls the admin API under `/_emulator/` and returns its JSON body (failing on non-2xx). */
export async function admin<T = unknown>(
  em: RunningEmulator,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${em.url}/_emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  // The admin API's shapes are the emulator's own (EmulatorStats, EmulatorConfig…).
  return JSON.parse(text) as T;
}

export const stats = (em: RunningEmulator): Promise<EmulatorStats> =>
  admin<EmulatorStats>(em, 'GET', 'stats');
export const resetStats = (em: RunningEmulator): Promise<unknown> => admin(em, 'DELETE', 'stats');
export const configure = (em: RunningEmulator, patch: Partial<EmulatorConfig>): Promise<EmulatorConfig> =>
  admin<EmulatorConfig>(em, 'PUT', 'config', patch);
/** Restores the start seed (re-running it refills `ids`) and forgets rate-limit usage. */
export const resetWorkspace = (em: RunningEmulator): Promise<unknown> => admin(em, 'POST', 'reset');

/** How many requests the emulator counted for `method route`, optionally with one status. */
export function countOf(s: EmulatorStats, method: string, route: string, status?: number): number {
  return s.byRoute
    .filter((r) => r.method === method && r.route === route && (status === undefined || r.status === status))
    .reduce((n, r) => n + r.count, 0);
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A request the client would refuse to send (it validates arguments), straight over HTTP. */
export async function raw(
  em: RunningEmulator,
  method: string,
  path: string,
  key: string = KEYS.ada,
  json?: unknown,
): Promise<RawAnswer> {
  const res = await fetch(`${em.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/** Runs `fn` and returns what it threw, failing the test when it resolves. */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  expect.fail('expected the call to throw');
}

/** Collects a client's events. */
export function recordEvents(client: AffinityClient): ClientEvent[] {
  const events: ClientEvent[] = [];
  const transport = client.transport as { on?: (l: (e: ClientEvent) => void) => () => void };
  transport.on?.((e) => events.push(e));
  return events;
}

export interface Delivery {
  path: string;
  json: { type: string; body: Record<string, unknown>; sent_at: number };
}

export interface Receiver {
  url: string;
  received: Delivery[];
  /**
   * Resolves with the first delivery of `type` whose path ends with `suffix` (already received or
   * still to come).
   */
  next(type: string, suffix?: string): Promise<Delivery>;
  /** Resolves with the next delivery to arrive, whatever it is. */
  nextAny(): Promise<Delivery>;
  close(): Promise<void>;
}

/** A webhook receiver: a `node:http` server on port 0 that answers 200 and records every POST. */
export async function startReceiver(): Promise<Receiver> {
  const waiters: Array<{ type: string; suffix: string; resolve: (d: Delivery) => void }> = [];
  const anyWaiters: Array<(d: Delivery) => void> = [];
  const fits = (d: Delivery, type: string, suffix: string): boolean =>
    d.json.type === type && d.path.endsWith(suffix);
  const received: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const delivery: Delivery = {
        path: req.url ?? '',
        json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivery['json'],
      };
      received.push(delivery);
      for (const w of anyWaiters.splice(0)) w(delivery);
      for (const w of [...waiters]) {
        if (fits(delivery, w.type, w.suffix)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(delivery);
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-path`,
    received,
    next(type, suffix = '') {
      const seen = received.find((d) => fits(d, type, suffix));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ type, suffix, resolve }));
    },
    nextAny() {
      return new Promise((resolve) => anyWaiters.push(resolve));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

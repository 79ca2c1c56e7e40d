/**
 * Test support for the activity resources: an emulator on port 0 seeded with two users, two
 * external persons, an organization and an opportunity, a movable clock, and a small fetch wrapper
 * that speaks JSON, form and multipart bodies over real HTTP.
 */
import { type RunningEmulator, startEmulator } from '../index.js';
import type { WebhookDeliveryOptions } from '../webhook-delivery.js';

export interface Workspace {
  em: RunningEmulator;
  /** The clock the emulator reads; tests move it with `clock.set`. */
  clock: { now: Date; set(iso: string): void; advance(ms: number): void };
  ann: number;
  carl: number;
  bob: number;
  dee: number;
  acme: number;
  deal: number;
  dealList: number;
  annKey: string;
  carlKey: string;
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export const START = '2024-03-15T12:00:00.000Z';

/** Starts the seeded emulator. */
export async function startWorkspace(
  opts: { webhookRetry?: Partial<WebhookDeliveryOptions> } = {},
): Promise<Workspace> {
  const clock = {
    now: new Date(START),
    set(iso: string) {
      clock.now = new Date(iso);
    },
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const ids = { ann: 0, carl: 0, bob: 0, dee: 0, acme: 0, deal: 0, dealList: 0 };
  const em = await startEmulator({
    apiKeys: ['ann-key', 'carl-key'],
    now: () => clock.now,
    ...(opts.webhookRetry ? { webhookRetry: opts.webhookRetry } : {}),
    seed: (b) => {
      ids.ann = b.addUser({ firstName: 'Ann', lastName: 'Lee', email: 'ann@firm.com' });
      ids.carl = b.addUser({ firstName: 'Carl', lastName: 'Moe', email: 'carl@firm.com' });
      ids.acme = b.addOrganization({ name: 'Acme', domain: 'acme.com' });
      ids.bob = b.addPerson({
        firstName: 'Bob',
        lastName: 'Ext',
        emails: ['bob@acme.com'],
        organizationIds: [ids.acme],
      });
      ids.dee = b.addPerson({ firstName: 'Dee', lastName: 'Out', emails: ['dee@else.com'] });
      ids.dealList = b.addList({ name: 'Deals', type: 8, public: true, ownerId: ids.ann });
      ids.deal = b.addOpportunity({ name: 'Acme round', listId: ids.dealList, personIds: [ids.bob] }).id;
    },
  });
  return { em, clock, ...ids, annKey: 'ann-key', carlKey: 'carl-key' };
}

export interface CallOptions {
  json?: unknown;
  form?: string;
  multipart?: FormData;
  key?: string;
  redirect?: 'manual' | 'follow';
}

/** One request to the emulator with HTTP Basic auth (Ann's key unless `key` is given). */
export async function call<T = unknown>(
  w: Workspace,
  method: string,
  path: string,
  o: CallOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`:${o.key ?? w.annKey}`).toString('base64')}`,
  };
  let body: string | FormData | undefined;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  } else if (o.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = o.form;
  } else if (o.multipart) {
    body = o.multipart;
  }
  const res = await fetch(`${w.em.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    redirect: o.redirect ?? 'follow',
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  // The caller names the shape it expects; assertions on the body check it.
  return { status: res.status, headers: res.headers, body: parsed as T };
}

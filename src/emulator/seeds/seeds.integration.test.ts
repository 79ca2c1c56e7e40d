/** The seeds loaded by the real emulator, read back over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../index.js';
import { DEFAULT_GLOBAL_FIELDS, demoWorkspaceFacts } from './index.js';

function client(emu: RunningEmulator, key = emu.apiKey) {
  const auth = `Basic ${Buffer.from(`:${key}`).toString('base64')}`;
  return async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${emu.url}${path}`, { headers: { authorization: auth } });
    return { status: res.status, body: await res.json() };
  };
}

interface ListJson {
  id: number;
  name: string;
  type: number;
  list_size: number;
  owner_id: number;
}
interface FieldJson {
  id: number;
  name: string;
  value_type: number;
  list_id: number | null;
  enrichment_source: string;
  dropdown_options: Array<{ id: number; text: string; rank: number; color: number }>;
}
interface OrgJson {
  id: number;
  name: string;
  domain: string | null;
  domains: string[];
}

describe('demo seed in the emulator', () => {
  const facts = demoWorkspaceFacts();
  let emu: RunningEmulator;
  let get: ReturnType<typeof client>;
  let lists: ListJson[];

  beforeAll(async () => {
    emu = await startEmulator({ seed: 'demo', port: 0 });
    get = client(emu);
    lists = (await get('/lists')).body as ListJson[];
  });
  afterAll(async () => {
    await emu?.close();
  });

  const listId = (name: string): number => {
    const l = lists.find((x) => x.name === name);
    if (l === undefined) throw new Error(`no list ${name}`);
    return l.id;
  };

  it('serves the lists of the facts, with their sizes and types', () => {
    for (const [key, name] of Object.entries(facts.lists) as Array<[keyof typeof facts.lists, string]>) {
      const l = lists.find((x) => x.name === name);
      expect(l, name).toBeDefined();
      expect(l?.type).toBe(facts.listTypes[key]);
      expect(l?.list_size).toBe(facts.counts.listEntries[key]);
    }
  });

  it('finds universe organizations by domain and persons by email', async () => {
    for (const domain of facts.overlap.sampleDomains.slice(0, 3)) {
      const res = await get(`/organizations?term=${encodeURIComponent(domain)}`);
      expect(res.status).toBe(200);
      const orgs = (res.body as { organizations: OrgJson[] }).organizations;
      expect(orgs.some((o) => o.domain === domain || o.domains.includes(domain))).toBe(true);
    }
    const email = facts.overlap.sampleEmails[0] as string;
    const res = await get(`/persons?term=${encodeURIComponent(email)}`);
    const persons = (res.body as { persons: Array<{ emails: string[] }> }).persons;
    expect(persons.some((p) => p.emails.includes(email))).toBe(true);
  });

  it('has two organizations under a shared name, on different domains', async () => {
    const tricky = facts.tricky.sameNameDifferentDomain[0];
    if (tricky === undefined) throw new Error('no same-name case in the facts');
    const res = await get(`/organizations?term=${encodeURIComponent(tricky.name)}`);
    const domains = (res.body as { organizations: OrgJson[] }).organizations
      .filter((o) => o.name === tricky.name)
      .map((o) => o.domain);
    expect(domains.sort()).toEqual([tricky.crmDomain, tricky.universeDomain].sort());
  });

  it('answers Deal Flow Status as a ranked dropdown and lists the duplicate twice', async () => {
    const dealFlow = listId(facts.lists.dealFlow);
    const fields = (await get(`/fields?list_id=${dealFlow}`)).body as FieldJson[];
    const status = fields.find((f) => f.name === 'Status');
    expect(status?.value_type).toBe(7);
    expect(status?.dropdown_options.map((o) => o.text)).toEqual([...facts.dealFlowStatusOptions]);
    expect(fields.map((f) => f.name).sort()).toEqual([...facts.listFields.dealFlow].sort());

    const entries = (await get(`/lists/${dealFlow}/list-entries`)).body as Array<{
      id: number;
      entity_id: number;
    }>;
    expect(entries).toHaveLength(facts.counts.listEntries.dealFlow);
    const perEntity = new Map<number, number>();
    for (const e of entries) perEntity.set(e.entity_id, (perEntity.get(e.entity_id) ?? 0) + 1);
    expect([...perEntity.values()].filter((n) => n === 2)).toHaveLength(1);

    const values = (await get(`/field-values?list_entry_id=${entries[0]?.id}`)).body as Array<{
      field_id: number;
      value: unknown;
    }>;
    const statusValue = values.find((v) => v.field_id === status?.id)?.value;
    expect(statusValue).toEqual(
      expect.objectContaining({ id: expect.any(Number), text: expect.any(String) }),
    );
  });

  it('gives the other users their stable keys', async () => {
    const second = facts.users[1];
    if (second?.apiKey === undefined) throw new Error('second user has no key in the facts');
    const res = await client(emu, second.apiKey)('/auth/whoami');
    expect(res.status).toBe(200);
    expect((res.body as { user: { email: string } }).user.email).toBe(second.email);
  });

  it('has the default and custom global fields', async () => {
    const fields = ((await get('/fields')).body as FieldJson[]).filter((f) => f.list_id === null);
    const names = new Set(fields.map((f) => f.name));
    for (const f of DEFAULT_GLOBAL_FIELDS) expect(names.has(f.name)).toBe(true);
    for (const f of [...facts.customGlobalFields.organization, ...facts.customGlobalFields.person]) {
      expect(names.has(f)).toBe(true);
    }
  });
});

describe('empty seed in the emulator', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ seed: 'empty', port: 0 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('has no lists and only the default global fields', async () => {
    const get = client(emu);
    expect((await get('/lists')).body).toEqual([]);
    const fields = (await get('/fields')).body as FieldJson[];
    expect(fields.map((f) => f.name).sort()).toEqual(DEFAULT_GLOBAL_FIELDS.map((f) => f.name).sort());
    const enriched = fields.filter((f) => f.enrichment_source !== 'none').length;
    expect(enriched).toBe(DEFAULT_GLOBAL_FIELDS.filter((f) => f.enrichmentSource !== 'none').length);
  });
});

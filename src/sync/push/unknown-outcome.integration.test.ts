import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Organization } from '../../affinity/index.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { setDestination } from '../destinations.js';
import { LOCAL_ADMIN } from '../roles.js';
import { type PushReport, push } from './index.js';
import { emulatorCalls, type PushFixture, pushFixture, SEED, standardMapping } from './test-support.js';

/**
 * A write that lands but whose 2xx answer is cut off or empty is an unknown outcome: the push reads
 * back before sending it again, so nothing is written twice and a re-push has nothing to do.
 */
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
});

let f: PushFixture;
afterEach(async () => {
  emu.setConfig({ routes: {}, script: [] });
  await f?.cleanup();
});

async function pushAll(): Promise<PushReport> {
  const result = await push({
    store: f.t.store,
    client: f.client,
    transport: f.transport,
    connectionId: f.connection.id,
    actor: 'local-admin',
    selection: { all: 'company' },
  });
  if (result.code !== 'pushed') throw new Error(result.message);
  return result.report;
}

async function setup(): Promise<void> {
  f = await pushFixture(emu);
  const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    mode: 'create-update',
    map: standardMapping,
    list: SEED.dealflow,
  });
  expect(saved.code, JSON.stringify(saved)).toBe('saved');
}

async function organizations(domain: string): Promise<Organization[]> {
  const out: Organization[] = [];
  for await (const o of f.client.organizations.iterate({})) if (o.domain === domain) out.push(o);
  return out;
}

/** Values per field of one organization, as Affinity holds them. */
async function valuesByField(organizationId: number): Promise<Map<string, unknown[]>> {
  const fields = new Map((await f.client.fields.all({ entity_type: 1 })).map((x) => [x.id, x.name]));
  const out = new Map<string, unknown[]>();
  for (const v of await f.client.fieldValues.all({ organization_id: organizationId })) {
    const name = fields.get(v.field_id) ?? String(v.field_id);
    out.set(name, [...(out.get(name) ?? []), v.value]);
  }
  return out;
}

describe('a write that landed but answered an unreadable 2xx', () => {
  it.each(['truncated', 'empty'] as const)('a create whose answer is %s is created once', async (body) => {
    await setup();
    emu.setConfig({ script: [{ route: 'POST /organizations', afterWrite: true, body, times: 2 }] });
    const report = await pushAll();
    expect(report.status).toBe('succeeded');
    expect(report.outcome).toMatchObject({ created: 2, failed: 0 });
    expect(emu.stats().faultsInjected).toBe(2);
    expect(await organizations('brightwave.io')).toHaveLength(1);
    expect(await organizations('corvid.dev')).toHaveLength(1);

    emu.resetStats();
    const again = await pushAll();
    expect(again.status).toBe('succeeded');
    expect(again.outcome).toMatchObject({ created: 0, failed: 0 });
    expect(emulatorCalls(emu).writes).toBe(0);
  });

  it('field values answered with a truncated body are written once, multi-value ones included', async () => {
    await setup();
    emu.setConfig({
      routes: { 'POST /field-values': { faultRate: 1, afterWrite: true, body: 'truncated' } },
    });
    const report = await pushAll();
    expect(report.status, JSON.stringify(report.failures)).toBe('succeeded');
    expect(report.outcome).toMatchObject({ failed: 0 });
    expect(emu.stats().faultsInjected).toBeGreaterThan(0);
    emu.setConfig({ routes: {} });

    const [corvid] = await organizations('corvid.dev');
    const values = await valuesByField((corvid as Organization).id);
    expect((values.get('Tags') ?? []).map(String).sort()).toEqual(['devtools', 'oss']);
    for (const [name, list] of values) if (name !== 'Tags') expect(list, name).toHaveLength(1);
    const [brightwave] = await organizations('brightwave.io');
    expect((await valuesByField((brightwave as Organization).id)).get('Tags')).toHaveLength(1);

    emu.resetStats();
    const again = await pushAll();
    expect(again.status).toBe('succeeded');
    expect(again.outcome).toMatchObject({ failed: 0 });
    expect(emulatorCalls(emu).writes).toBe(0);
  });
});

import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient, createTransport, type Organization } from '../../affinity/index.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { importRecords } from '../../intelligence/index.js';
import { intelCompanies, syncPushOps } from '../../store/index.js';
import { getRun } from '../activity.js';
import { setDestination } from '../destinations.js';
import { LOCAL_ADMIN } from '../roles.js';
import { type PushReport, push } from './index.js';
import {
  emulatorCalls,
  type PushFixture,
  pushFixture,
  SEED,
  standardMapping,
  testTransport,
} from './test-support.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
});

let f: PushFixture;
afterEach(async () => {
  await f?.cleanup();
});

async function destination(extra: { mode?: string; list?: string; map?: string[] } = {}): Promise<void> {
  const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    mode: extra.mode ?? 'create-update',
    map: extra.map ?? standardMapping,
    list: extra.list ?? SEED.dealflow,
  });
  expect(saved.code, JSON.stringify(saved)).toBe('saved');
}

async function pushAll(
  options: { dryRun?: boolean; client?: AffinityClient; hooks?: Parameters<typeof push>[0]['hooks'] } = {},
): Promise<PushReport> {
  const result = await push({
    store: f.t.store,
    client: options.client ?? f.client,
    transport: f.transport,
    connectionId: f.connection.id,
    actor: 'local-admin',
    selection: { all: 'company' },
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  if (result.code !== 'pushed') throw new Error(result.message);
  return result.report;
}

async function organizations(): Promise<Organization[]> {
  const out: Organization[] = [];
  for await (const o of f.client.organizations.iterate({})) out.push(o);
  return out;
}

function byDomain(orgs: Organization[], domain: string): Organization[] {
  return orgs.filter((o) => o.domain === domain);
}

describe('push to Affinity', () => {
  it('dry run writes nothing and costs exactly what the real push then costs; a re-push writes nothing', async () => {
    f = await pushFixture(emu);
    await destination();
    emu.resetStats();
    const dry = await pushAll({ dryRun: true });
    expect(emulatorCalls(emu).writes).toBe(0);
    expect(dry.plan.counts).toEqual({ create: 2, update: 1, unchanged: 0, skipped: 0, ambiguous: 1 });
    expect(dry.outcome).toBeUndefined();
    const nimbus = dry.plan.records.find((r) => r.label.startsWith('Nimbus'));
    expect(nimbus?.action).toBe('ambiguous');
    expect(nimbus?.candidates).toHaveLength(2);
    const corvid = dry.plan.records.find((r) => r.label.startsWith('Corvid'));
    // "Pre-seed" is no option of the ranked Stage field: left out, never sent.
    expect(corvid?.skippedValues.join()).toMatch(/Pre-seed.*not an option of "Stage"/);

    emu.resetStats();
    const real = await pushAll();
    expect(real.plan.apiCalls).toBe(dry.plan.apiCalls);
    expect(emulatorCalls(emu).total).toBe(dry.plan.apiCalls);
    expect(real.outcome).toMatchObject({ created: 2, updated: 1, ambiguous: 1, failed: 0, addedToList: 3 });
    expect(real.status).toBe('succeeded');

    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(1);
    expect(byDomain(orgs, 'existing.com')).toHaveLength(1);
    expect(orgs.filter((o) => o.name === 'Nimbus Labs')).toHaveLength(2);
    const brightwave = byDomain(orgs, 'brightwave.io')[0] as Organization;
    const values = await f.client.fieldValues.all({ organization_id: brightwave.id });
    const fields = await f.client.fields.all({ entity_type: 1 });
    const named = (n: string) => fields.find((x) => x.name === n)?.id;
    expect(values.find((v) => v.field_id === named('Website'))?.value).toBe('https://brightwave.io');
    expect(values.find((v) => v.field_id === named('Total Funding'))?.value).toBe(2_500_000);
    expect(values.find((v) => v.field_id === named('Stage'))?.value).toMatchObject({ text: 'Seed' });
    expect(String(values.find((v) => v.field_id === named('Last Funding Date'))?.value)).toMatch(
      /^2025-03-14/,
    );

    const lists = await f.client.lists.all();
    const dealflow = lists.find((l) => l.name === SEED.dealflow);
    const entries = await f.client.listEntries.all(dealflow?.id as number);
    expect(entries).toHaveLength(3);

    emu.resetStats();
    const again = await pushAll();
    expect(emulatorCalls(emu).writes).toBe(0);
    expect(again.plan.writes).toBe(0);
    expect(again.outcome).toMatchObject({ created: 0, updated: 0, unchanged: 3, ambiguous: 1 });
    expect(await f.client.listEntries.all(dealflow?.id as number)).toHaveLength(3);

    const detail = await getRun(f.t.store, real.runId);
    expect(detail?.steps.map((s) => s.name)).toEqual(['matching', 'creating', 'updating', 'list assignment']);
    expect(detail?.run).toMatchObject({ kind: 'push', status: 'succeeded', apiCalls: dry.plan.apiCalls });
  });

  it('update-only updates matched records and skips the rest', async () => {
    f = await pushFixture(emu);
    await destination({ mode: 'update-only' });
    const report = await pushAll();
    expect(report.outcome).toMatchObject({ created: 0, updated: 1, skipped: 2, ambiguous: 1 });
    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(0);
    expect(orgs).toHaveLength(3);
  });

  it('does not overwrite a value a person changed in Affinity unless ours changed', async () => {
    f = await pushFixture(emu);
    await destination();
    await pushAll();
    const org = byDomain(await organizations(), 'brightwave.io')[0] as Organization;
    const fields = await f.client.fields.all({ entity_type: 1 });
    const website = fields.find((x) => x.name === 'Website')?.id;
    const value = (await f.client.fieldValues.all({ organization_id: org.id })).find(
      (v) => v.field_id === website,
    );
    await f.client.fieldValues.update(value?.id as number, 'https://edited-by-a-person.example');

    emu.resetStats();
    await pushAll();
    expect(emulatorCalls(emu).writes).toBe(0);
    const kept = (await f.client.fieldValues.all({ organization_id: org.id })).find(
      (v) => v.field_id === website,
    );
    expect(kept?.value).toBe('https://edited-by-a-person.example');

    await f.t.store.db
      .update(intelCompanies)
      .set({ website: 'https://brightwave.ai' })
      .where(eq(intelCompanies.domain, 'brightwave.io'));
    emu.resetStats();
    const report = await pushAll();
    expect(report.plan.writes).toBe(1);
    expect(emulatorCalls(emu).writes).toBe(1);
    const now = (await f.client.fieldValues.all({ organization_id: org.id })).find(
      (v) => v.field_id === website,
    );
    expect(now?.value).toBe('https://brightwave.ai');
  });

  it('resumes after a crash mid-run without creating anything twice', async () => {
    f = await pushFixture(emu);
    await destination();
    // The second write lands in Affinity, then the process dies before the journal records it.
    await expect(
      pushAll({
        hooks: {
          afterSend: (_op, n) => {
            if (n === 2) throw new Error('killed');
          },
        },
      }),
    ).rejects.toThrow('killed');
    const inDoubt = await f.t.store.db.select().from(syncPushOps).where(eq(syncPushOps.status, 'sending'));
    expect(inDoubt.length).toBeGreaterThanOrEqual(1);

    const resumed = await pushAll();
    expect(resumed.status).toBe('succeeded');
    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(1);
    expect(byDomain(orgs, 'corvid.dev')).toHaveLength(1);
    const lists = await f.client.lists.all();
    const entries = await f.client.listEntries.all(lists.find((l) => l.name === SEED.dealflow)?.id as number);
    expect(entries).toHaveLength(3);
    expect(new Set(entries.map((e) => e.entity_id)).size).toBe(3);
    for (const o of [...byDomain(orgs, 'brightwave.io'), ...byDomain(orgs, 'corvid.dev')]) {
      const values = await f.client.fieldValues.all({ organization_id: o.id });
      const perField = new Map<number, number>();
      for (const v of values) perField.set(v.field_id, (perField.get(v.field_id) ?? 0) + 1);
      const tags = (await f.client.fields.all({ entity_type: 1 })).find((x) => x.name === 'Tags')?.id;
      for (const [field, n] of perField) if (field !== tags) expect(n).toBe(1);
    }
    emu.resetStats();
    await pushAll();
    expect(emulatorCalls(emu).writes).toBe(0);
  });

  it('checks a create whose answer was lost (500 after the write) before sending it again', async () => {
    f = await pushFixture(emu);
    await destination();
    emu.setConfig({ script: [{ route: 'POST /organizations', status: 500, afterWrite: true }] });
    const report = await pushAll();
    expect(report.status).toBe('succeeded');
    expect(report.outcome).toMatchObject({ created: 2, failed: 0 });
    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(1);
    expect(byDomain(orgs, 'corvid.dev')).toHaveLength(1);
  });

  it('completes through a 429 storm with no duplicates', async () => {
    f = await pushFixture(emu);
    await destination();
    emu.setConfig({ faultRate: 0.4, faultStatus: 429, faultSeed: 11 });
    try {
      const report = await pushAll();
      expect(report.status).toBe('succeeded');
      expect(report.api.throttled).toBeGreaterThan(0);
    } finally {
      emu.setConfig({ faultRate: 0 });
    }
    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(1);
    expect(byDomain(orgs, 'corvid.dev')).toHaveLength(1);
    const detail = await getRun(f.t.store, (await pushAll()).runId);
    expect(detail?.run.counts).toMatchObject({ unchanged: 3 });
  });

  it('stops on a refused key with a clear reason, and resumes once the key is good', async () => {
    f = await pushFixture(emu);
    await destination();
    // The key is revoked in the middle of the push: every later request carries a refused key.
    let revoked = false;
    const transport = createTransport({
      apiKey: emu.apiKey,
      baseUrl: emu.url,
      sleep: async () => {},
      fetch: (input, init) => {
        if (!revoked) return fetch(input, init);
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Basic ${Buffer.from(':revoked-key').toString('base64')}`);
        return fetch(input, { ...init, headers });
      },
    });
    const report = await pushAll({
      client: new AffinityClient({ transport }),
      hooks: {
        beforeSend: (_op, n) => {
          if (n === 3) revoked = true;
        },
      },
    });
    expect(report.status).toBe('stopped');
    expect(report.stopped?.code).toBe('auth');
    expect(report.stopped?.reason).toMatch(/refused the API key \(401\).*run the push again to resume/);
    const detail = await getRun(f.t.store, report.runId);
    expect(detail?.run.error).toMatch(/401/);

    // Planning with a refused key stops before anything is written.
    const planning = await push({
      store: f.t.store,
      client: new AffinityClient({ transport: testTransport(emu, 'revoked-key') }),
      connectionId: f.connection.id,
      actor: 'local-admin',
      selection: { company: 'corvid.dev' },
    });
    expect(planning.code).toBe('stopped');
    if (planning.code !== 'stopped') throw new Error(planning.code);
    expect((await getRun(f.t.store, planning.runId))?.run.status).toBe('stopped');

    const resumed = await pushAll();
    expect(resumed.status).toBe('succeeded');
    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(1);
    expect(byDomain(orgs, 'corvid.dev')).toHaveLength(1);
    emu.resetStats();
    await pushAll();
    expect(emulatorCalls(emu).writes).toBe(0);
  });

  it('stops when the monthly quota is spent, then resumes without duplicates once it resets', async () => {
    f = await pushFixture(emu);
    await destination();
    try {
      // The account's monthly quota runs out in the middle of the push.
      const report = await pushAll({
        hooks: {
          beforeSend: (_op, n) => {
            if (n === 3) emu.setConfig({ monthlyLimit: 1 });
          },
        },
      });
      expect(report.status).toBe('stopped');
      expect(report.stopped?.code).toBe('quota');
      expect(report.stopped?.reason).toMatch(/monthly Affinity API quota is used up.*run the push again/);
      expect((await getRun(f.t.store, report.runId))?.run.error).toMatch(/quota/);
    } finally {
      emu.setConfig({ monthlyLimit: 'unlimited' });
    }

    const resumed = await pushAll();
    expect(resumed.status).toBe('succeeded');
    const orgs = await organizations();
    expect(byDomain(orgs, 'brightwave.io')).toHaveLength(1);
    expect(byDomain(orgs, 'corvid.dev')).toHaveLength(1);
    emu.resetStats();
    await pushAll();
    expect(emulatorCalls(emu).writes).toBe(0);
  });

  it("records a 422 on one record with Affinity's message and goes on with the others", async () => {
    f = await pushFixture(emu);
    await destination();
    const report = await pushAll({
      hooks: {
        beforeSend: async (op) => {
          // Someone adds Corvid in Affinity between the plan and its create.
          if (op.kind === 'create' && (op.body as { domain?: string }).domain === 'corvid.dev') {
            await f.client.organizations.create({ name: 'Corvid (manual)', domain: 'corvid.dev' });
          }
        },
      },
    });
    expect(report.status).toBe('partial');
    expect(report.outcome).toMatchObject({ created: 1, failed: 1, updated: 1 });
    expect(report.failures[0]?.errors.join()).toMatch(/already exists/);
    const detail = await getRun(f.t.store, report.runId, { outcome: 'failed' });
    const failed = detail?.steps.flatMap((s) => s.records) ?? [];
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/422.*already exists/);
    // The next push matches the record someone created instead of creating another.
    const next = await pushAll();
    expect(next.outcome).toMatchObject({ failed: 0, created: 0 });
    expect(byDomain(await organizations(), 'corvid.dev')).toHaveLength(1);
    const [row] = await f.t.store.db.select({ n: sql<number>`count(*)::int` }).from(syncPushOps);
    expect(Number(row?.n)).toBeGreaterThan(0);
  });

  it('pushes people linked to their company organization, and investors as opportunities on a list', async () => {
    f = await pushFixture(emu);
    await destination();
    await pushAll();
    const existing = await f.client.persons.create({
      first_name: 'Old',
      last_name: 'Friend',
      emails: ['old@existing.com'],
    });
    await importRecords(f.t.store, 'people', [
      {
        row: 1,
        line: 2,
        record: {
          name: 'Ada Byron',
          emails: 'ada@brightwave.io',
          company_domain: 'brightwave.io',
          title: 'CTO',
        },
      },
      {
        row: 2,
        line: 3,
        record: { name: 'Old Friend', emails: 'old@existing.com', company_domain: 'existing.com' },
      },
    ]);
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'person',
    });
    expect(saved.code).toBe('saved');
    const people = await push({
      store: f.t.store,
      client: f.client,
      connectionId: f.connection.id,
      actor: 'local-admin',
      selection: { all: 'person' },
    });
    if (people.code !== 'pushed') throw new Error(people.code);
    expect(people.report.outcome).toMatchObject({ created: 1, updated: 1, failed: 0 });
    const orgs = await organizations();
    const brightwave = byDomain(orgs, 'brightwave.io')[0] as Organization;
    const existingCo = byDomain(orgs, 'existing.com')[0] as Organization;
    const ada = (await f.client.persons.search({ term: 'ada@brightwave.io' })).persons[0];
    expect((await f.client.persons.get(ada?.id as number)).organization_ids).toEqual([brightwave.id]);
    expect((await f.client.persons.get(existing.id)).organization_ids).toEqual([existingCo.id]);

    await importRecords(f.t.store, 'investors', [
      { row: 1, line: 2, record: { name: 'Northwind Capital', domain: 'northwind.vc', type: 'VC' } },
    ]);
    const inv = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'investor',
      recordType: 'opportunity',
      list: SEED.deals,
      map: ['type=Investor Type'],
      createMissingFields: true,
    });
    expect(inv.code, JSON.stringify(inv)).toBe('saved');
    const pushInvestors = () =>
      push({
        store: f.t.store,
        client: f.client,
        connectionId: f.connection.id,
        actor: 'a',
        selection: { all: 'investor' },
      });
    const first = await pushInvestors();
    if (first.code !== 'pushed') throw new Error(first.code);
    expect(first.report.outcome).toMatchObject({ created: 1, failed: 0 });
    const deals = (await f.client.lists.all()).find((l) => l.name === SEED.deals);
    const entries = await f.client.listEntries.all(deals?.id as number);
    expect(entries).toHaveLength(1);
    const values = await f.client.fieldValues.all({ opportunity_id: entries[0]?.entity_id as number });
    expect(values.map((v) => v.value)).toEqual(['VC']);
    const second = await pushInvestors();
    if (second.code !== 'pushed') throw new Error(second.code);
    expect(second.report.plan.apiCalls).toBe(0);
    expect(await f.client.listEntries.all(deals?.id as number)).toHaveLength(1);
  });
});

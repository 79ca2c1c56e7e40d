import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';
import { openDatasetStore } from '../../src/sync/pull/testing.js';
import { emulatorCalls } from '../../src/sync/push/test-support.js';
import { type CliResult, runCli } from '../support/cli.js';

/**
 * What `push` selects, as a user runs it: any search (`--query`, `--filter`, as `search` takes
 * them), and My CRM (`--crm [--list NAME]`) — the enrichment loop: pull a list, push our data onto
 * the records it holds, through the links the pull recorded, update-only, no search spent.
 * The demo workspace over real HTTP; the demo dataset in PGlite; the CLI in child processes.
 */

const facts = demoWorkspaceFacts();
const env = {
  DATABASE_URL: '',
  AFFINITY_API_KEY: '',
  AFFINITY_BASE_URL: '',
  AFFINITY_SYNC_CONNECTION: '',
  AFFINITY_SYNC_SECRET: 'enrich loop test master secret',
};
let emu: RunningEmulator;
const dirs: string[] = [];
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A data directory holding the demo dataset, connected to the emulator's fresh demo workspace. */
async function workspace(): Promise<(...args: string[]) => Promise<CliResult>> {
  emu.seed('demo');
  const t = await openDatasetStore();
  await t.store.close();
  dirs.push(t.dataDir);
  const cli = (...args: string[]) => runCli([...args, '--data-dir', t.dataDir], { env });
  const connected = await cli('connect', '--api-key', emu.apiKey, '--base-url', emu.url);
  expect(connected.code, connected.stderr).toBe(0);
  return cli;
}

/** Companies → organizations by domain, Website and Stage mapped (both single-valued in the demo). */
async function companyDestination(cli: (...args: string[]) => Promise<CliResult>, ...extra: string[]) {
  const set = await cli(
    'destination',
    'set',
    'company',
    '--record-type',
    'organization',
    '--match',
    'domain',
    '--map',
    'website=Website',
    '--map',
    'stage=Stage',
    ...extra,
  );
  expect(set.code, set.stderr).toBe(0);
}

interface PlannedRecord {
  entityId: number;
  action: string;
  matchedBy: string | null;
  operations: string[];
}
interface Report {
  status: string;
  dryRun: boolean;
  entity: string;
  selection: string;
  destination: { mode: string };
  plan: {
    matching: string;
    reads: number;
    writes: number;
    apiCalls: number;
    counts: Record<string, number>;
    records: PlannedRecord[];
  };
  outcome?: Record<string, number>;
  api: { requests: number };
}
interface CrmPushJson {
  ok: boolean;
  status: string;
  list: { id: number; name: string } | null;
  pushes: Array<{ entity: string; status: string; report: Report }>;
  withoutDestination: Array<{ entity: string; records: number }>;
}

/** Requests the emulator answered on one route (any status but 429). */
function routeCalls(method: string, route: string): number {
  return emu
    .stats()
    .byRoute.filter((r) => r.method === method && r.route === route && r.status !== 429)
    .reduce((n, r) => n + r.count, 0);
}

const searches = () => routeCalls('GET', '/organizations') + routeCalls('GET', '/persons');
/**
 * The workspace's fields and lists, read again when the connection's short-lived cache of them is
 * stale (every plan re-checks the destination against them): outside the push's own bound.
 */
const workspaceReads = () => routeCalls('GET', '/fields') + routeCalls('GET', '/lists');
/** What the push itself cost: every call but the workspace re-check's. */
const pushCalls = () => {
  const c = emulatorCalls(emu);
  return { ...c, total: c.total - workspaceReads(), reads: c.reads - workspaceReads() };
};

describe('push what users select', () => {
  it('pushes exactly what a search returns, and refuses a bad filter as search does', {
    timeout: 300_000,
  }, async () => {
    const cli = await workspace();
    await companyDestination(cli);
    const spec = [
      '--query',
      'a',
      '--filter',
      'stage=Seed,Series A',
      '--filter',
      'funding>=5M',
      '--filter',
      'growth_rank>=95',
    ];
    const found = await cli('search', 'companies', ...spec, '--limit', '1000', '--json');
    expect(found.code, found.stderr).toBe(0);
    const results = found.json as { total: number; results: Array<{ id: number }> };
    expect(results.total).toBeGreaterThan(0);
    expect(results.results).toHaveLength(results.total);

    const planned = await cli('push', ...spec, '--dry-run', '--json');
    expect(planned.code, planned.stderr).toBe(0);
    const report = (planned.json as { report: Report }).report;
    expect(report.entity).toBe('company');
    expect(report.selection).toBe(
      'search of companies (query "a", filter stage=Seed,Series A, filter funding>=5M, filter growth_rank>=95)',
    );
    expect(report.plan.records.map((r) => r.entityId).sort((a, b) => a - b)).toEqual(
      results.results.map((r) => r.id).sort((a, b) => a - b),
    );

    // People too, with --entity: the selection is resolved before the missing destination is named.
    const people = await cli('push', '--entity', 'person', '--filter', 'title=founder', '--dry-run');
    expect(people.code).toBe(1);
    expect(people.stderr).toMatch(/no destination for person/);

    // The search command's own checks, word for word: the key and the value at fault.
    for (const [bad, named] of [
      ['funding>=lots', /funding.*"lots"/],
      ['colour=red', /"colour"/],
    ] as const) {
      const s = await cli('search', 'companies', '--filter', bad);
      const p = await cli('push', '--filter', bad, '--dry-run');
      expect(s.code).toBe(1);
      expect(p.code).toBe(1);
      const message = s.stderr.trim().split('\n').at(-1) as string;
      expect(message).toMatch(named);
      expect(p.stderr).toContain(message);
    }
    expect((await cli('push', '--entity', 'company', '--company', 'x')).stderr).toMatch(
      /--entity goes with --query, --filter or --crm/,
    );
  });

  it('enriches a pulled list: update-only, through the pull links, 1 call per changed value and no search', {
    timeout: 300_000,
  }, async () => {
    const cli = await workspace();
    await companyDestination(cli);
    const none = await cli('push', '--crm', '--list', facts.lists.dealFlow, '--dry-run');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no list has been pulled yet/);

    const pulled = await cli('pull', '--list', facts.lists.dealFlow, '--json');
    expect(pulled.code, pulled.stderr).toBe(0);
    const unknown = await cli('push', '--crm', '--list', 'Nope', '--dry-run');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no pulled list named "Nope"; pulled lists: ${facts.lists.dealFlow}`);

    // What My CRM shows matched to companies on Deal Flow is what the loop pushes.
    const crm = await cli('crm', '--list', facts.lists.dealFlow, '--limit', '100000', '--json');
    expect(crm.code, crm.stderr).toBe(0);
    const crmCompanies = (
      crm.json as { records: Array<{ entity: { kind: string; id: number } | null }> }
    ).records
      .filter((r) => r.entity?.kind === 'company')
      .map((r) => r.entity?.id as number);
    const expected = [...new Set(crmCompanies)].sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(10);

    emu.resetStats();
    const dry = await cli('push', '--crm', '--list', facts.lists.dealFlow, '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const planDoc = dry.json as CrmPushJson;
    expect(planDoc.list?.name).toBe(facts.lists.dealFlow);
    expect(planDoc.pushes.map((p) => p.entity)).toEqual(['company']);
    const plan = planDoc.pushes[0]?.report as Report;
    expect(plan.selection).toBe(`My CRM records matched to companies on list "${facts.lists.dealFlow}"`);
    expect(plan.destination.mode).toBe('update-only');
    expect(plan.plan.matching).toBe('links');
    expect(plan.plan.records.map((r) => r.entityId)).toEqual(expected);
    expect(plan.plan.records.every((r) => r.matchedBy === 'link')).toBe(true);
    expect(plan.plan.counts.create).toBe(0);
    // The plan's reads are the values it did not know, one per record; no search.
    expect(plan.plan.reads).toBe(expected.length);
    expect(routeCalls('GET', '/field-values')).toBe(plan.plan.reads);
    expect(pushCalls(), JSON.stringify(emu.stats().byRoute)).toEqual({
      total: plan.plan.reads,
      reads: plan.plan.reads,
      writes: 0,
    });
    expect(searches()).toBe(0);
    // One write per changed value.
    const changed = plan.plan.records.reduce((n, r) => n + r.operations.length, 0);
    expect(changed).toBeGreaterThan(0);
    expect(plan.plan.writes).toBe(changed);
    expect(plan.plan.apiCalls).toBe(plan.plan.reads + changed);

    emu.resetStats();
    const real = await cli('push', '--crm', '--list', facts.lists.dealFlow, '--json');
    expect(real.code, real.stderr).toBe(0);
    const done = (real.json as CrmPushJson).pushes[0]?.report as Report;
    expect(done.outcome).toMatchObject({
      created: 0,
      updated: plan.plan.counts.update,
      failed: 0,
    });
    expect(pushCalls(), JSON.stringify(emu.stats().byRoute)).toEqual({
      total: done.plan.reads + changed,
      reads: done.plan.reads,
      writes: changed,
    });
    expect(done.api.requests).toBe(emulatorCalls(emu).total);
    expect(searches()).toBe(0);

    // Nothing changed since: a re-run costs nothing.
    emu.resetStats();
    const again = await cli('push', '--crm', '--list', facts.lists.dealFlow, '--json');
    expect(again.code, again.stderr).toBe(0);
    const still = (again.json as CrmPushJson).pushes[0]?.report as Report;
    expect(still.plan.apiCalls).toBe(0);
    expect(still.outcome).toMatchObject({ unchanged: expected.length, updated: 0, created: 0 });
    expect(pushCalls().total).toBe(0);

    // The run's mode can be overridden; text output names the scope and the counts.
    const text = await cli(
      'push',
      '--crm',
      '--list',
      facts.lists.dealFlow,
      '--mode',
      'create-update',
      '--dry-run',
    );
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `My CRM on list "${facts.lists.dealFlow}": ${expected.length} records matched to companies`,
    );
    expect(text.stdout).toMatch(/\(create-update, match by domain\)/);
    expect(text.stdout).toMatch(/API calls: 0 \(/);
  });

  it('pushes every kind My CRM holds that has a destination, and names the ones without', {
    timeout: 300_000,
  }, async () => {
    const cli = await workspace();
    expect((await cli('push', '--crm', '--dry-run')).stderr).toMatch(
      /no record in My CRM is matched to our dataset/,
    );
    for (const list of [facts.lists.dealFlow, facts.lists.founders]) {
      const pulled = await cli('pull', '--list', list);
      expect(pulled.code, pulled.stderr).toBe(0);
    }
    const noDestination = await cli('push', '--crm', '--dry-run');
    expect(noDestination.code).toBe(1);
    expect(noDestination.stderr).toMatch(/matched to companies, but no destination for company/);
    expect(noDestination.stderr).toMatch(/matched to people, but no destination for person/);

    await companyDestination(cli);
    emu.resetStats();
    const r = await cli('push', '--crm', '--dry-run', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json as CrmPushJson;
    expect(doc.list).toBeNull();
    expect(doc.pushes.map((p) => p.entity)).toEqual(['company']);
    expect(doc.withoutDestination).toEqual([{ entity: 'person', records: expect.any(Number) }]);
    expect(doc.withoutDestination[0]?.records).toBeGreaterThan(0);
    expect(searches()).toBe(0);

    const people = await cli(
      'destination',
      'set',
      'person',
      '--record-type',
      'person',
      '--match',
      'email',
      '--map',
      'linkedin_url=LinkedIn URL',
    );
    expect(people.code, people.stderr).toBe(0);
    const both = await cli('push', '--crm', '--dry-run', '--json');
    expect(both.code, both.stderr).toBe(0);
    const kinds = (both.json as CrmPushJson).pushes;
    expect(kinds.map((p) => p.entity)).toEqual(['company', 'person']);
    for (const p of kinds) {
      expect(p.report.destination.mode).toBe('update-only');
      expect(p.report.plan.counts.create).toBe(0);
    }
    const onlyPeople = await cli('push', '--crm', '--entity', 'person', '--dry-run', '--json');
    expect((onlyPeople.json as CrmPushJson).pushes.map((p) => p.entity)).toEqual(['person']);
  });
});

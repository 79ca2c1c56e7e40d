/**
 * What the push tests share: a small Affinity workspace seed, a store with a connection to an
 * emulator, and a handful of our records. Real emulator over HTTP, real PGlite/PostgreSQL.
 */
import { AffinityClient, createTransport, type HttpTransport } from '../../affinity/index.js';
import type { RunningEmulator, Seed } from '../../emulator/index.js';
import { DEFAULT_GLOBAL_FIELDS } from '../../emulator/seeds/index.js';
import { importRecords } from '../../intelligence/index.js';
import { type Backend, openTestStore, type TestStore } from '../../store/testing.js';
import { type ConnectionInfo, connect } from '../connections.js';
import { LOCAL_ADMIN } from '../roles.js';
import { SecretBox } from '../secret-box.js';

export const box = SecretBox.fromSecret('push test master secret');

/** Ids the seed creates, found again by name after seeding. */
export const SEED = {
  dealflow: 'Dealflow',
  deals: 'Investor Deals',
  stageOptions: ['Seed', 'Series A', 'Series B'],
};

/**
 * A workspace with Affinity's default fields, an organization list and an opportunity list, a ranked
 * "Stage" field, a multi-valued "Tags" dropdown, one existing company (existing.com) and two
 * organizations both named "Nimbus Labs" (for ambiguity).
 */
export const pushSeed: Seed = (b) => {
  const owner = b.addUser({ firstName: 'Jordan', lastName: 'Ellis', email: 'jordan@lakeshore.vc' });
  for (const f of DEFAULT_GLOBAL_FIELDS) {
    b.addField({
      name: f.name,
      entityType: f.entityType,
      valueType: f.valueType,
      allowsMultiple: f.allowsMultiple,
      enrichmentSource: f.enrichmentSource,
    });
  }
  b.addList({ name: SEED.dealflow, type: 1, public: true, ownerId: owner });
  b.addList({ name: SEED.deals, type: 8, public: true, ownerId: owner });
  b.addField({
    name: 'Stage',
    entityType: 1,
    valueType: 7,
    dropdownOptions: SEED.stageOptions.map((text) => ({ text })),
  });
  b.addField({ name: 'Website', entityType: 1, valueType: 6 });
  b.addField({ name: 'Total Funding', entityType: 1, valueType: 3 });
  b.addField({ name: 'Last Funding Date', entityType: 1, valueType: 4 });
  b.addField({ name: 'Tags', entityType: 1, valueType: 2, allowsMultiple: true });
  b.addField({ name: 'Single Tag', entityType: 1, valueType: 2 });
  b.addOrganization({ name: 'Existing Co', domain: 'existing.com' });
  b.addOrganization({ name: 'Nimbus Labs', domain: null });
  b.addOrganization({ name: 'Nimbus Labs', domain: null });
};

export const companies: Array<Record<string, string>> = [
  {
    domain: 'existing.com',
    name: 'Existing Co',
    website: 'https://existing.com',
    stage: 'Series A',
    total_funding_usd: '12M',
    tags: 'fintech;b2b',
  },
  {
    domain: 'brightwave.io',
    name: 'Brightwave',
    website: 'https://brightwave.io',
    stage: 'Seed',
    total_funding_usd: '2.5M',
    last_funding_date: '2025-03-14',
    tags: 'ai',
    description: 'Research copilots',
  },
  {
    domain: 'corvid.dev',
    name: 'Corvid',
    website: 'https://corvid.dev',
    stage: 'Pre-seed',
    total_funding_usd: '500k',
    tags: 'devtools;oss',
  },
  { domain: 'nimbus.io', name: 'Nimbus Labs', website: 'https://nimbus.io', stage: 'Series B' },
];

export const standardMapping = [
  'website=Website',
  'stage=Stage',
  'total_funding_usd=Total Funding',
  'last_funding_date=Last Funding Date',
  'tags=Tags',
];

export interface PushFixture {
  t: TestStore;
  connection: ConnectionInfo;
  client: AffinityClient;
  transport: HttpTransport;
  cleanup(): Promise<void>;
}

/** A transport whose retry waits take no time, so 429 storms run fast. */
export function testTransport(emu: RunningEmulator, apiKey = emu.apiKey): HttpTransport {
  return createTransport({
    apiKey,
    baseUrl: emu.url,
    ratePerMinute: 100_000,
    maxRetries: 8,
    sleep: async () => {},
    random: () => 0,
  });
}

/** A fresh store connected to the emulator, with our companies imported. */
export async function pushFixture(emu: RunningEmulator, backend: Backend = 'pglite'): Promise<PushFixture> {
  emu.seed(pushSeed);
  emu.setConfig({ faultRate: 0, script: [] });
  const t = await openTestStore(backend);
  const { connection } = await connect(t.store, box, {
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    actor: LOCAL_ADMIN,
  });
  const report = await importRecords(
    t.store,
    'companies',
    companies.map((record, i) => ({ row: i + 1, line: i + 2, record })),
  );
  if (!report.written) throw new Error(`test companies not imported: ${JSON.stringify(report.errors)}`);
  const transport = testTransport(emu);
  return {
    t,
    connection,
    client: new AffinityClient({ transport }),
    transport,
    cleanup: () => t.cleanup(),
  };
}

/** Calls the emulator answered, split into reads and writes (429s excluded). */
export function emulatorCalls(emu: RunningEmulator): { total: number; reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const r of emu.stats().byRoute) {
    if (r.status === 429) continue;
    if (r.method === 'GET') reads += r.count;
    else writes += r.count;
  }
  return { total: reads + writes, reads, writes };
}

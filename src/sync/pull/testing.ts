/**
 * Test support for the pull: a PGlite store holding the part of the demo intelligence dataset the
 * demo Affinity workspace overlaps (its universe companies, investors and their people), built once
 * per process and copied per test, and a connection to an emulator.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AffinityClient, createTransport, type HttpTransport } from '../../affinity/index.js';
import { demoUniverse } from '../../demo/index.js';
import type { RunningEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';
import { buildDemoRecords, importRecords, recomputeGrowth } from '../../intelligence/index.js';
import { openStore, type Store } from '../../store/index.js';
import { openTestStore, type TestStore } from '../../store/testing.js';
import { connect } from '../connections.js';
import { LOCAL_ADMIN } from '../roles.js';
import { SecretBox } from '../secret-box.js';

/** The demo universe's companies, investors and people that the demo workspace holds. */
export function demoOverlapRecords(): ReturnType<typeof buildDemoRecords> {
  const facts = demoWorkspaceFacts();
  const universe = demoUniverse();
  const secondary = new Set(facts.tricky.matchedBySecondaryDomain.map((t) => t.universeDomain));
  // The workspace takes a prefix of the universe's companies and investors (see the demo seed).
  const prefix = facts.overlap.companies - secondary.size;
  const companies = universe.companies.filter((c, i) => i < prefix || secondary.has(c.domain));
  const domains = new Set(companies.map((c) => c.domain));
  return buildDemoRecords({
    companies,
    investors: universe.investors.slice(0, facts.overlap.investors),
    people: universe.people.filter((p) => domains.has(p.companyDomain)),
  });
}

let template: Promise<string> | undefined;

async function* rows(records: Record<string, unknown>[]) {
  let row = 0;
  for (const record of records) {
    row++;
    yield { row, line: row, record };
  }
}

/** Loads {@link demoOverlapRecords} into a store and recomputes growth. */
export async function loadDemoOverlap(store: Store): Promise<void> {
  const r = demoOverlapRecords();
  for (const entity of ['companies', 'investors', 'people', 'signals'] as const) {
    const report = await importRecords(store, entity, rows(r[entity]), { recomputeGrowth: false });
    if (!report.written) throw new Error(`demo overlap ${entity}: ${JSON.stringify(report.errors[0])}`);
  }
  await recomputeGrowth(store);
}

function datasetTemplate(): Promise<string> {
  template ??= (async () => {
    const seed = await openTestStore('pglite');
    await loadDemoOverlap(seed.store);
    await seed.store.close();
    process.once('exit', () => rmSync(seed.dataDir, { recursive: true, force: true }));
    return seed.dataDir;
  })();
  return template;
}

/** A fresh PGlite store already holding the demo overlap dataset. */
export async function openDatasetStore(): Promise<TestStore> {
  const dir = await datasetTemplate();
  const dataDir = mkdtempSync(join(tmpdir(), 'affinity-sync-pull-'));
  cpSync(dir, dataDir, { recursive: true });
  const result: TestStore = {
    store: await openStore({ dataDir }),
    dataDir,
    cleanup: async () => {
      await result.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return result;
}

export const testBox = SecretBox.fromSecret('pull tests master secret, not a real one');

/** Connects the store to the emulator and returns a client on a transport whose stats can be read. */
export async function connectTo(
  store: Store,
  emu: RunningEmulator,
  apiKey = emu.apiKey,
): Promise<{ connectionId: number; client: AffinityClient; transport: HttpTransport }> {
  const { connection } = await connect(store, testBox, { apiKey, baseUrl: emu.url, actor: LOCAL_ADMIN });
  const transport = createTransport({ apiKey, baseUrl: emu.url, ratePerMinute: 100_000, maxConcurrent: 8 });
  return { connectionId: connection.id, client: new AffinityClient({ transport }), transport };
}

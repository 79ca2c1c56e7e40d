import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';
import { importRecords } from '../../src/intelligence/index.js';
import { openDatasetStore } from '../../src/sync/pull/testing.js';
import { type CliResult, runCli } from '../support/cli.js';

/**
 * What only reads the store works without Affinity: `crm`, `review` (and its decisions),
 * `activity` and `search` on a data directory with pulled lists, the emulator closed, with no
 * stored connection and with a key and URL in the environment — and never send a request. Also
 * the headers of `crm` and `review`, and `review link` by a domain, an email or a LinkedIn URL.
 */

const facts = demoWorkspaceFacts();
const tmp = mkdtempSync(join(tmpdir(), 'affinity-sync-offline-e2e-'));
const env = {
  DATABASE_URL: '',
  AFFINITY_API_KEY: '',
  AFFINITY_BASE_URL: '',
  AFFINITY_SYNC_SECRET: 'offline reads e2e test master secret',
};
let emu: RunningEmulator;
let dataDir: string;
/** An HTTP server standing for Affinity that must never be asked anything. */
let watch: Server;
let watchUrl: string;
let requestsSeen = 0;
/** Dataset entities the links below name. */
let company: { id: number; domain: string };
let shared: { companyId: number; investorId: number; domain: string };
let person: { id: number; email: string; linkedin: string };

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
  const t = await openDatasetStore();
  dataDir = t.dataDir;
  const [c1, c2] = await t.store.query<{ id: number; domain: string }>(
    sql`SELECT id, domain FROM intel_companies ORDER BY id LIMIT 2`,
  );
  if (!c1 || !c2) throw new Error('the dataset has no companies');
  company = c1;
  // An investor on a company's domain: a domain that names two entities.
  const report = await importRecords(
    t.store,
    'investors',
    (async function* () {
      yield { row: 1, line: 1, record: { domain: c2.domain, name: 'Shared Domain Capital' } };
    })(),
  );
  if (!report.written) throw new Error(JSON.stringify(report.errors));
  const [inv] = await t.store.query<{ id: number }>(
    sql`SELECT id FROM intel_investors WHERE domain = ${c2.domain}`,
  );
  shared = { companyId: c2.id, investorId: Number(inv?.id), domain: c2.domain };
  const [p] = await t.store.query<{ id: number; emails: string[]; linkedin_url: string }>(sql`
    SELECT id, emails, linkedin_url FROM intel_people
    WHERE cardinality(emails) > 0 AND linkedin_url IS NOT NULL ORDER BY id LIMIT 1`);
  if (!p) throw new Error('the dataset has no person with an email and a LinkedIn URL');
  person = { id: p.id, email: p.emails[0] as string, linkedin: p.linkedin_url };
  await t.store.close();

  watch = createServer((_req, res) => {
    requestsSeen++;
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => watch.listen(0, '127.0.0.1', resolve));
  watchUrl = `http://127.0.0.1:${(watch.address() as AddressInfo).port}`;
}, 180_000);
let emulatorClosed = false;
afterAll(async () => {
  if (!emulatorClosed) await emu.close();
  await new Promise<void>((resolve) => watch.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

function cli(
  data: string,
  args: string[],
  options: { json?: boolean; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return runCli([...args, '--data-dir', data, ...(options.json === false ? [] : ['--json'])], {
    env: { ...env, ...options.env },
  });
}

interface CrmJson {
  ok: boolean;
  counts: {
    records: number;
    lists: number;
    matching: number;
    showing: number;
    matched: number;
    ambiguous: number;
    unmatched: number;
  };
  filter: { list?: { name: string }; sort: string; limit: number };
  scope: string;
  records: Array<{
    crmId: number;
    lists: string[];
    matchStatus: string;
    entity: { kind: string; id: number } | null;
  }>;
}
interface ReviewJson {
  ok: boolean;
  counts: { toSettle: number; unmatched: number; ambiguous: number; showing: number };
  filter: { list?: { name: string }; limit: number };
  items: Array<{ crmId: number; affinityType: string; status: string; lists: string[] }>;
}

describe('reading My CRM without Affinity', () => {
  it('shows what was pulled with the emulator closed, with and without a connection, sending nothing', async () => {
    const up = await cli(dataDir, ['connect', '--api-key', emu.apiKey, '--base-url', emu.url]);
    expect(up.code, up.stderr).toBe(0);
    const pulled = await cli(dataDir, [
      'pull',
      '--list',
      facts.lists.dealFlow,
      '--list',
      facts.lists.founders,
    ]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const closedUrl = emu.url;
    await emu.close();
    emulatorClosed = true;

    // The stored connection's Affinity is gone.
    const crm = await cli(dataDir, ['crm', '--limit', '5'], { json: false });
    expect(crm.code, crm.stderr).toBe(0);
    const lines = crm.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^My CRM: \d+ records on 2 lists \(showing 5 of \d+, sorted by growth\) — matched \d+, ambiguous \d+, unmatched \d+$/,
    );
    expect(lines).toHaveLength(6);

    const crmJson = (
      await cli(dataDir, ['crm', '--list', facts.lists.dealFlow, '--limit', '7', '--sort', 'name'])
    ).json as CrmJson;
    expect(crmJson).toMatchObject({
      ok: true,
      counts: { lists: 2, showing: 7 },
      filter: { list: { name: facts.lists.dealFlow }, sort: 'name', limit: 7 },
      scope: 'connection',
    });
    const c = crmJson.counts;
    // Deal Flow holds one organization twice.
    expect(c.matching).toBe(facts.counts.listEntries.dealFlow - 1);
    expect(c.matched + c.ambiguous + c.unmatched).toBe(c.matching);
    expect(c.records).toBeGreaterThan(c.matching);
    for (const r of crmJson.records) expect(r.lists).toContain(facts.lists.dealFlow);
    const crmText = await cli(
      dataDir,
      ['crm', '--list', facts.lists.dealFlow, '--limit', '7', '--sort', 'name'],
      {
        json: false,
      },
    );
    expect(crmText.stdout.split('\n')[0]).toBe(
      `My CRM: ${c.records} records on 2 lists (showing 7 of ${c.matching} on list "Deal Flow", sorted by name) — matched ${c.matched}, ambiguous ${c.ambiguous}, unmatched ${c.unmatched}`,
    );

    const review = await cli(dataDir, ['review', facts.lists.dealFlow, '--limit', '3']);
    expect(review.code, review.stderr).toBe(0);
    const r = review.json as ReviewJson;
    expect(r.counts.showing).toBe(3);
    expect(r.counts.toSettle).toBe(r.counts.unmatched + r.counts.ambiguous);
    expect(r.counts.toSettle).toBeGreaterThan(3);
    expect(r.filter).toEqual({ list: { id: expect.any(Number), name: facts.lists.dealFlow }, limit: 3 });
    const reviewText = await cli(dataDir, ['review', facts.lists.dealFlow, '--limit', '3'], { json: false });
    expect(reviewText.stdout.split('\n')[0]).toBe(
      `Review: ${r.counts.toSettle} to settle — ${r.counts.unmatched} unmatched, ${r.counts.ambiguous} ambiguous (list "Deal Flow", showing 3)`,
    );

    const activity = await cli(dataDir, ['activity'], { json: false });
    expect(activity.code, activity.stderr).toBe(0);
    expect(activity.stdout).toMatch(/#\d+ pull succeeded/);
    const search = await cli(dataDir, ['search', 'companies', '--limit', '3']);
    expect(search.code, search.stderr).toBe(0);

    // No stored connection by that name, a key and an Affinity URL in the environment: still no
    // request, and every connection's records.
    const noConnection = {
      env: { AFFINITY_API_KEY: 'a-key-that-must-not-be-used', AFFINITY_BASE_URL: watchUrl },
    };
    const all = await cli(dataDir, ['crm', '--connection', 'elsewhere', '--limit', '3'], noConnection);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json).toMatchObject({ ok: true, scope: 'every connection', counts: { records: c.records } });
    const allText = await cli(dataDir, ['crm', '--connection', 'elsewhere'], {
      ...noConnection,
      json: false,
    });
    expect(allText.stdout).toMatch(/^My CRM \(every connection\): /);
    expect(allText.stdout).not.toMatch(/not connected/);
    for (const args of [['review'], ['activity'], ['search', 'people', '--limit', '2']]) {
      const res = await cli(dataDir, [...args, '--connection', 'elsewhere'], noConnection);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
      expect(res.stderr).not.toMatch(/not connected/);
    }
    // The stored connection, with its URL (now dead) and another named on the command line.
    for (const url of [closedUrl, watchUrl]) {
      const res = await cli(dataDir, ['crm', '--base-url', url, '--limit', '1']);
      expect(res.code, res.stderr).toBe(0);
    }
    expect(requestsSeen).toBe(0);
  }, 600_000);

  it('links review records by domain, email or LinkedIn URL, offline; refuses an ambiguous or unknown key', async () => {
    const queue = (await cli(dataDir, ['review', '--limit', '10000'])).json as ReviewJson;
    const org = queue.items.filter((i) => i.affinityType === 'organization');
    // Any person on Founders: a decision may settle a matched record too.
    const founders = (
      (await cli(dataDir, ['crm', '--list', facts.lists.founders, '--sort', 'name', '--limit', '2']))
        .json as CrmJson
    ).records;
    const [o1, o2, o3] = org;
    const [p1, p2] = founders;
    if (!o1 || !o2 || !o3 || !p1 || !p2)
      throw new Error('expected organizations in review and persons on Founders');
    const inQueue = new Set(queue.items.map((i) => i.crmId));
    const settled = 2 + [p1, p2].filter((p) => inQueue.has(p.crmId)).length;

    const byDomain = await cli(dataDir, [
      'review',
      'link',
      String(o1.crmId),
      `https://www.${company.domain}/about`,
    ]);
    expect(byDomain.code, byDomain.stderr).toBe(0);
    expect(byDomain.json).toMatchObject({
      ok: true,
      decision: 'linked',
      kind: 'company',
      entityId: company.id,
    });

    const ambiguous = await cli(dataDir, ['review', 'link', String(o2.crmId), shared.domain], {
      json: false,
    });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(`\`company:${shared.companyId}\``);
    expect(ambiguous.stderr).toContain(`\`investor:${shared.investorId}\``);
    const chosen = await cli(dataDir, ['review', 'link', String(o2.crmId), `investor:${shared.investorId}`]);
    expect(chosen.json).toMatchObject({ ok: true, kind: 'investor', entityId: shared.investorId });

    const unknown = await cli(dataDir, ['review', 'link', String(o3.crmId), 'nobody-has-this-domain.io'], {
      json: false,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no company or investor with domain nobody-has-this-domain\.io/);

    const byEmail = await cli(dataDir, ['review', 'link', String(p1.crmId), person.email.toUpperCase()]);
    expect(byEmail.json).toMatchObject({ ok: true, kind: 'person', entityId: person.id });
    const byLinkedin = await cli(dataDir, ['review', 'link', String(p2.crmId), `${person.linkedin}/`]);
    expect(byLinkedin.json).toMatchObject({ ok: true, kind: 'person', entityId: person.id });
    const unknownEmail = await cli(dataDir, [
      'review',
      'link',
      String(p2.crmId),
      'no.one@nowhere-at-all.com',
    ]);
    expect(unknownEmail.code).toBe(1);
    expect(unknownEmail.stderr).toMatch(/no person with email no\.one@nowhere-at-all\.com/);
    // A person's key for an organization is refused by kind.
    const wrongKind = await cli(dataDir, ['review', 'link', String(o3.crmId), person.email]);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toMatch(/an Affinity organization cannot be linked to a person/);

    const after = (await cli(dataDir, ['review', '--limit', '10000'])).json as ReviewJson;
    expect(after.counts.toSettle).toBe(queue.counts.toSettle - settled);
    const crm = (await cli(dataDir, ['crm', '--sort', 'name', '--limit', '100000'])).json as CrmJson;
    const linked = crm.records.find((x) => x.crmId === o1.crmId);
    expect(linked).toMatchObject({ matchStatus: 'matched', entity: { kind: 'company', id: company.id } });
    expect(requestsSeen).toBe(0);
  }, 600_000);

  it('says a fresh My CRM is empty, exit 0, never "not connected"', async () => {
    const fresh = join(tmp, 'fresh');
    const crm = await cli(fresh, ['crm'], { json: false });
    expect(crm.code, crm.stderr).toBe(0);
    expect(crm.stdout.trim()).toBe('My CRM is empty: run `affinity-sync pull`');
    const review = await cli(fresh, ['review'], { json: false });
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout.trim()).toBe('nothing pulled yet: run `affinity-sync pull` to fill My CRM');
    const json = await cli(fresh, ['crm']);
    expect(json.json).toMatchObject({ ok: true, counts: { records: 0, lists: 0, showing: 0 }, records: [] });
    const activity = await cli(fresh, ['activity'], { json: false });
    expect(activity.code).toBe(0);
    for (const r of [crm, review, activity]) expect(`${r.stdout}${r.stderr}`).not.toMatch(/not connected/);
  }, 600_000);
});

/**
 * The demo dataset: the shared demo universe's identities, enriched deterministically with funding,
 * headcount, investors, portfolios and a year of monthly signals, loaded through the importer.
 * Each company's enrichment comes from a PRNG seeded by its domain, so it does not depend on the
 * order or size of the universe.
 */
import { sql } from 'drizzle-orm';
import { type DemoUniverse, demoUniverse, Rng } from '../demo/index.js';
import type { Store } from '../store/index.js';
import { recomputeGrowth } from './growth.js';
import { type ImportReport, importRecords } from './import.js';
import type { SourceRecord } from './sources.js';

/** Signals run monthly over the twelve months up to this date (fixed, so the dataset never drifts). */
export const DEMO_SIGNALS_END = '2025-12-01';
const MONTHS = 13;

const STAGE_PROFILE: Record<
  string,
  { headcount: [number, number]; funding: [number, number]; round: string }
> = {
  'Pre-Seed': { headcount: [2, 10], funding: [100_000, 1_500_000], round: 'Pre-Seed' },
  Seed: { headcount: [5, 30], funding: [1_000_000, 6_000_000], round: 'Seed' },
  'Series A': { headcount: [20, 90], funding: [8_000_000, 30_000_000], round: 'Series A' },
  'Series B': { headcount: [60, 300], funding: [30_000_000, 90_000_000], round: 'Series B' },
  'Series C': { headcount: [150, 700], funding: [80_000_000, 250_000_000], round: 'Series C' },
  'Series D': { headcount: [300, 1_500], funding: [200_000_000, 600_000_000], round: 'Series D' },
  Public: { headcount: [1_000, 20_000], funding: [400_000_000, 3_000_000_000], round: 'IPO' },
};

function seedOf(text: string): number {
  // FNV-1a: a stable 32-bit seed from a key.
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

function monthsBefore(end: string, months: number): string {
  const [y, m] = end.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 - months, 1));
  return d.toISOString().slice(0, 10);
}

interface Enriched {
  companies: Record<string, unknown>[];
  signals: Record<string, unknown>[];
  people: Record<string, unknown>[];
  investors: Record<string, unknown>[];
}

/** Builds the demo dataset's records (canonical import columns) from a universe. Pure and deterministic. */
export function buildDemoRecords(universe: DemoUniverse): Enriched {
  const investorsOf = new Map<string, string[]>();
  const companies: Record<string, unknown>[] = [];
  const signals: Record<string, unknown>[] = [];
  const nameByDomain = new Map<string, string>();
  for (const co of universe.companies) {
    nameByDomain.set(co.domain, co.name);
    const rng = new Rng(seedOf(co.domain));
    const profile =
      STAGE_PROFILE[co.stage] ?? (STAGE_PROFILE.Seed as NonNullable<(typeof STAGE_PROFILE)['Seed']>);
    const headcount = rng.int(profile.headcount[0], profile.headcount[1]);
    const total = Math.round(rng.int(profile.funding[0], profile.funding[1]) / 10_000) * 10_000;
    const lastAmount = Math.round((total * (0.3 + rng.float() * 0.5)) / 10_000) * 10_000;
    const lastDate = monthsBefore(DEMO_SIGNALS_END, rng.int(1, 30));
    const backers: string[] = [];
    if (universe.investors.length > 0) {
      const n = co.stage === 'Pre-Seed' ? rng.int(0, 2) : rng.int(1, 4);
      for (let k = 0; k < n; k++) {
        const inv = universe.investors[rng.int(0, universe.investors.length - 1)];
        if (inv && !backers.includes(inv.name)) {
          backers.push(inv.name);
          investorsOf.set(inv.domain, [...(investorsOf.get(inv.domain) ?? []), co.domain]);
        }
      }
    }
    companies.push({
      domain: co.domain,
      name: co.name,
      other_domains: co.otherDomains,
      website: co.website,
      description: co.description,
      hq_city: co.city,
      hq_region: co.region,
      hq_country: co.country,
      founded_year: co.foundedYear,
      industries: [co.industry],
      tags: co.tags,
      stage: co.stage,
      total_funding_usd: total,
      last_funding_date: lastDate,
      last_funding_amount_usd: Math.min(lastAmount, total),
      last_funding_type: profile.round,
      headcount,
      linkedin_url: co.linkedinUrl,
      investors: backers,
    });
    // Yearly growth between -35% and +250%, most companies modest, a few breaking out.
    const r = rng.float();
    const yearly =
      r < 0.15 ? -0.35 + rng.float() * 0.35 : r < 0.85 ? rng.float() * 0.6 : 0.6 + rng.float() * 1.9;
    const visits = headcount * rng.int(200, 2_000);
    const followers = headcount * rng.int(20, 400);
    for (let k = 0; k < MONTHS; k++) {
      const back = MONTHS - 1 - k;
      const factor = (1 + yearly) ** (-back / 12);
      const noise = () => 1 + (rng.float() - 0.5) * 0.06;
      signals.push({
        domain: co.domain,
        date: monthsBefore(DEMO_SIGNALS_END, back),
        headcount: Math.max(1, Math.round(headcount * factor * (back === 0 ? 1 : noise()))),
        web_visits: Math.round(visits * factor * noise()),
        social_followers: Math.round(followers * factor ** 0.7 * noise()),
      });
    }
  }
  const people = universe.people.map((pe) => ({
    name: `${pe.firstName} ${pe.lastName}`,
    emails: [pe.email, ...pe.otherEmails],
    linkedin_url: pe.linkedinUrl,
    title: pe.title,
    company_domain: pe.companyDomain,
    company_name: nameByDomain.get(pe.companyDomain) ?? null,
    city: pe.city,
    country: pe.country,
    past_companies: pe.pastCompanyDomains,
  }));
  const investors = universe.investors.map((inv) => {
    const rng = new Rng(seedOf(inv.domain));
    const portfolio = investorsOf.get(inv.domain) ?? [];
    return {
      domain: inv.domain,
      name: inv.name,
      type: inv.type,
      hq_city: inv.city,
      hq_country: inv.country,
      investments_count: portfolio.length + rng.int(0, inv.type === 'Angel' ? 20 : 150),
      notable_portfolio: portfolio.slice(0, 5),
    };
  });
  return { companies, signals, people, investors };
}

function* asSource(records: Record<string, unknown>[]): Generator<SourceRecord> {
  let row = 0;
  for (const record of records) {
    row++;
    yield { row, line: row, record };
  }
}

export interface DemoLoadResult {
  companies: ImportReport;
  signals: ImportReport;
  people: ImportReport;
  investors: ImportReport;
}

/**
 * Loads the demo dataset (~5k companies with signals, ~15k people, ~500 investors by default)
 * through the importer, then recomputes growth. Idempotent: a second call reports everything
 * unchanged and writes nothing. Any invalid demo record is a bug and throws.
 */
export async function loadDemoDataset(
  store: Store,
  sizes?: { companies?: number; people?: number; investors?: number },
): Promise<DemoLoadResult> {
  const records = buildDemoRecords(demoUniverse(sizes));
  const load = async (entity: 'companies' | 'signals' | 'people' | 'investors') => {
    const report = await importRecords(store, entity, asSource(records[entity]), { recomputeGrowth: false });
    if (!report.written) {
      const e = report.errors[0];
      throw new Error(`demo ${entity} row ${e?.row} ${e?.column}=${String(e?.value)}: ${e?.message}`);
    }
    return report;
  };
  const result: DemoLoadResult = {
    companies: await load('companies'),
    investors: await load('investors'),
    people: await load('people'),
    signals: await load('signals'),
  };
  if (result.signals.inserted + result.signals.updated + result.companies.inserted > 0)
    await recomputeGrowth(store);
  return result;
}

/** Loads the demo dataset only into an empty store (what a first start does); true when it loaded. */
export async function ensureDemoDataset(store: Store): Promise<boolean> {
  const [row] = await store.query<{ any: boolean }>(
    sql`SELECT EXISTS (SELECT 1 FROM intel_companies) AS any`,
  );
  if (row?.any) return false;
  await loadDemoDataset(store);
  return true;
}

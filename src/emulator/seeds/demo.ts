/**
 * The demo workspace: a venture firm's Affinity instance ("Lakeshore Ventures"), deterministic.
 *
 * Most organizations and persons are taken from the demo universe (same names, domains, emails) so
 * that they match the intelligence demo dataset; some exist only in the CRM (they must land in the
 * review queue); a handful are deliberately tricky for matching. Everything the demo and the tests
 * need to know about it is in `demoWorkspaceFacts()`, so no other code hard-codes names or counts.
 *
 * The workspace is planned first as plain data (`planDemoWorkspace`), then replayed against the
 * builder; the facts are read off the plan, so they cannot drift from what the seed creates.
 */
import { base, en, Faker } from '@faker-js/faker';
import { Rng } from '../../demo/random.js';
import { type DemoCompany, type DemoInvestor, type DemoPerson, demoUniverse } from '../../demo/universe.js';
import type { LocationValue, Seed, SeedBuilder } from '../seed-builder.js';
import { addDefaultGlobalFields, type DefaultFieldIds } from './default-fields.js';

// ---------------------------------------------------------------------------------------------
// Fixed shape of the workspace

/** The clock of the demo: every date in the workspace is relative to this instant, never to now. */
export const DEMO_ANCHOR = '2026-11-02T17:00:00.000Z';
const ANCHOR_MS = Date.parse(DEMO_ANCHOR);
const DAY = 86_400_000;

const FIRM = { name: 'Lakeshore Ventures', domain: 'lakeshore.vc' } as const;

const USERS = [
  { firstName: 'Jordan', lastName: 'Ellis', email: 'jordan@lakeshore.vc', title: 'Managing Partner' },
  { firstName: 'Priya', lastName: 'Raman', email: 'priya@lakeshore.vc', title: 'General Partner' },
  { firstName: 'Marcus', lastName: 'Chen', email: 'marcus@lakeshore.vc', title: 'Principal' },
  { firstName: 'Sofia', lastName: 'Alvarez', email: 'sofia@lakeshore.vc', title: 'Associate' },
  { firstName: 'Daniel', lastName: 'Okafor', email: 'daniel@lakeshore.vc', title: 'Platform Lead' },
] as const;

const LISTS = {
  dealFlow: 'Deal Flow',
  portfolio: 'Portfolio',
  watchlist: 'Watchlist',
  founders: 'Founders',
  deals: 'Deals',
} as const;

const DEAL_FLOW_STATUS = ['New', 'Contacted', 'Diligence', 'IC', 'Won', 'Passed'] as const;
const PRIORITY = ['Low', 'Medium', 'High'] as const;
const FOUNDER_STATUS = ['Identified', 'Reached Out', 'Meeting Scheduled', 'Backed', 'Not a Fit'] as const;
const DEAL_STATUS = ['Sourced', 'First Meeting', 'Partner Meeting', 'Term Sheet', 'Closed', 'Lost'] as const;
const ROUNDS = ['Pre-Seed', 'Seed', 'Series A', 'Series B', 'Series C'] as const;
const STATUS_COLORS = [0, 1, 2, 3, 4, 5, 6, 7];

/** How many of each kind the demo creates. */
const SIZES = {
  universeCompanies: 1_000,
  universePeopleExtra: 600,
  investors: 120,
  crmOnlyOrganizations: 150,
  crmOnlyPersons: 200,
  dealFlow: 300,
  portfolio: 60,
  watchlist: 150,
  founders: 250,
  deals: 100,
  interactions: 400,
  notes: 300,
  reminders: 200,
} as const;

// ---------------------------------------------------------------------------------------------
// Plan

interface PlannedOrg {
  name: string;
  domain: string | null;
  domains: string[];
  /** The universe company or investor it comes from (domain), if any. */
  universeDomain: string | null;
  kind: 'universe-company' | 'universe-investor' | 'crm-only' | 'firm' | 'tricky';
  company: DemoCompany | null;
  investor: DemoInvestor | null;
  global: boolean;
}

interface PlannedPerson {
  firstName: string;
  lastName: string;
  emails: string[];
  /** Index into `orgs`, or null. */
  org: number | null;
  /** The universe person it comes from (primary email), if any. */
  universeEmail: string | null;
  person: DemoPerson | null;
}

interface Tricky {
  /** CRM-only organizations named exactly like a universe company but on another domain. */
  sameNameDifferentDomain: Array<{ name: string; crmDomain: string; universeDomain: string }>;
  /** Universe companies present in the CRM with two domains. */
  organizationsWithTwoDomains: Array<{ name: string; domains: string[] }>;
  /** A separate CRM organization whose only domain is a universe company's secondary domain. */
  matchedBySecondaryDomain: Array<{ name: string; crmDomain: string; universeDomain: string }>;
  /** Universe persons present in the CRM with more than one email. */
  personsWithTwoEmails: Array<{ emails: string[] }>;
  /** Persons whose primary email is not at their organization's domain. */
  emailDomainDiffersFromCompany: Array<{ email: string; organizationDomain: string }>;
  /** An organization that appears twice on Deal Flow, and a person twice on Founders. */
  duplicateOnDealFlow: string;
  duplicateOnFounders: string;
  /** CRM-only organizations without a domain. */
  organizationsWithoutDomain: string[];
  /** CRM-only persons without an email. */
  personsWithoutEmail: string[];
}

/** Who is on which list, and who the firm talks to (indexes into `orgs` / `persons`). */
interface Membership {
  /** In entry order; the duplicate organization comes first and last. */
  dealFlow: number[];
  portfolio: number[];
  watchlist: number[];
  /** Person indexes; the duplicate person comes first and last. */
  founders: number[];
  /** Organizations with an opportunity on Deals. */
  deals: number[];
  /** Persons the firm has interactions with. */
  contacts: number[];
  /** Organization index -> its founder's person index. */
  founderOf: Map<number, number>;
  /** Organizations and persons that get the full set of field values (the rest stay sparse). */
  richOrgs: Set<number>;
  richPersons: Set<number>;
}

interface Plan {
  orgs: PlannedOrg[];
  persons: PlannedPerson[];
  tricky: Tricky;
  membership: Membership;
}

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

let memoPlan: Plan | null = null;

/** The demo workspace as data: which organizations and persons it holds, and the tricky cases. */
function planDemoWorkspace(): Plan {
  if (memoPlan !== null) return memoPlan;
  const universe = demoUniverse();
  const rng = new Rng(0xdead0 + 7);
  const faker = new Faker({ locale: [en, base] });
  faker.seed(0xdead0 + 8);

  const universeDomains = new Set<string>();
  for (const c of universe.companies) for (const d of [c.domain, ...c.otherDomains]) universeDomains.add(d);
  for (const i of universe.investors) universeDomains.add(i.domain);
  const universeNames = new Set(universe.companies.map((c) => c.name));
  const universeEmails = new Set(universe.people.flatMap((p) => [p.email, ...p.otherEmails]));
  const usedDomains = new Set<string>([FIRM.domain]);
  const usedEmails = new Set<string>(USERS.map((u) => u.email));

  const orgs: PlannedOrg[] = [];
  const persons: PlannedPerson[] = [];
  const orgIndexByDomain = new Map<string, number>();
  const addOrg = (o: PlannedOrg): number => {
    for (const d of o.domains) {
      if (usedDomains.has(d) && o.kind !== 'firm') throw new Error(`demo seed: domain ${d} used twice`);
      usedDomains.add(d);
      orgIndexByDomain.set(d, orgs.length);
    }
    orgs.push(o);
    return orgs.length - 1;
  };
  const addPerson = (p: PlannedPerson): void => {
    for (const e of p.emails) {
      if (usedEmails.has(e)) throw new Error(`demo seed: email ${e} used twice`);
      usedEmails.add(e);
    }
    persons.push(p);
  };

  // The firm itself (the users' organization).
  addOrg({
    name: FIRM.name,
    domain: FIRM.domain,
    domains: [FIRM.domain],
    universeDomain: null,
    kind: 'firm',
    company: null,
    investor: null,
    global: false,
  });

  // Universe companies: the first ones (a prefix of the universe, stable across sizes).
  const companies = universe.companies.slice(0, SIZES.universeCompanies);
  for (const c of companies) {
    addOrg({
      name: c.name,
      domain: c.domain,
      domains: [c.domain, ...c.otherDomains],
      universeDomain: c.domain,
      kind: 'universe-company',
      company: c,
      investor: null,
      global: rng.chance(0.6),
    });
  }
  // Universe investors, as organizations (co-investors, LPs' funds).
  for (const i of universe.investors.slice(0, SIZES.investors)) {
    addOrg({
      name: i.name,
      domain: i.domain,
      domains: [i.domain],
      universeDomain: i.domain,
      kind: 'universe-investor',
      company: null,
      investor: i,
      global: false,
    });
  }

  // Universe people at those companies: every founder, then the first others.
  const inCrm = new Set(companies.map((c) => c.domain));
  let extra = 0;
  for (const [index, p] of universe.people.entries()) {
    if (!inCrm.has(p.companyDomain)) continue;
    // The universe's first person of each company is its founder (one per company, in order).
    if (index >= companies.length) {
      if (extra >= SIZES.universePeopleExtra) continue;
      extra++;
    }
    addPerson({
      firstName: p.firstName,
      lastName: p.lastName,
      emails: [p.email, ...p.otherEmails],
      org: orgIndexByDomain.get(p.companyDomain) ?? null,
      universeEmail: p.email,
      person: p,
    });
  }

  // CRM-only organizations: names from another generator, on TLDs the universe never uses.
  const organizationsWithoutDomain: string[] = [];
  const crmOrgIndexes: number[] = [];
  while (crmOrgIndexes.length < SIZES.crmOnlyOrganizations) {
    const name = faker.company.name();
    if (universeNames.has(name) || orgs.some((o) => o.name === name)) continue;
    const noDomain = crmOrgIndexes.length % 10 === 9;
    const domain = noDomain ? null : `${slug(name).slice(0, 30)}.${rng.pick(['net', 'org', 'biz', 'us'])}`;
    if (domain !== null && (universeDomains.has(domain) || usedDomains.has(domain))) continue;
    if (domain === null) organizationsWithoutDomain.push(name);
    crmOrgIndexes.push(
      addOrg({
        name,
        domain,
        domains: domain === null ? [] : [domain],
        universeDomain: null,
        kind: 'crm-only',
        company: null,
        investor: null,
        global: false,
      }),
    );
  }

  // CRM-only persons: at CRM-only organizations or on a personal mailbox the universe never uses.
  const personsWithoutEmail: string[] = [];
  for (let i = 0; i < SIZES.crmOnlyPersons; ) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const orgIndex = rng.chance(0.7) ? rng.pick(crmOrgIndexes) : null;
    const orgDomain = orgIndex === null ? null : (orgs[orgIndex]?.domain ?? null);
    let emails: string[];
    if (i % 25 === 24) {
      emails = [];
      personsWithoutEmail.push(`${firstName} ${lastName}`);
    } else {
      const mailbox = orgDomain ?? 'hotmail.com';
      const local =
        orgDomain === null ? `${slug(firstName)}${slug(lastName)}${rng.int(10, 99)}` : slug(firstName);
      emails = [`${local}@${mailbox}`];
    }
    if (emails.some((e) => usedEmails.has(e) || universeEmails.has(e))) continue;
    addPerson({ firstName, lastName, emails, org: orgIndex, universeEmail: null, person: null });
    i++;
  }

  // Tricky: same name as a universe company in the CRM, on another domain.
  const sameNameDifferentDomain: Tricky['sameNameDifferentDomain'] = [];
  for (const c of companies.slice(10, 15)) {
    const crmDomain = `${slug(c.name)}group.net`;
    addOrg({
      name: c.name,
      domain: crmDomain,
      domains: [crmDomain],
      universeDomain: null,
      kind: 'tricky',
      company: null,
      investor: null,
      global: false,
    });
    sameNameDifferentDomain.push({ name: c.name, crmDomain, universeDomain: c.domain });
  }
  // Tricky: universe companies not otherwise in the CRM, present under their secondary domain only.
  const matchedBySecondaryDomain: Tricky['matchedBySecondaryDomain'] = [];
  for (const c of universe.companies.slice(SIZES.universeCompanies)) {
    if (matchedBySecondaryDomain.length === 3) break;
    const second = c.otherDomains[0];
    if (second === undefined) continue;
    addOrg({
      name: c.name,
      domain: second,
      domains: [second],
      universeDomain: c.domain,
      kind: 'tricky',
      company: c,
      investor: null,
      global: false,
    });
    matchedBySecondaryDomain.push({ name: c.name, crmDomain: second, universeDomain: c.domain });
  }
  // Tricky: a few people keep a personal mailbox as their primary email.
  const emailDomainDiffersFromCompany: Tricky['emailDomainDiffersFromCompany'] = [];
  for (const p of persons) {
    if (emailDomainDiffersFromCompany.length === 10) break;
    const personal = p.person?.otherEmails.find((e) => !universeDomains.has(e.slice(e.indexOf('@') + 1)));
    if (p.person === null || personal === undefined || p.org === null) continue;
    p.emails = [personal, ...p.emails.filter((e) => e !== personal)];
    emailDomainDiffersFromCompany.push({ email: personal, organizationDomain: p.person.companyDomain });
  }

  const organizationsWithTwoDomains = orgs
    .filter((o) => o.kind === 'universe-company' && o.domains.length > 1)
    .map((o) => ({ name: o.name, domains: o.domains }));
  const personsWithTwoEmails = persons
    .filter((p) => p.universeEmail !== null && p.emails.length > 1)
    .map((p) => ({ emails: p.emails }));

  const membership = planMembership(orgs, persons);
  memoPlan = {
    orgs,
    persons,
    membership,
    tricky: {
      sameNameDifferentDomain,
      organizationsWithTwoDomains,
      matchedBySecondaryDomain,
      personsWithTwoEmails,
      emailDomainDiffersFromCompany,
      duplicateOnDealFlow: orgs[membership.dealFlow[0] as number]?.domain ?? '',
      duplicateOnFounders: persons[membership.founders[0] as number]?.universeEmail ?? '',
      organizationsWithoutDomain,
      personsWithoutEmail,
    },
  };
  return memoPlan;
}

function planMembership(orgs: PlannedOrg[], persons: PlannedPerson[]): Membership {
  const rng = new Rng(0xdead0 + 10);
  const companyIdx = orgs.flatMap((o, i) => (o.kind === 'universe-company' ? [i] : []));
  const stageOf = (i: number): string => orgs[i]?.company?.stage ?? '';
  const earlyIdx = companyIdx.filter((i) => ['Pre-Seed', 'Seed', 'Series A'].includes(stageOf(i)));
  const growthIdx = companyIdx.filter((i) =>
    ['Seed', 'Series A', 'Series B', 'Series C'].includes(stageOf(i)),
  );
  const crmOnlyIdx = orgs.flatMap((o, i) => (o.universeDomain === null && o.kind !== 'firm' ? [i] : []));
  const founderOf = new Map<number, number>();
  persons.forEach((p, i) => {
    if (p.org !== null && p.person !== null && /Founder|CEO/.test(p.person.title) && !founderOf.has(p.org)) {
      founderOf.set(p.org, i);
    }
  });

  const first = companyIdx[0] as number;
  const dealFlow = [
    first,
    ...rng.sample(
      earlyIdx.filter((i) => i !== first),
      SIZES.dealFlow - 21,
    ),
    ...rng.sample(crmOnlyIdx, 20),
    first,
  ];
  const portfolio = rng.sample(growthIdx, SIZES.portfolio);
  const watchlist = [...rng.sample(companyIdx, SIZES.watchlist - 10), ...rng.sample(crmOnlyIdx, 10)];
  const firstFounder = founderOf.get(first) as number;
  const founders = [
    firstFounder,
    ...rng.sample(
      [...founderOf.values()].filter((i) => i !== firstFounder),
      SIZES.founders - 1,
    ),
    firstFounder,
  ];
  const dealCandidates = [...new Set(dealFlow)].filter((i) => orgs[i]?.kind === 'universe-company');
  const deals = rng.sample(dealCandidates, SIZES.deals);
  const contacts = [
    ...dealFlow.flatMap((oi) => {
      const f = founderOf.get(oi);
      return f === undefined ? [] : [f];
    }),
    // Interactions are logged by email address: only persons with one can take part.
    ...rng.sample(
      persons.flatMap((p, i) => (p.emails.length > 0 ? [i] : [])),
      200,
    ),
  ];
  const richOrgs = new Set([...dealFlow, ...portfolio, ...watchlist, ...deals]);
  orgs.forEach((o, i) => {
    if (o.kind !== 'universe-company' || rng.chance(0.15)) richOrgs.add(i);
  });
  const richPersons = new Set([...founders, ...contacts]);
  return { dealFlow, portfolio, watchlist, founders, deals, contacts, founderOf, richOrgs, richPersons };
}

// ---------------------------------------------------------------------------------------------
// Facts

/** Names, counts and tricky cases of the demo workspace, for tests and the demo. */
export interface DemoWorkspaceFacts {
  anchor: string;
  firm: { name: string; domain: string };
  users: Array<{ firstName: string; lastName: string; email: string; apiKey: string | undefined }>;
  lists: typeof LISTS;
  listTypes: Record<keyof typeof LISTS, 0 | 1 | 8>;
  /** Global custom fields created on top of Affinity's defaults. */
  customGlobalFields: { organization: string[]; person: string[] };
  /** List-specific field names per list. */
  listFields: Record<keyof typeof LISTS, string[]>;
  dealFlowStatusOptions: readonly string[];
  /** The universe sizes the demo was drawn from (the default universe). */
  universeSizes: { companies: number; people: number; investors: number };
  counts: {
    organizations: number;
    persons: number;
    users: number;
    opportunities: number;
    interactions: number;
    notes: number;
    reminders: number;
    listEntries: Record<keyof typeof LISTS, number>;
  };
  /** Organizations and persons whose identity (domain / email) is in the universe. */
  overlap: {
    organizations: number;
    companies: number;
    investors: number;
    persons: number;
    /** Some universe domains present in the CRM, for look-ups in tests and the demo. */
    sampleDomains: string[];
    sampleEmails: string[];
  };
  /** Organizations and persons with no universe counterpart (they must land in review). */
  crmOnly: { organizations: number; persons: number; sampleDomains: string[] };
  tricky: Tricky;
}

const LIST_FIELDS: Record<keyof typeof LISTS, string[]> = {
  dealFlow: ['Status', 'Owners', 'Amount', 'Priority', 'Next Step', 'Close Date'],
  portfolio: ['Investment Date', 'Check Size', 'Board Seat', 'Lead Partner', 'Ownership'],
  watchlist: ['Reason', 'Signal Strength', 'Added By'],
  founders: ['Status', 'Score', 'Met At', 'Referred By'],
  deals: ['Status', 'Round', 'Round Size', 'Lead Investor', 'Expected Close', 'Deal Team'],
};
const CUSTOM_GLOBAL = {
  organization: ['Last Funding Date', 'Total Funding', 'Website', 'Stage', 'Co-Investors', 'Sector Tags'],
  person: ['Expertise', 'Relationship Owner', 'Personal Website'],
};

let memoFacts: DemoWorkspaceFacts | null = null;

/** Everything other code may need to know about the demo workspace; computed once, never hard-coded. */
export function demoWorkspaceFacts(): DemoWorkspaceFacts {
  if (memoFacts !== null) return memoFacts;
  const plan = planDemoWorkspace();
  const universe = demoUniverse();
  const matchedOrgs = plan.orgs.filter((o) => o.universeDomain !== null);
  const crmOnlyOrgs = plan.orgs.filter((o) => o.universeDomain === null && o.kind !== 'firm');
  memoFacts = {
    anchor: DEMO_ANCHOR,
    firm: { ...FIRM },
    users: USERS.map((u, i) => ({
      firstName: u.firstName,
      lastName: u.lastName,
      email: u.email,
      apiKey: apiKeyOf(i),
    })),
    lists: LISTS,
    listTypes: { dealFlow: 1, portfolio: 1, watchlist: 1, founders: 0, deals: 8 },
    customGlobalFields: CUSTOM_GLOBAL,
    listFields: LIST_FIELDS,
    dealFlowStatusOptions: DEAL_FLOW_STATUS,
    universeSizes: {
      companies: universe.companies.length,
      people: universe.people.length,
      investors: universe.investors.length,
    },
    counts: {
      organizations: plan.orgs.length,
      persons: plan.persons.length,
      users: USERS.length,
      opportunities: plan.membership.deals.length,
      interactions: SIZES.interactions,
      notes: SIZES.notes,
      reminders: SIZES.reminders,
      listEntries: {
        dealFlow: plan.membership.dealFlow.length,
        portfolio: plan.membership.portfolio.length,
        watchlist: plan.membership.watchlist.length,
        founders: plan.membership.founders.length,
        deals: plan.membership.deals.length,
      },
    },
    overlap: {
      organizations: matchedOrgs.length,
      companies: matchedOrgs.filter((o) => o.kind !== 'universe-investor').length,
      investors: matchedOrgs.filter((o) => o.kind === 'universe-investor').length,
      persons: plan.persons.filter((p) => p.universeEmail !== null).length,
      sampleDomains: matchedOrgs.slice(0, 10).map((o) => o.universeDomain ?? ''),
      sampleEmails: plan.persons
        .filter((p) => p.universeEmail !== null)
        .slice(0, 10)
        .map((p) => p.universeEmail ?? ''),
    },
    crmOnly: {
      organizations: crmOnlyOrgs.length,
      persons: plan.persons.filter((p) => p.universeEmail === null).length,
      sampleDomains: crmOnlyOrgs.flatMap((o) => (o.domain === null ? [] : [o.domain])).slice(0, 10),
    },
    tricky: plan.tricky,
  };
  return memoFacts;
}

/** Users other than the owner get a stable key; the owner's key is the emulator's default. */
function apiKeyOf(userIndex: number): string | undefined {
  const u = USERS[userIndex];
  return userIndex === 0 || u === undefined ? undefined : `demo-key-${u.firstName.toLowerCase()}`;
}

// ---------------------------------------------------------------------------------------------
// Seed

function isoDay(ms: number): string {
  // Noon UTC keeps the calendar day whichever zone the emulator stores dates in.
  return `${new Date(ms).toISOString().slice(0, 10)}T12:00:00.000Z`;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** A timestamp with a Pacific offset, the way Affinity writes note and reminder times. */
function isoPacific(ms: number): string {
  return `${new Date(ms - 8 * 3_600_000).toISOString().slice(0, 23)}-08:00`;
}

const CONTINENT: Record<string, string> = {
  'United States': 'North America',
  Canada: 'North America',
  'United Kingdom': 'Europe',
  Germany: 'Europe',
  France: 'Europe',
  Netherlands: 'Europe',
  Sweden: 'Europe',
  Denmark: 'Europe',
  Switzerland: 'Europe',
  Ireland: 'Europe',
  Israel: 'Asia',
  Singapore: 'Asia',
  India: 'Asia',
  Australia: 'Oceania',
  Brazil: 'South America',
  Nigeria: 'Africa',
};

/** A location with the null parts Affinity really returns (no street, sometimes no state or city). */
function location(rng: Rng, city: string, region: string | null, country: string): LocationValue {
  const shape = rng.float();
  return {
    street_address: shape < 0.05 ? `${rng.int(1, 999)} Market Street` : null,
    city: shape > 0.95 ? null : city,
    state: region === null || region === city || shape > 0.9 ? null : region,
    country,
    continent: shape < 0.3 ? (CONTINENT[country] ?? null) : null,
  };
}

const EMPLOYEES: Record<string, readonly [number, number]> = {
  'Pre-Seed': [2, 8],
  Seed: [5, 30],
  'Series A': [20, 90],
  'Series B': [60, 250],
  'Series C': [150, 600],
  'Series D': [300, 1500],
  Public: [800, 12000],
};
const FUNDING: Record<string, readonly [number, number]> = {
  'Pre-Seed': [250_000, 1_500_000],
  Seed: [1_000_000, 6_000_000],
  'Series A': [8_000_000, 25_000_000],
  'Series B': [25_000_000, 80_000_000],
  'Series C': [60_000_000, 200_000_000],
  'Series D': [150_000_000, 500_000_000],
  Public: [300_000_000, 2_000_000_000],
};
const EXPERTISE = [
  'Go-to-market',
  'Engineering',
  'Product',
  'Fundraising',
  'Hiring',
  'AI',
  'Payments',
  'Climate',
];

function roundTo(n: number, step: number): number {
  return Math.round(n / step) * step;
}

interface CustomFieldIds {
  lastFundingDate: number;
  totalFunding: number;
  website: number;
  stage: number;
  coInvestors: number;
  sectorTags: number;
  expertise: number;
  relationshipOwner: number;
  personalWebsite: number;
}

/** Builds the demo workspace through the builder. */
export const demoSeed: Seed = (b) => {
  const plan = planDemoWorkspace();
  const rng = new Rng(0xdead0 + 9);

  const userIds = USERS.map((u, i) => {
    const apiKey = apiKeyOf(i);
    return b.addUser({
      firstName: u.firstName,
      lastName: u.lastName,
      email: u.email,
      ...(apiKey === undefined ? {} : { apiKey }),
    });
  });
  const owner = userIds[0] as number;
  const pickUser = (): number => rng.pick(userIds);

  const def = addDefaultGlobalFields(b);
  const custom: CustomFieldIds = {
    lastFundingDate: b.addField({
      name: 'Last Funding Date',
      entityType: 1,
      valueType: 4,
      trackChanges: true,
    }).id,
    totalFunding: b.addField({ name: 'Total Funding', entityType: 1, valueType: 3, trackChanges: true }).id,
    website: b.addField({ name: 'Website', entityType: 1, valueType: 6 }).id,
    stage: b.addField({ name: 'Stage', entityType: 1, valueType: 2 }).id,
    coInvestors: b.addField({
      name: 'Co-Investors',
      entityType: 1,
      valueType: 1,
      allowsMultiple: true,
      trackChanges: true,
    }).id,
    sectorTags: b.addField({ name: 'Sector Tags', entityType: 1, valueType: 2, allowsMultiple: true }).id,
    expertise: b.addField({ name: 'Expertise', entityType: 0, valueType: 2, allowsMultiple: true }).id,
    relationshipOwner: b.addField({
      name: 'Relationship Owner',
      entityType: 0,
      valueType: 0,
      trackChanges: true,
    }).id,
    personalWebsite: b.addField({ name: 'Personal Website', entityType: 0, valueType: 6 }).id,
  };

  const orgIds = plan.orgs.map((o) =>
    b.addOrganization({ name: o.name, domain: o.domain, domains: o.domains, global: o.global }),
  );
  const personIds = plan.persons.map((p) =>
    b.addPerson({
      firstName: p.firstName,
      lastName: p.lastName,
      emails: p.emails,
      organizationIds: p.org === null ? [] : [orgIds[p.org] as number],
      type: 0,
    }),
  );

  const investorOrgIds = plan.orgs.flatMap((o, i) =>
    o.kind === 'universe-investor' ? [orgIds[i] as number] : [],
  );
  const m = plan.membership;
  const introducers = [...userIds, ...personIds];
  plan.orgs.forEach((o, i) => {
    const rich = m.richOrgs.has(i);
    setOrganizationValues(b, rng, def, custom, o, orgIds[i] as number, rich, investorOrgIds, introducers);
  });
  plan.persons.forEach((p, i) => {
    const rich = m.richPersons.has(i);
    setPersonValues(b, rng, def, custom, p, personIds[i] as number, rich, userIds, personIds);
  });

  const founderOf = m.founderOf;
  const entryDate = (maxDaysBack: number): string =>
    isoAt(ANCHOR_MS - rng.int(1, maxDaysBack) * DAY - rng.int(0, DAY - 1));

  const listIds = {
    dealFlow: b.addList({ name: LISTS.dealFlow, type: 1, public: true, ownerId: owner }),
    portfolio: b.addList({ name: LISTS.portfolio, type: 1, public: true, ownerId: owner }),
    watchlist: b.addList({
      name: LISTS.watchlist,
      type: 1,
      public: false,
      ownerId: userIds[1] as number,
      creatorId: userIds[1] as number,
      additionalPermissions: [
        { internal_person_id: owner, role_id: 0 },
        { internal_person_id: userIds[2] as number, role_id: 1 },
        { internal_person_id: userIds[3] as number, role_id: 2 },
      ],
    }),
    founders: b.addList({ name: LISTS.founders, type: 0, public: true, ownerId: owner }),
    deals: b.addList({
      name: LISTS.deals,
      type: 8,
      public: true,
      ownerId: owner,
      creatorId: userIds[1] as number,
    }),
  };

  // Deal Flow: early-stage companies, some CRM-only ones, and one organization twice.
  const dealFlowOrgs = m.dealFlow;
  {
    const listId = listIds.dealFlow;
    const status = b.addField({
      name: 'Status',
      entityType: 1,
      valueType: 7,
      listId,
      trackChanges: true,
      dropdownOptions: DEAL_FLOW_STATUS.map((text, i) => ({ text, color: STATUS_COLORS[i] ?? 0 })),
    });
    const owners = b.addField({
      name: 'Owners',
      entityType: 1,
      valueType: 0,
      listId,
      allowsMultiple: true,
    }).id;
    const amount = b.addField({ name: 'Amount', entityType: 1, valueType: 3, listId, trackChanges: true }).id;
    const priority = b.addField({
      name: 'Priority',
      entityType: 1,
      valueType: 7,
      listId,
      trackChanges: true,
      dropdownOptions: PRIORITY.map((text, i) => ({ text, color: i + 1 })),
    });
    const nextStep = b.addField({ name: 'Next Step', entityType: 1, valueType: 6, listId }).id;
    const closeDate = b.addField({
      name: 'Close Date',
      entityType: 1,
      valueType: 4,
      listId,
      trackChanges: true,
    }).id;

    for (const oi of dealFlowOrgs) {
      const entityId = orgIds[oi] as number;
      const createdAt = entryDate(400);
      const listEntryId = b.addListEntry({
        listId,
        entityId,
        creatorId: pickUser(),
        createdAt,
      });
      const v = (fieldId: number, value: string | number): void => {
        b.addFieldValue({ fieldId, entityId, listEntryId, value, createdAt });
      };
      v(status.id, rng.pick(status.optionIds));
      for (const u of rng.sample(userIds, rng.int(1, 2))) v(owners, u);
      if (rng.chance(0.8)) v(amount, roundTo(rng.int(250_000, 5_000_000), 50_000));
      if (rng.chance(0.6)) v(priority.id, rng.pick(priority.optionIds));
      if (rng.chance(0.4))
        v(nextStep, rng.pick(['Intro call', 'Send memo', 'Reference checks', 'Partner meeting']));
      if (rng.chance(0.3)) v(closeDate, isoDay(ANCHOR_MS + rng.int(7, 120) * DAY));
    }
  }

  // Portfolio: companies the firm backed.
  {
    const listId = listIds.portfolio;
    const investmentDate = b.addField({ name: 'Investment Date', entityType: 1, valueType: 4, listId }).id;
    const checkSize = b.addField({
      name: 'Check Size',
      entityType: 1,
      valueType: 3,
      listId,
      trackChanges: true,
    }).id;
    const boardSeat = b.addField({ name: 'Board Seat', entityType: 1, valueType: 2, listId }).id;
    const leadPartner = b.addField({
      name: 'Lead Partner',
      entityType: 1,
      valueType: 0,
      listId,
      trackChanges: true,
    }).id;
    const ownership = b.addField({ name: 'Ownership', entityType: 1, valueType: 3, listId }).id;
    for (const oi of m.portfolio) {
      const entityId = orgIds[oi] as number;
      const createdAt = entryDate(1500);
      const listEntryId = b.addListEntry({ listId, entityId, creatorId: owner, createdAt });
      const v = (fieldId: number, value: string | number): void => {
        b.addFieldValue({ fieldId, entityId, listEntryId, value, createdAt });
      };
      v(investmentDate, isoDay(ANCHOR_MS - rng.int(60, 1500) * DAY));
      v(checkSize, roundTo(rng.int(500_000, 12_000_000), 100_000));
      v(boardSeat, rng.pick(['Yes', 'No', 'Observer']));
      v(leadPartner, rng.pick(userIds.slice(0, 2)));
      if (rng.chance(0.7)) v(ownership, Math.round(rng.int(20, 250)) / 10);
    }
  }

  // Watchlist (private to a partner): companies to track, some CRM-only.
  {
    const listId = listIds.watchlist;
    const reason = b.addField({ name: 'Reason', entityType: 1, valueType: 6, listId }).id;
    const signal = b.addField({
      name: 'Signal Strength',
      entityType: 1,
      valueType: 7,
      listId,
      dropdownOptions: PRIORITY.map((text, i) => ({ text, color: i + 4 })),
    });
    const addedBy = b.addField({ name: 'Added By', entityType: 1, valueType: 0, listId }).id;
    for (const oi of m.watchlist) {
      const entityId = orgIds[oi] as number;
      const creatorId = userIds[1] as number;
      const createdAt = entryDate(200);
      const listEntryId = b.addListEntry({ listId, entityId, creatorId, createdAt });
      if (rng.chance(0.6)) {
        const text = rng.pick([
          'Hiring fast',
          'New funding round',
          'Strong founder',
          'Competitor to a portfolio company',
        ]);
        b.addFieldValue({ fieldId: reason, entityId, listEntryId, createdAt, value: text });
      }
      b.addFieldValue({
        fieldId: signal.id,
        entityId,
        listEntryId,
        createdAt,
        value: rng.pick(signal.optionIds),
      });
      b.addFieldValue({ fieldId: addedBy, entityId, listEntryId, createdAt, value: creatorId });
    }
  }

  // Founders (a people list): founders of universe companies, one person twice.
  {
    const listId = listIds.founders;
    const status = b.addField({
      name: 'Status',
      entityType: 0,
      valueType: 7,
      listId,
      trackChanges: true,
      dropdownOptions: FOUNDER_STATUS.map((text, i) => ({ text, color: i })),
    });
    const score = b.addField({ name: 'Score', entityType: 0, valueType: 3, listId, trackChanges: true }).id;
    const metAt = b.addField({ name: 'Met At', entityType: 0, valueType: 5, listId, trackChanges: true }).id;
    const referredBy = b.addField({ name: 'Referred By', entityType: 0, valueType: 0, listId }).id;
    for (const pi of m.founders) {
      const entityId = personIds[pi] as number;
      const p = plan.persons[pi];
      const createdAt = entryDate(300);
      const listEntryId = b.addListEntry({
        listId,
        entityId,
        creatorId: pickUser(),
        createdAt,
      });
      b.addFieldValue({
        fieldId: status.id,
        entityId,
        listEntryId,
        createdAt,
        value: rng.pick(status.optionIds),
      });
      if (rng.chance(0.7))
        b.addFieldValue({ fieldId: score, entityId, listEntryId, createdAt, value: rng.int(1, 10) });
      if (p?.person !== null && p?.person !== undefined && rng.chance(0.4)) {
        const where = location(rng, p.person.city, null, p.person.country);
        b.addFieldValue({ fieldId: metAt, entityId, listEntryId, createdAt, value: where });
      }
      if (rng.chance(0.3)) {
        b.addFieldValue({
          fieldId: referredBy,
          entityId,
          listEntryId,
          createdAt,
          value: rng.pick(personIds),
        });
      }
    }
  }

  // Deals (an opportunity list): rounds of Deal Flow companies.
  const opportunityIds: number[] = [];
  const opportunityOrg: number[] = [];
  {
    const listId = listIds.deals;
    const status = b.addField({
      name: 'Status',
      entityType: 8,
      valueType: 7,
      listId,
      trackChanges: true,
      dropdownOptions: DEAL_STATUS.map((text, i) => ({ text, color: i })),
    });
    const round = b.addField({ name: 'Round', entityType: 8, valueType: 2, listId }).id;
    const roundSize = b.addField({
      name: 'Round Size',
      entityType: 8,
      valueType: 3,
      listId,
      trackChanges: true,
    }).id;
    const leadInvestor = b.addField({
      name: 'Lead Investor',
      entityType: 8,
      valueType: 1,
      listId,
      trackChanges: true,
    }).id;
    const expectedClose = b.addField({ name: 'Expected Close', entityType: 8, valueType: 4, listId }).id;
    const dealTeam = b.addField({
      name: 'Deal Team',
      entityType: 8,
      valueType: 0,
      listId,
      allowsMultiple: true,
      trackChanges: true,
    }).id;
    for (const oi of m.deals) {
      const org = plan.orgs[oi] as PlannedOrg;
      const stageIndex = ROUNDS.indexOf((org.company?.stage ?? 'Seed') as (typeof ROUNDS)[number]);
      const roundName = ROUNDS[Math.min(ROUNDS.length - 1, Math.max(0, stageIndex) + 1)] as string;
      const founder = founderOf.get(oi);
      const createdAt = entryDate(240);
      const { id: entityId, listEntryId } = b.addOpportunity({
        name: `${org.name} – ${roundName}`,
        listId,
        organizationIds: [orgIds[oi] as number],
        personIds: founder === undefined ? [] : [personIds[founder] as number],
        creatorId: pickUser(),
        createdAt,
      });
      opportunityIds.push(entityId);
      opportunityOrg.push(oi);
      const v = (fieldId: number, value: string | number): void => {
        b.addFieldValue({ fieldId, entityId, listEntryId, value, createdAt });
      };
      v(status.id, rng.pick(status.optionIds));
      v(round, roundName);
      if (rng.chance(0.8)) v(roundSize, roundTo(rng.int(1_000_000, 30_000_000), 250_000));
      if (rng.chance(0.5)) v(leadInvestor, rng.pick(investorOrgIds));
      if (rng.chance(0.5)) v(expectedClose, isoDay(ANCHOR_MS + rng.int(-30, 150) * DAY));
      for (const u of rng.sample(userIds, rng.int(1, 3))) v(dealTeam, u);
    }
  }

  // Interactions, and the relationship strengths they imply.
  const contacts = m.contacts;
  const pairs = new Map<string, { internalId: number; externalId: number; count: number }>();
  for (let k = 0; k < SIZES.interactions; k++) {
    const internalId = pickUser();
    const pi = rng.pick(contacts);
    const externalId = personIds[pi] as number;
    const type = rng.weighted([
      [3, 50],
      [0, 25],
      [1, 15],
      [2, 10],
    ] as const);
    // Meetings may lie ahead (next event); everything else happened already.
    const offsetDays = type === 0 ? rng.int(-330, 30) : -rng.int(1, 330);
    const date = isoAt(ANCHOR_MS + offsetDays * DAY + rng.int(8, 18) * 3_600_000);
    const who = plan.persons[pi];
    const company =
      who?.org === null || who === undefined ? 'your company' : (plan.orgs[who.org]?.name ?? '');
    const subject =
      type === 3
        ? rng.pick([`Intro: ${company} <> ${FIRM.name}`, `Re: ${company} update`, `Following up`, `Deck`])
        : type === 0
          ? `${company} / ${FIRM.name}`
          : type === 1
            ? `Call with ${who?.firstName ?? 'founder'}`
            : undefined;
    b.addInteraction({
      type,
      ...(subject === undefined ? {} : { subject }),
      date,
      personIds: [internalId, externalId],
      ...(type === 2 || type === 3 ? { direction: rng.chance(0.55) ? 0 : 1 } : {}),
      ...(type === 1 ? { loggingType: 1 as const, creatorId: internalId } : { loggingType: 0 as const }),
    });
    const key = `${internalId}:${externalId}`;
    const pair = pairs.get(key) ?? { internalId, externalId, count: 0 };
    pair.count++;
    pairs.set(key, pair);
  }
  for (const { internalId, externalId, count } of pairs.values()) {
    const strength = Math.min(1, Math.round((0.1 + 0.2 * count + rng.float() * 0.3) * 100) / 100);
    b.setRelationshipStrength({ internalId, externalId, strength });
  }

  // Notes: on organizations (with their founder), persons and opportunities; some in HTML.
  for (let k = 0; k < SIZES.notes; k++) {
    const creatorId = pickUser();
    const createdAt = isoPacific(ANCHOR_MS - rng.int(1, 365) * DAY - rng.int(0, DAY - 1));
    const html = rng.chance(0.15);
    const what = rng.float();
    if (what < 0.45) {
      const oi = rng.pick(dealFlowOrgs);
      const org = plan.orgs[oi] as PlannedOrg;
      const founder = founderOf.get(oi);
      b.addNote({
        content: noteText(rng, org.name, html),
        creatorId,
        organizationIds: [orgIds[oi] as number],
        ...(founder === undefined ? {} : { personIds: [personIds[founder] as number] }),
        type: html ? 2 : 0,
        createdAt,
      });
    } else if (what < 0.75) {
      const pi = rng.pick(contacts);
      const p = plan.persons[pi] as PlannedPerson;
      b.addNote({
        content: noteText(rng, `${p.firstName} ${p.lastName}`, html),
        creatorId,
        personIds: [personIds[pi] as number],
        type: html ? 2 : 0,
        createdAt,
      });
    } else {
      const k2 = rng.int(0, opportunityIds.length - 1);
      const org = plan.orgs[opportunityOrg[k2] as number] as PlannedOrg;
      b.addNote({
        content: noteText(rng, org.name, html),
        creatorId,
        opportunityIds: [opportunityIds[k2] as number],
        organizationIds: [orgIds[opportunityOrg[k2] as number] as number],
        type: html ? 2 : 0,
        createdAt,
      });
    }
  }

  // Reminders: one-time (some overdue, some completed) and recurring, each tagged to one entity.
  for (let k = 0; k < SIZES.reminders; k++) {
    const ownerId = pickUser();
    const recurring = rng.chance(0.3);
    const what = rng.float();
    const target =
      what < 0.4
        ? { personId: personIds[rng.pick(contacts)] as number }
        : what < 0.8
          ? { organizationId: orgIds[rng.pick(dealFlowOrgs)] as number }
          : { opportunityId: rng.pick(opportunityIds) };
    if (recurring) {
      b.addReminder({
        content: rng.pick(['Check in', 'Quarterly update call', 'Send portfolio newsletter', 'Catch up']),
        ownerId,
        creatorId: ownerId,
        type: 1,
        resetType: rng.pick([0, 1, 2] as const),
        reminderDays: rng.pick([7, 14, 30, 90]),
        ...target,
      });
    } else {
      b.addReminder({
        content: rng.pick([
          'Follow up on deck',
          'Send term sheet draft',
          'Intro to design partner',
          'Reply to email',
        ]),
        ownerId,
        creatorId: rng.chance(0.8) ? ownerId : owner,
        type: 0,
        dueDate: isoPacific(ANCHOR_MS + rng.int(-60, 90) * DAY),
        completed: rng.chance(0.15),
        ...target,
      });
    }
  }
};

function noteText(rng: Rng, subject: string, html: boolean): string {
  const lines = [
    `Met with ${subject}. Strong team, early traction with design partners.`,
    `${subject}: revenue growing ~15% month over month; burn is reasonable.`,
    `Reference call for ${subject} went well. Follow up after the partner meeting.`,
    `${subject} is raising in Q1. They asked for an intro to our platform team.`,
    `Passed on ${subject} for now: market too early. Revisit in six months.`,
  ];
  const text = rng.pick(lines);
  if (!html) return text;
  return `<p><strong>${subject}</strong></p><ul><li>${text}</li><li>Next step: <em>${rng.pick(['memo', 'IC', 'intro'])}</em></li></ul>`;
}

function setOrganizationValues(
  b: SeedBuilder,
  rng: Rng,
  def: DefaultFieldIds,
  custom: CustomFieldIds,
  o: PlannedOrg,
  entityId: number,
  rich: boolean,
  investorOrgIds: number[],
  introducers: number[],
): void {
  const v = (fieldId: number, value: string | number | LocationValue): void => {
    b.addFieldValue({ fieldId, entityId, value });
  };
  if (rng.chance(0.1)) v(def.orgSourceOfIntroduction, rng.pick(introducers));
  if (o.kind === 'firm') {
    v(def.orgLocation, {
      street_address: '401 N Michigan Ave',
      city: 'Chicago',
      state: 'Illinois',
      country: 'United States',
      continent: 'North America',
    });
    v(custom.website, `https://${FIRM.domain}`);
    return;
  }
  if (o.investor !== null) {
    const i = o.investor;
    if (rng.chance(0.8)) v(def.orgLocation, location(rng, i.city, null, i.country));
    v(def.orgIndustry, 'Venture Capital');
    if (rng.chance(0.5)) v(custom.website, `https://${i.domain}`);
    return;
  }
  const c = o.company;
  if (c === null) {
    // CRM-only and look-alike organizations: sparse, as hand-entered records are.
    if (rng.chance(0.4))
      v(def.orgLocation, location(rng, rng.pick(['Chicago', 'Dallas', 'Atlanta']), null, 'United States'));
    if (rng.chance(0.3))
      v(def.orgIndustry, rng.pick(['Consulting', 'Professional Services', 'Manufacturing']));
    if (rng.chance(0.2)) v(custom.stage, 'Private');
    return;
  }
  v(def.orgIndustry, c.industry);
  if (!rich) {
    // Most of a CRM's organizations carry only what enrichment filled in.
    if (rng.chance(0.5)) v(def.orgLocation, location(rng, c.city, c.region, c.country));
    return;
  }
  if (rng.chance(0.85)) v(def.orgLocation, location(rng, c.city, c.region, c.country));
  if (rng.chance(0.3) && c.tags[1] !== undefined) v(def.orgIndustry, c.tags[1]);
  if (rng.chance(0.7)) v(def.orgLinkedinUrl, c.linkedinUrl);
  if (rng.chance(0.7)) v(def.orgDescription, c.description);
  if (rng.chance(0.8)) v(def.orgYearFounded, c.foundedYear);
  const [minEmp, maxEmp] = EMPLOYEES[c.stage] ?? [1, 10];
  if (rng.chance(0.6)) v(def.orgEmployees, rng.int(minEmp, maxEmp));
  const [minFund, maxFund] = FUNDING[c.stage] ?? [0, 0];
  const funding = roundTo(rng.int(minFund, maxFund), 50_000);
  if (rng.chance(0.4)) v(def.orgCrunchbaseFunding, funding);
  if (rng.chance(0.3)) {
    for (const name of rng.sample(
      ['Sequoia', 'Accel', 'Index', 'Y Combinator', 'a16z', 'Lightspeed'],
      rng.int(1, 3),
    )) {
      v(def.orgCrunchbaseInvestors, name);
    }
  }
  if (rng.chance(0.25)) {
    v(
      def.orgPitchbookDealType,
      c.stage === 'Public' ? 'IPO' : ['Pre-Seed', 'Seed'].includes(c.stage) ? 'Seed Round' : 'Early Stage VC',
    );
    v(def.orgPitchbookDealSize, roundTo(funding / 3, 10_000));
  }
  if (rng.chance(0.1))
    v(def.orgPhoneNumber, `+1 ${rng.int(200, 989)}-555-${String(rng.int(100, 199)).padStart(4, '0')}`);
  if (rng.chance(0.75)) v(custom.website, c.website);
  if (rng.chance(0.85)) v(custom.stage, c.stage);
  if (rng.chance(0.65)) v(custom.totalFunding, funding);
  if (rng.chance(0.6)) v(custom.lastFundingDate, isoDay(ANCHOR_MS - rng.int(20, 1100) * DAY));
  if (rng.chance(0.25)) for (const id of rng.sample(investorOrgIds, rng.int(1, 3))) v(custom.coInvestors, id);
  if (rng.chance(0.5)) for (const tag of c.tags) v(custom.sectorTags, tag);
}

function setPersonValues(
  b: SeedBuilder,
  rng: Rng,
  def: DefaultFieldIds,
  custom: CustomFieldIds,
  p: PlannedPerson,
  entityId: number,
  rich: boolean,
  userIds: number[],
  personIds: number[],
): void {
  const v = (fieldId: number, value: string | number | LocationValue): void => {
    b.addFieldValue({ fieldId, entityId, value });
  };
  const dp = p.person;
  if (dp === null) {
    if (rng.chance(0.5)) v(def.personJobTitles, rng.pick(['Consultant', 'Partner', 'Director']));
    return;
  }
  v(def.personJobTitles, dp.title);
  if (!rich) {
    if (rng.chance(0.5)) v(def.personLinkedinUrl, dp.linkedinUrl);
    return;
  }
  if (rng.chance(0.2)) v(def.personJobTitles, rng.pick(['Advisor', 'Angel Investor', 'Board Member']));
  if (rng.chance(0.8)) v(def.personLinkedinUrl, dp.linkedinUrl);
  if (rng.chance(0.7)) v(def.personLocation, location(rng, dp.city, null, dp.country));
  if (rng.chance(0.3))
    v(def.personIndustry, rng.pick(['Computer Software', 'Internet', 'Financial Services']));
  if (rng.chance(0.25)) {
    for (let k = rng.int(1, 2); k > 0; k--) {
      v(def.personPhoneNumber, `+1 ${rng.int(200, 989)}-555-${String(rng.int(100, 199)).padStart(4, '0')}`);
    }
  }
  if (rng.chance(0.3)) for (const e of rng.sample(EXPERTISE, rng.int(1, 3))) v(custom.expertise, e);
  if (rng.chance(0.25)) v(custom.relationshipOwner, rng.pick(userIds));
  if (rng.chance(0.1)) {
    const introducer = rng.pick([...userIds, ...personIds.slice(0, 50)]);
    if (introducer !== entityId) v(def.personSourceOfIntroduction, introducer);
  }
  if (rng.chance(0.05)) v(custom.personalWebsite, `https://${slug(dp.firstName + dp.lastName)}.blog`);
}

/**
 * The demo universe: one deterministic set of companies, people and investors from which both the
 * emulator's demo workspace and the intelligence demo dataset take their identities, so that push
 * and pull find real matches between the two offline.
 *
 * Every random choice comes from a fixed-seed PRNG (and a seeded `Faker` instance for person names),
 * so the same sizes give the same universe on every run and machine. Companies and investors each
 * draw from their own stream, so a smaller universe's companies are a prefix of a larger one's.
 */
import { base, en, Faker } from '@faker-js/faker';
import { parse } from 'tldts';
import { Rng, WeightedTable } from './random.js';

export interface DemoCompany {
  name: string;
  domain: string;
  otherDomains: string[];
  industry: string;
  tags: string[];
  city: string;
  region: string;
  country: string;
  foundedYear: number;
  stage: string;
  description: string;
  linkedinUrl: string;
  website: string;
}

export interface DemoPerson {
  firstName: string;
  lastName: string;
  email: string;
  otherEmails: string[];
  companyDomain: string;
  title: string;
  linkedinUrl: string;
  city: string;
  country: string;
  pastCompanyDomains: string[];
}

export interface DemoInvestor {
  name: string;
  domain: string;
  type: 'VC' | 'Angel' | 'CVC' | 'PE' | 'Accelerator';
  city: string;
  country: string;
}

export interface DemoUniverse {
  companies: DemoCompany[];
  people: DemoPerson[];
  investors: DemoInvestor[];
}

/** Default universe sizes. */
export const DEMO_UNIVERSE_DEFAULTS = { companies: 5_000, people: 15_000, investors: 500 } as const;

/** The stages a demo company can be at, earliest first. */
export const DEMO_STAGES = [
  'Pre-Seed',
  'Seed',
  'Series A',
  'Series B',
  'Series C',
  'Series D',
  'Public',
] as const;

/** The industries of demo companies. */
export const DEMO_INDUSTRIES = [
  'Fintech',
  'Climate',
  'AI/ML',
  'Healthtech',
  'Devtools',
  'Cybersecurity',
  'Biotech',
  'E-commerce',
  'Edtech',
  'Logistics',
  'Proptech',
  'Consumer',
  'Enterprise SaaS',
  'Robotics',
] as const;

const SEED = 0x5eed_af1;

// ---------------------------------------------------------------------------------------------
// Vocabulary

interface Place {
  city: string;
  region: string;
  country: string;
  /** Country-code TLD a local company may use instead of a generic one. */
  cctld: string | null;
  weight: number;
}

const PLACES: readonly Place[] = [
  { city: 'San Francisco', region: 'California', country: 'United States', cctld: null, weight: 16 },
  { city: 'New York', region: 'New York', country: 'United States', cctld: null, weight: 12 },
  { city: 'Palo Alto', region: 'California', country: 'United States', cctld: null, weight: 3 },
  { city: 'Boston', region: 'Massachusetts', country: 'United States', cctld: null, weight: 5 },
  { city: 'Austin', region: 'Texas', country: 'United States', cctld: null, weight: 4 },
  { city: 'Seattle', region: 'Washington', country: 'United States', cctld: null, weight: 4 },
  { city: 'Los Angeles', region: 'California', country: 'United States', cctld: null, weight: 4 },
  { city: 'Chicago', region: 'Illinois', country: 'United States', cctld: null, weight: 2 },
  { city: 'Denver', region: 'Colorado', country: 'United States', cctld: null, weight: 2 },
  { city: 'Miami', region: 'Florida', country: 'United States', cctld: null, weight: 2 },
  { city: 'London', region: 'England', country: 'United Kingdom', cctld: 'co.uk', weight: 8 },
  { city: 'Cambridge', region: 'England', country: 'United Kingdom', cctld: 'co.uk', weight: 1 },
  { city: 'Berlin', region: 'Berlin', country: 'Germany', cctld: 'de', weight: 4 },
  { city: 'Munich', region: 'Bavaria', country: 'Germany', cctld: 'de', weight: 2 },
  { city: 'Paris', region: 'Île-de-France', country: 'France', cctld: 'fr', weight: 4 },
  { city: 'Amsterdam', region: 'North Holland', country: 'Netherlands', cctld: 'nl', weight: 2 },
  { city: 'Stockholm', region: 'Stockholm County', country: 'Sweden', cctld: 'se', weight: 2 },
  { city: 'Copenhagen', region: 'Capital Region', country: 'Denmark', cctld: 'dk', weight: 1 },
  { city: 'Zurich', region: 'Zurich', country: 'Switzerland', cctld: 'ch', weight: 1 },
  { city: 'Dublin', region: 'Leinster', country: 'Ireland', cctld: 'ie', weight: 1 },
  { city: 'Tel Aviv', region: 'Tel Aviv District', country: 'Israel', cctld: 'co.il', weight: 3 },
  { city: 'Toronto', region: 'Ontario', country: 'Canada', cctld: 'ca', weight: 3 },
  { city: 'Montreal', region: 'Quebec', country: 'Canada', cctld: 'ca', weight: 1 },
  { city: 'Singapore', region: 'Singapore', country: 'Singapore', cctld: 'sg', weight: 2 },
  { city: 'Bangalore', region: 'Karnataka', country: 'India', cctld: 'in', weight: 3 },
  { city: 'Sydney', region: 'New South Wales', country: 'Australia', cctld: 'com.au', weight: 2 },
  { city: 'São Paulo', region: 'São Paulo', country: 'Brazil', cctld: 'com.br', weight: 1 },
  { city: 'Lagos', region: 'Lagos', country: 'Nigeria', cctld: 'ng', weight: 1 },
];
const PLACE_WEIGHTS = PLACES.map((p) => [p, p.weight] as const);

interface IndustryProfile {
  suffixes: readonly string[];
  tags: readonly string[];
  products: readonly string[];
  customers: readonly string[];
  tlds: ReadonlyArray<readonly [string, number]>;
}

const INDUSTRY: Record<(typeof DEMO_INDUSTRIES)[number], IndustryProfile> = {
  Fintech: {
    suffixes: ['Pay', 'Ledger', 'Finance', 'Money', 'Bank', 'Credit'],
    tags: [
      'payments',
      'b2b',
      'lending',
      'banking-as-a-service',
      'regtech',
      'crypto',
      'insurtech',
      'treasury',
    ],
    products: [
      'a payments platform',
      'spend management software',
      'an embedded lending API',
      'a treasury OS',
    ],
    customers: ['SMBs', 'marketplaces', 'CFOs', 'neobanks', 'freelancers'],
    tlds: [
      ['com', 6],
      ['io', 2],
      ['co', 2],
    ],
  },
  Climate: {
    suffixes: ['Energy', 'Carbon', 'Grid', 'Solar', 'Earth'],
    tags: ['carbon-removal', 'energy-storage', 'ev', 'solar', 'grid', 'sustainability', 'agtech'],
    products: [
      'grid-scale storage',
      'carbon accounting software',
      'a direct air capture system',
      'EV charging',
    ],
    customers: ['utilities', 'manufacturers', 'fleet operators', 'enterprises'],
    tlds: [
      ['com', 6],
      ['earth', 1],
      ['energy', 1],
      ['co', 1],
    ],
  },
  'AI/ML': {
    suffixes: ['AI', 'Labs', 'Intelligence', 'Mind'],
    tags: ['generative-ai', 'llm', 'computer-vision', 'mlops', 'nlp', 'data-infrastructure', 'agents'],
    products: ['an LLM evaluation platform', 'a computer vision API', 'a vector database', 'an MLOps suite'],
    customers: ['ML teams', 'enterprises', 'developers', 'data scientists'],
    tlds: [
      ['ai', 6],
      ['com', 3],
      ['io', 2],
    ],
  },
  Healthtech: {
    suffixes: ['Health', 'Care', 'Medical', 'Clinic'],
    tags: ['digital-health', 'telehealth', 'medtech', 'mental-health', 'payer', 'provider', 'diagnostics'],
    products: ['a virtual care platform', 'revenue-cycle automation', 'remote patient monitoring'],
    customers: ['hospitals', 'clinics', 'payers', 'patients'],
    tlds: [
      ['com', 6],
      ['health', 2],
      ['io', 1],
    ],
  },
  Devtools: {
    suffixes: ['Stack', 'Code', 'Dev', 'Deploy', 'HQ'],
    tags: ['developer-tools', 'open-source', 'infrastructure', 'observability', 'ci-cd', 'api', 'cloud'],
    products: ['an observability platform', 'a CI/CD service', 'a developer portal', 'feature flags'],
    customers: ['engineering teams', 'platform teams', 'developers', 'startups'],
    tlds: [
      ['dev', 3],
      ['io', 4],
      ['com', 3],
      ['sh', 1],
    ],
  },
  Cybersecurity: {
    suffixes: ['Security', 'Shield', 'Guard', 'Secure'],
    tags: ['security', 'identity', 'cloud-security', 'compliance', 'zero-trust', 'threat-intel'],
    products: ['a cloud security posture tool', 'identity threat detection', 'automated compliance'],
    customers: ['CISOs', 'security teams', 'enterprises', 'fintechs'],
    tlds: [
      ['com', 5],
      ['io', 3],
      ['security', 1],
    ],
  },
  Biotech: {
    suffixes: ['Bio', 'Therapeutics', 'Genomics', 'Biosciences'],
    tags: ['biotech', 'drug-discovery', 'genomics', 'synthetic-biology', 'therapeutics', 'techbio'],
    products: ['a protein design platform', 'gene therapies', 'an ML drug discovery engine'],
    customers: ['pharma companies', 'research labs', 'patients'],
    tlds: [
      ['com', 7],
      ['bio', 2],
    ],
  },
  'E-commerce': {
    suffixes: ['Shop', 'Commerce', 'Market', 'Store'],
    tags: ['e-commerce', 'd2c', 'retail', 'marketplace', 'shopify', 'checkout'],
    products: ['a headless commerce platform', 'returns management', 'a B2B marketplace'],
    customers: ['D2C brands', 'retailers', 'wholesalers'],
    tlds: [
      ['com', 7],
      ['co', 2],
      ['shop', 1],
    ],
  },
  Edtech: {
    suffixes: ['Learn', 'Academy', 'Edu', 'School'],
    tags: ['education', 'k-12', 'higher-ed', 'upskilling', 'learning'],
    products: ['an adaptive learning platform', 'a tutoring marketplace', 'corporate upskilling'],
    customers: ['schools', 'universities', 'HR teams', 'students'],
    tlds: [
      ['com', 6],
      ['io', 1],
      ['app', 1],
    ],
  },
  Logistics: {
    suffixes: ['Freight', 'Logistics', 'Fleet', 'Route'],
    tags: ['logistics', 'supply-chain', 'freight', 'last-mile', 'warehousing'],
    products: ['a freight visibility platform', 'warehouse robotics', 'a last-mile delivery network'],
    customers: ['shippers', 'carriers', 'retailers', '3PLs'],
    tlds: [
      ['com', 8],
      ['io', 2],
    ],
  },
  Proptech: {
    suffixes: ['Homes', 'Estate', 'Spaces', 'Property'],
    tags: ['real-estate', 'construction', 'mortgage', 'property-management'],
    products: ['property management software', 'a construction marketplace', 'digital mortgages'],
    customers: ['landlords', 'homebuyers', 'brokers', 'builders'],
    tlds: [
      ['com', 8],
      ['co', 2],
    ],
  },
  Consumer: {
    suffixes: ['App', 'Social', 'Club', 'Life'],
    tags: ['consumer', 'social', 'mobile', 'creator-economy', 'subscription', 'gaming'],
    products: ['a social app', 'a creator monetisation platform', 'a subscription wellness app'],
    customers: ['Gen Z', 'creators', 'families', 'gamers'],
    tlds: [
      ['com', 5],
      ['app', 3],
      ['co', 2],
    ],
  },
  'Enterprise SaaS': {
    suffixes: ['Cloud', 'Works', 'Software', 'Systems', 'HQ'],
    tags: ['saas', 'b2b', 'hr-tech', 'sales-tech', 'productivity', 'legaltech', 'martech'],
    products: ['a revenue intelligence platform', 'HR software', 'contract management', 'a workflow builder'],
    customers: ['sales teams', 'HR teams', 'legal teams', 'operations teams'],
    tlds: [
      ['com', 6],
      ['io', 3],
      ['co', 1],
    ],
  },
  Robotics: {
    suffixes: ['Robotics', 'Automation', 'Dynamics', 'Machines'],
    tags: ['robotics', 'hardware', 'automation', 'drones', 'manufacturing', 'autonomy'],
    products: ['autonomous mobile robots', 'robotic picking', 'inspection drones'],
    customers: ['manufacturers', 'warehouses', 'farms', 'utilities'],
    tlds: [
      ['com', 7],
      ['ai', 2],
      ['io', 1],
    ],
  },
};

const INDUSTRY_WEIGHTS: ReadonlyArray<readonly [(typeof DEMO_INDUSTRIES)[number], number]> = [
  ['Fintech', 14],
  ['Climate', 9],
  ['AI/ML', 16],
  ['Healthtech', 10],
  ['Devtools', 10],
  ['Cybersecurity', 7],
  ['Biotech', 5],
  ['E-commerce', 6],
  ['Edtech', 4],
  ['Logistics', 5],
  ['Proptech', 4],
  ['Consumer', 5],
  ['Enterprise SaaS', 12],
  ['Robotics', 3],
];

const STAGE_WEIGHTS: ReadonlyArray<readonly [(typeof DEMO_STAGES)[number], number]> = [
  ['Pre-Seed', 16],
  ['Seed', 30],
  ['Series A', 22],
  ['Series B', 14],
  ['Series C', 8],
  ['Series D', 5],
  ['Public', 5],
];
/** Typical company age in years at each stage: [min, max]. */
const STAGE_AGE: Record<(typeof DEMO_STAGES)[number], readonly [number, number]> = {
  'Pre-Seed': [0, 2],
  Seed: [1, 3],
  'Series A': [2, 5],
  'Series B': [3, 7],
  'Series C': [5, 10],
  'Series D': [6, 12],
  Public: [8, 25],
};
const CURRENT_YEAR = 2026; // fixed, not the clock: the universe must not change with the date.

// Evocative words; none of them is an investor word (Ventures, Capital, Partners, Fund, Equity…),
// which keeps company and investor domains apart by construction.
const ROOTS: readonly string[] = (
  'Aurora Beacon Cedar Ember Atlas Nimbus Quill Harbor Summit Vertex Prism Lumen Orbit Nova Pulse Helix ' +
  'Zenith Echo Falcon Granite Ivy Juniper Kestrel Lark Maple Nectar Onyx Pine Quartz Raven Sable Tidal ' +
  'Umber Vela Willow Yonder Zephyr Alder Birch Canyon Delta Fjord Glacier Haven Indigo Jade Kite Lagoon ' +
  'Meadow Nomad Oasis Pebble Quest Ridge Sierra Timber Unity Vista Wren Acorn Bolt Comet Dune Flint Grove ' +
  'Hollow Iris Jasper Krill Loom Mosaic Nest Otter Pilot Relay Spark Thistle Vapor Wave Anchor Basil ' +
  'Cobalt Drift Ether Fable Gale Hearth Isle Keel Lantern Marble North Ocean Parcel Rune Sage Tempo ' +
  'Beryl Cinder Dawn Elm Fern Garnet Heron Inlet Kelp Lotus Mistral Nimble Opal Plume Reef Solstice ' +
  'Tundra Verdant Arbor Bramble Coral Dapple Ermine Flare Gossamer Hazel Ion Karst Lucid Mica Nook ' +
  'Obsidian Pylon Ripple Slate Torch Vireo Aspen Bluff Crest Ditto Eddy Frost Gantry Hatch Jolt Knot ' +
  'Latch Mesa Nudge Oak Pivot Quiver Rook Sprout Trellis Upland Vane Whistle Yarrow Ample Brisk Clover ' +
  'Dart Evergreen Fathom Glint Harvest Kindle Lattice Mantle Notch Orchid Patch Quarry Rally Shore ' +
  'Tally Umbra Vivid Woven Axiom Banyan Cairn Dynamo Emberly Fennel Gusto Halcyon Inkwell Jetty Kudzu ' +
  'Lumina Magnet Nettle Outpost Paragon Quorum Rivet Scout Tandem Uplift Voyage Wander Apex Blaze ' +
  'Cascade Dusk Ferris Grit Horizon Ingot Juno Keystone Ledger Meridian Nebula Oracle Polaris Radian ' +
  'Signal Thrive Vector Wisp'
).split(' ');

const ONSETS = [
  'B',
  'C',
  'D',
  'F',
  'G',
  'K',
  'L',
  'M',
  'N',
  'P',
  'R',
  'S',
  'T',
  'V',
  'Z',
  'Br',
  'Cl',
  'Tr',
  'Qu',
];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'y'];
const MIDDLES = ['l', 'r', 'n', 'v', 'x', 'm', 'nd', 'st', 'lt', 'rk', 'z', 'th'];
const ENDINGS = ['a', 'o', 'io', 'ly', 'ify', 'ix', 'ora', 'era', 'ium', 'os', 'on', 'er', 'ia', 'us', 'eo'];
const COMPANY_TYPES = ['Labs', 'Technologies', 'Systems', 'Inc'];

const TITLES_FOUNDER = ['Co-Founder & CEO', 'Founder & CEO', 'CEO'];
const TITLES_COFOUNDER = ['Co-Founder & CTO', 'Co-Founder & COO', 'Co-Founder & CPO', 'Co-Founder'];
const TITLES: ReadonlyArray<readonly [string, number]> = [
  ['Software Engineer', 10],
  ['Senior Software Engineer', 8],
  ['Staff Engineer', 3],
  ['VP Engineering', 2],
  ['Head of Product', 2],
  ['Product Manager', 5],
  ['Product Designer', 3],
  ['Head of Sales', 2],
  ['Account Executive', 5],
  ['VP Marketing', 2],
  ['Growth Marketer', 3],
  ['Data Scientist', 4],
  ['Head of Operations', 2],
  ['CFO', 1],
  ['Chief Revenue Officer', 1],
  ['Head of People', 1],
  ['Customer Success Manager', 3],
  ['Solutions Engineer', 2],
  ['General Counsel', 1],
];

const PERSONAL_DOMAINS = ['gmail.com', 'outlook.com', 'icloud.com', 'proton.me', 'yahoo.com'];

const INVESTOR_SUFFIX: Record<DemoInvestor['type'], readonly string[]> = {
  VC: ['Ventures', 'Capital', 'Partners', 'Venture Partners', 'Fund'],
  Angel: [],
  CVC: ['Ventures', 'Capital'],
  PE: ['Equity', 'Equity Partners', 'Growth Partners'],
  Accelerator: ['Launchpad', 'Accelerator', 'Foundry', 'Studio'],
};
const CORPORATE_WORDS = ['Group', 'Industries', 'Motors', 'Pharma', 'Energy', 'Bank', 'Telecom'];
const INVESTOR_TYPES: ReadonlyArray<readonly [DemoInvestor['type'], number]> = [
  ['VC', 60],
  ['Angel', 15],
  ['CVC', 10],
  ['PE', 8],
  ['Accelerator', 7],
];

// ---------------------------------------------------------------------------------------------
// Helpers

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

function kebab(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** True when `d` is a lowercase registrable domain on a public suffix (no subdomain). */
export function isRegistrableDomain(d: string): boolean {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(d)) return false;
  const p = parse(d);
  return p.isIcann === true && p.domain === d;
}

function coinedWord(rng: Rng): string {
  let w = rng.pick(ONSETS) + rng.pick(NUCLEI);
  if (rng.chance(0.6)) w += rng.pick(MIDDLES);
  w += rng.pick(ENDINGS);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Builders

function buildCompanies(n: number, takenDomains: Set<string>): DemoCompany[] {
  const rng = new Rng(SEED ^ 0xc0);
  const names = new Set<string>();
  const linkedins = new Set<string>();
  const out: DemoCompany[] = [];

  const claim = (d: string): boolean => {
    if (takenDomains.has(d) || !isRegistrableDomain(d)) return false;
    takenDomains.add(d);
    return true;
  };

  for (let attempts = 0; out.length < n; attempts++) {
    if (attempts > n * 50) throw new Error(`cannot build ${n} distinct demo companies`);
    const industry = rng.weighted(INDUSTRY_WEIGHTS);
    const profile = INDUSTRY[industry];
    const pattern = rng.float();
    let core: string;
    let name: string;
    if (pattern < 0.3) {
      core = rng.pick(ROOTS);
      name = `${core} ${rng.pick(profile.suffixes)}`;
    } else if (pattern < 0.6) {
      core = coinedWord(rng);
      name = core;
    } else if (pattern < 0.75) {
      const second = rng.pick(ROOTS).toLowerCase();
      core = rng.pick(ROOTS) + second;
      name = core;
    } else if (pattern < 0.9) {
      core = coinedWord(rng);
      name = `${core} ${rng.pick(profile.suffixes)}`;
    } else {
      core = rng.pick(ROOTS);
      name = `${core} ${rng.pick(COMPANY_TYPES)}`;
    }
    if (names.has(name)) continue;

    const place = rng.weighted(PLACE_WEIGHTS);
    // Company type words ("Inc") are not part of the domain; industry suffixes usually are.
    const nameBase = slug(name.replace(/ (Inc|Technologies|Systems)$/, ''));
    const candidates: string[] = [];
    const tld = place.cctld !== null && rng.chance(0.35) ? place.cctld : rng.weighted(profile.tlds);
    candidates.push(`${nameBase}.${tld}`);
    candidates.push(`${nameBase}.com`);
    candidates.push(`get${nameBase}.com`, `${nameBase}hq.com`, `try${nameBase}.com`, `${nameBase}app.com`);
    const domain = candidates.find(claim);
    if (domain === undefined) continue;
    names.add(name);

    const otherDomains: string[] = [];
    if (rng.chance(0.1)) {
      const alternatives = [
        `${nameBase}.com`,
        `get${nameBase}.com`,
        `${nameBase}.io`,
        place.cctld === null ? `${nameBase}.co` : `${nameBase}.${place.cctld}`,
      ].filter((d) => d !== domain);
      const extra = alternatives.find(claim);
      if (extra !== undefined) otherDomains.push(extra);
    }

    const stage = rng.weighted(STAGE_WEIGHTS);
    const [minAge, maxAge] = STAGE_AGE[stage];
    const foundedYear = CURRENT_YEAR - rng.int(minAge, maxAge);
    const industryTag = industry.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const tags = [...new Set([industryTag, ...rng.sample(profile.tags, rng.int(1, 3))])];

    let li = kebab(name);
    if (linkedins.has(li)) li = `${li}-${slug(place.city)}`;
    for (let k = 2; linkedins.has(li); k++) li = `${kebab(name)}-${k}`;
    linkedins.add(li);

    out.push({
      name,
      domain,
      otherDomains,
      industry,
      tags,
      city: place.city,
      region: place.region,
      country: place.country,
      foundedYear,
      stage,
      description: `${name} builds ${rng.pick(profile.products)} for ${rng.pick(profile.customers)}.`,
      linkedinUrl: `https://www.linkedin.com/company/${li}`,
      website: rng.chance(0.7) ? `https://www.${domain}` : `https://${domain}`,
    });
  }
  return out;
}

function buildInvestors(n: number, takenDomains: Set<string>): DemoInvestor[] {
  const rng = new Rng(SEED ^ 0x1e);
  const faker = new Faker({ locale: [en, base] });
  faker.seed(SEED ^ 0x1f);
  const names = new Set<string>();
  const out: DemoInvestor[] = [];

  for (let attempts = 0; out.length < n; attempts++) {
    if (attempts > n * 50) throw new Error(`cannot build ${n} distinct demo investors`);
    const type = rng.weighted(INVESTOR_TYPES);
    let name: string;
    let domains: string[];
    if (type === 'Angel') {
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      name = `${first} ${last}`;
      const s = slug(first + last);
      domains = [`${s}.vc`, `${slug(last)}angel.com`, `${s}ventures.com`];
    } else if (type === 'CVC') {
      const root = rng.pick(ROOTS);
      const corp = rng.pick(CORPORATE_WORDS);
      const suffix = rng.pick(INVESTOR_SUFFIX.CVC);
      name = `${root} ${corp} ${suffix}`;
      domains = [`${slug(root + corp + suffix)}.com`, `${slug(root + corp)}.vc`];
    } else {
      const root = rng.chance(0.3) ? `${rng.pick(ROOTS)} ${rng.pick(ROOTS)}` : rng.pick(ROOTS);
      const suffix = rng.pick(INVESTOR_SUFFIX[type]);
      name = `${root} ${suffix}`;
      const s = slug(root);
      domains =
        type === 'VC'
          ? [rng.chance(0.3) ? `${s}.vc` : `${slug(root + suffix)}.com`, `${s}.vc`, `${s}.ventures`]
          : [`${slug(root + suffix)}.com`, `${slug(root + suffix)}.co`];
    }
    if (names.has(name)) continue;
    const domain = domains.find((d) => !takenDomains.has(d) && isRegistrableDomain(d));
    if (domain === undefined) continue;
    takenDomains.add(domain);
    names.add(name);
    const place = rng.weighted(PLACE_WEIGHTS);
    out.push({ name, domain, type, city: place.city, country: place.country });
  }
  return out;
}

function buildPeople(n: number, companies: readonly DemoCompany[]): DemoPerson[] {
  if (companies.length === 0) return [];
  const rng = new Rng(SEED ^ 0x9e);
  const faker = new Faker({ locale: [en, base] });
  faker.seed(SEED ^ 0x9f);
  const emails = new Set<string>();
  const linkedins = new Set<string>();
  const headcount = new Map<string, number>();
  const out: DemoPerson[] = [];
  // Later-stage companies employ more of the people; every company gets at least one (its founder).
  const companyTable = new WeightedTable(companies, (c) => 1 + DEMO_STAGES.indexOf(c.stage as never));

  const claimEmail = (local: string, domain: string): string | null => {
    const e = `${local}@${domain}`;
    if (emails.has(e)) return null;
    emails.add(e);
    return e;
  };

  for (let i = 0; i < n; i++) {
    const company = i < companies.length ? (companies[i] as DemoCompany) : companyTable.pick(rng);
    const seat = headcount.get(company.domain) ?? 0;
    headcount.set(company.domain, seat + 1);

    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const f = slug(firstName);
    const l = slug(lastName);
    const style = rng.int(0, 3);
    const locals = [
      [f, `${f}.${l}`, `${f[0]}${l}`, `${f}${l[0]}`][style] as string,
      `${f}.${l}`,
      `${f}${l}`,
      `${f}_${l}`,
    ];
    let email: string | null = null;
    for (const local of locals) {
      email = claimEmail(local, company.domain);
      if (email !== null) break;
    }
    for (let k = 2; email === null; k++) email = claimEmail(`${f}.${l}${k}`, company.domain);

    const others = companies.length > 1 ? companies : [];
    const pastCompanyDomains = rng
      .sample(
        others,
        rng.weighted([
          [0, 5],
          [1, 3],
          [2, 2],
        ] as const),
      )
      .map((c) => c.domain)
      .filter((d) => d !== company.domain);

    const otherEmails: string[] = [];
    if (rng.chance(0.15)) {
      const personal = rng.pick(PERSONAL_DOMAINS);
      let e = claimEmail(`${f}.${l}`, personal);
      for (let k = rng.int(1, 99); e === null; k++) e = claimEmail(`${f}.${l}${k}`, personal);
      otherEmails.push(e);
    }
    const alias = company.otherDomains[0];
    if (alias !== undefined && rng.chance(0.5)) {
      const e = claimEmail(email.slice(0, email.indexOf('@')), alias);
      if (e !== null) otherEmails.push(e);
    }
    const past = pastCompanyDomains[0];
    if (past !== undefined && rng.chance(0.05)) {
      const e = claimEmail(`${f}.${l}`, past);
      if (e !== null) otherEmails.push(e);
    }

    let title: string;
    if (seat === 0) title = rng.pick(TITLES_FOUNDER);
    else if (seat === 1 && rng.chance(0.7)) title = rng.pick(TITLES_COFOUNDER);
    else title = rng.weighted(TITLES);

    let li = `${kebab(firstName)}-${kebab(lastName)}`;
    if (linkedins.has(li) || rng.chance(0.6)) li = `${li}-${rng.int(0x10000, 0xfffff).toString(16)}`;
    while (linkedins.has(li)) li = `${li}${rng.int(0, 9)}`;
    linkedins.add(li);

    const remote = rng.chance(0.15) ? rng.weighted(PLACE_WEIGHTS) : null;
    out.push({
      firstName,
      lastName,
      email,
      otherEmails,
      companyDomain: company.domain,
      title,
      linkedinUrl: `https://www.linkedin.com/in/${li}`,
      city: remote?.city ?? company.city,
      country: remote?.country ?? company.country,
      pastCompanyDomains,
    });
  }
  return out;
}

const memo = new Map<string, DemoUniverse>();

/** Deterministic for given sizes (fixed seed); defaults 5,000 / 15,000 / 500; memoised. */
export function demoUniverse(sizes?: {
  companies?: number;
  people?: number;
  investors?: number;
}): DemoUniverse {
  const c = sizes?.companies ?? DEMO_UNIVERSE_DEFAULTS.companies;
  const p = sizes?.people ?? DEMO_UNIVERSE_DEFAULTS.people;
  const i = sizes?.investors ?? DEMO_UNIVERSE_DEFAULTS.investors;
  for (const v of [c, p, i]) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`demo universe sizes must be integers >= 0: ${v}`);
  }
  const key = `${c}/${p}/${i}`;
  const cached = memo.get(key);
  if (cached !== undefined) return cached;
  const universe = buildDemoUniverse({ companies: c, people: p, investors: i });
  memo.set(key, universe);
  return universe;
}

/**
 * Builds a fresh universe without the memo (what `demoUniverse` caches). Exists so determinism can
 * be checked on two independent builds; everything else should call `demoUniverse`.
 */
export function buildDemoUniverse(sizes: {
  companies: number;
  people: number;
  investors: number;
}): DemoUniverse {
  const { companies: c, people: p, investors: i } = sizes;
  const taken = new Set<string>();
  const companies = buildCompanies(c, taken);
  const investors = buildInvestors(i, taken);
  const people = buildPeople(p, companies);
  // Frozen because one memoised instance is shared by every caller.
  return Object.freeze({
    companies: deepFreezeAll(companies),
    people: deepFreezeAll(people),
    investors: deepFreezeAll(investors),
  });
}

function deepFreezeAll<T extends object>(items: T[]): T[] {
  for (const item of items) {
    for (const v of Object.values(item)) if (Array.isArray(v)) Object.freeze(v);
    Object.freeze(item);
  }
  return Object.freeze(items) as T[];
}

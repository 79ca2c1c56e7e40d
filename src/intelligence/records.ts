/**
 * Row validation for imports and the demo dataset: one zod schema per entity turns a raw record (CSV
 * cells as text, or NDJSON values) into the database row, with natural keys normalised. Errors name
 * the column and the value, so the importer can report them row by row.
 */
import { z } from 'zod';
import type { intelCompanies, intelInvestors, intelPeople } from '../store/index.js';
import {
  normaliseDomain,
  normaliseEmail,
  normaliseLinkedinUrl,
  normaliseWebsite,
  parseDate,
  parseMoney,
  personKey,
  splitList,
} from './normalize.js';

export type ImportEntity = 'companies' | 'people' | 'investors' | 'signals';
export const importEntities: readonly ImportEntity[] = ['companies', 'people', 'investors', 'signals'];

export const signalMetrics = ['headcount', 'web_visits', 'social_followers'] as const;
export type SignalMetric = (typeof signalMetrics)[number];

export const investorTypes = ['VC', 'Angel', 'CVC', 'PE', 'Accelerator', 'Family Office', 'Other'] as const;

export type CompanyRow = Partial<typeof intelCompanies.$inferInsert> & { domain: string; name: string };
export type PersonRow = Partial<typeof intelPeople.$inferInsert> & { personKey: string; name: string };
export type InvestorRow = Partial<typeof intelInvestors.$inferInsert> & { domain: string; name: string };
export interface SignalRow {
  domain: string;
  metric: SignalMetric;
  observedOn: string;
  value: number;
}

/** A problem with one field of one record. */
export interface FieldProblem {
  column: string;
  value: unknown;
  message: string;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
const clean = (v: unknown) => (blank(v) ? undefined : typeof v === 'string' ? v.trim() : v);

const text = (max = 10_000) =>
  z.preprocess(
    clean,
    z
      .union([z.string(), z.number()], { error: 'must be text' })
      .transform((v) => String(v))
      .pipe(z.string().max(max, `is longer than ${max} characters`))
      .optional(),
  );
const required = (max = 1_000) =>
  z.preprocess(
    clean,
    z
      .union([z.string(), z.number()], { error: 'is required' })
      .transform((v) => String(v))
      .pipe(z.string().max(max, `is longer than ${max} characters`)),
  );

function converted<T>(fn: (v: unknown) => T | null, message: string) {
  return z.preprocess(
    clean,
    z
      .unknown()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const out = fn(v);
        if (out === null) {
          ctx.addIssue({ code: 'custom', message });
          return z.NEVER;
        }
        return out;
      })
      .optional(),
  );
}

const intIn = (min: number, max: number) => (v: unknown) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/[,_\s]/g, '')) : Number.NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
};
const websiteOf = (v: unknown) => (typeof v === 'string' ? normaliseWebsite(v) : null);
const linkedinOf = (v: unknown) => (typeof v === 'string' ? normaliseLinkedinUrl(v) : null);
const domainOf = (v: unknown) => (typeof v === 'string' ? normaliseDomain(v) : null);
const companyRefsOf = (items: string[]) =>
  dedupe(items.map((s) => (s.includes('.') ? (normaliseDomain(s) ?? s) : s).toLowerCase()));

const int = (min: number, max: number, what: string) => converted(intIn(min, max), `is not ${what}`);
const money = () => converted(parseMoney, 'is not an amount (e.g. 1500000, 1.5M, $2,000,000)');
const date = () => converted(parseDate, 'is not a date (YYYY-MM-DD)');
const website = () => converted(websiteOf, 'is not a URL');
const linkedin = () => converted(linkedinOf, 'is not a LinkedIn URL');
const domain = (requiredMessage?: string) => {
  const one = converted(domainOf, 'is not a registrable domain (e.g. acme.com)');
  return requiredMessage ? one.refine((v) => v !== undefined, requiredMessage) : one;
};
const list = (max = 200) =>
  z.preprocess(
    (v) => (blank(v) ? undefined : splitList(v)),
    z.array(z.string()).max(max, `has more than ${max} items`).optional(),
  );
/** A list whose items that look like domains are normalised, the others lowercased names. */
const companyRefs = () =>
  list().transform((items) => (items === undefined ? undefined : companyRefsOf(items)));
const domainList = () =>
  list().transform((items, ctx) => {
    if (items === undefined) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const d = normaliseDomain(item);
      if (d === null)
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(item)} is not a registrable domain` });
      else out.push(d);
    }
    return dedupe(out);
  });
const emailList = () =>
  list(50).transform((items, ctx) => {
    if (items === undefined) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const e = normaliseEmail(item);
      if (e === null)
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(item)} is not an email address` });
      else out.push(e);
    }
    return dedupe(out);
  });

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

const thisYear = new Date().getUTCFullYear();

const companySchema = z.object({
  domain: domain('is required'),
  name: required(),
  other_domains: domainList(),
  website: website(),
  description: text(20_000),
  hq_city: text(200),
  hq_region: text(200),
  hq_country: text(200),
  founded_year: int(1600, thisYear + 1, `a year between 1600 and ${thisYear + 1}`),
  industries: list(),
  tags: list(),
  stage: text(100),
  total_funding_usd: money(),
  last_funding_date: date(),
  last_funding_amount_usd: money(),
  last_funding_type: text(100),
  headcount: int(0, 10_000_000, 'a whole number of people'),
  linkedin_url: linkedin(),
  investors: list(),
});

const personSchema = z
  .object({
    name: text(500),
    first_name: text(200),
    last_name: text(200),
    emails: emailList(),
    linkedin_url: linkedin(),
    title: text(500),
    company_domain: domain(),
    company_name: text(500),
    city: text(200),
    region: text(200),
    country: text(200),
    past_companies: companyRefs(),
  })
  .superRefine((p, ctx) => {
    if (!p.name && !p.first_name && !p.last_name) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'is required (or first_name/last_name)' });
    }
    if ((p.emails ?? []).length === 0 && !p.linkedin_url) {
      ctx.addIssue({ code: 'custom', path: ['emails'], message: 'an email or a linkedin_url is required' });
    }
  });

const investorTypeByKey = new Map<string, string>([
  ...investorTypes.map((t) => [t.toLowerCase(), t] as [string, string]),
  ['venture capital', 'VC'],
  ['corporate vc', 'CVC'],
  ['corporate venture capital', 'CVC'],
  ['private equity', 'PE'],
  ['family_office', 'Family Office'],
]);

const investorTypeOf = (v: unknown) =>
  typeof v === 'string' ? (investorTypeByKey.get(v.toLowerCase()) ?? null) : null;

const investorSchema = z.object({
  domain: domain('is required'),
  name: required(),
  type: converted(investorTypeOf, `is not an investor type (${investorTypes.join(', ')})`),
  hq_city: text(200),
  hq_region: text(200),
  hq_country: text(200),
  investments_count: int(0, 10_000_000, 'a whole number'),
  notable_portfolio: companyRefs(),
});

const signalValue = () =>
  converted((v) => {
    const n =
      typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/[,_\s]/g, '')) : Number.NaN;
    return Number.isFinite(n) && n >= 0 ? n : null;
  }, 'is not a non-negative number');

const signalSchema = z
  .object({
    domain: domain('is required'),
    date: date().refine((v) => v !== undefined, 'is required'),
    metric: converted(
      (v) =>
        typeof v === 'string' && (signalMetrics as readonly string[]).includes(v.toLowerCase())
          ? v.toLowerCase()
          : null,
      `is not a metric (${signalMetrics.join(', ')})`,
    ),
    value: signalValue(),
    headcount: signalValue(),
    web_visits: signalValue(),
    social_followers: signalValue(),
  })
  .superRefine((s, ctx) => {
    if (s.metric !== undefined && s.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required with metric' });
    }
    if (
      s.metric === undefined &&
      s.headcount === undefined &&
      s.web_visits === undefined &&
      s.social_followers === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['metric'],
        message: 'needs metric and value, or a headcount, web_visits or social_followers column',
      });
    }
  });

/** Header spellings accepted besides the canonical column names (after lowercasing and `_`). */
const aliases: Record<ImportEntity, Record<string, string>> = {
  companies: {
    primary_domain: 'domain',
    company_domain: 'domain',
    domains: 'other_domains',
    city: 'hq_city',
    region: 'hq_region',
    state: 'hq_region',
    country: 'hq_country',
    founded: 'founded_year',
    industry: 'industries',
    total_funding: 'total_funding_usd',
    last_funding_amount: 'last_funding_amount_usd',
    employees: 'headcount',
    linkedin: 'linkedin_url',
  },
  people: {
    email: 'emails',
    linkedin: 'linkedin_url',
    company: 'company_name',
    current_company: 'company_name',
    current_company_domain: 'company_domain',
    state: 'region',
  },
  investors: {
    city: 'hq_city',
    region: 'hq_region',
    country: 'hq_country',
    investments: 'investments_count',
    number_of_investments: 'investments_count',
    portfolio: 'notable_portfolio',
    investor_type: 'type',
  },
  signals: { observed_on: 'date', company_domain: 'domain' },
};

/**
 * The schemas' checks again, for the common case where every value is text (any CSV): zod's
 * per-field machinery costs more than the rest of parsing a row, and nearly every row is valid.
 * The converters are the schemas' own; whenever a value is not text or not accepted the fast path
 * gives up and the schema checks the record and words the errors, so it stays the one authority.
 */
const INVALID = Symbol('invalid');
type FastField = (v: string) => unknown;

const fastText =
  (max = 10_000, isRequired = false): FastField =>
  (v) => {
    const t = v.trim();
    if (t === '') return isRequired ? INVALID : undefined;
    return t.length > max ? INVALID : t;
  };
const fastConverted =
  (fn: (v: string) => unknown, isRequired = false): FastField =>
  (v) => {
    const t = v.trim();
    if (t === '') return isRequired ? INVALID : undefined;
    return fn(t) ?? INVALID;
  };
const fastList =
  (max = 200, then?: (items: string[]) => unknown): FastField =>
  (v) => {
    if (v.trim() === '') return undefined;
    const items = splitList(v);
    if (items.length > max) return INVALID;
    return then ? then(items) : items;
  };
const fastDomains = (items: string[]) => {
  const out: string[] = [];
  for (const item of items) {
    const d = normaliseDomain(item);
    if (d === null) return INVALID;
    out.push(d);
  }
  return dedupe(out);
};

const fastShapes: Partial<Record<ImportEntity, Record<string, FastField>>> = {
  companies: {
    domain: fastConverted(domainOf, true),
    name: fastText(1_000, true),
    other_domains: fastList(200, fastDomains),
    website: fastConverted(websiteOf),
    description: fastText(20_000),
    hq_city: fastText(200),
    hq_region: fastText(200),
    hq_country: fastText(200),
    founded_year: fastConverted(intIn(1600, thisYear + 1)),
    industries: fastList(),
    tags: fastList(),
    stage: fastText(100),
    total_funding_usd: fastConverted(parseMoney),
    last_funding_date: fastConverted(parseDate),
    last_funding_amount_usd: fastConverted(parseMoney),
    last_funding_type: fastText(100),
    headcount: fastConverted(intIn(0, 10_000_000)),
    linkedin_url: fastConverted(linkedinOf),
    investors: fastList(),
  },
  investors: {
    domain: fastConverted(domainOf, true),
    name: fastText(1_000, true),
    type: fastConverted(investorTypeOf),
    hq_city: fastText(200),
    hq_region: fastText(200),
    hq_country: fastText(200),
    investments_count: fastConverted(intIn(0, 10_000_000)),
    notable_portfolio: fastList(200, companyRefsOf),
  },
};

/**
 * What the entity's schema would output for `record`, when every value is text (or absent) and
 * valid; null otherwise, and then only the schema can tell.
 */
function fastParse(entity: ImportEntity, record: Record<string, unknown>): Record<string, unknown> | null {
  const shape = fastShapes[entity];
  if (!shape) return null;
  const out: Record<string, unknown> = {};
  for (const key in shape) {
    const raw = record[key];
    if (raw !== undefined && raw !== null && typeof raw !== 'string') return null;
    const v = (shape[key] as FastField)(raw ?? '');
    if (v === INVALID) return null;
    if (v !== undefined) out[key] = v;
  }
  return out;
}

const schemas = {
  companies: companySchema,
  people: personSchema,
  investors: investorSchema,
  signals: signalSchema,
} as const;

/** The canonical columns an import of `entity` understands. */
export function knownColumns(entity: ImportEntity): string[] {
  return Object.keys(schemas[entity].shape ?? {});
}

function shapeOf(entity: ImportEntity): Record<string, unknown> {
  const s = schemas[entity] as unknown as {
    shape?: Record<string, unknown>;
    _def?: { schema?: { shape?: Record<string, unknown> } };
  };
  return s.shape ?? {};
}

/** Maps a header cell to its canonical column name, or null when the column is not known. */
export function canonicalColumn(entity: ImportEntity, header: string): string | null {
  const h = header
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, '_');
  if (h in shapeOf(entity)) return h;
  return aliases[entity][h] ?? null;
}

export type ParsedRecord =
  | { ok: true; entity: 'companies'; row: CompanyRow }
  | { ok: true; entity: 'people'; row: PersonRow }
  | { ok: true; entity: 'investors'; row: InvestorRow }
  | { ok: true; entity: 'signals'; rows: SignalRow[] }
  | { ok: false; problems: FieldProblem[] };

/**
 * Validates one record (keys already canonical) and returns the database row(s). Only the columns
 * present in `record` are set on the row, so an import leaves the columns it does not carry alone.
 * `fastPath: false` checks with the schema alone (the tests hold both paths to the same results).
 */
export function parseRecord(
  entity: ImportEntity,
  record: Record<string, unknown>,
  options: { fastPath?: boolean } = {},
): ParsedRecord {
  const fast = options.fastPath === false ? null : fastParse(entity, record);
  const parsed = fast ? { success: true as const, data: fast } : schemas[entity].safeParse(record);
  if (!parsed.success) {
    const seen = new Set<string>();
    const problems: FieldProblem[] = [];
    for (const issue of parsed.error.issues) {
      const column = String(issue.path[0] ?? '(record)');
      if (seen.has(column)) continue;
      seen.add(column);
      problems.push({ column, value: record[column], message: issue.message });
    }
    return { ok: false, problems };
  }
  const has = (k: string) => k in record;
  switch (entity) {
    case 'companies': {
      const c = parsed.data as z.output<typeof companySchema>;
      const row: CompanyRow = {
        domain: c.domain as string,
        name: c.name,
        searchText: `${c.name.toLowerCase()} ${c.domain}`,
      };
      if (has('other_domains')) row.otherDomains = (c.other_domains ?? []).filter((d) => d !== c.domain);
      if (has('website')) row.website = c.website ?? null;
      if (has('description')) row.description = c.description ?? null;
      if (has('hq_city')) row.hqCity = c.hq_city ?? null;
      if (has('hq_region')) row.hqRegion = c.hq_region ?? null;
      if (has('hq_country')) row.hqCountry = c.hq_country ?? null;
      if (has('founded_year')) row.foundedYear = c.founded_year ?? null;
      if (has('industries')) {
        row.industries = c.industries ?? [];
        row.industryKeys = dedupe(row.industries.map((s) => s.toLowerCase()));
      }
      if (has('tags')) {
        row.tags = c.tags ?? [];
        row.tagKeys = dedupe(row.tags.map((s) => s.toLowerCase()));
      }
      if (has('stage')) row.stage = c.stage ?? null;
      if (has('total_funding_usd')) row.totalFundingUsd = c.total_funding_usd ?? null;
      if (has('last_funding_date')) row.lastFundingDate = c.last_funding_date ?? null;
      if (has('last_funding_amount_usd')) row.lastFundingAmountUsd = c.last_funding_amount_usd ?? null;
      if (has('last_funding_type')) row.lastFundingType = c.last_funding_type ?? null;
      if (has('headcount')) row.headcount = c.headcount ?? null;
      if (has('linkedin_url')) row.linkedinUrl = c.linkedin_url ?? null;
      if (has('investors')) {
        row.investors = c.investors ?? [];
        row.investorKeys = dedupe(row.investors.map((s) => s.toLowerCase()));
      }
      return { ok: true, entity, row };
    }
    case 'people': {
      const p = parsed.data as z.output<typeof personSchema>;
      const emails = p.emails ?? [];
      const key = personKey(emails, p.linkedin_url) as string;
      const name = p.name ?? [p.first_name, p.last_name].filter(Boolean).join(' ');
      const row: PersonRow = {
        personKey: key,
        name,
        searchText: `${name.toLowerCase()} ${key.replace(/^\w+:/, '')}`,
      };
      if (has('emails')) row.emails = emails;
      if (has('linkedin_url')) row.linkedinUrl = p.linkedin_url ?? null;
      if (has('title')) row.title = p.title ?? null;
      if (has('company_domain')) row.companyDomain = p.company_domain ?? null;
      if (has('company_name')) row.companyName = p.company_name ?? null;
      if (has('city')) row.city = p.city ?? null;
      if (has('region')) row.region = p.region ?? null;
      if (has('country')) row.country = p.country ?? null;
      if (has('past_companies')) row.pastCompanies = p.past_companies ?? [];
      return { ok: true, entity, row };
    }
    case 'investors': {
      const i = parsed.data as z.output<typeof investorSchema>;
      const row: InvestorRow = {
        domain: i.domain as string,
        name: i.name,
        searchText: `${i.name.toLowerCase()} ${i.domain}`,
      };
      if (has('type')) row.type = i.type ?? null;
      if (has('hq_city')) row.hqCity = i.hq_city ?? null;
      if (has('hq_region')) row.hqRegion = i.hq_region ?? null;
      if (has('hq_country')) row.hqCountry = i.hq_country ?? null;
      if (has('investments_count')) row.investmentsCount = i.investments_count ?? null;
      if (has('notable_portfolio')) row.notablePortfolio = i.notable_portfolio ?? [];
      return { ok: true, entity, row };
    }
    case 'signals': {
      const s = parsed.data as z.output<typeof signalSchema>;
      const base = { domain: s.domain as string, observedOn: s.date as string };
      const rows: SignalRow[] = [];
      if (s.metric !== undefined && s.value !== undefined)
        rows.push({ ...base, metric: s.metric as SignalMetric, value: s.value });
      for (const m of signalMetrics) {
        const v = s[m];
        if (v !== undefined) rows.push({ ...base, metric: m, value: v });
      }
      return { ok: true, entity, rows };
    }
  }
}

/**
 * Tables of the intelligence dataset: companies, people, investors, company signals, saved searches
 * and user lists. Every table of this module is named `intel_*`; other modules add their own prefix
 * (`sync_*`, `crm_*`, `jobs_*`) in their own schema file, so a new table is one new generated migration.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const textArray = (name: string) => text(name).array().notNull().default(sql`'{}'::text[]`);
/**
 * `facet:value` keys (lowercased) of a row's low-cardinality columns, kept by PostgreSQL itself, so
 * one GIN index serves equality filters on all of them, alone or combined: it costs a fraction of a
 * B-tree per column to build, and a filter on a common value scans no worse.
 */
const facetKeys = (facets: Record<string, string>) =>
  text('facet_keys')
    .array()
    .notNull()
    .generatedAlwaysAs(
      sql.raw(
        `array_remove(ARRAY[${Object.entries(facets)
          .map(([facet, column]) => `'${facet}:' || lower(${column})`)
          .join(', ')}], NULL)`,
      ),
    );

export const intelCompanies = pgTable(
  'intel_companies',
  {
    id: id(),
    /** Natural key: the normalised registrable domain (lowercase, no `www.`). */
    domain: text('domain').notNull(),
    name: text('name').notNull(),
    otherDomains: textArray('other_domains'),
    website: text('website'),
    description: text('description'),
    hqCity: text('hq_city'),
    hqRegion: text('hq_region'),
    hqCountry: text('hq_country'),
    foundedYear: integer('founded_year'),
    industries: textArray('industries'),
    tags: textArray('tags'),
    stage: text('stage'),
    totalFundingUsd: bigint('total_funding_usd', { mode: 'number' }),
    lastFundingDate: date('last_funding_date', { mode: 'string' }),
    lastFundingAmountUsd: bigint('last_funding_amount_usd', { mode: 'number' }),
    lastFundingType: text('last_funding_type'),
    headcount: integer('headcount'),
    linkedinUrl: text('linkedin_url'),
    investors: textArray('investors'),
    /** Lowercased industries, for indexed case-insensitive filters. */
    industryKeys: textArray('industry_keys'),
    /** Lowercased tags. */
    tagKeys: textArray('tag_keys'),
    /** Lowercased investor names (or domains), for indexed case-insensitive filters. */
    investorKeys: textArray('investor_keys'),
    /** Lowercased name and domain: what a text query matches (trigram index). */
    searchText: text('search_text').notNull(),
    facetKeys: facetKeys({ city: 'hq_city', region: 'hq_region', country: 'hq_country', stage: 'stage' }),
    /** Derived from signals by `recomputeGrowth`: relative growth over 1/3/6/12 months. */
    growth1m: doublePrecision('growth_1m'),
    growth3m: doublePrecision('growth_3m'),
    growth6m: doublePrecision('growth_6m'),
    growth12m: doublePrecision('growth_12m'),
    growthScore: doublePrecision('growth_score'),
    /** Percentile (0–100) of growth score across the dataset; null without signals. */
    growthRank: doublePrecision('growth_rank'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('intel_companies_domain_key').on(t.domain),
    index('intel_companies_search_trgm').using('gin', t.searchText.op('gin_trgm_ops')),
    index('intel_companies_industry_keys').using('gin', t.industryKeys),
    index('intel_companies_tag_keys').using('gin', t.tagKeys),
    index('intel_companies_investor_keys').using('gin', t.investorKeys),
    index('intel_companies_facets').using('gin', t.facetKeys),
    // Matching looks a pulled organization's domains up among companies' other domains. Partial:
    // most companies have none, and cost nothing here.
    index('intel_companies_other_domains')
      .using('gin', t.otherDomains)
      .where(sql`${t.otherDomains} <> '{}'::text[]`),
    // Sort orders are descending with nulls last, then id: the indexes match them exactly.
    index('intel_companies_funding').on(t.totalFundingUsd.desc().nullsLast(), t.id),
    index('intel_companies_headcount').on(t.headcount.desc().nullsLast(), t.id),
    index('intel_companies_growth_rank').on(t.growthRank.desc().nullsLast(), t.id),
    index('intel_companies_founded').on(t.foundedYear),
    index('intel_companies_name').on(sql`lower(${t.name})`, t.id),
  ],
);

export const intelPeople = pgTable(
  'intel_people',
  {
    id: id(),
    /** Natural key: `email:<lowercased primary email>` or `linkedin:<normalised profile path>`. */
    personKey: text('person_key').notNull(),
    name: text('name').notNull(),
    emails: textArray('emails'),
    linkedinUrl: text('linkedin_url'),
    title: text('title'),
    /** Current company by its natural key (registrable domain), and its name as given. */
    companyDomain: text('company_domain'),
    companyName: text('company_name'),
    city: text('city'),
    region: text('region'),
    country: text('country'),
    /** Past employers, lowercased (domains where known). */
    pastCompanies: textArray('past_companies'),
    searchText: text('search_text').notNull(),
    facetKeys: facetKeys({ city: 'city', region: 'region', country: 'country' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('intel_people_person_key').on(t.personKey),
    index('intel_people_emails').using('gin', t.emails),
    index('intel_people_linkedin').on(t.linkedinUrl),
    index('intel_people_company_domain').on(t.companyDomain),
    index('intel_people_search_trgm').using('gin', t.searchText.op('gin_trgm_ops')),
    index('intel_people_facets').using('gin', t.facetKeys),
    index('intel_people_name').on(sql`lower(${t.name})`, t.id),
  ],
);

export const intelInvestors = pgTable(
  'intel_investors',
  {
    id: id(),
    /** Natural key: the normalised registrable domain. */
    domain: text('domain').notNull(),
    name: text('name').notNull(),
    /** VC, Angel, CVC, PE, Accelerator, Family Office, Other. */
    type: text('type'),
    hqCity: text('hq_city'),
    hqRegion: text('hq_region'),
    hqCountry: text('hq_country'),
    investmentsCount: integer('investments_count'),
    /** Notable portfolio companies, lowercased (domains where known). */
    notablePortfolio: textArray('notable_portfolio'),
    searchText: text('search_text').notNull(),
    facetKeys: facetKeys({ type: 'type', city: 'hq_city', region: 'hq_region', country: 'hq_country' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('intel_investors_domain_key').on(t.domain),
    index('intel_investors_search_trgm').using('gin', t.searchText.op('gin_trgm_ops')),
    index('intel_investors_facets').using('gin', t.facetKeys),
    index('intel_investors_name').on(sql`lower(${t.name})`, t.id),
  ],
);

/** One observation of one metric of one company; the time series behind growth. */
export const intelCompanySignals = pgTable(
  'intel_company_signals',
  {
    companyId: bigint('company_id', { mode: 'number' })
      .notNull()
      .references(() => intelCompanies.id, { onDelete: 'cascade' }),
    /** headcount, web_visits or social_followers. */
    metric: text('metric').notNull(),
    observedOn: date('observed_on', { mode: 'string' }).notNull(),
    value: doublePrecision('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.metric, t.observedOn] })],
);

export const intelSavedSearches = pgTable(
  'intel_saved_searches',
  {
    id: id(),
    name: text('name').notNull(),
    /** companies, people or investors. */
    entity: text('entity').notNull(),
    /** The search as given: `{query?, filters: [{key, op, value}], sort?}`. */
    spec: jsonb('spec').notNull(),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    /** Push new results and changed records after every change to our data, and on a schedule. */
    autoPush: boolean('auto_push').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('intel_saved_searches_name_key').on(t.name)],
);

/** Which results a saved search has already shown: what makes "new since last time" a query. */
export const intelSavedSearchSeen = pgTable(
  'intel_saved_search_seen',
  {
    savedSearchId: bigint('saved_search_id', { mode: 'number' })
      .notNull()
      .references(() => intelSavedSearches.id, { onDelete: 'cascade' }),
    entityId: bigint('entity_id', { mode: 'number' }).notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.savedSearchId, t.entityId] })],
);

export const intelLists = pgTable(
  'intel_lists',
  {
    id: id(),
    name: text('name').notNull(),
    /** companies, people or investors: one list holds one kind. */
    entity: text('entity').notNull(),
    /** Push new members and changed records after every change to our data, and on a schedule. */
    autoPush: boolean('auto_push').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('intel_lists_name_key').on(t.name)],
);

export const intelListItems = pgTable(
  'intel_list_items',
  {
    listId: bigint('list_id', { mode: 'number' })
      .notNull()
      .references(() => intelLists.id, { onDelete: 'cascade' }),
    /** Id in the table of the list's entity kind. */
    entityId: bigint('entity_id', { mode: 'number' }).notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.entityId] })],
);

import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
  compileSearch,
  deleteSavedSearch as deleteSavedSearchByName,
  type Filter,
  listSavedSearches as listAllSavedSearches,
  newResultsSince,
  parseFilter,
  runSavedSearch as runSavedSearchByName,
  type SavedSearch,
  type SearchEntity,
  SearchInputError,
  type SearchPage,
  type SearchSpec,
  type SortKey,
  saveSearch,
  search,
} from '../intelligence/index.js';
import { intelSavedSearches } from '../store/index.js';
import { type AppContext, AppError, parseInput } from './context.js';

/**
 * Intelligence search and saved searches: any signed-in user (admin or member) may search, save,
 * change and delete searches; nothing here touches Affinity or the activity log.
 */

export const searchEntity = z.enum(['companies', 'people', 'investors']);

/** One or more `key=value`, `key>=n`, `key<=n` expressions, as `search --filter` takes them. */
const filterExprs = z
  .union([z.string(), z.array(z.string())])
  .describe('key=value, key>=n or key<=n; repeat for more (a=x,y means any of)');

const limit = (max: number, fallback: number) => z.coerce.number().int().min(0).max(max).default(fallback);
const offset = z.coerce.number().int().min(0).max(10_000_000).default(0);

export const searchInput = z.object({
  entity: searchEntity,
  query: z.string().max(500).optional().describe('text in the name or domain (people: name or email)'),
  filter: filterExprs.optional(),
  sort: z.string().max(40).optional().describe('growth|funding|headcount|name (investors: name|investments)'),
  limit: limit(1000, 25),
  offset,
});

// Result shapes: what the API answers (the CLI prints every column, the API these).
const ts = z.string().describe('ISO 8601 time');
export const companyResult = z.object({
  id: z.number(),
  domain: z.string(),
  name: z.string(),
  otherDomains: z.array(z.string()),
  website: z.string().nullable(),
  description: z.string().nullable(),
  hqCity: z.string().nullable(),
  hqRegion: z.string().nullable(),
  hqCountry: z.string().nullable(),
  foundedYear: z.number().nullable(),
  industries: z.array(z.string()),
  tags: z.array(z.string()),
  stage: z.string().nullable(),
  totalFundingUsd: z.number().nullable(),
  lastFundingDate: z.string().nullable(),
  lastFundingAmountUsd: z.number().nullable(),
  lastFundingType: z.string().nullable(),
  headcount: z.number().nullable(),
  linkedinUrl: z.string().nullable(),
  investors: z.array(z.string()),
  growth1m: z.number().nullable(),
  growth3m: z.number().nullable(),
  growth6m: z.number().nullable(),
  growth12m: z.number().nullable(),
  growthScore: z.number().nullable(),
  growthRank: z.number().nullable().describe('growth percentile 0–100'),
  createdAt: ts,
  updatedAt: ts,
});
export const personResult = z.object({
  id: z.number(),
  personKey: z.string(),
  name: z.string(),
  emails: z.array(z.string()),
  linkedinUrl: z.string().nullable(),
  title: z.string().nullable(),
  companyDomain: z.string().nullable(),
  companyName: z.string().nullable(),
  city: z.string().nullable(),
  region: z.string().nullable(),
  country: z.string().nullable(),
  pastCompanies: z.array(z.string()),
  companyGrowthRank: z.number().nullable(),
  createdAt: ts,
  updatedAt: ts,
});
export const investorResult = z.object({
  id: z.number(),
  domain: z.string(),
  name: z.string(),
  type: z.string().nullable(),
  hqCity: z.string().nullable(),
  hqRegion: z.string().nullable(),
  hqCountry: z.string().nullable(),
  investmentsCount: z.number().nullable(),
  notablePortfolio: z.array(z.string()),
  createdAt: ts,
  updatedAt: ts,
});
export const searchResultItem = z.union([companyResult, personResult, investorResult]);

export type CompanyItem = z.infer<typeof companyResult>;
export type PersonItem = z.infer<typeof personResult>;
export type InvestorItem = z.infer<typeof investorResult>;
/** A search result as plain JSON: every column (more than these), times as ISO strings. */
export type SearchResultRow = CompanyItem | PersonItem | InvestorItem;

export const searchResult = z.object({
  entity: searchEntity,
  sort: z.string(),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
  results: z.array(searchResultItem),
});
export interface SearchResult {
  entity: SearchEntity;
  sort: SortKey;
  total: number;
  limit: number;
  offset: number;
  results: SearchResultRow[];
}

/** A row with its Date columns as ISO strings, so every door answers the same JSON. */
export function plainRow(row: object): SearchResultRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out as unknown as SearchResultRow;
}

function asFilterList(filter: string | string[] | undefined): string[] {
  return filter === undefined ? [] : Array.isArray(filter) ? filter : [filter];
}

function badField(field: string, message: string): AppError {
  return new AppError('bad_request', message, { issues: [{ field, message }] });
}

/**
 * Checks a search as a user states it and returns its spec, or throws `bad_request` naming the
 * part at fault (`filter`, `sort`), with the dataset module's own words.
 */
export function checkSearch(
  entity: SearchEntity,
  input: { query?: string | undefined; filter?: string | string[] | undefined; sort?: string | undefined },
): SearchSpec {
  let filters: Filter[];
  try {
    filters = asFilterList(input.filter).map(parseFilter);
  } catch (err) {
    if (err instanceof SearchInputError) throw badField('filter', err.message);
    throw err;
  }
  const sort = input.sort as SortKey | undefined;
  try {
    compileSearch(entity, { sort });
  } catch (err) {
    if (err instanceof SearchInputError) throw badField('sort', err.message);
    throw err;
  }
  const spec: SearchSpec = { query: input.query, filters, sort };
  try {
    compileSearch(entity, spec);
  } catch (err) {
    if (err instanceof SearchInputError) throw badField('filter', err.message);
    throw err;
  }
  return spec;
}

function pageOf(page: SearchPage, limit: number, offset: number): SearchResult {
  return {
    entity: page.entity,
    sort: page.sort,
    total: page.total ?? 0,
    limit,
    offset,
    results: page.results.map(plainRow),
  };
}

/** Searches the intelligence dataset: filters, a text query and a sort, one page with the total. */
export async function searchIntelligence(
  ctx: AppContext,
  input: z.input<typeof searchInput>,
): Promise<SearchResult> {
  const i = parseInput(searchInput, input);
  const spec = checkSearch(i.entity, i);
  const page = await search(ctx.deps.store, i.entity, spec, {
    limit: i.limit,
    offset: i.offset,
    withTotal: true,
  });
  return pageOf(page, i.limit, i.offset);
}

// Saved searches ---------------------------------------------------------------------------------

/** A saved search named by its id (a number) or by its name (a string). */
const savedSearchRef = z.union([z.number().int().positive(), z.string().trim().min(1).max(200)]);

export const savedSearchSchema = z.object({
  id: z.number(),
  name: z.string(),
  entity: searchEntity,
  spec: z.object({
    query: z.string().optional(),
    filters: z
      .array(z.object({ key: z.string(), op: z.enum(['=', '>=', '<=']), value: z.string() }))
      .optional(),
    sort: z.string().optional(),
  }),
  lastCheckedAt: z.string().nullable(),
  autoPush: z.boolean().describe('marked auto-push (PUT /saved-searches/{id}/auto-push)'),
  createdAt: z.string(),
});
export const savedSearchList = z.object({ savedSearches: z.array(savedSearchSchema) });

async function mustFindSaved(ctx: AppContext, ref: number | string): Promise<SavedSearch> {
  const all = await listAllSavedSearches(ctx.deps.store);
  const hit =
    typeof ref === 'number' ? all.find((s) => s.id === ref) : all.find((s) => s.name === ref.trim());
  if (hit) return hit;
  throw new AppError(
    'not_found',
    typeof ref === 'number' ? `no saved search ${ref}` : `no saved search named ${JSON.stringify(ref)}`,
  );
}

export const listSavedSearchesInput = z.object({});

/** Every saved search, by name. */
export async function listSavedSearches(
  ctx: AppContext,
  input: z.input<typeof listSavedSearchesInput> = {},
): Promise<{ savedSearches: SavedSearch[] }> {
  parseInput(listSavedSearchesInput, input);
  return { savedSearches: await listAllSavedSearches(ctx.deps.store) };
}

export const getSavedSearchInput = z.object({ savedSearch: savedSearchRef });

/** One saved search; `not_found` when there is none. */
export async function getSavedSearch(
  ctx: AppContext,
  input: z.input<typeof getSavedSearchInput>,
): Promise<SavedSearch> {
  const i = parseInput(getSavedSearchInput, input);
  return mustFindSaved(ctx, i.savedSearch);
}

export const createSavedSearchInput = z.object({
  name: z.string().trim().min(1, 'a saved search needs a name').max(200),
  entity: searchEntity,
  query: z.string().max(500).optional(),
  filter: filterExprs.optional(),
  sort: z.string().max(40).optional(),
  /** Replace a saved search of that name (as `search --save` does) instead of refusing with `conflict`. */
  replace: z.boolean().default(false),
});
export const savedSearchSaved = z.object({ savedSearch: savedSearchSchema, results: z.number() });

/**
 * Saves a search under a name; its current results count as seen, so "new" results are those
 * that appear afterwards. A name already taken is a `conflict` unless `replace`.
 */
export async function createSavedSearch(
  ctx: AppContext,
  input: z.input<typeof createSavedSearchInput>,
): Promise<{ savedSearch: SavedSearch; results: number }> {
  const i = parseInput(createSavedSearchInput, input);
  const spec = checkSearch(i.entity, i);
  if (!i.replace) {
    const all = await listAllSavedSearches(ctx.deps.store);
    if (all.some((s) => s.name === i.name))
      throw new AppError('conflict', `a saved search named ${JSON.stringify(i.name)} already exists`);
  }
  return saveSearch(ctx.deps.store, i.name, i.entity, spec);
}

export const updateSavedSearchInput = z.object({
  savedSearch: savedSearchRef,
  name: z.string().trim().min(1, 'a saved search needs a name').max(200).optional(),
  entity: searchEntity.optional(),
  query: z.string().max(500).optional(),
  filter: filterExprs.optional(),
  sort: z.string().max(40).optional(),
});

/**
 * Renames a saved search and/or changes what it searches. A changed search starts "new since"
 * afresh (its current results count as seen); a rename alone keeps what it has seen.
 */
export async function updateSavedSearch(
  ctx: AppContext,
  input: z.input<typeof updateSavedSearchInput>,
): Promise<SavedSearch> {
  const i = parseInput(updateSavedSearchInput, input);
  const store = ctx.deps.store;
  const current = await mustFindSaved(ctx, i.savedSearch);
  const changesSearch =
    i.entity !== undefined || i.query !== undefined || i.filter !== undefined || i.sort !== undefined;
  let spec: SearchSpec | undefined;
  const entity = i.entity ?? current.entity;
  if (changesSearch) {
    const filter =
      i.filter ??
      (i.entity === undefined ? current.spec.filters?.map((f) => `${f.key}${f.op}${f.value}`) : []);
    spec = checkSearch(entity, {
      query: i.query ?? (i.entity === undefined ? current.spec.query : undefined),
      filter,
      sort: i.sort ?? (i.entity === undefined ? current.spec.sort : undefined),
    });
  }
  let name = current.name;
  if (i.name !== undefined && i.name !== current.name) {
    const taken = (await listAllSavedSearches(store)).some((s) => s.name === i.name);
    if (taken)
      throw new AppError('conflict', `a saved search named ${JSON.stringify(i.name)} already exists`);
    await store.db
      .update(intelSavedSearches)
      .set({ name: i.name, updatedAt: sql`now()` })
      .where(eq(intelSavedSearches.id, current.id));
    name = i.name;
  }
  if (spec) await saveSearch(store, name, entity, spec);
  return mustFindSaved(ctx, current.id);
}

export const deleteSavedSearchInput = z.object({ savedSearch: savedSearchRef });

/** Deletes a saved search (never the records it finds); `not_found` when there is none. */
export async function deleteSavedSearch(
  ctx: AppContext,
  input: z.input<typeof deleteSavedSearchInput>,
): Promise<{ deleted: SavedSearch }> {
  const i = parseInput(deleteSavedSearchInput, input);
  const saved = await mustFindSaved(ctx, i.savedSearch);
  await deleteSavedSearchByName(ctx.deps.store, saved.name);
  return { deleted: saved };
}

export const runSavedSearchInput = z.object({
  savedSearch: savedSearchRef,
  /** Only the results it had not returned before. */
  new: z.boolean().default(false),
  /** With `new`: mark them seen, so the next check returns only what appears afterwards. */
  markSeen: z.boolean().default(false),
  limit: limit(1000, 25),
  offset,
});
export const savedSearchRun = searchResult.extend({
  savedSearch: savedSearchSchema,
  newCount: z
    .number()
    .optional()
    .describe('with new: how many results are new (the page holds at most limit)'),
});
export type SavedSearchRun = SearchResult & { savedSearch: SavedSearch; newCount?: number };

/**
 * Runs a saved search as it is now, or (`new`) only its results it had not returned before —
 * marked seen with `markSeen`, so automation calling it gets each new result once.
 */
export async function runSavedSearch(
  ctx: AppContext,
  input: z.input<typeof runSavedSearchInput>,
): Promise<SavedSearchRun> {
  const i = parseInput(runSavedSearchInput, input);
  const saved = await mustFindSaved(ctx, i.savedSearch);
  const store = ctx.deps.store;
  try {
    if (i.new) {
      if (i.offset > 0) throw badField('offset', 'new results come in one page: use limit, not offset');
      const page = await newResultsSince(store, saved.name, { markSeen: i.markSeen, limit: i.limit });
      return {
        ...pageOf({ ...page, total: page.newCount }, i.limit, 0),
        savedSearch: page.savedSearch,
        newCount: page.newCount,
      };
    }
    const page = await runSavedSearchByName(store, saved.name, {
      limit: i.limit,
      offset: i.offset,
      withTotal: true,
    });
    return { ...pageOf(page, i.limit, i.offset), savedSearch: page.savedSearch };
  } catch (err) {
    // A search saved before a filter key changed meaning: say which search.
    if (err instanceof SearchInputError)
      throw new AppError('conflict', `saved search ${JSON.stringify(saved.name)}: ${err.message}`);
    throw err;
  }
}

import { and, asc, count, eq, getTableColumns, or, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { type Db, intelCompanies, intelInvestors, intelPeople, type Store } from '../store/index.js';
import { normaliseDomain, normaliseEmail, parseDate, parseMoney } from './normalize.js';

export type SearchEntity = 'companies' | 'people' | 'investors';
export const searchEntities: readonly SearchEntity[] = ['companies', 'people', 'investors'];

export type FilterOp = '=' | '>=' | '<=';
export interface Filter {
  key: string;
  op: FilterOp;
  value: string;
}

export type SortKey = 'growth' | 'funding' | 'headcount' | 'name' | 'investments';

/** A search as a user states it; saved searches store exactly this. */
export interface SearchSpec {
  query?: string | undefined;
  filters?: Filter[] | undefined;
  sort?: SortKey | undefined;
}

export type CompanyResult = typeof intelCompanies.$inferSelect;
export type PersonResult = typeof intelPeople.$inferSelect & { companyGrowthRank: number | null };
export type InvestorResult = typeof intelInvestors.$inferSelect;
export type SearchResult = CompanyResult | PersonResult | InvestorResult;

/** The search is not valid: an unknown key, an operator a key does not take, a bad value. */
export class SearchInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchInputError';
  }
}

/** Parses `key=value`, `key>=n` or `key<=n`. */
export function parseFilter(expr: string): Filter {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|=)\s*(.*?)\s*$/.exec(expr);
  if (!m?.[1] || !m[2] || m[3] === undefined) {
    throw new SearchInputError(`filter ${JSON.stringify(expr)} is not key=value, key>=n or key<=n`);
  }
  if (m[3] === '') throw new SearchInputError(`filter ${JSON.stringify(expr)} has no value`);
  return { key: m[1].toLowerCase(), op: m[2] as FilterOp, value: m[3] };
}

type ValueKind = 'text' | 'keys' | 'int' | 'money' | 'ratio' | 'date' | 'domain' | 'substring';

interface FilterDef {
  kind: ValueKind;
  /** What the filter tests; `values` for text kinds (comma = any of), `bound` for ranges. */
  build: (op: FilterOp, parsed: ParsedValue) => SQL;
  ranges?: boolean;
  help: string;
}

type ParsedValue = { values: string[]; number?: undefined } | { number: number | string; values?: undefined };

/** The filter's values as a comma-separated list of bound parameters. */
const valueList = (v: ParsedValue): SQL =>
  sql.join(
    (v.values ?? []).map((x) => sql`${x}`),
    sql`, `,
  );
const lowerEq = (col: PgColumn) => (_op: FilterOp, v: ParsedValue) => sql`lower(${col}) IN (${valueList(v)})`;
/** Domains are stored normalised, and the parser normalises the values: plain equality. */
const domainIn = (col: PgColumn) => (_op: FilterOp, v: ParsedValue) => sql`${col} IN (${valueList(v)})`;
const anyKey = (col: PgColumn) => (_op: FilterOp, v: ParsedValue) =>
  sql`${col} && ${sql`ARRAY[${valueList(v)}]::text[]`}`;
const range = (col: PgColumn | SQL) => (op: FilterOp, v: ParsedValue) => {
  const n = v.number;
  return op === '>=' ? sql`${col} >= ${n}` : op === '<=' ? sql`${col} <= ${n}` : sql`${col} = ${n}`;
};
/** Any of the values in any of the facets (see `facet_keys`): one lookup in the facets' GIN index. */
const facet =
  (col: PgColumn, ...facets: string[]) =>
  (_op: FilterOp, v: ParsedValue) =>
    sql`${col} && ARRAY[${sql.join(
      facets.flatMap((f) => (v.values ?? []).map((x) => sql`${`${f}:${x}`}`)),
      sql`, `,
    )}]::text[]`;
const substring = (col: PgColumn) => (_op: FilterOp, v: ParsedValue) =>
  or(...(v.values ?? []).map((x) => sql`lower(${col}) LIKE ${`%${escapeLike(x)}%`}`)) as SQL;

const c = intelCompanies;
const p = intelPeople;
const i = intelInvestors;

const filterDefs: Record<SearchEntity, Record<string, FilterDef>> = {
  companies: {
    industry: { kind: 'keys', build: anyKey(c.industryKeys), help: 'industry (any of, comma-separated)' },
    tag: { kind: 'keys', build: anyKey(c.tagKeys), help: 'tag' },
    investor: { kind: 'keys', build: anyKey(c.investorKeys), help: 'investor name' },
    stage: { kind: 'text', build: facet(c.facetKeys, 'stage'), help: 'stage, e.g. Seed, "Series A"' },
    country: { kind: 'text', build: facet(c.facetKeys, 'country'), help: 'HQ country' },
    region: { kind: 'text', build: facet(c.facetKeys, 'region'), help: 'HQ region' },
    city: { kind: 'text', build: facet(c.facetKeys, 'city'), help: 'HQ city' },
    location: {
      kind: 'text',
      build: facet(c.facetKeys, 'city', 'region', 'country'),
      help: 'city, region or country',
    },
    domain: {
      kind: 'domain',
      build: domainIn(c.domain),
      help: 'domain',
    },
    funding: {
      kind: 'money',
      ranges: true,
      build: range(c.totalFundingUsd),
      help: 'total funding in USD (10M, 1.5B)',
    },
    last_funding_amount: {
      kind: 'money',
      ranges: true,
      build: range(c.lastFundingAmountUsd),
      help: 'last round in USD',
    },
    last_funding_date: { kind: 'date', ranges: true, build: range(c.lastFundingDate), help: 'YYYY-MM-DD' },
    last_funding_type: { kind: 'text', build: lowerEq(c.lastFundingType), help: 'round type' },
    headcount: { kind: 'int', ranges: true, build: range(c.headcount), help: 'employees' },
    founded: { kind: 'int', ranges: true, build: range(c.foundedYear), help: 'founded year' },
    growth: { kind: 'ratio', ranges: true, build: range(c.growth12m), help: '12-month growth (0.2 or 20%)' },
    growth_1m: { kind: 'ratio', ranges: true, build: range(c.growth1m), help: '1-month growth' },
    growth_3m: { kind: 'ratio', ranges: true, build: range(c.growth3m), help: '3-month growth' },
    growth_6m: { kind: 'ratio', ranges: true, build: range(c.growth6m), help: '6-month growth' },
    growth_12m: { kind: 'ratio', ranges: true, build: range(c.growth12m), help: '12-month growth' },
    growth_rank: { kind: 'int', ranges: true, build: range(c.growthRank), help: 'growth percentile 0-100' },
  },
  people: {
    company: {
      kind: 'text',
      build: (_o, v) =>
        or(
          lowerEq(p.companyName)('=', v),
          sql`${p.companyDomain} IN (${sql.join(
            (v.values ?? []).map((x) => sql`${normaliseDomain(x) ?? x}`),
            sql`, `,
          )})`,
        ) as SQL,
      help: 'current company name or domain',
    },
    title: { kind: 'substring', build: substring(p.title), help: 'words in the title' },
    email: {
      kind: 'text',
      build: (_o, v) =>
        sql`${p.emails} && ARRAY[${sql.join(
          (v.values ?? []).map((x) => sql`${normaliseEmail(x) ?? x}`),
          sql`, `,
        )}]::text[]`,
      help: 'email address',
    },
    past_company: { kind: 'keys', build: anyKey(p.pastCompanies), help: 'past company (domain or name)' },
    country: { kind: 'text', build: facet(p.facetKeys, 'country'), help: 'country' },
    region: { kind: 'text', build: facet(p.facetKeys, 'region'), help: 'region' },
    city: { kind: 'text', build: facet(p.facetKeys, 'city'), help: 'city' },
    location: {
      kind: 'text',
      build: facet(p.facetKeys, 'city', 'region', 'country'),
      help: 'city, region or country',
    },
  },
  investors: {
    type: { kind: 'text', build: facet(i.facetKeys, 'type'), help: 'VC, Angel, CVC, PE, Accelerator…' },
    country: { kind: 'text', build: facet(i.facetKeys, 'country'), help: 'HQ country' },
    region: { kind: 'text', build: facet(i.facetKeys, 'region'), help: 'HQ region' },
    city: { kind: 'text', build: facet(i.facetKeys, 'city'), help: 'HQ city' },
    location: {
      kind: 'text',
      build: facet(i.facetKeys, 'city', 'region', 'country'),
      help: 'city, region or country',
    },
    domain: {
      kind: 'domain',
      build: domainIn(i.domain),
      help: 'domain',
    },
    investments: {
      kind: 'int',
      ranges: true,
      build: range(i.investmentsCount),
      help: 'number of investments',
    },
    portfolio: {
      kind: 'keys',
      build: anyKey(i.notablePortfolio),
      help: 'portfolio company (domain or name)',
    },
  },
};

const sortKeys: Record<SearchEntity, SortKey[]> = {
  companies: ['growth', 'funding', 'headcount', 'name'],
  people: ['name', 'growth', 'funding', 'headcount'],
  investors: ['name', 'investments'],
};
const defaultSort: Record<SearchEntity, SortKey> = { companies: 'growth', people: 'name', investors: 'name' };

/** The filter keys an entity accepts, with a short description: for help texts and errors. */
export function filterKeys(entity: SearchEntity): Array<{ key: string; ranges: boolean; help: string }> {
  return Object.entries(filterDefs[entity]).map(([key, d]) => ({
    key,
    ranges: d.ranges === true,
    help: d.help,
  }));
}

/** The sort orders an entity accepts; the first is the default. */
export function sortOrders(entity: SearchEntity): SortKey[] {
  const all = sortKeys[entity];
  return [defaultSort[entity], ...all.filter((s) => s !== defaultSort[entity])];
}

function parseValue(entity: SearchEntity, f: Filter, def: FilterDef): ParsedValue {
  const bad = (what: string) =>
    new SearchInputError(`filter ${f.key}${f.op}${f.value}: ${JSON.stringify(f.value)} is not ${what}`);
  switch (def.kind) {
    case 'text':
    case 'keys':
    case 'substring': {
      const values = f.value
        .split(',')
        .map((v) => v.trim().toLowerCase())
        .filter((v) => v !== '');
      if (values.length === 0) throw bad('a value');
      return { values };
    }
    case 'domain': {
      const values = f.value.split(',').map((v) => {
        const d = normaliseDomain(v);
        if (d === null) throw bad('a domain');
        return d;
      });
      return { values };
    }
    case 'int': {
      const n = Number(f.value.replace(/[,_]/g, ''));
      if (!Number.isFinite(n)) throw bad('a number');
      return { number: n };
    }
    case 'money': {
      const n = parseMoney(f.value);
      if (n === null) throw bad('an amount (e.g. 5000000, 5M, 1.2B)');
      return { number: n };
    }
    case 'ratio': {
      const pct = /^(-?[0-9.]+)\s*%$/.exec(f.value);
      const n = pct?.[1] !== undefined ? Number(pct[1]) / 100 : Number(f.value);
      if (!Number.isFinite(n)) throw bad('a growth ratio (0.2 or 20%)');
      return { number: n };
    }
    case 'date': {
      const d = parseDate(f.value);
      if (d === null) throw bad('a date (YYYY-MM-DD)');
      return { number: d };
    }
  }
  throw new SearchInputError(`filter ${f.key} on ${entity} cannot be used`);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export interface CompiledSearch {
  entity: SearchEntity;
  where: SQL | undefined;
  orderBy: SQL[];
  sort: SortKey;
}

/**
 * Checks a search and turns it into SQL. Every problem is a {@link SearchInputError} naming the
 * key or value at fault, raised before anything runs.
 */
export function compileSearch(entity: SearchEntity, spec: SearchSpec): CompiledSearch {
  if (!searchEntities.includes(entity)) {
    throw new SearchInputError(`unknown entity ${JSON.stringify(entity)} (use ${searchEntities.join(', ')})`);
  }
  const defs = filterDefs[entity];
  const conds: SQL[] = [];
  for (const f of spec.filters ?? []) {
    const def = defs[f.key];
    if (!def) {
      throw new SearchInputError(
        `unknown filter key ${JSON.stringify(f.key)} for ${entity} (known: ${Object.keys(defs).join(', ')})`,
      );
    }
    if (f.op !== '=' && !def.ranges) {
      throw new SearchInputError(`filter ${f.key} takes = only, not ${f.op}`);
    }
    conds.push(def.build(f.op, parseValue(entity, f, def)));
  }
  const q = spec.query?.trim().toLowerCase();
  if (q) {
    const table = entity === 'companies' ? c : entity === 'people' ? p : i;
    conds.push(sql`${table.searchText} LIKE ${`%${escapeLike(q)}%`}`);
  }
  const sort = spec.sort ?? defaultSort[entity];
  if (!sortKeys[entity].includes(sort)) {
    throw new SearchInputError(
      `cannot sort ${entity} by ${JSON.stringify(sort)} (use ${sortKeys[entity].join(', ')})`,
    );
  }
  return {
    entity,
    where: conds.length > 0 ? and(...conds) : undefined,
    orderBy: orderFor(entity, sort),
    sort,
  };
}

const descNullsLast = (col: PgColumn) => sql`${col} DESC NULLS LAST`;

function orderFor(entity: SearchEntity, sort: SortKey): SQL[] {
  switch (entity) {
    case 'companies': {
      const col = { growth: c.growthRank, funding: c.totalFundingUsd, headcount: c.headcount }[
        sort as 'growth' | 'funding' | 'headcount'
      ];
      return col ? [descNullsLast(col), asc(c.id)] : [sql`lower(${c.name})`, asc(c.id)];
    }
    case 'people': {
      const col = { growth: c.growthRank, funding: c.totalFundingUsd, headcount: c.headcount }[
        sort as 'growth' | 'funding' | 'headcount'
      ];
      return col ? [descNullsLast(col), asc(p.id)] : [sql`lower(${p.name})`, asc(p.id)];
    }
    case 'investors':
      return sort === 'investments'
        ? [descNullsLast(i.investmentsCount), asc(i.id)]
        : [sql`lower(${i.name})`, asc(i.id)];
  }
}

export interface SearchOptions {
  limit?: number;
  offset?: number;
  /** Also count every match (a second query). */
  withTotal?: boolean;
  /** Restrict to these entity ids (saved searches' "new" results, lists). */
  ids?: number[];
  tx?: Db;
}

export interface SearchPage<T extends SearchResult = SearchResult> {
  entity: SearchEntity;
  sort: SortKey;
  results: T[];
  total?: number;
}

/** Runs a search: filters, text query and sort, one page of results (default 25, at most 1000). */
export async function search(
  store: Store,
  entity: SearchEntity,
  spec: SearchSpec,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const compiled = compileSearch(entity, spec);
  return runCompiled(store, compiled, options);
}

/** Runs an already compiled search. */
export async function runCompiled(
  store: Store,
  compiled: CompiledSearch,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const limit = Math.min(Math.max(options.limit ?? 25, 0), 1000);
  const offset = Math.max(options.offset ?? 0, 0);
  const db = options.tx ?? store.db;
  const table = tableOf(compiled.entity);
  const idFilter = options.ids ? idIn(table.id, options.ids) : undefined;
  const where = and(compiled.where, idFilter);
  let results: SearchResult[];
  if (compiled.entity === 'people') {
    results = await db
      .select({ ...getTableColumns(p), companyGrowthRank: c.growthRank })
      .from(p)
      .leftJoin(c, eq(c.domain, p.companyDomain))
      .where(where)
      .orderBy(...compiled.orderBy)
      .limit(limit)
      .offset(offset);
  } else {
    results = (await db
      .select()
      .from(table)
      .where(where)
      .orderBy(...compiled.orderBy)
      .limit(limit)
      .offset(offset)) as SearchResult[];
  }
  const page: SearchPage = { entity: compiled.entity, sort: compiled.sort, results };
  if (options.withTotal) {
    const [row] = await db.select({ n: count() }).from(table).where(where);
    page.total = Number(row?.n ?? 0);
  }
  return page;
}

/** The table holding an entity kind. */
export function tableOf(entity: SearchEntity): typeof c | typeof p | typeof i {
  return entity === 'companies' ? c : entity === 'people' ? p : i;
}

function idIn(col: PgColumn, ids: number[]): SQL {
  if (ids.length === 0) return sql`false`;
  return sql`${col} = ANY(${`{${ids.join(',')}}`}::bigint[])`;
}

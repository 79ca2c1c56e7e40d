import type { Command } from 'commander';
import {
  type CompanyResult,
  type Filter,
  type InvestorResult,
  newResultsSince,
  type PersonResult,
  parseFilter,
  runSavedSearch,
  type SearchEntity,
  SearchInputError,
  type SearchPage,
  type SearchResult,
  type SearchSpec,
  type SortKey,
  saveSearch,
  search,
  searchEntities,
} from '../../intelligence/index.js';
import { CliError, output } from '../context.js';
import { plural } from '../format.js';
import { withStore } from './import.js';

const singular: Record<SearchEntity, string> = {
  companies: 'company',
  people: 'person',
  investors: 'investor',
};

const money = (n: number | null) =>
  n === null
    ? '-'
    : n >= 1e9
      ? `$${(n / 1e9).toFixed(1)}B`
      : n >= 1e6
        ? `$${(n / 1e6).toFixed(1)}M`
        : n >= 1e3
          ? `$${Math.round(n / 1e3)}k`
          : `$${n}`;
const pct = (g: number | null) => (g === null ? '-' : `${g >= 0 ? '+' : ''}${Math.round(g * 100)}%`);

/** One line per result, the columns that matter for the kind. */
export function renderResult(entity: SearchEntity, r: SearchResult): string {
  if (entity === 'companies') {
    const c = r as CompanyResult;
    return [
      c.name,
      c.domain,
      [c.hqCity, c.hqCountry].filter(Boolean).join(', ') || '-',
      c.stage ?? '-',
      money(c.totalFundingUsd),
      c.headcount === null ? '-' : `${c.headcount} people`,
      `12m ${pct(c.growth12m)}`,
      `rank ${c.growthRank ?? '-'}`,
    ].join(' | ');
  }
  if (entity === 'people') {
    const p = r as PersonResult;
    return [
      p.name,
      p.title ?? '-',
      p.companyName ?? p.companyDomain ?? '-',
      p.emails[0] ?? p.linkedinUrl ?? '-',
    ].join(' | ');
  }
  const i = r as InvestorResult;
  return [
    i.name,
    i.domain,
    i.type ?? '-',
    [i.hqCity, i.hqCountry].filter(Boolean).join(', ') || '-',
    `${i.investmentsCount ?? '-'} investments`,
  ].join(' | ');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface SearchOpts {
  query?: string;
  filter: string[];
  sort?: string;
  limit: string;
  save?: string;
  saved?: string;
  new?: boolean;
}

/**
 * `affinity-sync search <companies|people|investors>`: filters, text query, sort; `--save NAME`
 * remembers the search, `--saved NAME [--new]` runs it again (only the results new since the last
 * `--new` check with `--new`).
 */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('search the intelligence dataset; save searches and see what is new since last time')
    .argument('[entity]', searchEntities.join('|'))
    .option('--query <text>', 'text in the name or domain (people: name or email)')
    .option('--filter <expr>', 'key=value, key>=n or key<=n (repeatable; a=x,y means any of)', collect, [])
    .option('--sort <order>', 'growth|funding|headcount|name (investors: name|investments)')
    .option('--limit <n>', 'results shown', '25')
    .option('--save <name>', 'save this search under a name')
    .option('--saved <name>', 'run a saved search')
    .option('--new', 'with --saved: only results new since the last --new check (then marked seen)')
    .action(async (entityArg: string | undefined, opts: SearchOpts, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 0 || limit > 1000) {
        throw new CliError(`--limit ${JSON.stringify(opts.limit)}: use a whole number from 0 to 1000`);
      }
      if (opts.new && !opts.saved) throw new CliError('--new needs --saved NAME');
      if (opts.saved && (opts.save || opts.query || opts.filter.length > 0 || opts.sort)) {
        throw new CliError(
          '--saved runs a saved search as saved; to change it, use --save NAME with the new filters',
        );
      }
      try {
        await withStore(cmd, async (store) => {
          if (opts.saved) {
            const name = opts.saved;
            if (opts.new) {
              const page = await newResultsSince(store, name, { limit });
              show(cmd, page, `${plural(page.newCount, 'new result')} for "${name}"`, {
                savedSearch: page.savedSearch.name,
                newCount: page.newCount,
              });
            } else {
              const page = await runSavedSearch(store, name, { limit, withTotal: true });
              show(cmd, page, `${plural(page.total ?? 0, 'result')} for "${name}"`, {
                savedSearch: page.savedSearch.name,
              });
            }
            return;
          }
          if (!entityArg) throw new CliError(`name what to search: ${searchEntities.join(', ')}`);
          if (!(searchEntities as readonly string[]).includes(entityArg)) {
            throw new CliError(
              `unknown entity ${JSON.stringify(entityArg)}: use ${searchEntities.join(', ')}`,
            );
          }
          const entity = entityArg as SearchEntity;
          const filters: Filter[] = opts.filter.map(parseFilter);
          const spec: SearchSpec = { query: opts.query, filters, sort: opts.sort as SortKey | undefined };
          const page = await search(store, entity, spec, { limit, withTotal: true });
          let saved: { savedSearch: string } | Record<string, never> = {};
          if (opts.save) {
            const s = await saveSearch(store, opts.save, entity, spec);
            saved = { savedSearch: s.savedSearch.name };
          }
          show(
            cmd,
            page,
            `${plural(page.total ?? 0, singular[entity], entity)}${opts.save ? ` (saved as "${opts.save}")` : ''}`,
            saved,
          );
        });
      } catch (err) {
        if (err instanceof SearchInputError) throw new CliError(err.message);
        throw err;
      }
    });
}

function show(cmd: Command, page: SearchPage, title: string, extra: Record<string, unknown>): void {
  output(
    cmd,
    { ok: true, ...extra, entity: page.entity, sort: page.sort, total: page.total, results: page.results },
    () =>
      [
        `${title}, by ${page.sort}${page.results.length < (page.total ?? 0) ? `, showing ${page.results.length}` : ''}`,
        ...page.results.map((r) => `  ${renderResult(page.entity, r)}`),
      ].join('\n'),
  );
}

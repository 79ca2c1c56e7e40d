import type { Command } from 'commander';
import { setAutoPush } from '../../app/auto-push.js';
import {
  type CompanyItem,
  createSavedSearch,
  type InvestorItem,
  type PersonItem,
  runSavedSearch,
  type SearchResult,
  type SearchResultRow,
  searchIntelligence,
} from '../../app/search.js';
import { type SearchEntity, searchEntities } from '../../intelligence/index.js';
import { CliError, output, withApp } from '../context.js';
import { plural } from '../format.js';

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
export function renderResult(entity: SearchEntity, r: SearchResultRow): string {
  if (entity === 'companies') {
    const c = r as CompanyItem;
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
    const p = r as PersonItem;
    return [
      p.name,
      p.title ?? '-',
      p.companyName ?? p.companyDomain ?? '-',
      p.emails[0] ?? p.linkedinUrl ?? '-',
    ].join(' | ');
  }
  const i = r as InvestorItem;
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
  autoPush?: string;
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
    .option(
      '--auto-push <on|off>',
      'with --save or --saved: push its new results and changed values to Affinity after every change to the data',
    )
    .action(async (entityArg: string | undefined, opts: SearchOpts, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 0 || limit > 1000) {
        throw new CliError(`--limit ${JSON.stringify(opts.limit)}: use a whole number from 0 to 1000`);
      }
      if (opts.new && !opts.saved) throw new CliError('--new needs --saved NAME');
      const autoPush = autoPushFlag(opts);
      if (opts.saved && (opts.save || opts.query || opts.filter.length > 0 || opts.sort)) {
        throw new CliError(
          '--saved runs a saved search as saved; to change it, use --save NAME with the new filters',
        );
      }
      await withApp(cmd, async (ctx) => {
        if (opts.saved) {
          const name = opts.saved;
          const marked =
            autoPush === undefined
              ? {}
              : { autoPush: (await setAutoPush(ctx, { kind: 'search', ref: name, on: autoPush })).autoPush };
          if (opts.new) {
            const page = await runSavedSearch(ctx, { savedSearch: name, new: true, markSeen: true, limit });
            const newCount = page.newCount ?? 0;
            show(
              cmd,
              { ...page, total: undefined },
              `${plural(newCount, 'new result')} for "${name}"${autoPushNote(autoPush)}`,
              { savedSearch: page.savedSearch.name, newCount, ...marked },
            );
          } else {
            const page = await runSavedSearch(ctx, { savedSearch: name, limit });
            show(cmd, page, `${plural(page.total, 'result')} for "${name}"${autoPushNote(autoPush)}`, {
              savedSearch: page.savedSearch.name,
              ...marked,
            });
          }
          return;
        }
        if (!entityArg) throw new CliError(`name what to search: ${searchEntities.join(', ')}`);
        if (!(searchEntities as readonly string[]).includes(entityArg)) {
          throw new CliError(`unknown entity ${JSON.stringify(entityArg)}: use ${searchEntities.join(', ')}`);
        }
        const entity = entityArg as SearchEntity;
        const spec = { entity, query: opts.query, filter: opts.filter, sort: opts.sort };
        const page = await searchIntelligence(ctx, { ...spec, limit });
        let saved: { savedSearch: string; autoPush?: boolean } | Record<string, never> = {};
        if (opts.save) {
          const s = await createSavedSearch(ctx, { ...spec, name: opts.save, replace: true });
          saved = { savedSearch: s.savedSearch.name };
          if (autoPush !== undefined)
            saved.autoPush = (
              await setAutoPush(ctx, { kind: 'search', ref: s.savedSearch.id, on: autoPush })
            ).autoPush;
        } else if (autoPush !== undefined)
          throw new CliError('--auto-push needs --save NAME or --saved NAME');
        show(
          cmd,
          page,
          `${plural(page.total, singular[entity], entity)}${opts.save ? ` (saved as "${opts.save}"${autoPushNote(autoPush)})` : ''}`,
          saved,
        );
      });
    });
}

/** `--auto-push on|off` as a boolean (undefined when not given). */
function autoPushFlag(opts: { autoPush?: string }): boolean | undefined {
  if (opts.autoPush === undefined) return undefined;
  if (opts.autoPush === 'on') return true;
  if (opts.autoPush === 'off') return false;
  throw new CliError(`--auto-push ${JSON.stringify(opts.autoPush)}: use on or off`);
}

function autoPushNote(on: boolean | undefined): string {
  return on === undefined ? '' : `; auto-push ${on ? 'on' : 'off'}`;
}

type ShownPage = Pick<SearchResult, 'entity' | 'sort' | 'results'> & { total: number | undefined };

function show(cmd: Command, page: ShownPage, title: string, extra: Record<string, unknown>): void {
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

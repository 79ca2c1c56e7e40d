import type { Command } from 'commander';
import { viewCrm } from '../../app/crm.js';
import { type CrmCounts, type CrmRow, type CrmSort, crmSorts } from '../../sync/pull/index.js';
import { CliError, output, withApp } from '../context.js';
import { plural } from '../format.js';

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)}%`;
const money = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : v >= 1e9 ? `$${(v / 1e9).toFixed(1)}B` : `$${(v / 1e6).toFixed(1)}M`;

function line(r: CrmRow): string {
  const c = r.company;
  const enrichment = c
    ? `rank ${c.growthRank === null ? '—' : c.growthRank.toFixed(0)}  headcount ${c.headcount ?? '—'} (${pct(c.headcountGrowth12m)} 12m)  funding ${money(c.totalFundingUsd)}  ${c.stage ?? ''}`
    : '';
  return `${String(r.crmId).padStart(6)}  ${r.matchStatus.padEnd(9)} ${r.name.slice(0, 36).padEnd(36)} ${enrichment}  [${r.lists.join(', ')}]`;
}

/** `My CRM: 312 records on 3 lists (showing 20 of 45 on list "Deal Flow", sorted by growth); …` */
function header(
  counts: CrmCounts & { showing: number },
  filter: { list?: { name: string }; sort: string },
  allConnections: boolean,
): string {
  const of = filter.list
    ? ` of ${counts.matching} on list ${JSON.stringify(filter.list.name)}`
    : ` of ${counts.matching}`;
  return (
    `My CRM${allConnections ? ' (every connection)' : ''}: ${plural(counts.records, 'record')} on ${plural(counts.lists, 'list')}` +
    ` (showing ${counts.showing}${of}, sorted by ${filter.sort}) — matched ${counts.matched}, ambiguous ${counts.ambiguous}, unmatched ${counts.unmatched}`
  );
}

/**
 * `affinity-sync crm`: My CRM — the pulled records with their lists, match status and enrichment,
 * ranked by growth (or name, or funding), under a header with the counts and the filter. It reads
 * only the store: no stored connection or reachable Affinity is needed.
 */
export function registerCrm(program: Command): void {
  program
    .command('crm')
    .description('the growth-ranked view of My CRM')
    .option('--list <list>', 'only records on this Affinity list (id or name)')
    .option('--sort <sort>', crmSorts.join('|'), 'growth')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (flags: { list?: string; sort: string; limit: string }, cmd: Command) => {
      if (!(crmSorts as readonly string[]).includes(flags.sort))
        throw new CliError(`--sort ${flags.sort}: use ${crmSorts.join(', ')}`);
      if (flags.list !== undefined && flags.list.trim() === '')
        throw new CliError('--list "": name a pulled list (id or name)');
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
        throw new CliError(`--limit ${flags.limit}: use a whole number from 1 to 100000`);
      await withApp(cmd, async (ctx) => {
        const view = await viewCrm(ctx, {
          ...(flags.list === undefined ? {} : { list: flags.list }),
          sort: flags.sort as CrmSort,
          limit,
          signals: false,
        });
        const { list, counts, scope, records: rows } = view;
        output(
          cmd,
          {
            ok: true,
            ...(list ? { list } : {}),
            counts,
            filter: { ...(list ? { list } : {}), sort: flags.sort, limit },
            scope,
            records: rows,
          },
          () =>
            counts.records === 0 && counts.lists === 0
              ? 'My CRM is empty: run `affinity-sync pull`'
              : rows.length > 0
                ? [
                    header(
                      counts,
                      { ...(list ? { list } : {}), sort: flags.sort },
                      scope === 'every connection',
                    ),
                    ...rows.map(line),
                  ].join('\n')
                : list
                  ? `no records on ${list.name} in My CRM`
                  : 'My CRM is empty: run `affinity-sync pull`',
        );
      });
    });
}

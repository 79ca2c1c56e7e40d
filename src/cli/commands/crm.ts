import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import { type ConnectionInfo, getConnection } from '../../sync/connections.js';
import {
  type CrmCounts,
  type CrmRow,
  type CrmScope,
  type CrmSort,
  crmCounts,
  crmSorts,
  crmView,
  pulledList,
} from '../../sync/pull/index.js';
import { CliError, configFrom, output, withStore } from '../context.js';
import { plural } from '../format.js';
import { asCliErrors } from './pull.js';

/**
 * Whose records a command that only reads the store shows: the configured connection's when it is
 * stored, else every connection's. It never opens a client, so it works without Affinity.
 */
export async function readScope(
  store: Store,
  config: Config,
): Promise<{ connectionId: CrmScope; connection: ConnectionInfo | null }> {
  const connection = await getConnection(store, config.connection);
  return { connectionId: connection?.id, connection };
}

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
      const config = configFrom(cmd);
      await withStore(config, async (store) => {
        const { connectionId } = await readScope(store, config);
        const list =
          flags.list === undefined
            ? undefined
            : await asCliErrors(() => pulledList(store, connectionId, flags.list as string));
        const filter = { ...(list === undefined ? {} : { list: list.id }) };
        const rows = await crmView(store, connectionId, { sort: flags.sort as CrmSort, limit, ...filter });
        const counts = { ...(await crmCounts(store, connectionId, filter)), showing: rows.length };
        output(
          cmd,
          {
            ok: true,
            ...(list ? { list } : {}),
            counts,
            filter: { ...(list ? { list } : {}), sort: flags.sort, limit },
            scope: connectionId === undefined ? 'every connection' : 'connection',
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
                      connectionId === undefined,
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

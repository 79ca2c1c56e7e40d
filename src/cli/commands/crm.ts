import type { Command } from 'commander';
import { type CrmRow, type CrmSort, crmSorts, crmView, pulledList } from '../../sync/pull/index.js';
import { CliError, configFrom, output, withStore } from '../context.js';
import { asCliErrors, requireConnection } from './pull.js';

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

/**
 * `affinity-sync crm`: My CRM — the pulled records with their lists, match status and enrichment,
 * ranked by growth (or name, or funding).
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
        const connection = await requireConnection(store, config);
        const list =
          flags.list === undefined
            ? undefined
            : await asCliErrors(() => pulledList(store, connection.id, flags.list as string));
        const rows = await crmView(store, connection.id, {
          sort: flags.sort as CrmSort,
          limit,
          ...(list === undefined ? {} : { list: list.id }),
        });
        output(cmd, { ok: true, ...(list ? { list } : {}), records: rows }, () =>
          rows.length > 0
            ? rows.map(line).join('\n')
            : list
              ? `no records on ${list.name} in My CRM`
              : 'My CRM is empty: run `affinity-sync pull`',
        );
      });
    });
}

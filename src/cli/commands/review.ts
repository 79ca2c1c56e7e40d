import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { decideReview, listReview, type ReviewDecided } from '../../app/review.js';
import type { ReviewCounts } from '../../sync/pull/index.js';
import { CliError, output, withApp } from '../context.js';

/** `Review: 14 to settle — 11 unmatched, 3 ambiguous (list "Deal Flow", showing 10)` */
function header(counts: ReviewCounts & { showing: number }, list: { name: string } | undefined): string {
  const filter = [
    ...(list ? [`list ${JSON.stringify(list.name)}`] : []),
    ...(counts.showing < counts.toSettle ? [`showing ${counts.showing}`] : []),
  ];
  const head =
    counts.toSettle === 0
      ? 'Review: nothing to settle'
      : `Review: ${counts.toSettle} to settle — ${counts.unmatched} unmatched, ${counts.ambiguous} ambiguous`;
  return `${head}${filter.length > 0 ? ` (${filter.join(', ')})` : ''}`;
}

function crmIdOf(raw: string): number {
  if (!/^\d+$/.test(raw))
    throw new CliError(`${raw}: not a My CRM record id (the number \`affinity-sync review\` shows)`);
  return Number(raw);
}

async function decide(
  cmd: Command,
  fn: (ctx: AppContext) => Promise<ReviewDecided>,
  say: (o: ReviewDecided) => string,
): Promise<void> {
  const outcome = await withApp(cmd, fn);
  output(cmd, outcome, () => say(outcome));
}

/**
 * `affinity-sync review [list]`: the My CRM records matching could not settle, under a header with
 * their counts and the filter, and the decisions that settle them for good — `link` (to an entity
 * by id, or by its domain, email or LinkedIn URL), `ignore`, `create`. They read and write only the
 * store: no stored connection or reachable Affinity is needed (without a connection, every
 * connection's records).
 */
export function registerReview(program: Command): void {
  const review = program
    .command('review')
    .description('review unmatched and ambiguous My CRM records')
    .argument('[list]', 'only records on this Affinity list (id or name)')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (list: string | undefined, flags: { limit: string }, cmd: Command) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new CliError(`--limit ${flags.limit}: use a whole number ≥ 1`);
      await withApp(cmd, async (ctx) => {
        const {
          list: pulled,
          counts,
          scope,
          pulled: anyPulled,
          items,
        } = await listReview(ctx, {
          ...(list === undefined ? {} : { list }),
          limit,
        });
        output(
          cmd,
          {
            ok: true,
            ...(pulled ? { list: pulled } : {}),
            counts,
            filter: { ...(pulled ? { list: pulled } : {}), limit },
            scope,
            items,
          },
          () => {
            if (!anyPulled) return 'nothing pulled yet: run `affinity-sync pull` to fill My CRM';
            if (items.length === 0) return header(counts, pulled);
            return `${header(counts, pulled)}\n${items
              .map((i) => {
                const key = i.affinityType === 'person' ? i.emails.join(', ') : i.domains.join(', ');
                const cands =
                  i.candidates.length > 0
                    ? `\n      candidates: ${i.candidates.map((c) => `${c.kind}:${c.id} ${c.name} (by ${c.by})`).join('; ')}`
                    : '';
                return `${String(i.crmId).padStart(6)}  ${i.status.padEnd(9)} ${i.affinityType.padEnd(12)} ${i.name}${key ? ` <${key}>` : ''}  [${i.lists.join(', ')}]${cands}`;
              })
              .join('\n')}`;
          },
        );
      });
    });
  review
    .command('link')
    .description(
      'link a record to a dataset entity: company:ID, investor:ID, person:ID, a bare id, a domain, an email or a LinkedIn URL',
    )
    .argument('<crmId>')
    .argument('<entity>')
    .action(async (crmId: string, entity: string, _flags, cmd: Command) => {
      const id = crmIdOf(crmId);
      await decide(
        cmd,
        (ctx) => decideReview(ctx, { crmId: id, decision: 'link', entity }),
        (o) => `record ${o.crmId} linked to ${o.kind}:${o.entityId}`,
      );
    });
  review
    .command('ignore')
    .description('leave a record out of review for good')
    .argument('<crmId>')
    .action(async (crmId: string, _flags, cmd: Command) => {
      const id = crmIdOf(crmId);
      await decide(
        cmd,
        (ctx) => decideReview(ctx, { crmId: id, decision: 'ignore' }),
        (o) => `record ${o.crmId} ignored`,
      );
    });
  review
    .command('create')
    .description('add the record to the intelligence dataset and link it')
    .argument('<crmId>')
    .option('--as <kind>', 'for organizations: company (default) or investor')
    .action(async (crmId: string, flags: { as?: string }, cmd: Command) => {
      if (flags.as !== undefined && flags.as !== 'company' && flags.as !== 'investor')
        throw new CliError(`--as ${flags.as}: use company or investor`);
      const id = crmIdOf(crmId);
      await decide(
        cmd,
        (ctx) =>
          decideReview(ctx, {
            crmId: id,
            decision: 'create',
            ...(flags.as === undefined ? {} : { as: flags.as as 'company' | 'investor' }),
          }),
        (o) => `record ${o.crmId} added to the dataset as ${o.kind}:${o.entityId} and linked`,
      );
    });
}

import type { Command } from 'commander';
import { setBudget, type UsageResult, usage } from '../../app/usage.js';
import { CliError, output, withApp } from '../context.js';

function percent(flag: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'off' || raw === 'none') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw new CliError(`${flag} ${JSON.stringify(raw)}: use a whole percentage from 0 to 100, or off`);
  return n;
}

const n = (v: number) => v.toLocaleString('en-US');

function render(u: UsageResult): string {
  const q = u.quota;
  const lines = [
    `Affinity calls in ${u.month} (connection ${u.connection}): ${n(u.total.apiCalls)} by ${n(u.total.runs)} runs`,
  ];
  const quota = q.unlimited
    ? 'unlimited'
    : q.limit === null
      ? 'not known yet (no call has reported it)'
      : `${n(q.limit)} a month, ${q.remaining === null ? '?' : n(q.remaining)} left${q.remainingSource === 'estimated' ? ' (estimated from our calls)' : ''}`;
  lines.push(`  quota: ${quota}; resets ${q.resetAt}`);
  const b = u.budget;
  lines.push(
    `  automation budget: ${b.automationBudgetPct === null ? 'no cap' : `${b.automationBudgetPct}%${b.automationShare === null ? '' : ` = ${n(b.automationShare)} calls`}`}, spent ${n(b.automationSpent)}${b.automationLeft === null ? '' : `, ${n(b.automationLeft)} left`}`,
    `  manual runs warn above: ${b.manualWarnPct === null ? 'what is left' : `${b.manualWarnPct}% of what is left`}`,
  );
  if (u.byTrigger.length > 0) {
    lines.push('  by trigger:');
    for (const t of u.byTrigger)
      lines.push(`    ${t.trigger.padEnd(10)} ${n(t.apiCalls).padStart(9)} calls  ${t.runs} runs`);
  }
  if (u.autoPush.length > 0)
    lines.push(`  auto-push: ${u.autoPush.map((t) => `${t.kind} "${t.name}"`).join(', ')}`);
  if (u.webhooks.deliveries > 0)
    lines.push(
      `  webhook deliveries: ${n(u.webhooks.apiCalls)} calls by ${n(u.webhooks.deliveries)} deliveries`,
    );
  if (u.bySchedule.length > 0) {
    lines.push('  by schedule:');
    for (const s of u.bySchedule)
      lines.push(
        `    ${(s.name ?? `#${s.scheduleId}`).padEnd(20)} ${n(s.apiCalls).padStart(9)} calls  ${s.runs} runs`,
      );
  }
  if (u.runs.length > 0) {
    lines.push('  most expensive runs:');
    for (const r of u.runs.slice(0, 10))
      lines.push(`    #${r.runId} ${r.kind} (${r.trigger}, ${r.status}) ${n(r.apiCalls)} calls`);
  }
  return lines.join('\n');
}

/**
 * `affinity-sync usage`: Affinity calls used this month against the monthly quota, and
 * `usage budget --automation PCT --warn PCT` to set the share automation may spend.
 */
export function registerUsage(program: Command): void {
  const cmd = program
    .command('usage')
    .description(
      'Affinity calls used this month: in total, per trigger, schedule and run, and the quota left',
    )
    .option('--month <YYYY-MM>', 'another month (UTC)')
    .action(async (opts: { month?: string }, c: Command) => {
      await withApp(c, async (ctx) => {
        const u = await usage(ctx, opts.month === undefined ? {} : { month: opts.month });
        output(c, { ok: true, ...u }, () => render(u));
      });
    });

  cmd
    .command('budget')
    .description(
      'set the share of the monthly quota scheduled and auto-push runs may spend, and when manual runs warn (admins)',
    )
    .option('--automation <pct>', 'percent of the monthly quota for automation, or off')
    .option('--warn <pct>', 'a manual plan warns above this percent of what is left, or off')
    .action(async (opts: { automation?: string; warn?: string }, c: Command) => {
      const automationBudgetPct = percent('--automation', opts.automation);
      const manualWarnPct = percent('--warn', opts.warn);
      if (automationBudgetPct === undefined && manualWarnPct === undefined)
        throw new CliError('give --automation PCT and/or --warn PCT');
      await withApp(c, async (ctx) => {
        const set = await setBudget(ctx, {
          ...(automationBudgetPct !== undefined ? { automationBudgetPct } : {}),
          ...(manualWarnPct !== undefined ? { manualWarnPct } : {}),
        });
        output(c, { ok: true, ...set }, () =>
          [
            `automation budget: ${set.automationBudgetPct === null ? 'no cap' : `${set.automationBudgetPct}% of the monthly quota`}`,
            `manual runs warn above: ${set.manualWarnPct === null ? 'what is left' : `${set.manualWarnPct}% of what is left`}`,
          ].join('\n'),
        );
      });
    });
}

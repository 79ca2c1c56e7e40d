import type { Command } from 'commander';
import { getRun, listRuns, MAX_RUNS_PAGE, type RunDetail, type RunSummary } from '../../app/activity.js';
import { CliError, output, withApp } from '../context.js';
import { plural } from '../format.js';

interface ActivityFlags {
  failed?: boolean;
  limit: string;
}

/** The order a pull's numbers read in (as `pull` prints them); other counts follow as stored. */
const ORDER = [
  'entries',
  'records',
  'new',
  'updated',
  'added',
  'removed',
  'off-list',
  'matched',
  'ambiguous',
  'unmatched',
  'ignored',
  'read',
  'resumed',
  'values new',
  'values changed',
  'values gone',
  'calls',
];
const rank = (k: string) => {
  const i = ORDER.indexOf(k);
  return i < 0 ? ORDER.length : i;
};

function counts(c: unknown): string {
  const entries = Object.entries((c ?? {}) as Record<string, number>).sort(([a], [b]) => rank(a) - rank(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** How a record line names its record: the label, or its name with its domain or email, or ids. */
function labelOf(r: NonNullable<RunDetail['steps'][number]['records']>[number]): string {
  const d = r.details as {
    label?: string;
    name?: string | null;
    domain?: string | null;
    email?: string | null;
  };
  if (d.label) return d.label;
  if (d.name) {
    const key = d.domain ?? d.email;
    return key && key !== d.name ? `${d.name} <${key}>` : d.name;
  }
  return `${r.entityKind ?? ''} ${r.entityId ?? ''}`;
}

function runLine(r: RunSummary): string {
  const took =
    r.finishedAt !== null
      ? `${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)}s`
      : 'running';
  return `#${r.id} ${r.kind}${r.dryRun ? ' (dry run)' : ''} ${r.status} by ${r.actor} via ${r.trigger} at ${r.startedAt} (${took}) — ${counts(r.counts)}; ${plural(r.apiCalls, 'call')}, ${plural(r.throttled, '429', '429s')}, ${plural(r.retries, 'retry', 'retries')}${r.error ? ` — ${r.error}` : ''}`;
}

function renderDetail(d: RunDetail): string {
  const lines = [runLine(d.run)];
  const params = d.run.params as { description?: string };
  if (params.description) lines.push(`  what: ${params.description}`);
  for (const s of d.steps) {
    lines.push(
      `  step ${s.position + 1}. ${s.name}: ${s.status} — ${counts(s.counts)}${s.error ? ` — ${s.error}` : ''}`,
    );
    const records = s.records ?? [];
    for (const r of records.slice(0, 100)) {
      const label = labelOf(r);
      lines.push(
        `    ${r.outcome.padEnd(13)} ${label}${r.affinityId ? ` → ${r.affinityType} #${r.affinityId}` : ''}${r.message ? ` — ${r.message}` : ''}`,
      );
    }
    if (records.length > 100) lines.push(`    … ${records.length - 100} more (use --json)`);
  }
  return lines.join('\n');
}

/**
 * `affinity-sync activity [RUN_ID]`: the log of pushes and pulls, newest first, or one run step by
 * step with its record-level outcomes (`--failed`: only what failed).
 */
export function registerActivity(program: Command): void {
  program
    .command('activity [runId]')
    .description('show recent syncs, or one sync step by step with record-level outcomes')
    .option('--failed', 'only failed runs, or only the failed records of one run')
    .option('--limit <n>', 'runs to list', '20')
    .action(async (runId: string | undefined, flags: ActivityFlags, cmd: Command) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError(`--limit ${flags.limit}: use a whole number ≥ 1`);
      if (runId !== undefined && !/^\d+$/.test(runId))
        throw new CliError(`run id ${runId}: use a run's number (see \`affinity-sync activity\`)`);
      await withApp(cmd, async (ctx) => {
        if (runId !== undefined) {
          const detail = await getRun(ctx, {
            runId: Number(runId),
            ...(flags.failed ? { outcome: 'failed' } : {}),
            recordsPerStep: 10_000,
          });
          output(cmd, { ok: true, run: detail.run, steps: detail.steps }, () => renderDetail(detail));
          return;
        }
        // A page holds at most MAX_RUNS_PAGE runs; a larger --limit shows that many.
        const { runs } = await listRuns(ctx, {
          limit: Math.min(limit, MAX_RUNS_PAGE),
          failed: flags.failed === true,
        });
        output(cmd, { ok: true, runs }, () =>
          runs.length === 0 ? 'no syncs yet' : runs.map(runLine).join('\n'),
        );
      });
    });
}

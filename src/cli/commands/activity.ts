import type { Command } from 'commander';
import { getRun, listRuns, type RunDetail, type RunRow } from '../../sync/activity.js';
import { CliError, configFrom, output, withStore } from '../context.js';
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
function labelOf(r: RunDetail['steps'][number]['records'][number]): string {
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

function runLine(r: RunRow): string {
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
    for (const r of s.records.slice(0, 100)) {
      const label = labelOf(r);
      lines.push(
        `    ${r.outcome.padEnd(13)} ${label}${r.affinityId ? ` → ${r.affinityType} #${r.affinityId}` : ''}${r.message ? ` — ${r.message}` : ''}`,
      );
    }
    if (s.records.length > 100) lines.push(`    … ${s.records.length - 100} more (use --json)`);
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
      const config = configFrom(cmd);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError(`--limit ${flags.limit}: use a whole number ≥ 1`);
      await withStore(config, async (store) => {
        if (runId !== undefined) {
          if (!/^\d+$/.test(runId))
            throw new CliError(`run id ${runId}: use a run's number (see \`affinity-sync activity\`)`);
          const detail = await getRun(store, Number(runId), {
            ...(flags.failed ? { outcome: 'failed' as const } : {}),
            recordLimit: 10_000,
          });
          if (!detail) throw new CliError(`no run ${runId}`);
          output(cmd, { ok: true, ...detail }, () => renderDetail(detail));
          return;
        }
        const runs = (await listRuns(store, { limit: flags.failed ? Math.max(limit * 10, 200) : limit }))
          .filter(
            (r) =>
              !flags.failed ||
              r.status === 'failed' ||
              r.status === 'partial' ||
              r.status === 'stopped' ||
              r.status === 'interrupted',
          )
          .slice(0, limit);
        output(cmd, { ok: true, runs }, () =>
          runs.length === 0 ? 'no syncs yet' : runs.map(runLine).join('\n'),
        );
      });
    });
}

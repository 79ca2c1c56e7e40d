import type { Command } from 'commander';
import { AffinityAuthError, AffinityUnreachableError } from '../../affinity/index.js';
import { estimatePull, runPull } from '../../app/pull.js';
import type { Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import { ConnectionBusyError } from '../../sync/activity.js';
import {
  type ConnectionInfo,
  describeWorkspace,
  getConnection,
  openConnectionClient,
  secretBoxFor,
} from '../../sync/connections.js';
import {
  type PullEstimate,
  PullInputError,
  type PullListReport,
  type PullProgress,
  type PullReport,
} from '../../sync/pull/index.js';
import {
  CliError,
  EXIT,
  exitCodeForStatus,
  interruptSignal,
  output,
  wantsJson,
  withApp,
} from '../context.js';
import { plural } from '../format.js';

/** The stored connection, or a one-line reason to connect first. */
export async function requireConnection(store: Store, config: Config): Promise<ConnectionInfo> {
  const name = config.connection;
  const connection = await getConnection(store, name);
  if (connection) return connection;
  if (config.affinityApiKey !== undefined) {
    // A key in the environment connects on first use.
    return (await openConnectionClient(store, await secretBoxFor(config), config)).connection;
  }
  throw new CliError(
    `not connected to Affinity${name === 'default' ? '' : ` (connection ${name})`}: run \`affinity-sync connect --api-key KEY\` first`,
  );
}

/**
 * Turns expected problems into one-line CLI failures with their exit code: bad input (1), another
 * run holding the connection (4), Affinity unreachable or refusing the key (3).
 */
export async function asCliErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PullInputError) throw new CliError(err.message);
    if (err instanceof ConnectionBusyError) throw new CliError(err.message, EXIT.busy);
    if (err instanceof AffinityUnreachableError || err instanceof AffinityAuthError)
      throw new CliError(err.message, EXIT.stopped);
    throw err;
  }
}

function progressPrinter(json: boolean): (p: PullProgress) => void {
  if (json) return () => {};
  const shown = new Map<number, number>();
  return (p) => {
    if (p.type === 'list')
      process.stderr.write(
        `  ${p.name}: ${plural(p.fetched, 'entry', 'entries')} fetched${p.done ? ' (complete)' : ''}\n`,
      );
    else if (p.type === 'fields') {
      // About every 5% of the reads, and the last.
      const step = Math.max(50, Math.ceil(p.total / 20));
      if (p.fetched === p.total || p.fetched - (shown.get(p.listId) ?? 0) >= step) {
        shown.set(p.listId, p.fetched);
        process.stderr.write(`  ${p.name}: field values ${p.fetched}/${p.total}\n`);
      }
    } else if (p.type === 'matching') process.stderr.write('  matching to the dataset…\n');
  };
}

const NOUN = { organization: 'organization', person: 'person', opportunity: 'opportunity' } as const;

function listLine(l: PullListReport): string {
  const m = l.match;
  const head = `  ${l.name} (${l.id}, ${plural(l.records, NOUN[l.type])}): ${plural(l.entries, 'entry', 'entries')}`;
  const changes = `${l.newRecords} new, ${l.updatedRecords} updated, ${l.added} added, ${l.removed} removed`;
  const match = `matched ${m.matched}, ambiguous ${m.ambiguous}, unmatched ${m.unmatched}${m.ignored > 0 ? `, ignored ${m.ignored}` : ''}`;
  const f = l.fieldValues;
  const fields = l.withFields
    ? `; field values of ${plural(f.read, 'record')} read${f.resumed > 0 ? ` (${f.resumed} already stored)` : ''}: ${f.inserted} new, ${f.updated} changed, ${f.deleted} gone`
    : '';
  const status = l.status === 'complete' ? '' : `\n    ${l.status}: ${l.error ?? ''}`;
  return `${head} — ${changes}; ${match}; ${plural(l.calls, 'call')}${fields}${status}`;
}

function describe(r: PullReport, connection: ConnectionInfo): string {
  const lines = [
    `pull ${r.status} (run ${r.runId}) from ${describeWorkspace(connection)}: ${plural(r.api.requests, 'API call')}` +
      (r.sharedCalls > 0 ? ` (${r.sharedCalls} shared by the lists)` : ''),
  ];
  for (const l of r.lists) lines.push(listLine(l));
  const m = r.match.counts;
  if (r.lists.length > 1)
    lines.push(
      `  ${plural(r.match.records, 'record')} on these lists: matched ${m.matched}, ambiguous ${m.ambiguous}, unmatched ${m.unmatched}` +
        (r.match.ignored > 0 ? `, ignored ${r.match.ignored}` : ''),
    );
  if (r.offList > 0)
    lines.push(`  ${plural(r.offList, 'record')} left every pulled list (kept, marked off-list)`);
  if (r.status === 'succeeded' && m.ambiguous + m.unmatched > 0)
    lines.push('  run `affinity-sync review` to settle the unmatched ones');
  return lines.join('\n');
}

/** The one line printed after the report when a pull did not succeed. */
function failureLine(r: PullReport): string {
  switch (r.status) {
    case 'interrupted':
      return `interrupted: run ${r.runId} saved; run the same command again to resume`;
    case 'stopped':
      return `pull stopped: ${r.stopped?.reason ?? 'Affinity cannot be used'} (run ${r.runId})`;
    case 'partial':
      return `pull finished with failed lists (run ${r.runId}): ${r.error ?? ''}`;
    default:
      return `pull ${r.status} (run ${r.runId})${r.error ? `: ${r.error}` : ''}`;
  }
}

const TYPE_NAME = { organization: 'organizations', person: 'persons', opportunity: 'opportunities' } as const;

/** `pull --dry-run` in words: the lists, their sizes, and the calls with and without field values. */
function describeEstimate(e: PullEstimate, connection: ConnectionInfo): string {
  const lines = [`pull dry run on ${describeWorkspace(connection)}: nothing is written`];
  for (const l of e.lists)
    lines.push(
      `  ${l.name} (${l.id}, ${TYPE_NAME[l.type]}): ${plural(l.entries, 'entry', 'entries')} — ${plural(l.pageCalls, 'page call')}, up to ${plural(l.fieldValueCalls, 'field-value call')}${l.withFields ? ' (field values on)' : ''}`,
    );
  const s = e.shared;
  lines.push(
    `  shared: GET /lists 1${s.opportunityIndex > 0 ? `, opportunity index ${plural(s.opportunityIndex, 'page')}` : ''}, GET /fields 1 (only with field values)`,
  );
  const anyFields = e.lists.some((l) => l.withFields);
  lines.push(
    `  this pull: ${e.planned.text}${anyFields ? ' (with the field values asked for)' : ' (without field values)'}`,
  );
  lines.push(`  without field values: ${e.withoutFields.text}`);
  lines.push(`  with field values:    up to ${e.withFields.text}`);
  for (const n of e.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/**
 * `affinity-sync pull [--list ID|NAME ...] [--with-fields]`: imports Affinity lists into My CRM,
 * concurrently within the connection's rate budget, and matches them to the dataset. Without
 * `--list` it pulls the configured pull sources. The exit code follows the run: 0 succeeded,
 * 1 failed, 2 some lists failed, 3 stopped (Affinity unreachable, key refused, quota spent),
 * 4 another run holds the connection, 130 interrupted; re-running resumes. `--dry-run` spends one
 * call (`GET /lists`) to say which lists, how many entries and what the pull would cost; it writes
 * nothing.
 */
export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('pull Affinity lists into My CRM and match them to the intelligence dataset')
    .option('--list <list...>', 'Affinity list id or name (repeatable; default: the pull sources)')
    .option('--with-fields', 'also fetch field values (one API call per record)')
    .option('--dry-run', 'say which lists, how many entries and the calls it would cost; write nothing')
    .action(async (flags: { list?: string[]; withFields?: boolean; dryRun?: boolean }, cmd: Command) => {
      const json = wantsJson(cmd);
      const input = {
        ...(flags.list && flags.list.length > 0 ? { lists: flags.list } : {}),
        withFields: flags.withFields ?? false,
      };
      await withApp(cmd, async (app) => {
        await requireConnection(app.deps.store, app.deps.config);
        if (flags.dryRun) {
          const { connection, workspace, ...estimate } = await asCliErrors(() => estimatePull(app, input));
          output(cmd, { ok: true, dryRun: true, workspace, ...estimate }, () =>
            describeEstimate(estimate, connection),
          );
          return;
        }
        const interrupt = interruptSignal();
        let outcome: Awaited<ReturnType<typeof runPull>>;
        try {
          outcome = await asCliErrors(() =>
            runPull({ ...app, signal: interrupt.signal }, input, {
              onProgress: progressPrinter(json),
              onConnected: (connection) => {
                if (!json) process.stderr.write(`pulling from ${describeWorkspace(connection)}\n`);
              },
            }),
          );
        } finally {
          interrupt.dispose();
        }
        const { report, connection, workspace } = outcome;
        const code = exitCodeForStatus(report.status);
        output(cmd, { ok: code === EXIT.ok, workspace, ...report }, () => describe(report, connection));
        if (code !== EXIT.ok) throw new CliError(failureLine(report), code, { reported: true });
      });
    });
}

import type { Command } from 'commander';
import { type PushOfKind, type PushOutcome, runPush } from '../../app/push.js';
import { type ConnectionInfo, describeWorkspace } from '../../sync/connections.js';
import { type PushMode, pushModes } from '../../sync/destinations.js';
import { type EntityKind, entityKinds } from '../../sync/mapping.js';
import { describeChange, groupChanges, type PushReport, type PushSelection } from '../../sync/push/index.js';
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

interface PushFlags {
  company?: string;
  person?: string;
  investor?: string;
  search?: string;
  list?: string;
  all?: string;
  query?: string;
  filter: string[];
  entity?: string;
  crm?: boolean;
  mode?: string;
  dryRun?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function entityOf(flags: PushFlags): EntityKind | undefined {
  if (flags.entity === undefined) return undefined;
  if (!entityKinds.includes(flags.entity as EntityKind)) {
    throw new CliError(`--entity takes ${entityKinds.join(', ')}, not ${flags.entity}`);
  }
  return flags.entity as EntityKind;
}

function modeOf(flags: PushFlags): PushMode | undefined {
  if (flags.mode === undefined) return undefined;
  if (!pushModes.includes(flags.mode as PushMode)) {
    throw new CliError(`--mode takes ${pushModes.join(' or ')}, not ${flags.mode}`);
  }
  return flags.mode as PushMode;
}

function selectionOf(flags: PushFlags): PushSelection {
  const entity = entityOf(flags);
  if (flags.crm) {
    const other = [flags.company, flags.person, flags.investor, flags.search, flags.all, flags.query];
    if (other.some((v) => v !== undefined) || flags.filter.length > 0) {
      throw new CliError('--crm takes --list (a pulled Affinity list) and --entity, not another selection');
    }
    return {
      crm: true,
      ...(flags.list !== undefined ? { list: flags.list } : {}),
      ...(entity ? { entity } : {}),
    };
  }
  const given: PushSelection[] = [];
  if (flags.query !== undefined || flags.filter.length > 0) {
    given.push({
      ...(flags.query !== undefined ? { query: flags.query } : {}),
      filters: flags.filter,
      entity: entity ?? 'company',
    });
  } else if (entity !== undefined) {
    throw new CliError('--entity goes with --query, --filter or --crm');
  }
  if (flags.company !== undefined) given.push({ company: flags.company });
  if (flags.person !== undefined) given.push({ person: flags.person });
  if (flags.investor !== undefined) given.push({ investor: flags.investor });
  if (flags.search !== undefined) given.push({ search: flags.search });
  if (flags.list !== undefined) given.push({ list: flags.list });
  if (flags.all !== undefined) {
    if (!entityKinds.includes(flags.all as EntityKind)) {
      throw new CliError(`--all takes ${entityKinds.join(', ')}, not ${flags.all}`);
    }
    given.push({ all: flags.all as EntityKind });
  }
  if (given.length !== 1) {
    throw new CliError(
      'give exactly one of --company, --person, --investor, --search, --list, --all, --query/--filter or --crm',
    );
  }
  return given[0] as PushSelection;
}

function render(r: PushReport, connection: ConnectionInfo): string {
  const c = r.plan.counts;
  const lines = [
    `${r.dryRun ? 'plan (dry run, nothing written)' : 'push'} of ${r.selection} → ${r.destination.recordType} in ${describeWorkspace(connection)} (${r.destination.mode}, match by ${r.destination.matchRule}${r.destination.list ? `, list "${r.destination.list}"` : ''})`,
    `  ${c.create} to create, ${c.update} to update, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.ambiguous} ambiguous`,
    `  API calls: ${r.plan.apiCalls} (${plural(r.plan.reads, 'read')} for matching by ${r.plan.matching}, ${plural(r.plan.writes, 'write')})`,
    `  time at the configured rate: ${r.plan.estimate.text}`,
  ];
  const shown = r.plan.records.filter((x) => x.action !== 'unchanged').slice(0, 50);
  for (const x of shown) {
    // Values added to (or removed from) one field shown together, cut to 60 characters; --json
    // has them whole, one change per write.
    const changes = groupChanges(x.changes).map((c) => describeChange(c, 60));
    const ops = changes.length > 0 ? `: ${changes.join('; ')}` : '';
    lines.push(
      `  ${x.action.padEnd(9)} ${x.label}${x.affinityId ? ` #${x.affinityId}` : ''}${ops}${x.reason ? ` — ${x.reason}` : ''}`,
    );
    for (const s of x.skippedValues) lines.push(`            left out: ${s}`);
  }
  const hidden = r.plan.records.filter((x) => x.action !== 'unchanged').length - shown.length;
  if (hidden > 0) lines.push(`  … and ${hidden} more (use --json for all)`);
  if (r.outcome) {
    const o = r.outcome;
    lines.push(
      `result: ${o.created} created, ${o.updated} updated, ${o.unchanged} unchanged, ${o.skipped} skipped, ${o.ambiguous} ambiguous, ${o.failed} failed, ${o.addedToList} added to the list${o.notSent > 0 ? `, ${plural(o.notSent, 'record')} not sent yet` : ''}`,
    );
    lines.push(
      `  ${plural(r.api.requests, 'API call')}, ${r.api.throttled} throttled (429), ${plural(r.api.retries, 'retry', 'retries')} — run ${r.runId}`,
    );
    for (const f of r.failures.slice(0, 20)) lines.push(`  failed ${f.label}: ${f.errors.join('; ')}`);
    if (r.failures.length > 20)
      lines.push(`  … and ${r.failures.length - 20} more failed (use --json for all)`);
  }
  return lines.join('\n');
}

/** The run's status; a run that ended `succeeded` with a failed record is reported `partial`. */
function statusOf(r: PushReport): string {
  if (r.status === 'succeeded' && r.outcome && r.outcome.failed > 0) return 'partial';
  return r.status;
}

/** The one line printed after the report when a push did not succeed. */
function failureLine(status: string, r: PushReport): string {
  switch (status) {
    case 'partial':
      return `push finished with ${plural(r.outcome?.failed ?? r.failures.length, 'failed record')} (run ${r.runId}); fix them and run the same command again`;
    case 'stopped':
      return `push stopped: ${r.stopped?.reason ?? 'Affinity cannot be used; run the same command again to resume'} (run ${r.runId})`;
    case 'interrupted':
      return `interrupted: run ${r.runId} saved; run the same command again to resume`;
    default:
      return `push ${status}${r.stopped ? `: ${r.stopped.reason}` : ''} (run ${r.runId})`;
  }
}

/** One push of a My CRM selection: its entity kind and what came of it. */
interface CrmPush {
  entity: EntityKind;
  status: string;
  report?: PushReport;
  runId?: number;
  error?: string;
}

const kindPlural: Record<EntityKind, string> = {
  company: 'companies',
  person: 'people',
  investor: 'investors',
};

function crmPushOf(p: PushOfKind): CrmPush {
  const r = p.result;
  if (r.code === 'pushed') return { entity: p.entity, status: statusOf(r.report), report: r.report };
  if (r.code === 'stopped') return { entity: p.entity, status: 'stopped', runId: r.runId, error: r.message };
  return { entity: p.entity, status: 'failed', error: r.message };
}

/**
 * `push --crm [--list NAME] [--entity KIND]`: the enrichment loop, as the use case ran it — one
 * push per entity kind that My CRM holds matched records of and that has a destination; kinds
 * without a destination are named with how to set one. The exit code is the worst of the pushes'.
 */
function reportCrm(cmd: Command, outcome: PushOutcome & { crm: NonNullable<PushOutcome['crm']> }): void {
  const { connection, workspace, crm } = outcome;
  const setHint = (e: EntityKind) => `set one with \`affinity-sync destination set ${e} …\``;
  const pushes = outcome.pushes.map(crmPushOf);
  const code = Math.max(EXIT.ok, ...pushes.map((p) => exitCodeForStatus(p.status)));
  const status =
    pushes.find((p) => exitCodeForStatus(p.status) === code)?.status ??
    (code === EXIT.ok ? 'succeeded' : 'failed');
  output(
    cmd,
    {
      ok: code === EXIT.ok,
      status,
      workspace,
      list: crm.list,
      pushes,
      withoutDestination: crm.withoutDestination.map((k) => ({ entity: k.entity, records: k.records })),
    },
    () =>
      [
        `My CRM ${crm.scope}: ${crm.chosen.map((k) => `${plural(k.records, 'record')} matched to ${kindPlural[k.entity]}`).join(', ')}`,
        ...crm.withoutDestination.map(
          (k) =>
            `  ${kindPlural[k.entity]} not pushed: no destination for ${k.entity} (${setHint(k.entity)})`,
        ),
        ...pushes.map((p) =>
          p.report ? render(p.report, connection) : `${p.entity}: ${p.status}: ${p.error ?? ''}`,
        ),
      ].join('\n'),
  );
  if (code !== EXIT.ok) {
    const bad = pushes.filter((p) => exitCodeForStatus(p.status) !== EXIT.ok);
    throw new CliError(
      bad
        .map((p) =>
          p.report
            ? failureLine(p.status, p.report)
            : `push of ${kindPlural[p.entity]} ${p.status}: ${p.error}`,
        )
        .join('; '),
      code,
      { reported: true },
    );
  }
}

/**
 * `affinity-sync push`: plans, then pushes records to Affinity per their destination. `--dry-run`
 * prints the plan, its exact call cost and its time at the configured rate, and writes nothing.
 * The exit code follows the run: 0 succeeded, 2 some records failed, 3 stopped (Affinity
 * unreachable, key refused, quota spent), 4 another run holds the connection, 130 interrupted
 * (SIGINT/SIGTERM); running the same push again resumes a stopped or interrupted one.
 */
export function registerPush(program: Command): void {
  program
    .command('push')
    .description('push companies, people or investors to Affinity (plan first; --dry-run writes nothing)')
    .option('--company <id>', 'one company, by id or domain')
    .option('--person <id>', 'one person, by id, email or LinkedIn URL')
    .option('--investor <id>', 'one investor, by id or domain')
    .option('--search <name>', 'the results of a saved search')
    .option('--list <name>', 'the members of a list (with --crm: a pulled Affinity list, by name or id)')
    .option('--all <entity>', 'every company, person or investor')
    .option('--query <text>', 'the results of a search: text in the name or domain (as in `search`)')
    .option(
      '--filter <expr>',
      'the results of a search: key=value, key>=n or key<=n (repeatable, as in `search`)',
      collect,
      [],
    )
    .option(
      '--entity <entity>',
      'company, person or investor: what --query/--filter search (default company), or the one kind --crm pushes',
    )
    .option(
      '--crm',
      'My CRM: the pulled records matched to ours, pushed onto their Affinity records (update-only unless --mode says otherwise)',
    )
    .option('--mode <mode>', "create-update or update-only for this push, over the destination's")
    .option('--dry-run', 'show the plan and its API-call cost; write nothing')
    .action(async (flags: PushFlags, cmd: Command) => {
      const selection = selectionOf(flags);
      const mode = modeOf(flags);
      const json = wantsJson(cmd);
      await withApp(cmd, async (app) => {
        const interrupt = interruptSignal();
        let last = 0;
        let lastPhase = '';
        const onProgress = (phase: string, done: number, total: number, detail?: { reads: number }) => {
          if (json) return;
          if (phase !== lastPhase) {
            lastPhase = phase;
            last = 0;
            if (phase === 'planning') {
              process.stderr.write(`planning ${plural(total, 'record')}…\n`);
              return;
            }
          }
          if (phase === 'planning') return;
          if (done === total || done - last >= Math.max(1, Math.ceil(total / 20))) {
            last = done;
            if (phase === 'matching') {
              const reads = detail ? ` (${plural(detail.reads, 'read')})` : '';
              process.stderr.write(`  matched ${done}/${total}${reads}\n`);
            } else process.stderr.write(`  pushed ${done}/${total}\n`);
          }
        };
        let outcome: PushOutcome;
        try {
          outcome = await runPush(
            { ...app, signal: interrupt.signal },
            { selection, ...(mode ? { mode } : {}), dryRun: flags.dryRun ?? false },
            {
              onProgress,
              onConnected: (connection) => {
                if (!json) process.stderr.write(`${describeWorkspace(connection)}\n`);
              },
            },
          );
        } finally {
          interrupt.dispose();
        }
        const { connection, workspace } = outcome;
        if (outcome.crm) {
          reportCrm(cmd, { ...outcome, crm: outcome.crm });
          return;
        }
        const result = outcome.pushes[0]!.result;
        if (result.code === 'stopped') {
          const message = `push stopped while planning, nothing written: ${result.message} (run ${result.runId})`;
          output(
            cmd,
            {
              ok: false,
              status: 'stopped',
              workspace,
              runId: result.runId,
              stopped: result.stop,
              error: message,
            },
            () => `push to ${describeWorkspace(connection)} stopped while planning (run ${result.runId})`,
          );
          throw new CliError(message, EXIT.stopped, { reported: true });
        }
        if (result.code !== 'pushed') throw new CliError(result.message);
        const r = result.report;
        const status = statusOf(r);
        const code = exitCodeForStatus(status);
        output(cmd, { ok: code === EXIT.ok, status, workspace, report: r }, () => render(r, connection));
        if (code !== EXIT.ok) throw new CliError(failureLine(status, r), code, { reported: true });
      });
    });
}

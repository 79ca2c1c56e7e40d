import type { Command } from 'commander';
import { openConnectionClient, secretBoxFor } from '../../sync/connections.js';
import { type EntityKind, entityKinds } from '../../sync/mapping.js';
import { type PushReport, type PushSelection, push } from '../../sync/push/index.js';
import { CliError, configFrom, output, wantsJson, withStore } from '../context.js';

interface PushFlags {
  company?: string;
  person?: string;
  investor?: string;
  search?: string;
  list?: string;
  all?: string;
  dryRun?: boolean;
}

function selectionOf(flags: PushFlags): PushSelection {
  const given: PushSelection[] = [];
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
    throw new CliError('give exactly one of --company, --person, --investor, --search, --list or --all');
  }
  return given[0] as PushSelection;
}

function render(r: PushReport): string {
  const c = r.plan.counts;
  const lines = [
    `${r.dryRun ? 'plan (dry run, nothing written)' : 'push'} of ${r.selection} → ${r.destination.recordType} (${r.destination.mode}, match by ${r.destination.matchRule}${r.destination.list ? `, list "${r.destination.list}"` : ''})`,
    `  ${c.create} to create, ${c.update} to update, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.ambiguous} ambiguous`,
    `  API calls: ${r.plan.apiCalls} (${r.plan.reads} reads for matching by ${r.plan.matching}, ${r.plan.writes} writes)`,
  ];
  const shown = r.plan.records.filter((x) => x.action !== 'unchanged').slice(0, 50);
  for (const x of shown) {
    const ops = x.operations.length > 0 ? `: ${x.operations.join(', ')}` : '';
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
      `result: ${o.created} created, ${o.updated} updated, ${o.unchanged} unchanged, ${o.skipped} skipped, ${o.ambiguous} ambiguous, ${o.failed} failed, ${o.addedToList} added to the list`,
    );
    lines.push(
      `  ${r.api.requests} API calls, ${r.api.throttled} throttled (429), ${r.api.retries} retries — run ${r.runId}`,
    );
    for (const f of r.failures.slice(0, 20)) lines.push(`  failed ${f.label}: ${f.errors.join('; ')}`);
  }
  return lines.join('\n');
}

/**
 * `affinity-sync push`: plans, then pushes records to Affinity per their destination. `--dry-run`
 * prints the plan and its exact call cost and writes nothing. A stopped push (refused key, spent
 * quota) exits non-zero; running the same push again resumes it.
 */
export function registerPush(program: Command): void {
  program
    .command('push')
    .description('push companies, people or investors to Affinity (plan first; --dry-run writes nothing)')
    .option('--company <id>', 'one company, by id or domain')
    .option('--person <id>', 'one person, by id, email or LinkedIn URL')
    .option('--investor <id>', 'one investor, by id or domain')
    .option('--search <name>', 'the results of a saved search')
    .option('--list <name>', 'the members of a list')
    .option('--all <entity>', 'every company, person or investor')
    .option('--dry-run', 'show the plan and its API-call cost; write nothing')
    .action(async (flags: PushFlags, cmd: Command) => {
      const selection = selectionOf(flags);
      const config = configFrom(cmd);
      const json = wantsJson(cmd);
      await withStore(config, async (store) => {
        const { connection, client, transport } = await openConnectionClient(
          store,
          await secretBoxFor(config),
          config,
        );
        let last = 0;
        const result = await push({
          store,
          client,
          transport,
          connectionId: connection.id,
          actor: 'local-admin',
          trigger: 'cli',
          selection,
          dryRun: flags.dryRun ?? false,
          onProgress: (phase, done, total) => {
            if (json) return;
            if (phase === 'planning') process.stderr.write(`planning ${total} records…\n`);
            else if (done === total || done - last >= Math.max(1, Math.ceil(total / 20))) {
              last = done;
              process.stderr.write(`  pushed ${done}/${total}\n`);
            }
          },
        });
        if (result.code !== 'pushed') throw new CliError(result.message);
        const r = result.report;
        output(cmd, { ok: r.stopped === null, report: r }, () => render(r));
        if (r.stopped) throw new CliError(`push stopped: ${r.stopped.reason}`);
      });
    });
}

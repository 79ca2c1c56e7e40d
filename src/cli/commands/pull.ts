import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import {
  type ConnectionInfo,
  getConnection,
  openConnectionClient,
  secretBoxFor,
} from '../../sync/connections.js';
import {
  PullInputError,
  type PullProgress,
  type PullReport,
  pull,
  pullSourceRequests,
} from '../../sync/pull/index.js';
import { CliError, configFrom, output, wantsJson, withStore } from '../context.js';

/** The stored connection, or a one-line reason to connect first. */
export async function requireConnection(store: Store, config: Config): Promise<ConnectionInfo> {
  const connection = await getConnection(store);
  if (connection) return connection;
  if (config.affinityApiKey !== undefined) {
    // A key in the environment connects on first use.
    return (await openConnectionClient(store, await secretBoxFor(config), config)).connection;
  }
  throw new CliError('not connected to Affinity: run `affinity-sync connect --api-key KEY` first');
}

/** Turns expected input problems of the pull module into one-line CLI failures. */
export async function asCliErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PullInputError) throw new CliError(err.message);
    throw err;
  }
}

function progressPrinter(json: boolean): (p: PullProgress) => void {
  if (json) return () => {};
  return (p) => {
    if (p.type === 'list')
      process.stderr.write(`  ${p.name}: ${p.fetched} entries fetched${p.done ? ' (complete)' : ''}\n`);
    else if (p.type === 'fields') process.stderr.write(`  ${p.name}: field values ${p.fetched}/${p.total}\n`);
    else if (p.type === 'matching') process.stderr.write('  matching to the dataset…\n');
  };
}

const PLURAL = { organization: 'organizations', person: 'persons', opportunity: 'opportunities' } as const;

function describe(r: PullReport): string {
  const lines = [`pull ${r.status} (run ${r.runId}), ${r.api.requests} API calls`];
  for (const l of r.lists) {
    lines.push(
      `  ${l.name} (${l.id}, ${PLURAL[l.type]}): ${l.entries} entries, ${l.records} records` +
        ` — ${l.newRecords} new, ${l.updatedRecords} updated, ${l.added} added, ${l.removed} removed` +
        (l.withFields
          ? `; field values ${l.fieldValues.inserted} new, ${l.fieldValues.updated} changed, ${l.fieldValues.deleted} gone`
          : ''),
    );
  }
  const m = r.match.counts;
  lines.push(
    `  matched ${m.matched}, ambiguous ${m.ambiguous}, unmatched ${m.unmatched}; ${r.offList} left every list`,
  );
  if (m.ambiguous + m.unmatched > 0) lines.push('  run `affinity-sync review` to settle the unmatched ones');
  return lines.join('\n');
}

/**
 * `affinity-sync pull [--list ID|NAME ...] [--with-fields]`: imports Affinity lists into My CRM,
 * concurrently within the connection's rate budget, and matches them to the dataset. Without
 * `--list` it pulls the configured pull sources.
 */
export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('pull Affinity lists into My CRM and match them to the intelligence dataset')
    .option('--list <list...>', 'Affinity list id or name (repeatable; default: the pull sources)')
    .option('--with-fields', 'also fetch field values (one API call per record)')
    .action(async (flags: { list?: string[]; withFields?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const json = wantsJson(cmd);
      await withStore(config, async (store) => {
        await requireConnection(store, config);
        const { connection, client, transport } = await openConnectionClient(
          store,
          await secretBoxFor(config),
          config,
        );
        const lists =
          flags.list && flags.list.length > 0
            ? flags.list.map((list) => ({ list, withFields: flags.withFields ?? false }))
            : (await pullSourceRequests(store, connection.id)).map((s) => ({
                ...s,
                withFields: s.withFields || (flags.withFields ?? false),
              }));
        if (lists.length === 0)
          throw new CliError(
            'nothing to pull: pass --list ID|NAME or add one with `affinity-sync pull-sources add`',
          );
        const report = await asCliErrors(() =>
          pull(
            { store, client, connectionId: connection.id, stats: () => transport.stats() },
            { lists, onProgress: progressPrinter(json) },
          ),
        );
        output(cmd, { ok: true, ...report }, () => describe(report));
      });
    });
}

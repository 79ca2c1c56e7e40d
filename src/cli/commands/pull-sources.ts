import type { Command } from 'commander';
import {
  describeWorkspace,
  openConnectionClient,
  secretBoxFor,
  workspaceOf,
} from '../../sync/connections.js';
import { addPullSources, listPullSources, removePullSources } from '../../sync/pull/index.js';
import { CliError, configFrom, output, withStore } from '../context.js';
import { asCliErrors, requireConnection } from './pull.js';

const TYPES: Record<number, string> = { 0: 'persons', 1: 'organizations', 8: 'opportunities' };

/** `affinity-sync pull-sources add|remove|show`: the lists `pull` takes when given none. */
export function registerPullSources(program: Command): void {
  const sources = program.command('pull-sources').description('the Affinity lists pulled by default');
  sources
    .command('show', { isDefault: true })
    .description('show the configured pull sources')
    .action(async (_flags, cmd: Command) => {
      const config = configFrom(cmd);
      await withStore(config, async (store) => {
        const connection = await requireConnection(store, config);
        const rows = await listPullSources(store, connection.id);
        output(cmd, { ok: true, sources: rows }, () =>
          rows.length === 0
            ? 'no pull sources: add one with `affinity-sync pull-sources add LIST`'
            : rows
                .map(
                  (s) =>
                    `${s.affinityListId}  ${s.name} (${TYPES[s.listType] ?? s.listType})${s.withFields ? ' with fields' : ''}`,
                )
                .join('\n'),
        );
      });
    });
  sources
    .command('add')
    .description('add Affinity lists (ids or names) as pull sources')
    .argument('<list...>', 'list ids or names')
    .option('--with-fields', 'pull their field values too (one API call per record)')
    .action(async (lists: string[], flags: { withFields?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      await withStore(config, async (store) => {
        await requireConnection(store, config);
        const { connection, client } = await asCliErrors(async () =>
          openConnectionClient(store, await secretBoxFor(config), config),
        );
        const visible = await asCliErrors(() => client.lists.all());
        const added = await asCliErrors(() =>
          addPullSources(store, connection.id, visible, lists, flags.withFields ?? false),
        );
        output(cmd, { ok: true, workspace: workspaceOf(connection), sources: added }, () =>
          [
            `lists of ${describeWorkspace(connection)}:`,
            ...added.map(
              (s) => `  pull source ${s.name} (${s.affinityListId})${s.withFields ? ' with fields' : ''}`,
            ),
          ].join('\n'),
        );
      });
    });
  sources
    .command('remove')
    .description('remove pull sources (ids or names)')
    .argument('<list...>', 'list ids or names')
    .action(async (lists: string[], _flags, cmd: Command) => {
      const config = configFrom(cmd);
      await withStore(config, async (store) => {
        const connection = await requireConnection(store, config);
        const removed = await removePullSources(store, connection.id, lists);
        if (removed.length === 0) throw new CliError(`no pull source named ${lists.join(', ')}`);
        output(cmd, { ok: true, removed }, () =>
          removed.map((s) => `removed ${s.name} (${s.affinityListId})`).join('\n'),
        );
      });
    });
}

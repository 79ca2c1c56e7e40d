import type { Command } from 'commander';
import { addPullSourcesTo, getPullSources, removePullSourcesFrom } from '../../app/pull.js';
import { describeWorkspace } from '../../sync/connections.js';
import { output, withApp } from '../context.js';
import { asCliErrors, requireConnection } from './pull.js';

const TYPES: Record<number, string> = { 0: 'persons', 1: 'organizations', 8: 'opportunities' };

/** `affinity-sync pull-sources add|remove|show`: the lists `pull` takes when given none. */
export function registerPullSources(program: Command): void {
  const sources = program.command('pull-sources').description('the Affinity lists pulled by default');
  sources
    .command('show', { isDefault: true })
    .description('show the configured pull sources')
    .action(async (_flags, cmd: Command) => {
      await withApp(cmd, async (app) => {
        await requireConnection(app.deps.store, app.deps.config);
        const rows = (await getPullSources(app)).sources;
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
      await withApp(cmd, async (app) => {
        await requireConnection(app.deps.store, app.deps.config);
        const {
          connection,
          workspace,
          sources: added,
        } = await asCliErrors(() => addPullSourcesTo(app, { lists, withFields: flags.withFields ?? false }));
        output(cmd, { ok: true, workspace, sources: added }, () =>
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
      await withApp(cmd, async (app) => {
        await requireConnection(app.deps.store, app.deps.config);
        const removed = await removePullSourcesFrom(app, { lists });
        output(cmd, { ok: true, removed }, () =>
          removed.map((s) => `removed ${s.name} (${s.affinityListId})`).join('\n'),
        );
      });
    });
}

import type { Command } from 'commander';
import {
  addToList,
  createList,
  ListError,
  ListKeysNotFoundError,
  listLists,
  removeFromList,
  type SearchEntity,
  searchEntities,
  showList,
} from '../../intelligence/index.js';
import { CliError, output } from '../context.js';
import { withStore } from './import.js';
import { renderResult } from './search.js';

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ListError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * `affinity-sync lists create|add|remove|show`: user lists of companies, people or investors.
 * Members are named by domain (companies, investors) or email / LinkedIn URL (people).
 */
export function registerLists(program: Command): void {
  const lists = program.command('lists').description('user lists of companies, people or investors');

  lists
    .command('create')
    .description('create a list')
    .argument('<name>')
    .requiredOption('--entity <entity>', searchEntities.join('|'))
    .action(async (name: string, opts: { entity: string }, cmd: Command) => {
      if (!(searchEntities as readonly string[]).includes(opts.entity)) {
        throw new CliError(`--entity ${JSON.stringify(opts.entity)}: use ${searchEntities.join(', ')}`);
      }
      const list = await withStore(cmd, (store) =>
        guarded(() => createList(store, name, opts.entity as SearchEntity)),
      );
      output(cmd, { ok: true, list }, () => `created list "${list.name}" of ${list.entity}`);
    });

  lists
    .command('add')
    .description('add members by domain, email or LinkedIn URL (all or nothing unless --skip-missing)')
    .argument('<name>')
    .argument('<keys...>')
    .option('--skip-missing', 'add the members found and report the keys that name nothing')
    .action(async (name: string, keys: string[], opts: { skipMissing?: boolean }, cmd: Command) => {
      let r: Awaited<ReturnType<typeof addToList>>;
      try {
        r = await withStore(cmd, (store) =>
          addToList(store, name, keys, { skipMissing: opts.skipMissing === true }),
        );
      } catch (err) {
        if (err instanceof ListKeysNotFoundError) {
          output(
            cmd,
            { ok: false, list: err.list, added: 0, notFound: err.notFound, error: err.message },
            () => [`"${err.list}": nothing added`, `  not found: ${err.notFound.join(', ')}`].join('\n'),
          );
          throw new CliError(err.message, 1, { reported: true });
        }
        if (err instanceof ListError) throw new CliError(err.message);
        throw err;
      }
      output(cmd, { ok: true, ...r }, () =>
        [
          `"${r.list}": ${r.added} added, ${r.alreadyPresent} already there`,
          ...(r.notFound.length ? [`  not found, skipped: ${r.notFound.join(', ')}`] : []),
        ].join('\n'),
      );
    });

  lists
    .command('remove')
    .description('remove members by domain, email or LinkedIn URL')
    .argument('<name>')
    .argument('<keys...>')
    .action(async (name: string, keys: string[], _opts: unknown, cmd: Command) => {
      const r = await withStore(cmd, (store) => guarded(() => removeFromList(store, name, keys)));
      output(cmd, { ok: true, ...r }, () =>
        [
          `"${r.list}": ${r.removed} removed, ${r.notInList} were not in it`,
          ...(r.notFound.length ? [`  not found: ${r.notFound.join(', ')}`] : []),
        ].join('\n'),
      );
    });

  lists
    .command('show')
    .description('show a list, or every list without a name')
    .argument('[name]')
    .option('--limit <n>', 'members shown', '100')
    .action(async (name: string | undefined, opts: { limit: string }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 0 || limit > 1000) {
        throw new CliError(`--limit ${JSON.stringify(opts.limit)}: use a whole number from 0 to 1000`);
      }
      await withStore(cmd, async (store) => {
        if (name === undefined) {
          const all = await listLists(store);
          output(cmd, { ok: true, lists: all }, () =>
            all.length === 0 ? 'no lists' : all.map((l) => `${l.name} (${l.entity}, ${l.size})`).join('\n'),
          );
          return;
        }
        const page = await guarded(() => showList(store, name, { limit }));
        output(cmd, { ok: true, list: page.list, results: page.results }, () =>
          [
            `"${page.list.name}" (${page.list.entity}, ${page.list.size})`,
            ...page.results.map((r) => `  ${renderResult(page.entity, r)}`),
          ].join('\n'),
        );
      });
    });
}

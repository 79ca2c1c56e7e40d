import type { Command } from 'commander';
import { setAutoPush } from '../../app/auto-push.js';
import { AppError } from '../../app/context.js';
import { addListMembers, createList, getList, listLists, removeListMembers } from '../../app/lists.js';
import { type SearchEntity, searchEntities } from '../../intelligence/index.js';
import { CliError, output, withApp } from '../context.js';
import { renderResult } from './search.js';

/** The keys an add refused as naming nothing, when that is why it refused. */
function keysNotFound(err: unknown): { list: string; notFound: string[] } | null {
  if (!(err instanceof AppError) || err.code !== 'bad_request') return null;
  const d = err.details as { list?: unknown; notFound?: unknown } | undefined;
  return typeof d?.list === 'string' && Array.isArray(d.notFound)
    ? { list: d.list, notFound: d.notFound as string[] }
    : null;
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
      const list = await withApp(cmd, (ctx) =>
        createList(ctx, { name, entity: opts.entity as SearchEntity }),
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
      let r: Awaited<ReturnType<typeof addListMembers>>;
      try {
        r = await withApp(cmd, (ctx) =>
          addListMembers(ctx, { list: name, keys, skipMissing: opts.skipMissing === true }),
        );
      } catch (err) {
        const missing = keysNotFound(err);
        if (missing) {
          const message = (err as Error).message;
          output(
            cmd,
            { ok: false, list: missing.list, added: 0, notFound: missing.notFound, error: message },
            () =>
              [`"${missing.list}": nothing added`, `  not found: ${missing.notFound.join(', ')}`].join('\n'),
          );
          throw new CliError(message, 1, { reported: true });
        }
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
      const r = await withApp(cmd, (ctx) => removeListMembers(ctx, { list: name, keys }));
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
      await withApp(cmd, async (ctx) => {
        if (name === undefined) {
          const { lists: all } = await listLists(ctx);
          output(cmd, { ok: true, lists: all }, () =>
            all.length === 0 ? 'no lists' : all.map((l) => `${l.name} (${l.entity}, ${l.size})`).join('\n'),
          );
          return;
        }
        const page = await getList(ctx, { list: name, limit });
        output(cmd, { ok: true, list: page.list, results: page.results }, () =>
          [
            `"${page.list.name}" (${page.list.entity}, ${page.list.size})`,
            ...page.results.map((r) => `  ${renderResult(page.list.entity, r)}`),
          ].join('\n'),
        );
      });
    });

  lists
    .command('auto-push')
    .description(
      'push a list to Affinity after every change to the data (its new members and changed values), or stop',
    )
    .argument('<name>')
    .argument('<on|off>')
    .action(async (name: string, state: string, _opts: unknown, cmd: Command) => {
      if (state !== 'on' && state !== 'off') throw new CliError(`${JSON.stringify(state)}: use on or off`);
      await withApp(cmd, async (ctx) => {
        const target = await setAutoPush(ctx, { kind: 'list', ref: name, on: state === 'on' });
        output(
          cmd,
          { ok: true, list: target.name, autoPush: target.autoPush },
          () => `"${target.name}": auto-push ${target.autoPush ? 'on' : 'off'}`,
        );
      });
    });
}

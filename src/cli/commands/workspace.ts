import type { Command } from 'commander';
import { listWorkspaceFields, listWorkspaceLists } from '../../app/workspace.js';
import { describeWorkspace, type WorkspaceInfo } from '../../sync/connections.js';
import {
  recordTypeCodes,
  type WorkspaceField,
  type WorkspaceList,
  type WorkspaceRecordType,
} from '../../sync/workspace.js';
import { CliError, output, withApp } from '../context.js';
import { plural } from '../format.js';

interface CacheFlags {
  refresh?: boolean;
}

const recordTypes = Object.keys(recordTypeCodes) as WorkspaceRecordType[];

/** Rows as columns padded to their widest cell; the last column is left as it is. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function ownerText(l: WorkspaceList): string {
  if (!l.owner) return '-';
  return l.owner.email ?? l.owner.name ?? `#${l.owner.id}`;
}

function optionsText(f: WorkspaceField, width = 60): string {
  if (f.options.length === 0) return '';
  let text = '';
  for (const [i, o] of f.options.entries()) {
    const next = text === '' ? o.text : `${text}, ${o.text}`;
    if (next.length > width) return `${text}, … (+${f.options.length - i})`;
    text = next;
  }
  return text;
}

/**
 * `affinity-sync workspace lists|fields`: what the connected Affinity workspace holds, for setting
 * up destinations and pulls. Read through a short-lived cache (`--refresh` reads Affinity again).
 */
export function registerWorkspace(program: Command): void {
  const workspace = program
    .command('workspace')
    .description("see the connected Affinity workspace's lists and fields");

  workspace
    .command('lists')
    .description('the lists: id, name, record type, size, owner, public or private')
    .option('--refresh', 'read Affinity again instead of the cached answer (up to a minute old)')
    .action(async (flags: CacheFlags, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const { workspace, lists } = await listWorkspaceLists(ctx, { refresh: flags.refresh });
        output(cmd, { ok: true, workspace, lists }, () =>
          [
            `${plural(lists.length, 'list')} in ${describeWorkspace(connectionOf(workspace))}`,
            ...(lists.length === 0
              ? []
              : table(
                  ['id', 'name', 'type', 'size', 'owner', 'access'],
                  lists.map((l) => [
                    String(l.id),
                    l.name,
                    l.type,
                    String(l.size),
                    ownerText(l),
                    l.public ? 'public' : 'private',
                  ]),
                ).map((line) => `  ${line}`)),
          ].join('\n'),
        );
      });
    });

  workspace
    .command('fields')
    .description(
      'the fields: id, name, value type, single or multiple, global or list-specific, dropdown options',
    )
    .option('--list <list>', 'only the fields usable on this list (name or id): global ones and its own')
    .option('--entity <type>', `only the fields of one record type: ${recordTypes.join(' | ')}`)
    .option('--refresh', 'read Affinity again instead of the cached answer (up to a minute old)')
    .action(async (flags: CacheFlags & { list?: string; entity?: string }, cmd: Command) => {
      if (flags.entity !== undefined && !recordTypes.includes(flags.entity as WorkspaceRecordType)) {
        throw new CliError(`--entity ${JSON.stringify(flags.entity)}: use ${recordTypes.join(', ')}`);
      }
      await withApp(cmd, async (ctx) => {
        const result = await listWorkspaceFields(ctx, {
          list: flags.list,
          entity: flags.entity as WorkspaceRecordType | undefined,
          refresh: flags.refresh,
        });
        const scope = result.list
          ? ` usable on list "${result.list.name}" (${result.list.type})`
          : flags.entity
            ? ` of ${flags.entity} records`
            : '';
        output(cmd, { ok: true, ...result }, () =>
          [
            `${plural(result.fields.length, 'field')}${scope} in ${describeWorkspace(connectionOf(result.workspace))}`,
            ...(result.fields.length === 0
              ? []
              : table(
                  ['id', 'name', 'record', 'value type', 'values', 'scope', 'options'],
                  result.fields.map((f) => [
                    String(f.id),
                    f.name,
                    f.entityType,
                    f.valueType,
                    f.multiple ? 'multiple' : 'single',
                    f.list ? `list "${f.list.name ?? `#${f.list.id}`}"` : 'global',
                    optionsText(f),
                  ]),
                ).map((line) => `  ${line}`)),
          ].join('\n'),
        );
      });
    });
}

/** The workspace a use case names, as `describeWorkspace` takes it. */
function connectionOf(w: WorkspaceInfo): { name: string; tenantName: string | null; baseUrl: string } {
  return { name: w.connection, tenantName: w.tenantName, baseUrl: w.baseUrl };
}

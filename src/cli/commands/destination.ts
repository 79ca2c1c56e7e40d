import type { Command } from 'commander';
import { AppError } from '../../app/context.js';
import {
  changeDestination,
  type DestinationChangeResult,
  removeDestination,
  showDestinations,
  unmapFields,
} from '../../app/destinations.js';
import { describeWorkspace, type WorkspaceInfo } from '../../sync/connections.js';
import {
  type Destination,
  type DestinationChanges,
  describeChanges,
  effectivePolicy,
  hasChanges,
  type MappingStatus,
} from '../../sync/destinations.js';
import { type EntityKind, entityKinds, valueTypeNames } from '../../sync/mapping.js';
import { didYouMean } from '../../sync/workspace.js';
import { CliError, output, wantsJson, withApp } from '../context.js';
import { plural } from '../format.js';

interface SetFlags {
  recordType?: string;
  match?: string;
  mode?: string;
  map: string[];
  policy: string[];
  /** A name or id; false with --no-list. */
  list?: string | false;
  createMissingFields?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function entityOf(entity: string): EntityKind {
  if (!entityKinds.includes(entity as EntityKind)) {
    throw new CliError(
      `unknown entity ${JSON.stringify(entity)}${didYouMean(entity, entityKinds)} (use ${entityKinds.join(', ')})`,
    );
  }
  return entity as EntityKind;
}

/** A destination with its mappings, their write policies and, when checked, what no longer holds. */
function render(d: Destination, statuses?: MappingStatus[]): string {
  const lines = [
    `${d.entityKind} → ${d.recordType} (match by ${d.matchRule}, ${d.mode}${d.listName ? `, list "${d.listName}"` : ''})`,
  ];
  d.mappings.forEach((m, i) => {
    const status = statuses?.[i];
    lines.push(
      `  ${status?.problem ? '! ' : ''}${m.source} → "${m.fieldName}" #${m.fieldId} (${valueTypeNames[m.valueType]}${m.allowsMultiple ? ', multiple' : ''}${m.listId ? ', list-specific' : ''}) · ${effectivePolicy(m)}${m.policy === undefined ? ' (default)' : ''}`,
    );
    if (status?.problem) lines.push(`      ${status.problem}`);
    else if (status?.renamed) lines.push(`      now named "${status.renamed}" in Affinity`);
  });
  if (d.mappings.length === 0) lines.push('  (no fields mapped)');
  return lines.join('\n');
}

/** A refusal: each problem on stderr (and in the JSON document), then exit 1. */
function refuse(cmd: Command, what: string, problems: string[]): never {
  const error =
    problems.length === 1
      ? `${what} refused: ${problems[0]}`
      : `${what} refused: ${problems.length} problems`;
  if (wantsJson(cmd)) {
    process.stdout.write(`${JSON.stringify({ ok: false, error, problems })}\n`);
  } else if (problems.length > 1) {
    for (const p of problems) process.stderr.write(`  ${p}\n`);
  }
  throw new CliError(problems.length > 1 && !wantsJson(cmd) ? `${error} (listed above)` : error, 1, {
    reported: wantsJson(cmd),
  });
}

function changed(
  cmd: Command,
  workspace: WorkspaceInfo,
  verb: string,
  destination: Destination | null,
  changes: DestinationChanges,
  extra: { createdFields?: Array<{ id: number; name: string; valueType: string }> } = {},
): void {
  output(cmd, { ok: true, workspace, destination, changes, ...extra }, () =>
    [
      `${verb} in ${describeWorkspace(connectionOf(workspace))}${hasChanges(changes) ? '' : ' (nothing changed)'}`,
      ...(extra.createdFields ?? []).map((f) => `created field "${f.name}" #${f.id} (${f.valueType})`),
      ...(hasChanges(changes) ? describeChanges(changes) : []),
      ...(destination ? [render(destination)] : []),
    ].join('\n'),
  );
}

/**
 * `affinity-sync destination set|unmap|remove|show`: where each entity kind goes in Affinity. A
 * change names only what it changes and prints what it changed; mappings are checked against the
 * workspace's fields when saved and again when shown.
 */
export function registerDestination(program: Command): void {
  const destination = program
    .command('destination')
    .description('configure where pushed records go in Affinity');

  destination
    .command('set <entity>')
    .description(
      'set or change the destination of company, person or investor records; what is not given is kept (admins only)',
    )
    .option('--record-type <type>', 'organization | person | opportunity (required for a new destination)')
    .option(
      '--match <rule>',
      'domain | email | name (default: domain for companies and investors, email for people)',
    )
    .option('--mode <mode>', 'create-update (default) | update-only')
    .option(
      '--map <SOURCE=TARGET>',
      'map a data point to an Affinity field (name or id), adding it or changing that data point; repeat',
      collect,
      [],
    )
    .option(
      '--policy <SOURCE=POLICY>',
      'write policy of a mapped data point: overwrite | fill-blanks | keep-human-edits (one value), add-only | mirror (several), default; repeat',
      collect,
      [],
    )
    .option(
      '--list <list>',
      'Affinity list (id or name) to add pushed records to; required for opportunities',
    )
    .option('--no-list', 'add pushed records to no list')
    .option('--create-missing-fields', 'create target fields that do not exist, with the right value type')
    .action(async (entityArg: string, flags: SetFlags, cmd: Command) => {
      const entity = entityOf(entityArg);
      await withApp(cmd, async (ctx) => {
        const result = await refusing(cmd, 'destination', () =>
          changeDestination(ctx, {
            entity,
            recordType: flags.recordType,
            match: flags.match,
            mode: flags.mode,
            map: flags.map,
            policy: flags.policy,
            list: flags.list === false ? null : flags.list,
            createMissingFields: flags.createMissingFields,
          }),
        );
        changed(
          cmd,
          result.workspace,
          result.changes.created ? 'destination created' : 'destination saved',
          result.destination as Destination,
          result.changes,
          { createdFields: result.createdFields },
        );
      });
    });

  destination
    .command('unmap <entity> <sources...>')
    .description('remove the mappings of some data points, keeping the rest (admins only)')
    .action(async (entityArg: string, sources: string[], _flags: unknown, cmd: Command) => {
      const entity = entityOf(entityArg);
      await withApp(cmd, async (ctx) => {
        const result: DestinationChangeResult = await refusing(cmd, 'unmap', () =>
          unmapFields(ctx, { entity, sources }),
        );
        changed(
          cmd,
          result.workspace,
          'destination saved',
          result.destination as Destination,
          result.changes,
        );
      });
    });

  destination
    .command('remove <entity>')
    .description('remove the destination of an entity kind: it is no longer pushed (admins only)')
    .action(async (entityArg: string, _flags: unknown, cmd: Command) => {
      const entity = entityOf(entityArg);
      await withApp(cmd, async (ctx) => {
        const result = await refusing(cmd, 'remove', () => removeDestination(ctx, { entity }));
        changed(cmd, result.workspace, 'destination removed', null, result.changes, {});
        if (!wantsJson(cmd)) {
          process.stdout.write(
            `was: ${render(result.removed)}\n${result.removed.entityKind} records are no longer pushed until a destination is set again\n`,
          );
        }
      });
    });

  destination
    .command('show [entity]')
    .description(
      'show the destinations, or one, checked against the workspace, with the data points each entity can push',
    )
    .option(
      '--refresh',
      "check against Affinity's fields as they are now, not the cached ones (up to a minute old)",
    )
    .action(async (entityArg: string | undefined, flags: { refresh?: boolean }, cmd: Command) => {
      const entity = entityArg === undefined ? undefined : entityOf(entityArg);
      await withApp(cmd, async (ctx) => {
        const result = await showDestinations(ctx, { entity, refresh: flags.refresh });
        const { workspace, checked, uncheckedReason, destinations, sources } = result;
        output(
          cmd,
          {
            ok: true,
            workspace,
            checked,
            ...(uncheckedReason ? { uncheckedReason } : {}),
            destinations: destinations.map(({ listProblem: _, ...d }) => d),
            sources,
          },
          () => {
            const lines = [`destinations in ${describeWorkspace(connectionOf(workspace))}`];
            for (const d of destinations) {
              lines.push(render(d as Destination, checked ? d.mappings : undefined));
              if (d.listProblem) lines.push(`  ! ${d.listProblem}`);
            }
            if (uncheckedReason) lines.push(`(not checked against Affinity: ${uncheckedReason})`);
            const broken = destinations.reduce((n, d) => n + d.problems.length, 0);
            if (broken > 0)
              lines.push(
                `${plural(broken, 'problem')}: pushes are refused until the mapping is changed (destination set … --map, or destination unmap)`,
              );
            if (destinations.length === 0)
              lines.push('no destination set: affinity-sync destination set <entity> --record-type …');
            for (const [k, fs] of Object.entries(sources)) {
              lines.push(`${k} data points: ${fs.map((s) => `${s.name} (${s.type})`).join(', ')}`);
            }
            return lines.join('\n');
          },
        );
      });
    });
}

/** Runs a change; a refusal with its problems is reported as {@link refuse} reports it. */
async function refusing<T>(cmd: Command, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const problems = (
      err instanceof AppError ? (err.details as { problems?: unknown } | undefined) : undefined
    )?.problems;
    if (Array.isArray(problems)) refuse(cmd, what, problems as string[]);
    throw err;
  }
}

/** The workspace a use case names, as `describeWorkspace` takes it. */
function connectionOf(w: WorkspaceInfo): { name: string; tenantName: string | null; baseUrl: string } {
  return { name: w.connection, tenantName: w.tenantName, baseUrl: w.baseUrl };
}

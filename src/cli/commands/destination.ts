import type { Command } from 'commander';
import type { Field } from '../../affinity/index.js';
import {
  type ConnectionInfo,
  describeWorkspace,
  openConnectionClient,
  secretBoxFor,
  workspaceOf,
} from '../../sync/connections.js';
import {
  checkDestination,
  type Destination,
  type DestinationChanges,
  describeChanges,
  effectivePolicy,
  getDestination,
  hasChanges,
  listDestinations,
  type MappingStatus,
  removeDestination,
  setDestination,
  unmapDestination,
} from '../../sync/destinations.js';
import { type EntityKind, entityKinds, sourceFields, valueTypeNames } from '../../sync/mapping.js';
import { LOCAL_ADMIN } from '../../sync/roles.js';
import { didYouMean, type WorkspaceList, workspaceFields, workspaceLists } from '../../sync/workspace.js';
import { CliError, configFrom, output, wantsJson, withStore } from '../context.js';
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
  connection: ConnectionInfo,
  verb: string,
  destination: Destination | null,
  changes: DestinationChanges,
  extra: { createdFields?: Array<{ id: number; name: string; valueType: string }> } = {},
): void {
  output(cmd, { ok: true, workspace: workspaceOf(connection), destination, changes, ...extra }, () =>
    [
      `${verb} in ${describeWorkspace(connection)}${hasChanges(changes) ? '' : ' (nothing changed)'}`,
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
      const config = configFrom(cmd);
      const entity = entityOf(entityArg);
      await withStore(config, async (store) => {
        const { connection, client } = await openConnectionClient(store, await secretBoxFor(config), config);
        const result = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
          entity,
          recordType: flags.recordType,
          match: flags.match,
          mode: flags.mode,
          map: flags.map,
          policy: flags.policy,
          list: flags.list === false ? null : flags.list,
          createMissingFields: flags.createMissingFields,
        });
        if (result.code === 'invalid') refuse(cmd, 'destination', result.problems);
        changed(
          cmd,
          connection,
          result.changes.created ? 'destination created' : 'destination saved',
          result.destination,
          result.changes,
          { createdFields: result.createdFields },
        );
      });
    });

  destination
    .command('unmap <entity> <sources...>')
    .description('remove the mappings of some data points, keeping the rest (admins only)')
    .action(async (entityArg: string, sources: string[], _flags: unknown, cmd: Command) => {
      const config = configFrom(cmd);
      const entity = entityOf(entityArg);
      await withStore(config, async (store) => {
        const { connection } = await openConnectionClient(store, await secretBoxFor(config), config);
        const result = await unmapDestination(store, connection.id, LOCAL_ADMIN, entity, sources);
        if (result.code === 'invalid') refuse(cmd, 'unmap', result.problems);
        changed(cmd, connection, 'destination saved', result.destination, result.changes);
      });
    });

  destination
    .command('remove <entity>')
    .description('remove the destination of an entity kind: it is no longer pushed (admins only)')
    .action(async (entityArg: string, _flags: unknown, cmd: Command) => {
      const config = configFrom(cmd);
      const entity = entityOf(entityArg);
      await withStore(config, async (store) => {
        const { connection } = await openConnectionClient(store, await secretBoxFor(config), config);
        const result = await removeDestination(store, connection.id, LOCAL_ADMIN, entity);
        if (result.code === 'not-found') refuse(cmd, 'remove', [result.message]);
        changed(cmd, connection, 'destination removed', null, result.changes, {});
        if (!wantsJson(cmd)) {
          process.stdout.write(
            `was: ${render(result.destination)}\n${result.destination.entityKind} records are no longer pushed until a destination is set again\n`,
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
      const config = configFrom(cmd);
      const entity = entityArg === undefined ? undefined : entityOf(entityArg);
      const cache = flags.refresh ? { maxAgeMs: 0 } : {};
      await withStore(config, async (store) => {
        const { connection, client } = await openConnectionClient(store, await secretBoxFor(config), config);
        const all = entity
          ? [await getDestination(store, connection.id, entity)].filter((d): d is Destination => d !== null)
          : await listDestinations(store, connection.id);
        // Each mapping against the workspace's fields (through the cache); a workspace that cannot
        // be read leaves them unchecked, said so.
        let fields: Field[] | null = null;
        let lists: WorkspaceList[] | null = null;
        let uncheckedReason: string | null = null;
        if (all.length > 0) {
          try {
            fields = await workspaceFields(store, client, connection.id, cache);
            if (all.some((d) => d.listId !== null || d.mappings.some((m) => m.listId !== null)))
              lists = await workspaceLists(store, client, connection.id, cache);
          } catch (err) {
            uncheckedReason = err instanceof Error ? err.message : String(err);
          }
        }
        const checked = all.map((d) => ({
          d,
          check: fields ? checkDestination(d, fields, lists) : null,
        }));
        const sources = Object.fromEntries(
          (entity ? [entity] : entityKinds).map((k) => [k, sourceFields(k)]),
        );
        output(
          cmd,
          {
            ok: true,
            workspace: workspaceOf(connection),
            checked: fields !== null,
            ...(uncheckedReason ? { uncheckedReason } : {}),
            destinations: checked.map(({ d, check }) => ({
              ...d,
              mappings: d.mappings.map((m, i) => ({
                ...m,
                writePolicy: effectivePolicy(m),
                writePolicyIsDefault: m.policy === undefined,
                problem: check?.mappings[i]?.problem ?? null,
                renamed: check?.mappings[i]?.renamed ?? null,
              })),
              problems: check?.problems ?? [],
            })),
            sources,
          },
          () => {
            const lines = [`destinations in ${describeWorkspace(connection)}`];
            for (const { d, check } of checked) {
              lines.push(render(d, check?.mappings));
              if (check?.listProblem) lines.push(`  ! ${check.listProblem}`);
            }
            if (uncheckedReason) lines.push(`(not checked against Affinity: ${uncheckedReason})`);
            const broken = checked.reduce((n, c) => n + (c.check?.problems.length ?? 0), 0);
            if (broken > 0)
              lines.push(
                `${plural(broken, 'problem')}: pushes are refused until the mapping is changed (destination set … --map, or destination unmap)`,
              );
            if (all.length === 0)
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

import type { Command } from 'commander';
import {
  describeWorkspace,
  openConnectionClient,
  secretBoxFor,
  workspaceOf,
} from '../../sync/connections.js';
import {
  type Destination,
  getDestination,
  listDestinations,
  setDestination,
} from '../../sync/destinations.js';
import { type EntityKind, entityKinds, sourceFields, valueTypeNames } from '../../sync/mapping.js';
import { LOCAL_ADMIN } from '../../sync/roles.js';
import { CliError, configFrom, output, withStore } from '../context.js';

interface SetFlags {
  recordType: string;
  match?: string;
  mode?: string;
  map: string[];
  list?: string;
  createMissingFields?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function render(d: Destination): string {
  const lines = [
    `${d.entityKind} → ${d.recordType} (match by ${d.matchRule}, ${d.mode}${d.listName ? `, list "${d.listName}"` : ''})`,
  ];
  for (const m of d.mappings) {
    lines.push(
      `  ${m.source} → "${m.fieldName}" #${m.fieldId} (${valueTypeNames[m.valueType]}${m.allowsMultiple ? ', multiple' : ''}${m.listId ? ', list-specific' : ''})`,
    );
  }
  if (d.mappings.length === 0) lines.push('  (no fields mapped)');
  return lines.join('\n');
}

/**
 * `affinity-sync destination set|show`: where each entity kind goes in Affinity. The mapping is
 * checked against the workspace's fields when saved; a mapping that cannot work is refused.
 */
export function registerDestination(program: Command): void {
  const destination = program
    .command('destination')
    .description('configure where pushed records go in Affinity');

  destination
    .command('set <entity>')
    .description('set the destination of company, person or investor records (admins only)')
    .requiredOption('--record-type <type>', 'organization | person | opportunity')
    .option(
      '--match <rule>',
      'domain | email | name (default: domain for companies and investors, email for people)',
    )
    .option('--mode <mode>', 'create-update (default) | update-only')
    .option(
      '--map <SOURCE=TARGET>',
      'map a data point to an Affinity field (name or id); repeat',
      collect,
      [],
    )
    .option(
      '--list <list>',
      'Affinity list (id or name) to add pushed records to; required for opportunities',
    )
    .option('--create-missing-fields', 'create target fields that do not exist, with the right value type')
    .action(async (entity: string, flags: SetFlags, cmd: Command) => {
      const config = configFrom(cmd);
      await withStore(config, async (store) => {
        const { connection, client } = await openConnectionClient(store, await secretBoxFor(config), config);
        const result = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
          entity,
          recordType: flags.recordType,
          match: flags.match,
          mode: flags.mode,
          map: flags.map,
          list: flags.list,
          createMissingFields: flags.createMissingFields,
        });
        if (result.code === 'invalid') {
          if (result.problems.length > 1) for (const p of result.problems) process.stderr.write(`  ${p}\n`);
          throw new CliError(
            result.problems.length === 1
              ? `destination refused: ${result.problems[0]}`
              : `destination refused: ${result.problems.length} problems (listed above)`,
          );
        }
        output(
          cmd,
          {
            ok: true,
            workspace: workspaceOf(connection),
            destination: result.destination,
            createdFields: result.createdFields,
          },
          () =>
            [
              `destination saved in ${describeWorkspace(connection)}`,
              ...result.createdFields.map((f) => `created field "${f.name}" #${f.id} (${f.valueType})`),
              render(result.destination),
            ].join('\n'),
        );
      });
    });

  destination
    .command('show [entity]')
    .description('show the destinations, or one, with the data points each entity can push')
    .action(async (entity: string | undefined, _flags: unknown, cmd: Command) => {
      const config = configFrom(cmd);
      if (entity !== undefined && !entityKinds.includes(entity as EntityKind)) {
        throw new CliError(`unknown entity ${entity} (use ${entityKinds.join(', ')})`);
      }
      await withStore(config, async (store) => {
        const { connection } = await openConnectionClient(store, await secretBoxFor(config), config);
        const all = entity
          ? [await getDestination(store, connection.id, entity as EntityKind)].filter(
              (d): d is Destination => d !== null,
            )
          : await listDestinations(store, connection.id);
        const sources = Object.fromEntries(
          (entity ? [entity as EntityKind] : entityKinds).map((k) => [k, sourceFields(k)]),
        );
        output(cmd, { ok: true, workspace: workspaceOf(connection), destinations: all, sources }, () => {
          const lines = [`destinations in ${describeWorkspace(connection)}`, ...all.map(render)];
          if (all.length === 0)
            lines.push('no destination set: affinity-sync destination set <entity> --record-type …');
          for (const [k, fields] of Object.entries(sources)) {
            lines.push(`${k} data points: ${fields.map((s) => `${s.name} (${s.type})`).join(', ')}`);
          }
          return lines.join('\n');
        });
      });
    });
}

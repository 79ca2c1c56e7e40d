import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import {
  type CreateScheduleInput,
  createSchedule,
  listSchedules,
  pauseSchedule,
  removeSchedule,
  resumeSchedule,
  type Schedule,
} from '../../app/schedules.js';
import { CliError, output, withApp } from '../context.js';

interface AddFlags {
  cron?: string;
  every?: string;
  tz?: string;
  pull?: boolean;
  list?: string[];
  withFields?: boolean;
  pushSearch?: string;
  pushList?: string;
  pushCrm?: boolean;
  crmList?: string;
  mode?: string;
  paused?: boolean;
}

function cadenceOf(s: Schedule): string {
  const every = s.intervalMinutes === 1 ? 'every minute' : `every ${s.intervalMinutes} minutes`;
  return s.cron ? `cron "${s.cron}" ${s.timezone}` : every;
}

function targetOf(s: Schedule): string {
  const t = s.target as {
    lists?: Array<string | number>;
    selection?: { search?: string; list?: string; crm?: boolean };
  };
  if (s.kind === 'pull')
    return t.lists && t.lists.length > 0 ? `pull ${t.lists.join(', ')}` : 'pull the pull sources';
  const sel = t.selection ?? {};
  if (sel.crm) return `push My CRM${sel.list ? ` on list ${sel.list}` : ''}`;
  if (sel.search !== undefined) return `push saved search "${sel.search}"`;
  if (sel.list !== undefined) return `push list "${sel.list}"`;
  return 'push';
}

/** One schedule on one line, then its next and last run. */
export function describeSchedule(s: Schedule): string {
  const last = s.lastRun
    ? `run #${s.lastRun.runId} ${s.lastRun.status}${s.lastRun.at ? ` ${s.lastRun.at}` : ''}${
        s.lastRun.error ? ` (${s.lastRun.error})` : s.lastRun.note ? ` (${s.lastRun.note})` : ''
      }`
    : 'never';
  return [
    `#${s.id} ${s.name}: ${targetOf(s)}, ${cadenceOf(s)}${s.paused ? ' [paused]' : ''}`,
    `    next: ${s.paused ? 'paused' : (s.nextRunAt ?? '-')}   last: ${last}`,
  ].join('\n');
}

/** A schedule named by id or name. */
async function idOf(ctx: AppContext, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const found = (await listSchedules(ctx)).schedules.find((s) => s.name === ref);
  if (!found) throw new CliError(`no schedule named "${ref}": see \`affinity-sync schedule list\``);
  return found.id;
}

function addInput(name: string, flags: AddFlags): CreateScheduleInput {
  const chosen = [flags.pull, flags.pushSearch, flags.pushList, flags.pushCrm].filter((x) => x !== undefined);
  if (chosen.length !== 1)
    throw new CliError(
      'say what it runs: --pull, --push-search NAME, --push-list NAME or --push-crm (one of them)',
    );
  if (flags.cron !== undefined && flags.every !== undefined)
    throw new CliError('give --cron or --every, not both');
  if (flags.cron === undefined && flags.every === undefined)
    throw new CliError('say when: --cron "0 3 * * *" or --every MINUTES');
  const every = flags.every !== undefined ? Number(flags.every) : undefined;
  if (every !== undefined && !Number.isInteger(every))
    throw new CliError(`--every takes whole minutes, not ${flags.every}`);
  const cadence = {
    ...(flags.cron !== undefined ? { cron: flags.cron } : {}),
    ...(every !== undefined ? { intervalMinutes: every } : {}),
    ...(flags.tz !== undefined ? { timezone: flags.tz } : {}),
    paused: flags.paused ?? false,
  };
  if (flags.pull) {
    return {
      name,
      kind: 'pull',
      target: {
        ...(flags.list && flags.list.length > 0 ? { lists: flags.list } : {}),
        withFields: flags.withFields ?? false,
      },
      ...cadence,
    };
  }
  const selection = flags.pushCrm
    ? { crm: true as const, ...(flags.crmList !== undefined ? { list: flags.crmList } : {}) }
    : flags.pushSearch !== undefined
      ? { search: flags.pushSearch }
      : { list: flags.pushList ?? '' };
  return {
    name,
    kind: 'push',
    target: { selection, ...(flags.mode !== undefined ? { mode: flags.mode as 'create-update' } : {}) },
    ...cadence,
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `affinity-sync schedule add|list|pause|resume|remove`: pulls and pushes that run by themselves. */
export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      'pulls and pushes that run by themselves, on cron or an interval (run by `serve` or `worker`)',
    );

  schedule
    .command('list', { isDefault: true })
    .description('list the schedules with their next and last run')
    .action(async (_flags, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const { schedules } = await listSchedules(app);
        output(cmd, { ok: true, schedules }, () =>
          schedules.length === 0
            ? 'no schedules: add one with `affinity-sync schedule add NAME --pull --every 60`'
            : schedules.map(describeSchedule).join('\n'),
        );
      });
    });

  schedule
    .command('add')
    .description('add a schedule (admins)')
    .argument('<name>', 'a name of your choice, unique')
    .option('--cron <expr>', 'a five-field cron expression, e.g. "0 3 * * *"')
    .option('--every <minutes>', 'run every N minutes instead of on cron')
    .option('--tz <zone>', 'IANA time zone the cron expression is read in (default UTC)')
    .option('--pull', 'pull the pull sources (or the lists given with --list)')
    .option('--list <list>', 'with --pull: an Affinity list (id or name); repeatable', collect)
    .option('--with-fields', 'with --pull: read field values too')
    .option('--push-search <name>', 'push a saved search')
    .option('--push-list <name>', 'push one of our lists')
    .option('--push-crm', 'push the My CRM enrichment')
    .option('--crm-list <name>', 'with --push-crm: only records on this pulled list')
    .option('--mode <mode>', "with a push: over the destination's push mode")
    .option('--paused', 'create it paused')
    .action(async (name: string, flags: AddFlags, cmd: Command) => {
      const input = addInput(name, flags);
      await withApp(cmd, async (app) => {
        const created = await createSchedule(app, input);
        output(cmd, { ok: true, schedule: created }, () => `added ${describeSchedule(created)}`);
      });
    });

  for (const [verb, run, past] of [
    ['pause', pauseSchedule, 'paused'],
    ['resume', resumeSchedule, 'resumed'],
  ] as const) {
    schedule
      .command(verb)
      .description(`${verb} a schedule (admins)`)
      .argument('<schedule>', 'id or name')
      .action(async (ref: string, _flags, cmd: Command) => {
        await withApp(cmd, async (app) => {
          const changed = await run(app, { id: await idOf(app, ref) });
          output(cmd, { ok: true, schedule: changed }, () => `${past} ${describeSchedule(changed)}`);
        });
      });
  }

  schedule
    .command('remove')
    .description('remove a schedule (admins); its runs stay in activity')
    .argument('<schedule>', 'id or name')
    .action(async (ref: string, _flags, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const { removed } = await removeSchedule(app, { id: await idOf(app, ref) });
        output(cmd, { ok: true, removed }, () => `removed #${removed.id} ${removed.name}`);
      });
    });
}

import { Command, CommanderError } from 'commander';
import { registerActivity } from './commands/activity.js';
import { registerConnect } from './commands/connect.js';
import { registerCrm } from './commands/crm.js';
import { registerDemo } from './commands/demo.js';
import { registerDestination } from './commands/destination.js';
import { registerEmulator } from './commands/emulator.js';
import { registerImport } from './commands/import.js';
import { registerLists } from './commands/lists.js';
import { registerPull } from './commands/pull.js';
import { registerPullSources } from './commands/pull-sources.js';
import { registerPush } from './commands/push.js';
import { registerReview } from './commands/review.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSearch } from './commands/search.js';
import { registerServe } from './commands/serve.js';
import { registerUsage } from './commands/usage.js';
import { registerUsers } from './commands/users.js';
import { registerWebhooks } from './commands/webhooks.js';
import { registerWorker } from './commands/worker.js';
import { registerWorkspace } from './commands/workspace.js';
import { addGlobalOptions, describeFailure, exitCodeOf } from './context.js';

/** Each module contributes its commands here; the functions only declare, they do no work. */
const registrations: Array<(program: Command) => void> = [
  registerServe,
  registerWorker,
  registerUsers,
  registerDemo,
  registerEmulator,
  registerConnect,
  registerImport,
  registerSearch,
  registerLists,
  registerPull,
  registerPullSources,
  registerReview,
  registerCrm,
  registerWorkspace,
  registerDestination,
  registerPush,
  registerActivity,
  registerSchedule,
  registerWebhooks,
  registerUsage,
];

export function buildProgram(): Command {
  const program = addGlobalOptions(
    new Command('affinity-sync')
      .description('Two-way sync and enrichment engine for Affinity CRM')
      .version('0.1.0')
      .exitOverride(),
  );
  for (const register of registrations) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const json = argv.includes('--json');
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; a usage error gets one line (commander printed
      // it) and a hint, never the whole help, and with --json a JSON error document.
      if (err.exitCode === 0 || err.code === 'commander.help' || err.code === 'commander.helpDisplayed') {
        return err.exitCode;
      }
      process.stderr.write(`(run \`${helpCommand(program, argv)}\` for usage)\n`);
      if (json) {
        const error = err.message.replace(/^error: /, '');
        process.stdout.write(`${JSON.stringify({ ok: false, error, usage: helpCommand(program, argv) })}\n`);
      }
      return err.exitCode;
    }
    const reason = describeFailure(err);
    const reported = (err as { reported?: unknown }).reported === true;
    if (json && !reported) process.stdout.write(`${JSON.stringify({ ok: false, error: reason })}\n`);
    process.stderr.write(`affinity-sync: ${reason}\n`);
    if (process.env.DEBUG) console.error(err);
    return exitCodeOf(err);
  }
}

/** `affinity-sync push --help` for the deepest command named in `argv`. */
function helpCommand(program: Command, argv: string[]): string {
  const path = [program.name()];
  let current = program;
  for (const arg of argv.slice(2)) {
    if (arg.startsWith('-')) continue;
    const sub = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    path.push(sub.name());
    current = sub;
  }
  return `${path.join(' ')} --help`;
}

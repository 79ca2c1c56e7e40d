import type { Command } from 'commander';
import { type AppContext, LOCAL_ADMIN } from '../app/context.js';
import { toAppError } from '../app/errors.js';
import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { openStore, type Store } from '../store/index.js';
import { reapDeadRuns } from '../sync/activity.js';

/** Global flags every command accepts; they override the environment. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--data-dir <dir>', 'where embedded data lives (env AFFINITY_SYNC_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL instead of embedded PGlite (env DATABASE_URL)')
    .option(
      '--base-url <url>',
      "Affinity base URL (env AFFINITY_BASE_URL); must be the stored connection's unless a key is given",
    )
    .option(
      '--connection <name>',
      'which stored Affinity connection to use (env AFFINITY_SYNC_CONNECTION; default "default")',
    )
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL)')
    .option('--json', 'machine-readable output: JSON on stdout');
}

/** Reads the configuration once from the environment and the global flags of `cmd`. */
export function configFrom(cmd: Command, env: Record<string, string | undefined> = process.env): Config {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  return loadConfig(
    env,
    {
      dataDir: o.dataDir,
      databaseUrl: o.databaseUrl,
      affinityBaseUrl: o.baseUrl,
      connection: o.connection,
      logLevel: o.logLevel,
    },
    globalFlagNames,
  );
}

/** The flag that sets each configuration key, so configuration errors name what the user typed. */
const globalFlagNames = {
  dataDir: '--data-dir',
  databaseUrl: '--database-url',
  affinityBaseUrl: '--base-url',
  connection: '--connection',
  logLevel: '--log-level',
} as const;

export function wantsJson(cmd: Command): boolean {
  return Boolean((cmd.optsWithGlobals() as { json?: boolean }).json);
}

/** Prints a result: JSON (one document) with --json, else the human rendering. */
export function output(cmd: Command, value: unknown, human: () => string): void {
  if (wantsJson(cmd)) process.stdout.write(`${JSON.stringify(value)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/**
 * Exit codes every command uses, so scripts can tell a partial run from a stopped or busy one.
 * `--json` output carries `"ok": true` only with {@link EXIT.ok}.
 */
export const EXIT = {
  /** Done; for a run, no record failed. */
  ok: 0,
  /** The command failed: bad input, not connected, a run that could not do its work. */
  failed: 1,
  /** A run finished but some records failed. */
  partial: 2,
  /** A run stopped early because Affinity cannot be used (unreachable, key refused, quota spent); re-running resumes. */
  stopped: 3,
  /** Another run holds this Affinity connection. */
  busy: 4,
  /** Interrupted by SIGINT or SIGTERM; re-running resumes. */
  interrupted: 130,
} as const;

/** The exit code a finished run's status calls for. */
export function exitCodeForStatus(status: string): number {
  switch (status) {
    case 'succeeded':
      return EXIT.ok;
    case 'partial':
      return EXIT.partial;
    case 'stopped':
      return EXIT.stopped;
    case 'interrupted':
      return EXIT.interrupted;
    default:
      return EXIT.failed;
  }
}

/**
 * An AbortSignal that SIGINT or SIGTERM aborts, for long runs that stop cleanly and record
 * themselves `interrupted`. A second signal exits at once. `dispose()` removes the handlers.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`\n${name}: stopping after the requests in flight…\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** A failure the user can act on: printed as one line, exit code 1 unless given. */
export class CliError extends Error {
  /** True when the command already printed its result (its `--json` document included). */
  readonly reported: boolean;
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options: { reported?: boolean } = {},
  ) {
    super(message);
    this.name = 'CliError';
    this.reported = options.reported ?? false;
  }
}

/** The exit code an error calls for: its own, {@link EXIT.busy} for a held connection, else failed. */
export function exitCodeOf(err: unknown): number {
  if (typeof (err as { exitCode?: unknown }).exitCode === 'number')
    return (err as { exitCode: number }).exitCode;
  return toAppError(err)?.code === 'busy' ? EXIT.busy : EXIT.failed;
}

/** One line describing why a command failed, never a stack trace for expected failures. */
export function describeFailure(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

/**
 * Opens the store the configuration names, runs `fn`, and always closes it (releasing the lock).
 * Runs left `running` by a process that died are marked `interrupted` first; live ones never are.
 */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    await reapDeadRuns(store);
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs a use case from the command line: the configuration of `cmd`, its store (opened and closed
 * as {@link withStore} does) and the local operator as the actor, who is the local admin — whoever
 * can read the data directory owns it.
 */
export async function withApp<T>(cmd: Command, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = configFrom(cmd);
  return withStore(config, (store) =>
    fn({ actor: LOCAL_ADMIN, deps: { store, config, logger: createLogger(config.logLevel) } }),
  );
}

import type { Command } from 'commander';
import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** Global flags every command accepts; they override the environment. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--data-dir <dir>', 'where embedded data lives (env AFFINITY_SYNC_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL instead of embedded PGlite (env DATABASE_URL)')
    .option('--base-url <url>', 'Affinity base URL (env AFFINITY_BASE_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL)')
    .option('--json', 'machine-readable output: JSON on stdout');
}

/** Reads the configuration once from the environment and the global flags of `cmd`. */
export function configFrom(cmd: Command, env: Record<string, string | undefined> = process.env): Config {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  return loadConfig(env, {
    dataDir: o.dataDir,
    databaseUrl: o.databaseUrl,
    affinityBaseUrl: o.baseUrl,
    logLevel: o.logLevel,
  });
}

export function wantsJson(cmd: Command): boolean {
  return Boolean((cmd.optsWithGlobals() as { json?: boolean }).json);
}

/** Prints a result: JSON (one document) with --json, else the human rendering. */
export function output(cmd: Command, value: unknown, human: () => string): void {
  if (wantsJson(cmd)) process.stdout.write(`${JSON.stringify(value)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** One line describing why a command failed, never a stack trace for expected failures. */
export function describeFailure(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

/** Opens the store the configuration names, runs `fn`, and always closes it (releasing the lock). */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

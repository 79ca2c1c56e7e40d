import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

/** The CLI as users start it in a checkout: `bin/affinity-sync.mjs`, which runs the sources through tsx. */
export const binScript = fileURLToPath(new URL('../../bin/affinity-sync.mjs', import.meta.url));

/**
 * The CLI entry the tests start: the same sources, compiled once for the suite by
 * `test/support/global-setup.ts` (a third of the start-up cost of compiling them in every process).
 */
export const bin = compiledEntry() ?? binScript;

/** The compiled entry inside the suite; outside it (a benchmark), none. */
function compiledEntry(): string | undefined {
  try {
    return inject('cliEntry');
  } catch {
    return undefined;
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or null when it is not JSON (the assertion on it will say so). */
  json: unknown;
}

/**
 * Runs `affinity-sync ARGS` in a child process, asynchronously, so an emulator served by the test
 * process keeps answering. `env` is laid over the test's environment; `stdin` is written and closed.
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
) {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = null;
      }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * `path` as a data directory holding a migrated, empty embedded store (copied from the suite's
 * template when `path` is missing or empty), so the first command run on it spends no time on
 * migrations. Returns `path`.
 */
export function dataDirAt(path: string): string {
  if (!existsSync(path) || readdirSync(path).length === 0) {
    cpSync(inject('pgliteTemplate'), path, { recursive: true });
  }
  return path;
}

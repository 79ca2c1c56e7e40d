import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI entry, as users run it. */
export const bin = fileURLToPath(new URL('../../bin/affinity-sync.mjs', import.meta.url));

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

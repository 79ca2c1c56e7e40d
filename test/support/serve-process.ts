import { type ChildProcess, spawn } from 'node:child_process';
import { bin } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  /** What it printed on stdout once it listens (its `Ctrl-C` line, or its `--json` document). */
  output: Promise<string>;
  /** Its exit code. */
  exit: Promise<number | null>;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
}

/**
 * Starts `affinity-sync serve ARGS` as a child process on embedded defaults (no DATABASE_URL, no
 * Affinity from the environment unless `env` gives one). `env` is laid over that.
 */
export function startServe(args: string[], env: Record<string, string> = {}): ServeProcess {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      AFFINITY_API_KEY: '',
      AFFINITY_BASE_URL: '',
      AFFINITY_SYNC_SECRET: 'serve e2e test secret',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n') && (stdout.includes('Ctrl-C') || stdout.trimStart().startsWith('{')))
        resolve(stdout);
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    void exit.then((code) => reject(new Error(`serve exited ${code} before printing its URL: ${stderr}`)));
  });
  return { child, output, exit, stderr: () => stderr };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from '../../src/store/testing.js';
import { bin } from './cli.js';

/** An `affinity-sync worker` child process and what it wrote on stderr. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr: string;
  exited: Promise<number | null>;
}

/**
 * Starts `affinity-sync worker ARGS` with `env` laid over the test's environment; add it to
 * `workers` so {@link stopWorkers} ends it.
 */
export function startWorker(
  args: string[],
  env: Record<string, string>,
  workers: WorkerProcess[],
): WorkerProcess {
  const child = spawn(process.execPath, [bin, 'worker', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const worker: WorkerProcess = {
    child,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stderr?.on('data', (d: Buffer) => {
    worker.stderr += d.toString();
  });
  workers.push(worker);
  return worker;
}

/** SIGTERMs the workers still running and waits for every one to exit. */
export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

/**
 * A PostgreSQL database of its own on the test server, so worker processes use its `public` schema
 * as they would in production; `drop()` removes it (connections forced out).
 */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(testDatabaseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

import type { Command } from 'commander';
import { startJobs } from '../../jobs/index.js';
import { createLogger } from '../../logging/index.js';
import { openStore } from '../../store/index.js';
import { CliError, configFrom, wantsJson } from '../context.js';

interface WorkerFlags {
  concurrency: string;
  heartbeatSeconds: string;
  superviseSeconds: string;
}

function positive(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new CliError(`${flag} takes a number of at least ${min}, not ${value}`);
  return n;
}

/**
 * `affinity-sync worker`: runs queued pushes and pulls on a shared PostgreSQL, beside any number of
 * other workers and `serve --no-workers` processes. A job whose worker dies is taken by another
 * after `--heartbeat-seconds` and resumes from the push journal. SIGTERM or SIGINT stops it
 * cleanly: runs in progress stop after their writes in flight and go back to the queue for
 * another worker; a second signal exits at once.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run queued pushes and pulls from a shared PostgreSQL (DATABASE_URL); any number may run')
    .option('--concurrency <n>', 'runs at once, each on a different Affinity connection', '4')
    .option(
      '--heartbeat-seconds <s>',
      "how long a silent worker's job is kept before another worker takes it over (at least 10)",
      '30',
    )
    .option('--supervise-seconds <s>', 'how often abandoned jobs are looked for', '5')
    .action(async (flags: WorkerFlags, cmd: Command) => {
      const config = configFrom(cmd);
      if (!config.databaseUrl) {
        throw new CliError(
          'a worker needs a shared PostgreSQL: set DATABASE_URL (or --database-url); on the embedded store `affinity-sync serve` runs the workers in its own process',
        );
      }
      const concurrency = Math.floor(positive('--concurrency', flags.concurrency, 1));
      const heartbeatSeconds = Math.round(positive('--heartbeat-seconds', flags.heartbeatSeconds, 10));
      const superviseSeconds = positive('--supervise-seconds', flags.superviseSeconds, 1);
      const logger = createLogger(config.logLevel);
      const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      let jobs: Awaited<ReturnType<typeof startJobs>>;
      try {
        jobs = await startJobs(
          { store, config, logger },
          { workers: true, concurrency, heartbeatSeconds, superviseSeconds },
        );
      } catch (err) {
        await store.close();
        throw err;
      }
      const ready = { ok: true, worker: process.pid, concurrency, heartbeatSeconds, queue: jobs.schema };
      if (wantsJson(cmd)) process.stdout.write(`${JSON.stringify(ready)}\n`);
      else
        process.stderr.write(
          `worker ${process.pid} ready: up to ${concurrency} runs at once (jobs in schema ${jobs.schema}); SIGTERM stops it\n`,
        );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (name: NodeJS.Signals) => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write(`${name}: stopping; runs in progress go back to the queue…\n`);
          void jobs
            .stop()
            .catch((err: unknown) => logger.error({ err }, 'stopping the job queue failed'))
            .finally(() => store.close().finally(resolve));
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      process.stderr.write('worker stopped\n');
    });
}

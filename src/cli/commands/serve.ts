import type { Command } from 'commander';
import type { AppDeps } from '../../app/context.js';
import { setupLinkIfNoUsers } from '../../app/users.js';
import { type Jobs, startJobs } from '../../jobs/index.js';
import { createLogger } from '../../logging/index.js';
import { buildServer } from '../../server/app.js';
import { setupUrl } from '../../server/auth.js';
import { prepareDemo } from '../../server/demo.js';
import { openStore, serveStore } from '../../store/index.js';
import { reapDeadRuns } from '../../sync/activity.js';
import { describeWorkspace, getConnection } from '../../sync/connections.js';
import { CliError, configFrom, wantsJson } from '../context.js';

interface ServeFlags {
  port?: string;
  host?: string;
  workers: boolean;
  trustProxy?: boolean | string;
  demo?: boolean;
}

/** A port from `--port`: 0 (any free one) to 65535. */
function portOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535)
    throw new CliError(`--port takes a port number from 0 (any free port) to 65535, not ${value}`);
  return n;
}

/** The address to print: a wildcard host is reached through localhost; IPv6 goes in brackets. */
function originOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * `affinity-sync serve`: the HTTP API (`/api/...`, OpenAPI at `/api/openapi.json`) over the
 * configured store, with the job queue and — unless `--no-workers` — its workers in this process.
 * On an embedded data directory it also serves the store to the other processes of that directory
 * (CLI commands work while it runs). Prints the URL (`--port 0` picks a free port) and, while
 * nobody has an account, a one-time link that creates the first admin. SIGINT or SIGTERM stops it
 * cleanly: no new requests, runs in progress stop after their writes in flight and go back to the
 * queue, the store is closed; exit 0.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API and run queued pushes and pulls (Ctrl-C stops it)')
    .option('--port <n>', 'port to listen on; 0 picks a free one (env PORT, default 3000)')
    .option(
      '--host <host>',
      'address to listen on (env HOST, default 127.0.0.1; 0.0.0.0 for every interface)',
    )
    .option('--no-workers', 'run no jobs here, only queue them (workers elsewhere share DATABASE_URL)')
    .option(
      '--demo',
      'try it at once: the demo dataset, the built-in Affinity emulator with its demo workspace (unless a real Affinity is configured or connected) and a demo admin (what `npm start` runs)',
    )
    .option(
      '--trust-proxy [addresses]',
      'behind a reverse proxy: trust its X-Forwarded-* headers (client address, https for Secure cookies); optionally only from these comma-separated addresses',
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const config = configFrom(cmd);
      const port = flags.port === undefined ? config.port : portOf(flags.port);
      const host = flags.host ?? config.host;
      const logger = createLogger(config.logLevel);
      if (!flags.workers && !config.databaseUrl) {
        logger.warn(
          'serving an embedded data directory without workers: queued runs wait until a serve with workers runs on it',
        );
      }

      const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      const closers: Array<{ what: string; close: () => Promise<void> }> = [
        { what: 'the store', close: () => store.close() },
      ];
      const shutdown = async () => {
        for (const c of closers.reverse()) {
          await c.close().catch((err: unknown) => logger.error({ err }, `closing ${c.what} failed`));
        }
      };
      let url: string;
      let setupLink: string | null;
      try {
        // Serving first: a second serve on a served directory is refused before it touches any run.
        const served = await serveStore(store, { dataDir: config.dataDir });
        closers.push({ what: 'the store socket', close: () => served.stop() });
        await reapDeadRuns(store);
        const deps: AppDeps = { store, config, logger };
        const demo = flags.demo ? await prepareDemo(deps, { dataDir: config.dataDir, host }) : null;
        if (demo) closers.push({ what: 'the built-in Affinity', close: () => demo.close() });
        const jobs: Jobs = await startJobs(deps, { workers: flags.workers });
        closers.push({ what: 'the jobs', close: () => jobs.stop() });
        deps.jobs = jobs;

        let stopping = false;
        const app = await buildServer(deps, {
          ...(typeof flags.trustProxy === 'string'
            ? { trustProxy: flags.trustProxy.split(',').map((a) => a.trim()) }
            : flags.trustProxy === true
              ? { trustProxy: true }
              : {}),
          readyChecks: { jobs: async () => (stopping ? 'the server is stopping' : null) },
        });
        closers.push({
          what: 'the HTTP server',
          close: async () => {
            stopping = true;
            await app.close();
          },
        });
        await app.listen({ port, host }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE')
            throw new CliError(
              `port ${port} on ${host} is in use: pick another with --port (0 for any free port)`,
            );
          throw err;
        });
        const address = app.server.address();
        const bound = address !== null && typeof address === 'object' ? address.port : port;
        url = originOf(host, bound);
        const token = await setupLinkIfNoUsers(deps);
        setupLink = token === null ? null : setupUrl(url, token);

        const connection = await getConnection(store, config.connection);
        if (wantsJson(cmd)) {
          const demoFacts = demo && {
            demo: {
              affinity: demo.builtin ? { url: demo.builtin.url, apiKey: demo.builtin.apiKey } : null,
              admin: demo.admin,
              datasetLoaded: demo.datasetLoaded,
            },
          };
          process.stdout.write(
            `${JSON.stringify({ ok: true, url, ...(setupLink ? { setupUrl: setupLink } : {}), ...demoFacts })}\n`,
          );
        } else {
          process.stdout.write(
            [
              `affinity-sync serving at ${url}`,
              app.webRoot
                ? `  Web UI ${url} (open it in a browser)`
                : '  Web UI: not built (run `npm run build:web`, then reload)',
              `  API ${url}/api · OpenAPI document ${url}/api/openapi.json`,
              `  store: ${store.kind === 'postgres' ? 'PostgreSQL' : `embedded in ${config.dataDir}`} · workers: ${flags.workers ? 'in this process' : 'none here'}`,
              ...(demo?.lines.map((l) => `  ${l}`) ?? []),
              connection
                ? `  Affinity: ${describeWorkspace(connection)}`
                : '  Affinity: not connected yet (an admin connects it in the web UI under Integrations → Connect, with POST /api/connection, or `affinity-sync connect`)',
              ...(setupLink
                ? [
                    'No one has an account yet. Create the first admin with this one-time link:',
                    `  ${setupLink}`,
                    '  (or: affinity-sync users add EMAIL --admin)',
                  ]
                : []),
              'Ctrl-C stops it.',
            ].join('\n') + '\n',
          );
        }
      } catch (err) {
        await shutdown();
        throw err;
      }

      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (name: NodeJS.Signals) => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write(`${name}: stopping; runs in progress go back to the queue…\n`);
          void shutdown().finally(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      process.stderr.write('stopped\n');
    });
}

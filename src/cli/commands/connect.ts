import type { Command } from 'commander';
import { connectAffinity, connectionStatus, disconnectAffinity } from '../../app/connection.js';
import { describeWorkspace } from '../../sync/connections.js';
import { CliError, output, withApp } from '../context.js';

interface ConnectFlags {
  apiKey?: string;
  auth?: string;
  name?: string;
  status?: boolean;
  remove?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/**
 * `affinity-sync connect`: verifies an Affinity API key (whoami), stores it encrypted, and says
 * what the product will do in the workspace. `--api-key -` reads the key from stdin so it stays out
 * of the process list and shell history. `--status` shows the stored connection; `--remove` forgets it.
 * The global `--connection NAME` (alias `--name`) stores a second workspace beside the default one.
 */
export function registerConnect(program: Command): void {
  program
    .command('connect')
    .description('connect an Affinity workspace (verifies the key, stores it encrypted)')
    .option('--api-key <key>', 'Affinity API key, or - to read it from stdin (default: AFFINITY_API_KEY)')
    .option('--auth <scheme>', 'basic (default) or bearer')
    .option('--name <name>', 'same as --connection: the name to store the connection under')
    .option('--status', 'show the stored connection instead')
    .option('--remove', 'forget the stored connection')
    .action(async (flags: ConnectFlags, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const config = ctx.deps.config;
        const name = flags.name ?? config.connection;
        if (flags.remove) {
          const { removed } = await disconnectAffinity(ctx, { name });
          output(cmd, { ok: true, removed }, () =>
            removed ? `connection ${name} removed` : `no connection named ${name}`,
          );
          return;
        }
        if (flags.status) {
          const { connection, workspace } = await connectionStatus(ctx, { name });
          if (!connection) throw new CliError(`no connection named ${name}: run affinity-sync connect`);
          output(cmd, { ok: true, workspace, connection }, () =>
            [
              `connected to ${describeWorkspace(connection)}`,
              `  as ${connection.affinityUserEmail ?? '?'} with key ${connection.apiKeyHint}`,
              `  verified ${connection.verifiedAt ?? 'never'}, connected by ${connection.connectedBy}`,
            ].join('\n'),
          );
          return;
        }
        let apiKey = flags.apiKey ?? config.affinityApiKey;
        if (apiKey === '-') apiKey = await readStdin();
        if (!apiKey)
          throw new CliError('no API key: pass --api-key KEY (or - for stdin) or set AFFINITY_API_KEY');
        if (flags.auth !== undefined && flags.auth !== 'basic' && flags.auth !== 'bearer') {
          throw new CliError(`--auth must be basic or bearer, got ${flags.auth}`);
        }
        // Re-connecting (a new key) stays at the stored connection's URL unless another is named.
        const { workspace, connection, permissions } = await connectAffinity(ctx, {
          apiKey,
          name,
          auth: (flags.auth as 'basic' | 'bearer' | undefined) ?? config.affinityAuth,
        });
        output(cmd, { ok: true, workspace, connection, permissions }, () =>
          [
            `connected to ${describeWorkspace(connection)} as ${connection.affinityUserEmail} (key ${connection.apiKeyHint}, stored encrypted)`,
            'affinity-sync will:',
            ...permissions.map((p) => `  - ${p}`),
          ].join('\n'),
        );
      });
    });
}

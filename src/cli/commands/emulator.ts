import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  checkWorkspace,
  InvalidWorkspaceError,
  isWorkspaceJson,
  type SeedInput,
  startEmulator,
  workspaceCounts,
} from '../../emulator/index.js';
import { CliError, wantsJson } from '../context.js';
import { plural } from '../format.js';

const singularOf: Record<string, string> = {
  persons: 'person',
  organizations: 'organization',
  opportunities: 'opportunity',
  lists: 'list',
  'list entries': 'list entry',
  'field values': 'field value',
};

interface EmulatorFlags {
  port: string;
  host: string;
  seed: string;
  state?: string;
  apiKey: string[];
  ratePerMinute: string;
  monthlyLimit: string;
  maxConcurrent?: string;
  faultRate?: string;
  latencyMs?: string;
  allowRemoteAdmin?: boolean;
}

function int(name: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`--${name} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

function seedFrom(value: string): SeedInput {
  if (value === 'demo' || value === 'empty') return value;
  let ws: unknown;
  try {
    ws = JSON.parse(readFileSync(value, 'utf8'));
  } catch (err) {
    throw new CliError(
      `--seed ${value}: not demo, empty or a readable JSON file (${(err as Error).message})`,
    );
  }
  // Its rows are checked once, when the emulator loads it (see `invalidSeed`).
  if (isWorkspaceJson(ws)) return ws;
  const checked = checkWorkspace(ws);
  throw invalidSeed(value, checked.ok ? ['not a workspace'] : checked.problems);
}

function invalidSeed(file: string, problems: string[]): CliError {
  return new CliError(`--seed ${file}: not a valid exported emulator workspace: ${problems.join('; ')}`);
}

/**
 * `affinity-sync emulator`: runs the Affinity v1 emulator until SIGINT/SIGTERM, then saves the
 * state file (when given) and exits 0. Prints the URL and API key (`--json`: one JSON line).
 */
export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run the Affinity v1 emulator (a stateful local Affinity API)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4010')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <seed>', 'demo, empty, or an exported workspace JSON file', 'empty')
    .option('--state <file>', 'state file: loaded at start, saved periodically and on exit')
    .option(
      '--api-key <key>',
      "API key of the next user, replacing that user's stored keys (repeatable; the first is the default key)",
      collect,
      [],
    )
    .option('--rate-per-minute <n>', 'requests per API key per minute', '900')
    .option('--monthly-limit <n>', 'requests per account per month, or unlimited', 'unlimited')
    .option('--max-concurrent <n>', 'concurrent requests per account')
    .option('--fault-rate <p>', 'probability (0..1) of an injected 429/500/503')
    .option('--latency-ms <n>', 'latency added to every request')
    .option('--allow-remote-admin', 'serve /_emulator/ to non-loopback callers')
    .action(async (flags: EmulatorFlags, cmd: Command) => {
      const faultRate = flags.faultRate === undefined ? undefined : Number(flags.faultRate);
      if (faultRate !== undefined && !(faultRate >= 0 && faultRate <= 1)) {
        throw new CliError(`--fault-rate must be between 0 and 1, got ${flags.faultRate}`);
      }
      const emu = await startEmulator({
        port: int('port', flags.port),
        host: flags.host,
        seed: seedFrom(flags.seed),
        ...(flags.state ? { state: flags.state } : {}),
        apiKeys: flags.apiKey,
        ratePerMinute: int('rate-per-minute', flags.ratePerMinute, 1),
        monthlyLimit:
          flags.monthlyLimit === 'unlimited' ? 'unlimited' : int('monthly-limit', flags.monthlyLimit),
        ...(flags.maxConcurrent ? { maxConcurrent: int('max-concurrent', flags.maxConcurrent, 1) } : {}),
        ...(faultRate !== undefined ? { faultRate } : {}),
        ...(flags.latencyMs ? { latencyMs: int('latency-ms', flags.latencyMs) } : {}),
        ...(flags.allowRemoteAdmin ? { allowRemoteAdmin: true } : {}),
      }).catch((err: unknown) => {
        // Only the --seed workspace throws this (a bad state file names itself).
        throw err instanceof InvalidWorkspaceError ? invalidSeed(flags.seed, err.problems) : err;
      });
      if (wantsJson(cmd)) process.stdout.write(`${JSON.stringify({ url: emu.url, apiKey: emu.apiKey })}\n`);
      else {
        const counts = workspaceCounts(emu.core);
        process.stdout.write(
          [
            `Affinity emulator listening on ${emu.url}`,
            `API key: ${emu.apiKey}   (curl ${emu.url}/auth/whoami -u :${emu.apiKey})`,
            `Workspace: ${Object.entries(counts)
              .map(([k, v]) => {
                const many = k.replace(/_/g, ' ');
                return plural(v, singularOf[many] ?? many, many);
              })
              .join(', ')}`,
            `Admin API: ${emu.url}/_emulator/{reset,seed,config,stats,export}. Ctrl-C to stop.`,
          ].join('\n') + '\n',
        );
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await emu.close();
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

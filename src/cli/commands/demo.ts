import type { Command } from 'commander';
import { configFrom, output } from '../context.js';

/**
 * `affinity-sync demo`: a full offline run on embedded defaults. It grows with the product:
 * the built-in emulator with its demo workspace, the demo dataset, push, pull and the activity summary.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a full offline sync against the built-in Affinity emulator')
    .action(async (_opts, cmd: Command) => {
      const config = configFrom(cmd);
      const steps: Array<{ step: string; detail: string }> = [];
      output(cmd, { ok: true, dataDir: config.dataDir, steps }, () =>
        [
          `affinity-sync demo (data in ${config.dataDir})`,
          ...steps.map((s) => `  ${s.step}: ${s.detail}`),
        ].join('\n'),
      );
    });
}

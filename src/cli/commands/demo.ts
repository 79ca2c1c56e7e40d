import type { Command } from 'commander';
import { AffinityClient, createTransport } from '../../affinity/index.js';
import { startEmulator } from '../../emulator/index.js';
import { ensureDemoDataset, search } from '../../intelligence/index.js';
import { configFrom, output, wantsJson, withStore } from '../context.js';

interface DemoStep {
  step: string;
  detail: string;
}

/**
 * `affinity-sync demo`: a full offline run on embedded defaults against the built-in emulator and
 * its demo workspace — never against a real Affinity, whatever the environment says, so trying
 * the product can't write into a production CRM.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a full offline sync against the built-in Affinity emulator and its demo workspace')
    .action(async (_opts, cmd: Command) => {
      const config = configFrom(cmd);
      const json = wantsJson(cmd);
      const steps: DemoStep[] = [];
      const note = (step: string, detail: string) => {
        steps.push({ step, detail });
        if (!json) process.stderr.write(`  ✓ ${step}: ${detail}\n`);
      };

      await withStore(config, async (store) => {
        const loaded = await ensureDemoDataset(store);
        const top = await search(store, 'companies', { sort: 'growth' }, { limit: 3, withTotal: true });
        note(
          'dataset',
          `${loaded ? 'loaded' : 'already had'} the demo intelligence dataset (${top.total ?? '?'} companies); fastest growing: ${top.results.map((r) => r.name).join(', ')}`,
        );
        const emulator = await startEmulator({ port: 0, seed: 'demo' });
        try {
          note('emulator', `Affinity v1 emulator with the demo workspace at ${emulator.url}`);
          const transport = createTransport({
            apiKey: emulator.apiKey,
            baseUrl: emulator.url,
            ratePerMinute: config.affinityRatePerMinute,
            maxConcurrent: config.affinityMaxConcurrent,
          });
          const client = new AffinityClient({ transport });

          const me = await client.whoami.get();
          note('connect', `${me.user.firstName} ${me.user.lastName} <${me.user.email}> in ${me.tenant.name}`);

          const lists = await client.lists.all();
          const counts: Array<{ id: number; name: string; type: number; entries: number }> = [];
          for (const list of lists) {
            let entries = 0;
            for await (const page of client.listEntries.pages(list.id, { page_size: 500 })) {
              entries += page.items.length;
            }
            counts.push({ id: list.id, name: list.name, type: list.type, entries });
          }
          note('lists', counts.map((l) => `${l.name} (${l.entries})`).join(', '));

          const stats = transport.stats();
          note(
            'api calls',
            `${stats.requests} requests, ${stats.throttled} rate-limited, ${stats.retries} retried`,
          );
          output(
            cmd,
            { ok: true, emulator: emulator.url, lists: counts, apiCalls: stats.requests, steps },
            () => `demo complete: ${counts.length} Affinity lists read with ${stats.requests} API calls`,
          );
        } finally {
          await emulator.close();
        }
      });
    });
}

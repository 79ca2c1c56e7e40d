import { join } from 'node:path';
import type { Command } from 'commander';
import { AffinityClient, createTransport } from '../../affinity/index.js';
import { startEmulator } from '../../emulator/index.js';
import { addToList, createList, ensureDemoDataset, getList, search } from '../../intelligence/index.js';
import { listRuns } from '../../sync/activity.js';
import { connect, describeWorkspace, secretBoxFor, workspaceOf } from '../../sync/connections.js';
import { setDestination } from '../../sync/destinations.js';
import { crmView, pull, reviewQueue } from '../../sync/pull/index.js';
import { type PushReport, push } from '../../sync/push/index.js';
import { LOCAL_ADMIN } from '../../sync/roles.js';
import { CliError, configFrom, output, wantsJson, withStore } from '../context.js';
import { plural } from '../format.js';

interface DemoStep {
  step: string;
  detail: string;
}

/** The demo's own connection, so it never replaces a real one stored in the same data directory. */
const DEMO_CONNECTION = 'demo';
const DEMO_LIST = 'Fastest growing (demo)';
const DEMO_PUSH_SIZE = 20;
/** The Affinity list the demo enriches from the dataset once it is pulled. */
const DEMO_ENRICH_LIST = 'Deal Flow';
const DEFAULT_DATA_DIR = './.affinity-sync';

/** An argument as a shell reads it back: quoted when it holds anything but plain characters. */
function shellArg(arg: string): string {
  return /^[\w./:@=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** What a push did, for the demo's summary. */
function pushSummary(r: PushReport) {
  const o = r.outcome;
  return {
    created: o?.created ?? 0,
    updated: o?.updated ?? 0,
    unchanged: o?.unchanged ?? 0,
    failed: o?.failed ?? 0,
    calls: r.api.requests,
  };
}

/** The demo's call rate: its own emulator, never Affinity, so it need not wait at Affinity's 900 a minute. */
const DEMO_RATE_PER_MINUTE = 20_000;

/**
 * `affinity-sync demo`: a full offline run on embedded defaults — the demo intelligence dataset in
 * the embedded store, the built-in emulator with its demo workspace (kept in the data directory so
 * runs build on each other), a push of the fastest-growing companies, a pull of every list into
 * My CRM, the enrichment loop (the pulled Deal Flow's records matched to the dataset get its data
 * pushed back, update-only, through the pull's links), the growth-ranked view and the activity
 * log. It ends with the commands to explore what it did (`--json`: `next`, and a summary of each
 * stage's counts and calls). It never talks to a real Affinity, whatever
 * the environment says, so trying the product can't write into a production CRM.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a full offline push and pull against the built-in Affinity emulator')
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
        const top = await search(
          store,
          'companies',
          { sort: 'growth' },
          { limit: DEMO_PUSH_SIZE, withTotal: true },
        );
        note(
          'dataset',
          `${loaded ? 'loaded' : 'already had'} the demo intelligence dataset (${top.total ?? '?'} companies); fastest growing: ${top.results
            .slice(0, 3)
            .map((r) => r.name)
            .join(', ')}`,
        );

        const statePath = join(config.dataDir, 'emulator-workspace.json');
        // The tour spends about 1,300 calls, 85 s at Affinity's 900 a minute: its own emulator and
        // client allow more, so it takes seconds, and say so.
        const rate = Math.max(config.affinityRatePerMinute, DEMO_RATE_PER_MINUTE);
        const emulator = await startEmulator({
          port: 0,
          seed: 'demo',
          state: statePath,
          ratePerMinute: rate,
        });
        try {
          note('emulator', `Affinity v1 emulator with the demo workspace at ${emulator.url}`);
          note(
            'rate',
            `${rate.toLocaleString('en-US')} calls a minute, so the tour takes seconds (Affinity allows 900)`,
          );
          const transport = createTransport({
            apiKey: emulator.apiKey,
            baseUrl: emulator.url,
            ratePerMinute: rate,
            maxConcurrent: config.affinityMaxConcurrent,
          });
          const client = new AffinityClient({ transport });
          const box = await secretBoxFor(config);
          const { connection } = await connect(store, box, {
            apiKey: emulator.apiKey,
            baseUrl: emulator.url,
            actor: LOCAL_ADMIN,
            name: DEMO_CONNECTION,
          });
          note(
            'connect',
            `${connection.affinityUserEmail} in ${describeWorkspace(connection)} (key ${connection.apiKeyHint})`,
          );

          const saved = await setDestination(store, client, connection.id, LOCAL_ADMIN, {
            entity: 'company',
            recordType: 'organization',
            match: 'domain',
            mode: 'create-update',
            list: 'Deal Flow',
            map: [
              'linkedin_url=LinkedIn URL',
              'website=Website',
              'total_funding_usd=Total Funding',
              'last_funding_date=Last Funding Date',
              'growth_rank=Growth Rank',
            ],
            createMissingFields: true,
          });
          if (saved.code !== 'saved')
            throw new CliError(`demo destination refused: ${saved.problems.join('; ')}`);
          note(
            'destination',
            'companies → organizations, matched by domain, create + update, added to "Deal Flow"',
          );

          if (!(await getList(store, DEMO_LIST))) {
            await createList(store, DEMO_LIST, 'companies');
            await addToList(
              store,
              DEMO_LIST,
              top.results.map((r) => String((r as { domain?: unknown }).domain ?? r.name)),
            );
          }
          const pushed: Partial<Record<'push' | 're-push', PushReport>> = {};
          for (const attempt of ['push', 're-push'] as const) {
            const result = await push({
              store,
              client,
              transport,
              connectionId: connection.id,
              actor: LOCAL_ADMIN.id,
              trigger: 'demo',
              selection: { list: DEMO_LIST },
            });
            if (result.code !== 'pushed') {
              throw new CliError(`demo ${attempt} failed: ${result.message}`);
            }
            const o = result.report.outcome;
            pushed[attempt] = result.report;
            note(
              attempt,
              `${o?.created ?? 0} created, ${o?.updated ?? 0} updated, ${o?.unchanged ?? 0} unchanged, ${o?.addedToList ?? 0} added to list, ${o?.failed ?? 0} failed — ${plural(result.report.api.requests, 'API call')}`,
            );
          }

          const lists = await client.lists.all();
          const pulled = await pull(
            { store, client, connectionId: connection.id, stats: () => transport.stats() },
            { lists: lists.map((l) => ({ list: l.id })), trigger: 'demo', actor: LOCAL_ADMIN.id },
          );
          note(
            'pull',
            `${pulled.lists.map((l) => `${l.name} (${l.records})`).join(', ')} — ${plural(pulled.api.requests, 'API call')}`,
          );
          const m = pulled.match.counts;
          const review = await reviewQueue(store, connection.id, { limit: 10_000 });
          note(
            'matching',
            `${m.matched ?? 0} matched, ${m.ambiguous ?? 0} ambiguous, ${m.unmatched ?? 0} unmatched; ${review.length} to review`,
          );

          // The enrichment loop: the pulled Deal Flow's records matched to our companies get our
          // data pushed onto them, update-only, through the links the pull recorded (no search).
          const enriched = await push({
            store,
            client,
            transport,
            connectionId: connection.id,
            actor: LOCAL_ADMIN.id,
            trigger: 'demo',
            selection: { crm: true, list: DEMO_ENRICH_LIST, entity: 'company' },
          });
          if (enriched.code !== 'pushed') throw new CliError(`demo enrichment failed: ${enriched.message}`);
          const e = enriched.report;
          const eo = pushSummary(e);
          note(
            'enrich',
            `${plural(e.plan.records.length, 'record')} of "${DEMO_ENRICH_LIST}" matched to the dataset, pushed ${e.destination.mode}: ${eo.updated} updated, ${eo.unchanged} unchanged, ${eo.failed} failed — ${plural(e.api.requests, 'API call')} (${plural(e.plan.reads, 'read')} of values Affinity held, ${plural(e.plan.writes, 'write')} for the changed values, no search; run ${e.runId})`,
          );

          const ranked = await crmView(store, connection.id, { sort: 'growth', limit: 5 });
          note(
            'my crm',
            ranked
              .map(
                (r) =>
                  `${r.name}${r.company?.growthRank != null ? ` (growth rank ${Math.round(r.company.growthRank)})` : ''}`,
              )
              .join(', '),
          );

          // What to run next against what the demo left: the store's commands work as they are;
          // those that talk to Affinity need the demo's emulator again, on the same port, with its
          // saved workspace (the stored `demo` connection names that URL and its key).
          const scope = [
            ...(config.dataDir !== DEFAULT_DATA_DIR ? ['--data-dir', config.dataDir] : []),
            '--connection',
            DEMO_CONNECTION,
          ];
          const line = (...args: string[]) => ['affinity-sync', ...args, ...scope].map(shellArg).join(' ');
          const next = [
            { command: line('crm', '--list', DEMO_ENRICH_LIST), what: 'My CRM, ranked by growth' },
            { command: line('review'), what: 'the records matching left for you to link or ignore' },
            { command: line('activity', String(e.runId)), what: 'the enrichment push, record by record' },
            {
              command: ['affinity-sync', 'emulator', '--state', statePath, '--port', String(emulator.port)]
                .map(shellArg)
                .join(' '),
              what: "the demo's Affinity again (in another terminal), for the two commands below",
            },
            {
              command: line('push', '--crm', '--list', DEMO_ENRICH_LIST, '--dry-run'),
              what: 'what enriching the pulled list would push now',
            },
            { command: line('destination', 'show', 'company'), what: 'the mapping the demo pushes with' },
          ];
          const width = Math.max(...next.map((n) => n.command.length));

          const runs = await listRuns(store, { limit: 5 });
          note(
            'activity',
            runs.map((r) => `#${r.id} ${r.kind} ${r.status} (${r.apiCalls} calls)`).join(', '),
          );
          output(
            cmd,
            {
              ok: true,
              emulator: emulator.url,
              workspace: workspaceOf(connection),
              lists: pulled.lists.map((l) => ({
                id: l.id,
                name: l.name,
                type: l.type,
                entries: l.entries,
                records: l.records,
              })),
              match: m,
              review: review.length,
              top: ranked.map((r) => ({ name: r.name, growthRank: r.company?.growthRank ?? null })),
              steps,
              next,
              push: pushed.push ? pushSummary(pushed.push) : null,
              rePush: { calls: pushed['re-push']?.api.requests ?? 0 },
              pull: {
                lists: pulled.lists.map((l) => ({
                  name: l.name,
                  entries: l.entries,
                  new: l.newRecords,
                  matched: l.match.matched ?? 0,
                  unmatched: l.match.unmatched ?? 0,
                  calls: l.calls,
                })),
              },
              matching: { matched: m.matched ?? 0, ambiguous: m.ambiguous ?? 0, unmatched: m.unmatched ?? 0 },
              enrich: { updated: eo.updated, unchanged: eo.unchanged, failed: eo.failed, calls: eo.calls },
            },
            () =>
              [
                `demo complete: pushed ${plural(DEMO_PUSH_SIZE, 'company')}, pulled ${plural(pulled.lists.length, 'list')} into My CRM and enriched ${plural(e.plan.records.length, 'record')} of "${DEMO_ENRICH_LIST}" (${plural(eo.updated, 'record')} updated, ${plural(eo.calls, 'API call')})`,
                '',
                "What next: the store and the emulator's workspace stay in the data directory.",
                ...next.map((n) => `  ${n.command.padEnd(width)}  ${n.what}`),
              ].join('\n'),
          );
        } finally {
          await emulator.close();
        }
      });
    });
}

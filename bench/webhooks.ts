/**
 * Webhook to My CRM latency: the server (in this process, jobs on, embedded PGlite) with the demo
 * workspace's Portfolio list pulled with fields and our receiver subscribed at the emulator. N
 * changes are made one at a time through the emulator's API (field values updated, entries added
 * and removed); each is delivered by the emulator as a real webhook and applied as a job. Prints,
 * per event type and overall, p50/p99 of (a) delivered → record updated, from the delivery's
 * `received_at` to its `processed_at` (the write to My CRM is done by then), and (b) change made →
 * change seen in My CRM, polled every 5 ms; and the Affinity calls per event (the delivery's own
 * count, checked against the emulator's). Run: `npm run bench webhooks` (`BENCH_WEBHOOK_EVENTS=N`,
 * default 50).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { connectAffinity } from '../src/app/connection.js';
import type { AppContext, AppDeps } from '../src/app/context.js';
import { runPull } from '../src/app/pull.js';
import { subscribeWebhook } from '../src/app/webhooks.js';
import { loadConfig } from '../src/config/index.js';
import { startEmulator } from '../src/emulator/index.js';
import { demoWorkspaceFacts } from '../src/emulator/seeds/index.js';
import { startJobs } from '../src/jobs/index.js';
import { createLogger } from '../src/logging/index.js';
import { buildServer } from '../src/server/app.js';
import { openStore } from '../src/store/index.js';
import { LOCAL_ADMIN } from '../src/sync/roles.js';

const N = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 50);

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
  const emulator = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
  const config = loadConfig(
    {
      AFFINITY_SYNC_SECRET: 'webhooks bench master secret',
      AFFINITY_RATE_PER_MINUTE: '100000',
      LOG_LEVEL: 'silent',
    },
    { dataDir },
  );
  const store = await openStore({ dataDir });
  const deps: AppDeps = { store, config, logger: createLogger(config.logLevel) };
  const jobs = await startJobs(deps, { workers: true, scheduler: false });
  deps.jobs = jobs;
  const app = await buildServer(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  const ctx: AppContext = { actor: LOCAL_ADMIN, deps };
  const server = { emulator, store, url };
  try {
    await connectAffinity(ctx, { apiKey: emulator.apiKey, baseUrl: emulator.url });
    const key = server.emulator.apiKey;
    const affinity = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${server.emulator.url}${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const q = <T>(s: ReturnType<typeof sql>) => server.store.query<T>(s);
    const until = async (probe: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error('timed out waiting for My CRM');
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    const lists = await affinity<Array<{ id: number; name: string }>>('GET', '/lists');
    const portfolio = lists.find((l) => l.name === demoWorkspaceFacts().lists.portfolio)!.id;
    await runPull(ctx, { lists: [portfolio], withFields: true });
    await subscribeWebhook(ctx, { publicUrl: url });

    const values = await q<{ field_value_id: number }>(sql`
      SELECT field_value_id FROM crm_field_values WHERE list_id = ${portfolio} AND value_type = 3
        AND jsonb_typeof(value) = 'number' ORDER BY field_value_id`);
    const inCrm = new Set(
      (
        await q<{ affinity_id: number }>(
          sql`SELECT affinity_id FROM crm_records WHERE affinity_type = 'organization'`,
        )
      ).map((r) => Number(r.affinity_id)),
    );
    const outside = (
      await affinity<{ organizations: Array<{ id: number }> }>('GET', '/organizations?page_size=500')
    ).organizations
      .map((o) => o.id)
      .filter((id) => !inCrm.has(id));

    const seen: Array<{ type: string; endToEndMs: number; emulatorCalls: number }> = [];
    const added: number[] = [];
    for (let i = 0; i < N; i++) {
      const kind = i % 3;
      const before = server.emulator.stats().total;
      const t0 = performance.now();
      let type: string;
      if (kind === 0 && values.length > 0) {
        type = 'field_value.updated';
        const fv = values[i % values.length]!.field_value_id;
        const value = 1_000_000 + i;
        await affinity('PUT', `/field-values/${fv}`, { value });
        await until(async () => {
          const [v] = await q<{ value: unknown }>(
            sql`SELECT value FROM crm_field_values WHERE field_value_id = ${fv}`,
          );
          return Number(v?.value) === value;
        });
      } else if (kind === 1 || added.length === 0) {
        type = 'list_entry.created';
        const org = outside.shift();
        if (org === undefined) throw new Error('no organization left to add');
        const entry = await affinity<{ id: number }>('POST', `/lists/${portfolio}/list-entries`, {
          entity_id: org,
        });
        added.push(entry.id);
        await until(
          async () =>
            (await q(sql`SELECT 1 FROM crm_memberships WHERE list_entry_id = ${entry.id}`)).length > 0,
        );
      } else {
        type = 'list_entry.deleted';
        const entry = added.shift()!;
        await affinity('DELETE', `/lists/${portfolio}/list-entries/${entry}`);
        await until(
          async () =>
            (await q(sql`SELECT 1 FROM crm_memberships WHERE list_entry_id = ${entry}`)).length === 0,
        );
      }
      const endToEndMs = performance.now() - t0;
      // The delivery's row is written once its processing ended: wait for it to settle.
      await until(async () => {
        const [r] = await q<{ n: number }>(
          sql`SELECT count(*)::int AS n FROM sync_webhook_deliveries WHERE status = 'queued'`,
        );
        return Number(r?.n) === 0;
      });
      seen.push({ type, endToEndMs, emulatorCalls: server.emulator.stats().total - before - 1 });
    }

    const rows = await q<{ type: string; status: string; ms: number; api_calls: number }>(sql`
      SELECT type, status, extract(epoch FROM (processed_at - received_at)) * 1000 AS ms, api_calls
      FROM sync_webhook_deliveries ORDER BY id`);
    const failed = rows.filter((r) => r.status === 'failed').length;
    const types = [...new Set(seen.map((s) => s.type))];
    const line = (
      label: string,
      delivered: number[],
      e2e: number[],
      apiCalls: number[],
      emulatorCalls: number[],
    ) =>
      `${label.padEnd(22)} n=${String(delivered.length).padStart(3)}  delivered→updated p50 ${fmt(pct(delivered, 50))} p99 ${fmt(pct(delivered, 99))}  change→seen p50 ${fmt(pct(e2e, 50))} p99 ${fmt(pct(e2e, 99))}  calls/event ${(apiCalls.reduce((a, b) => a + b, 0) / Math.max(1, apiCalls.length)).toFixed(2)} (emulator saw ${(emulatorCalls.reduce((a, b) => a + b, 0) / Math.max(1, emulatorCalls.length)).toFixed(2)})`;
    for (const t of types) {
      const r = rows.filter((x) => x.type === t);
      const s = seen.filter((x) => x.type === t);
      process.stdout.write(
        `${line(
          t,
          r.map((x) => Number(x.ms)),
          s.map((x) => x.endToEndMs),
          r.map((x) => x.api_calls),
          s.map((x) => x.emulatorCalls),
        )}\n`,
      );
    }
    process.stdout.write(
      `${line(
        'all',
        rows.map((x) => Number(x.ms)),
        seen.map((x) => x.endToEndMs),
        rows.map((x) => x.api_calls),
        seen.map((x) => x.emulatorCalls),
      )}\n`,
    );
    process.stdout.write(`deliveries ${rows.length}, failed ${failed}\n`);
  } finally {
    await app.close();
    await jobs.stop();
    await store.close();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { backends, openTestStore, type TestStore } from '../store/testing.js';
import { ConnectionBusyError, getRun, type RunRecorder, reapDeadRuns, startRun } from './activity.js';

/** A stored Affinity connection row (runs reference it); the key is never used here. */
async function connectionRow(t: TestStore, name: string): Promise<number> {
  const [row] = await t.store.query<{ id: number }>(sql`
    INSERT INTO sync_connections (name, base_url, api_key_sealed, api_key_hint, connected_by)
    VALUES (${name}, 'http://127.0.0.1:9', 'sealed', '••••', 'local-admin') RETURNING id`);
  return row!.id;
}

/** Polls the run's row until `done` holds for it: waits on the state it waits for, not on time. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.each(backends)('run lease and sign of life on %s', (backend) => {
  let t: TestStore;
  const open: RunRecorder[] = [];
  afterEach(async () => {
    for (const r of open.splice(0)) await r.finish();
    await t?.cleanup();
  });
  const push = async (
    connectionId: number,
    extra: Parameters<typeof startRun>[1] extends infer O ? Partial<O> : never = {},
  ) => {
    const run = await startRun(t.store, {
      kind: 'push',
      trigger: 'cli',
      actor: 'local-admin',
      connectionId,
      exclusive: true,
      ...extra,
    });
    open.push(run);
    return run;
  };

  it('one exclusive run per connection: a second is refused naming the first; dry runs and other connections go on', async () => {
    t = await openTestStore(backend);
    const c1 = await connectionRow(t, 'first');
    const c2 = await connectionRow(t, 'second');
    const first = await push(c1);

    const refused = await push(c1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectionBusyError);
    const busy = refused as ConnectionBusyError;
    expect(busy.exitCode).toBe(4);
    expect(busy.run?.id).toBe(first.id);
    expect(busy.message).toContain(
      `another push is running on this Affinity connection: run ${first.id}, cli by local-admin, started `,
    );
    expect(busy.message).toContain(`by pid ${process.pid}@${hostname()}`);

    const dry = await push(c1, { exclusive: false, dryRun: true });
    const other = await push(c2);
    await dry.finish();
    await other.finish();

    await first.finish();
    const next = await push(c1);
    await next.finish();
    // Finishing twice changes nothing and releases nothing twice.
    expect(await next.finish({ status: 'failed' })).toBe('succeeded');
    expect((await getRun(t.store, next.id))?.run.status).toBe('succeeded');
  });

  it('with wait, a second run starts once the first has finished', async () => {
    t = await openTestStore(backend);
    const c = await connectionRow(t, 'only');
    const first = await push(c);
    const order: string[] = [];
    const second = push(c, { wait: true }).then((r) => {
      order.push('second started');
      return r;
    });
    // The waiting run is blocked on the lease, not on a timer: it has no row yet.
    expect((await t.store.query(sql`SELECT id FROM sync_runs`)).length).toBe(1);
    order.push('first finishing');
    await first.finish();
    await (await second).finish();
    expect(order).toEqual(['first finishing', 'second started']);
  });

  it('a live run is never marked interrupted; a run whose process is gone is, at its last sign of life', async () => {
    t = await openTestStore(backend);
    const c = await connectionRow(t, 'only');
    const live = await push(c);
    // A run left by a process that died: its row says running, nothing holds it.
    const [dead] = await t.store.query<{ id: number }>(sql`
      INSERT INTO sync_runs (kind, trigger, actor, connection_id, owner_pid, owner_host, started_at, heartbeat_at, api_calls)
      VALUES ('pull', 'cli', 'local-admin', ${c}, 1, 'gone.example', '2026-01-01T10:00:00Z', '2026-01-01T10:15:00Z', 900)
      RETURNING id`);
    expect(await reapDeadRuns(t.store)).toEqual([dead!.id]);
    const reaped = (await getRun(t.store, dead!.id))!.run;
    expect(reaped).toMatchObject({ status: 'interrupted', apiCalls: 900 });
    expect(new Date(reaped.finishedAt!).toISOString()).toBe('2026-01-01T10:15:00.000Z');
    expect(reaped.error).toBe('interrupted: the process stopped (last seen 2026-01-01T10:15:00Z)');
    expect((await getRun(t.store, live.id))?.run.status).toBe('running');
    expect(await reapDeadRuns(t.store)).toEqual([]);
  });

  it('the heartbeat writes API usage and a sign of life while the run goes', async () => {
    t = await openTestStore(backend);
    const c = await connectionRow(t, 'only');
    let calls = 0;
    const run = await push(c, {
      heartbeatMs: 10,
      usage: () => ({ requests: calls, throttled: 1, retries: 2 }),
    });
    calls = 37;
    const row = await until(
      async () => (await getRun(t.store, run.id))!.run,
      (r) => r.apiCalls === 37,
    );
    expect(row).toMatchObject({ status: 'running', throttled: 1, retries: 2 });
    expect(row.heartbeatAt).not.toBeNull();
    calls = 40;
    await run.finish();
    expect((await getRun(t.store, run.id))?.run).toMatchObject({ status: 'succeeded', apiCalls: 40 });
  });
});

import { hostname } from 'node:os';
import { type SQL, sql } from 'drizzle-orm';
import type { Db, DedicatedConnection, Store } from '../store/index.js';

/**
 * Who may run, and who is still alive. Work for one Affinity connection is serialised across
 * processes: a run that writes (a push, a pull) holds its connection's lease for its whole
 * duration, and every run holds a sign of life, so a run left `running` by a process that died can
 * be told from one still going — without clocks or timeouts.
 *
 * - PostgreSQL: session-level advisory locks, on a connection of the run's own: the lease is
 *   `(hash("affinity-sync/connection/<schema>"), connection id)`, the sign of life
 *   `(hash("affinity-sync/run/<schema>"), run id)`. The database drops them when the session ends,
 *   so a killed process leaves no stale lease behind.
 * - PGlite: one process per data directory (the directory lock sees to it), so the leases and the
 *   live runs are this process's own, kept in memory.
 */

/** The process a run belongs to, stored on its row so a refusal can name it. */
export const OWNER = { pid: process.pid, host: hostname() };

/** A run's hold on its locks; `release` ends them (safe to call twice). */
export interface RunHold {
  readonly runId: number;
  release(): Promise<void>;
}

interface PgliteState {
  /** Connection id → the release of its lease, awaited by runs that wait for it. */
  leases: Map<number, Promise<void>>;
  /** Runs of this process still going. */
  live: Set<number>;
}

const pglite = new WeakMap<Store, PgliteState>();

function stateOf(store: Store): PgliteState {
  let s = pglite.get(store);
  if (!s) {
    s = { leases: new Map(), live: new Set() };
    pglite.set(store, s);
  }
  return s;
}

const connectionKey = (store: Store) => `affinity-sync/connection/${store.schema}`;
const runKey = (store: Store) => `affinity-sync/run/${store.schema}`;

/**
 * Inserts a run (`insert`, on the connection given) while taking its locks: the lease of
 * `connectionId` first when `exclusive`, then the run's sign of life, both before the row is
 * visible to anyone. Returns `busy` when the lease is held and `wait` is not set; with `wait` it
 * waits for the lease.
 */
export async function holdRun(
  store: Store,
  options: { connectionId: number | null; exclusive: boolean; wait: boolean },
  insert: (db: Db) => Promise<number>,
): Promise<RunHold | 'busy'> {
  const exclusive = options.exclusive && options.connectionId !== null;
  if (store.dedicated)
    return holdOnPostgres(store, store.dedicated, options.connectionId, exclusive, options.wait, insert);

  const state = stateOf(store);
  const connectionId = options.connectionId as number;
  let releaseLease: (() => void) | undefined;
  if (exclusive) {
    for (let held = state.leases.get(connectionId); held; held = state.leases.get(connectionId)) {
      if (!options.wait) return 'busy';
      await held;
    }
    state.leases.set(
      connectionId,
      new Promise<void>((resolve) => {
        releaseLease = resolve;
      }),
    );
  }
  const freeLease = () => {
    if (!releaseLease) return;
    state.leases.delete(connectionId);
    releaseLease();
    releaseLease = undefined;
  };
  let runId: number;
  try {
    runId = await insert(store.db);
  } catch (err) {
    freeLease();
    throw err;
  }
  state.live.add(runId);
  return {
    runId,
    release: async () => {
      state.live.delete(runId);
      freeLease();
    },
  };
}

async function holdOnPostgres(
  store: Store,
  dedicated: () => Promise<DedicatedConnection>,
  connectionId: number | null,
  exclusive: boolean,
  wait: boolean,
  insert: (db: Db) => Promise<number>,
): Promise<RunHold | 'busy'> {
  const conn = await dedicated();
  try {
    if (exclusive) {
      const key = connectionKey(store);
      if (wait) {
        await conn.db.execute(sql`SELECT pg_advisory_lock(hashtext(${key}), ${connectionId}::int)`);
      } else {
        const rows = (await conn.db.execute(
          sql`SELECT pg_try_advisory_lock(hashtext(${key}), ${connectionId}::int) AS ok`,
        )) as unknown as { rows: Array<{ ok: boolean }> };
        if (!rows.rows[0]?.ok) {
          await conn.close();
          return 'busy';
        }
      }
    }
    // A session lock taken inside the transaction outlives it: the row becomes visible already
    // marked alive, so no one can find it running and unlocked.
    const runId = await conn.db.transaction(async (tx) => {
      const id = await insert(tx);
      await tx.execute(sql`SELECT pg_advisory_lock(hashtext(${runKey(store)}), ${id}::int)`);
      return id;
    });
    return { runId, release: () => conn.close() };
  } catch (err) {
    await conn.close();
    throw err;
  }
}

/**
 * Marks `running` runs whose process is provably gone as `interrupted`, finished at their last
 * sign of life (their true duration) with the error "interrupted: the process stopped (last seen
 * …)". On PostgreSQL a run is gone when its sign of life can be locked (it is released again at
 * once); on PGlite, when it is not one of this process's runs. A live run is never touched.
 * Returns the ids marked.
 */
export async function reapDeadRuns(store: Store, connectionId?: number): Promise<number[]> {
  const lastSeen = sql`COALESCE(heartbeat_at, started_at)`;
  const dead = deadRun(store);
  const scope = connectionId !== undefined ? sql`AND connection_id = ${connectionId}` : sql``;
  // One statement: the try-locks are transaction locks, gone when it ends.
  const rows = await store.query<{ id: number }>(sql`
    UPDATE sync_runs SET
      status = 'interrupted',
      finished_at = ${lastSeen},
      error = 'interrupted: the process stopped (last seen '
        || to_char(${lastSeen} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
    WHERE status = 'running' ${scope} AND ${dead}
    RETURNING id`);
  if (rows.length > 0) {
    await store.query(sql`
      UPDATE sync_run_steps s SET status = 'failed', error = 'interrupted', finished_at = r.finished_at
      FROM sync_runs r
      WHERE s.run_id = r.id AND s.status = 'running'
        AND r.id IN (${sql.join(
          rows.map((r) => sql`${r.id}`),
          sql`, `,
        )})`);
  }
  return rows.map((r) => r.id);
}

/**
 * True, in a statement on `sync_runs`, for a row whose run has no live process (its sign of life
 * can be locked on PostgreSQL — a transaction lock, gone with the statement's transaction; on
 * PGlite, it is not one of this process's runs). Only meaningful for `running` rows.
 */
export function deadRun(store: Store): SQL {
  if (store.dedicated) return sql`pg_try_advisory_xact_lock(hashtext(${runKey(store)}), id::int)`;
  const live = stateOf(store).live;
  return live.size > 0
    ? sql`id NOT IN (${sql.join(
        [...live].map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql`true`;
}

import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SQL, sql } from 'drizzle-orm';
import { type Db, type DedicatedConnection, processAlive, type Store } from '../store/index.js';

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
 * - PGlite: the process holding the data directory and, while it serves it, the CLI processes
 *   reaching it through its socket, all on this host. One session runs one transaction at a time
 *   for all of them, so a lease is taken by looking for a live exclusive run and inserting the new
 *   one in a single transaction. A run is alive when it is one of this process's runs still going,
 *   or another live process's on this host whose heartbeat is recent ({@link STALE_HEARTBEAT_MS},
 *   which also covers a reused pid). Advisory locks would exclude nothing: the session is shared.
 */

/** A run of another process whose heartbeat (written every second) is older than this is dead. */
export const STALE_HEARTBEAT_MS = 60_000;
/** How often a run waiting for a PGlite lease held by another process looks again. */
const LEASE_POLL_MS = 250;

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
    // Runs of this process wait in memory; the database check below covers the other processes.
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
  let runId: number | 'busy';
  try {
    for (;;) {
      runId = await store.db.transaction(async (tx) => {
        if (exclusive && (await liveExclusiveRuns(store, tx, connectionId)).length > 0) return 'busy';
        return insert(tx);
      });
      if (runId !== 'busy' || !options.wait) break;
      await sleep(LEASE_POLL_MS);
    }
  } catch (err) {
    freeLease();
    throw err;
  }
  if (runId === 'busy') {
    freeLease();
    return 'busy';
  }
  const held = runId;
  state.live.add(held);
  return {
    runId: held,
    release: async () => {
      state.live.delete(held);
      freeLease();
    },
  };
}

interface RunOwnerRow {
  id: number;
  owner_pid: number | null;
  owner_host: string | null;
  heartbeat_ms: number | null;
}

/** On PGlite: whether a `running` row's run is still going (see the module comment). */
function aliveOnPglite(store: Store, row: RunOwnerRow): boolean {
  if (row.owner_pid === OWNER.pid && row.owner_host === OWNER.host) return stateOf(store).live.has(row.id);
  if (row.owner_pid === null || row.owner_host !== OWNER.host) return false;
  if (row.heartbeat_ms === null || row.heartbeat_ms > STALE_HEARTBEAT_MS) return false;
  return processAlive(row.owner_pid);
}

/** On PGlite: the live runs holding `connectionId`'s lease (writing runs, not dry runs). */
async function liveExclusiveRuns(store: Store, db: Db, connectionId: number): Promise<number[]> {
  const rows = await ownersOf(store, db, sql`AND connection_id = ${connectionId} AND NOT dry_run`);
  return rows.filter((r) => aliveOnPglite(store, r)).map((r) => r.id);
}

async function ownersOf(store: Store, db: Db | undefined, scope: SQL): Promise<RunOwnerRow[]> {
  return store.query<RunOwnerRow>(
    sql`SELECT id, owner_pid, owner_host,
          (extract(epoch FROM now() - heartbeat_at) * 1000)::float8 AS heartbeat_ms
        FROM sync_runs WHERE status = 'running' ${scope}`,
    db,
  );
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
  const dead = await deadRun(store);
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
 * True, in a statement on `sync_runs`, for a row whose run has no live process: on PostgreSQL its
 * sign of life can be locked (a transaction lock, gone with the statement's transaction); on PGlite
 * it is not alive by the rule of the module comment, judged now (pass `db` inside a transaction).
 * Only meaningful for `running` rows.
 */
export async function deadRun(store: Store, db?: Db): Promise<SQL> {
  if (store.dedicated) return sql`pg_try_advisory_xact_lock(hashtext(${runKey(store)}), id::int)`;
  const dead = (await ownersOf(store, db, sql``)).filter((r) => !aliveOnPglite(store, r)).map((r) => r.id);
  return dead.length > 0
    ? sql`id IN (${sql.join(
        dead.map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql`false`;
}

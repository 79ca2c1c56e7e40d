import { fromPglite, PgBoss } from 'pg-boss';
import type { Store } from '../store/index.js';

/**
 * pg-boss on the store's database: on PGlite in this process (`backend: 'pglite'`, through the
 * store's own instance), on PostgreSQL through a small pool of its own. Its tables live in a schema
 * of their own beside the store's: `pgboss` for the `public` store, `<schema>_pgboss` otherwise
 * (so test schemas never share a queue).
 */
export interface BossTuning {
  /**
   * How long a worker may go without touching its job before the job is taken to be abandoned
   * (its process died) and given to another worker. pg-boss's minimum is 10 s. Default 30 s.
   */
  heartbeatSeconds?: number;
  /** How often abandoned jobs are looked for (default 5 s). */
  superviseSeconds?: number;
  /** How often an idle worker looks for new jobs (default 1 s; LISTEN/NOTIFY wakes it sooner). */
  pollingSeconds?: number;
  /** Tries of a job whose worker died or stopped (default 5). */
  retryLimit?: number;
}

export const bossSchemaOf = (store: Store): string =>
  store.schema === 'public' ? 'pgboss' : `${store.schema}_pgboss`;

/** A started pg-boss on the store's database; `stop()` it before closing the store. */
export async function openBoss(store: Store, tuning: BossTuning = {}): Promise<PgBoss> {
  const common = {
    schema: bossSchemaOf(store),
    superviseIntervalSeconds: tuning.superviseSeconds ?? 5,
    // Abandoned jobs are found by the monitor pass, which runs no more often than this.
    monitorIntervalSeconds: tuning.superviseSeconds ?? 5,
    // Schedules are not used (yet): no cron timekeeping.
    schedule: false,
  };
  const raw = store.raw;
  const boss =
    raw.kind === 'pglite'
      ? // In-process polling is cheap, and LISTEN through the embedded store's session queue can
        // stall it under load: workers on PGlite poll.
        new PgBoss({ ...common, db: fromPglite(raw.pglite), backend: 'pglite', useListenNotify: false })
      : new PgBoss({
          ...common,
          connectionString: raw.url,
          max: 4,
          application_name: 'affinity-sync jobs',
          // Workers wake the moment a run is queued instead of at their next poll.
          useListenNotify: true,
        });
  await boss.start();
  return boss;
}

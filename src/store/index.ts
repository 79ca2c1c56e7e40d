/**
 * The store: one Drizzle `pg-core` schema and one migration folder over embedded PGlite or
 * PostgreSQL. Other modules build repositories as plain functions taking a {@link Store}.
 */
export {
  type BulkUpsertOptions,
  bulkUpsert,
  copyTargetOf,
  countRowsUpTo,
  encodeRows,
  insertNew,
  lockIfEmpty,
  type Stage,
  stageRows,
  suspendIndexes,
  type UpsertCounts,
} from './bulk.js';
export {
  type CopyColumn,
  type CopyKind,
  type CopyTarget,
  copyKindOf,
  type EncodedRows,
  encodeCopyRows,
  encodeRowsFor,
} from './copy-text.js';
export { acquireDirLock, DataDirLockedError, type DirLock, LOCK_FILE, type LockHolder } from './lock.js';
export { applyMigrations, defaultMigrationsFolder } from './migrate.js';
export {
  type Db,
  type DedicatedConnection,
  type OpenStoreOptions,
  openStore,
  type Schema,
  type Store,
} from './open.js';
export * from './schema/index.js';
export {
  type EmbeddedClient,
  embeddedClientOf,
  embeddedServer,
  processAlive,
  SERVE_FILE,
  type ServeInfo,
  type ServeStoreOptions,
  type StoreServer,
  serveStore,
} from './served.js';

/**
 * The workspace cache (`sync_workspace_cache`): what a connection's Affinity workspace holds — its
 * lists and its fields — as last read, so a setup screen or a plan does not spend a call per look.
 */
import { sql } from 'drizzle-orm';
import { bigint, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { syncConnections } from './sync.js';

/** One answer of Affinity per connection and kind (`lists` | `fields`), with when it was read. */
export const syncWorkspaceCache = pgTable(
  'sync_workspace_cache',
  {
    connectionId: bigint('connection_id', { mode: 'number' })
      .notNull()
      .references(() => syncConnections.id, { onDelete: 'cascade' }),
    /** `lists` (GET /lists) | `fields` (GET /fields, global and list-specific). */
    kind: text('kind').notNull(),
    /** Affinity's answer as the client parsed it. */
    data: jsonb('data').notNull().default(sql`'[]'::jsonb`),
    fetchedAt: timestamp('fetched_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'sync_workspace_cache_pkey', columns: [t.connectionId, t.kind] })],
);

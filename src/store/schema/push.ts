/**
 * Push-only tables (`sync_push_*` and `sync_destinations`): where each entity kind goes in Affinity,
 * and the journal of every write a push sends, so an interrupted push resumes without writing
 * anything twice.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { syncConnections, syncRuns } from './sync.js';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/**
 * One destination per entity kind and connection: the Affinity record type, the matching rule, the
 * push mode, the optional list and the field mapping as checked against the workspace when saved.
 */
export const syncDestinations = pgTable(
  'sync_destinations',
  {
    id: id(),
    connectionId: bigint('connection_id', { mode: 'number' })
      .notNull()
      .references(() => syncConnections.id, { onDelete: 'cascade' }),
    /** `company` | `person` | `investor`. */
    entityKind: text('entity_kind').notNull(),
    /** `organization` | `person` | `opportunity`. */
    recordType: text('record_type').notNull(),
    /** `domain` | `email` | `name`: the first key tried (the rule's fallbacks follow it). */
    matchRule: text('match_rule').notNull(),
    /** `create-update` | `update-only`. */
    mode: text('mode').notNull(),
    listId: bigint('list_id', { mode: 'number' }),
    listName: text('list_name'),
    /** Resolved mappings: source, Affinity field id, name, value type, multiplicity, options. */
    mappings: jsonb('mappings').notNull().default(sql`'[]'::jsonb`),
    updatedBy: text('updated_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sync_destinations_entity_key').on(t.connectionId, t.entityKind)],
);

/**
 * The push journal: one row per write, recorded `planned` with the run, `sending` just before the
 * request leaves and `done`/`failed` when its answer is known. A row left `sending` by a crash is
 * a write whose outcome is unknown; the next push checks Affinity before doing it again.
 */
export const syncPushOps = pgTable(
  'sync_push_ops',
  {
    id: id(),
    runId: bigint('run_id', { mode: 'number' })
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    connectionId: bigint('connection_id', { mode: 'number' })
      .notNull()
      .references(() => syncConnections.id, { onDelete: 'cascade' }),
    entityKind: text('entity_kind').notNull(),
    entityId: bigint('entity_id', { mode: 'number' }).notNull(),
    /** Order of the operation within its record. */
    seq: integer('seq').notNull(),
    /** `create` | `field-create` | `field-update` | `field-delete` | `list-add` | `link-org`. */
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    /** `planned` | `sending` | `done` | `failed` | `skipped` | `resolved`. */
    status: text('status').notNull().default('planned'),
    /** The Affinity id the write produced or touched (record, field value, list entry). */
    resultId: bigint('result_id', { mode: 'number' }),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('sync_push_ops_run_idx').on(t.runId, t.entityKind, t.entityId, t.seq),
    index('sync_push_ops_pending_idx').on(t.connectionId, t.status).where(sql`status = 'sending'`),
  ],
);

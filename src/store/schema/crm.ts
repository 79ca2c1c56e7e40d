/**
 * "My CRM" (`crm_*`): the records pulled from Affinity lists, their list memberships and field
 * values, how each record matches the intelligence dataset, the review decisions that override
 * matching, and the lists a connection pulls by default.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { syncConnections } from './sync.js';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const textArray = (name: string) => text(name).array().notNull().default(sql`'{}'::text[]`);
const connectionId = () =>
  bigint('connection_id', { mode: 'number' })
    .notNull()
    .references(() => syncConnections.id, { onDelete: 'cascade' });
/**
 * The connection of a high-volume pull table (records, memberships): no foreign key, whose check
 * per inserted row costs as much as the row itself on PGlite. Only the pull writes these rows, for
 * a connection it holds; deleting the connection still removes them, by the trigger
 * `sync_connections_forget` (migration 0005).
 */
const ownedConnectionId = () => bigint('connection_id', { mode: 'number' }).notNull();

/** An Affinity list a connection pulls when `pull` is given no list. */
export const crmPullSources = pgTable(
  'crm_pull_sources',
  {
    id: id(),
    connectionId: connectionId(),
    affinityListId: bigint('affinity_list_id', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    /** Affinity list type: 0 persons, 1 organizations, 8 opportunities. */
    listType: integer('list_type').notNull(),
    /** Field values cost one call per record, so they are opt-in per source. */
    withFields: boolean('with_fields').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('crm_pull_sources_list_key').on(t.connectionId, t.affinityListId)],
);

/** An Affinity list as last pulled. */
export const crmLists = pgTable(
  'crm_lists',
  {
    id: id(),
    connectionId: connectionId(),
    affinityListId: bigint('affinity_list_id', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    listType: integer('list_type').notNull(),
    entryCount: integer('entry_count').notNull().default(0),
    lastRunId: bigint('last_run_id', { mode: 'number' }),
    lastPulledAt: ts('last_pulled_at'),
  },
  (t) => [uniqueIndex('crm_lists_list_key').on(t.connectionId, t.affinityListId)],
);

/**
 * One Affinity record (organization, person or opportunity) in My CRM, with its identity as
 * Affinity gave it, the normalised keys matching uses, and its match to the intelligence dataset.
 */
export const crmRecords = pgTable(
  'crm_records',
  {
    id: id(),
    connectionId: ownedConnectionId(),
    /** `organization` | `person` | `opportunity`. */
    affinityType: text('affinity_type').notNull(),
    affinityId: bigint('affinity_id', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    /** Organizations: domains as Affinity gave them; persons: none. */
    domains: textArray('domains'),
    /** Persons: emails as Affinity gave them. */
    emails: textArray('emails'),
    /** Normalised registrable domains (organizations) — the keys domain matching uses. */
    domainKeys: textArray('domain_keys'),
    /** Lowercased emails (persons). */
    emailKeys: textArray('email_keys'),
    /** Canonical LinkedIn URL, from the person's field values when pulled with fields. */
    linkedinUrl: text('linkedin_url'),
    /** Opportunities: the Affinity organizations they are about. */
    organizationIds: bigint('organization_ids', { mode: 'number' }).array().notNull().default(sql`'{}'`),
    /** `listed` (on a pulled list) | `off-list` (was, no longer is) | `related` (an opportunity's organization). */
    presence: text('presence').notNull().default('listed'),
    offListSince: ts('off_list_since'),
    /** `matched` | `ambiguous` | `unmatched`. */
    matchStatus: text('match_status').notNull().default('unmatched'),
    /** `company` | `person` | `investor` when matched. */
    matchKind: text('match_kind'),
    matchEntityId: bigint('match_entity_id', { mode: 'number' }),
    /** `domain` | `name` | `email` | `linkedin` | `organization` | `review`. */
    matchedBy: text('matched_by'),
    /** Why it is ambiguous: the competing candidates `[{kind, id, name, by}]`. */
    candidates: jsonb('candidates').notNull().default(sql`'[]'::jsonb`),
    /** The review decision (`linked` | `ignored` | `created`); matching never overrides it. */
    reviewDecision: text('review_decision'),
    reviewedAt: ts('reviewed_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('crm_records_affinity_key').on(t.connectionId, t.affinityType, t.affinityId)],
);

/**
 * One list entry: a record's membership of an Affinity list (an entity may be on a list twice).
 * Keyed by list and entry (entry ids are unique in Affinity), which also serves a list's walk.
 */
export const crmMemberships = pgTable(
  'crm_memberships',
  {
    connectionId: ownedConnectionId(),
    affinityListId: bigint('affinity_list_id', { mode: 'number' }).notNull(),
    listEntryId: bigint('list_entry_id', { mode: 'number' }).notNull(),
    affinityType: text('affinity_type').notNull(),
    affinityId: bigint('affinity_id', { mode: 'number' }).notNull(),
    entryCreatedAt: ts('entry_created_at'),
    /** The pull that first saw the entry; entries a complete walk of the list did not see are gone. */
    lastRunId: bigint('last_run_id', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'crm_memberships_pkey', columns: [t.connectionId, t.affinityListId, t.listEntryId] }),
    index('crm_memberships_record_idx').on(t.connectionId, t.affinityType, t.affinityId),
  ],
);

/** One Affinity field value of a record, typed by its field (global or list-specific). */
export const crmFieldValues = pgTable(
  'crm_field_values',
  {
    id: id(),
    connectionId: connectionId(),
    affinityType: text('affinity_type').notNull(),
    affinityId: bigint('affinity_id', { mode: 'number' }).notNull(),
    fieldValueId: bigint('field_value_id', { mode: 'number' }).notNull(),
    fieldId: bigint('field_id', { mode: 'number' }).notNull(),
    fieldName: text('field_name').notNull(),
    /** Affinity value type 0–7 (person, organization, dropdown, number, date, location, text, ranked dropdown). */
    valueType: integer('value_type').notNull(),
    /** Null for global fields. */
    listEntryId: bigint('list_entry_id', { mode: 'number' }),
    listId: bigint('list_id', { mode: 'number' }),
    value: jsonb('value'),
    valueUpdatedAt: text('value_updated_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('crm_field_values_key').on(t.connectionId, t.fieldValueId),
    index('crm_field_values_record_idx').on(t.connectionId, t.affinityType, t.affinityId),
  ],
);

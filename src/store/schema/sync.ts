/**
 * Tables shared by push and pull (`sync_*`): the Affinity connection, the links between our
 * entities and Affinity records, and the activity log (runs → steps → record outcomes).
 * Push-only and pull-only tables live in their own schema files.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** One Affinity workspace we talk to, with its API key sealed by `SecretBox`. */
export const syncConnections = pgTable(
  'sync_connections',
  {
    id: id(),
    name: text('name').notNull(),
    baseUrl: text('base_url').notNull(),
    /** `SecretBox.seal(apiKey)`; never the key itself. */
    apiKeySealed: text('api_key_sealed').notNull(),
    /** What a user may see of the key, e.g. `••••••3f9a`. */
    apiKeyHint: text('api_key_hint').notNull(),
    authScheme: text('auth_scheme').notNull().default('basic'),
    tenantId: bigint('tenant_id', { mode: 'number' }),
    tenantName: text('tenant_name'),
    affinityUserId: bigint('affinity_user_id', { mode: 'number' }),
    affinityUserEmail: text('affinity_user_email'),
    /** Who connected it (our app's user; the CLI acts as the local admin). */
    connectedBy: text('connected_by').notNull(),
    verifiedAt: ts('verified_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** The account's monthly call quota as Affinity last reported it (`X-Ratelimit-Limit-Org`). */
    quotaLimit: integer('quota_limit'),
    /** Calls left this month as last reported (`X-Ratelimit-Limit-Org-Remaining`). */
    quotaRemaining: integer('quota_remaining'),
    /** When the monthly quota resets (from `X-Ratelimit-Limit-Org-Reset`). */
    quotaResetAt: ts('quota_reset_at'),
    quotaSeenAt: ts('quota_seen_at'),
    /** Share of the monthly quota (percent) scheduled and auto-push runs may spend; null: no cap. */
    automationBudgetPct: integer('automation_budget_pct'),
    /** A manual run planned to spend more than this share (percent) of what is left warns first. */
    manualWarnPct: integer('manual_warn_pct'),
  },
  (t) => [uniqueIndex('sync_connections_name_key').on(t.name)],
);

/**
 * A link between one of our entities and an Affinity record: found by matching, made by a create,
 * set by a review decision, or seen in a pull. A known link saves a search on every later push.
 */
export const syncLinks = pgTable(
  'sync_links',
  {
    id: id(),
    /**
     * No foreign key: a pull records thousands of links at once and the check per row costs as
     * much as the row on PGlite. Deleting the connection removes them, by the trigger
     * `sync_connections_forget` (migration 0005).
     */
    connectionId: bigint('connection_id', { mode: 'number' }).notNull(),
    /** `company` | `person` | `investor`. */
    entityKind: text('entity_kind').notNull(),
    entityId: bigint('entity_id', { mode: 'number' }).notNull(),
    /** `organization` | `person` | `opportunity`. */
    affinityType: text('affinity_type').notNull(),
    affinityId: bigint('affinity_id', { mode: 'number' }).notNull(),
    /** `domain` | `email` | `name` | `linkedin` | `created` | `review` | `pull`. */
    linkedBy: text('linked_by').notNull(),
    /** Field values as we last wrote or read them, keyed by Affinity field id, for diffing. */
    knownValues: jsonb('known_values').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sync_links_entity_key').on(t.connectionId, t.entityKind, t.entityId, t.affinityType),
    index('sync_links_affinity_idx').on(t.connectionId, t.affinityType, t.affinityId),
  ],
);

/** One sync: a push or a pull, with who/what started it and what it cost. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: id(),
    connectionId: bigint('connection_id', { mode: 'number' }).references(() => syncConnections.id, {
      onDelete: 'set null',
    }),
    /** `push` | `pull`. */
    kind: text('kind').notNull(),
    /** `cli` | `schedule` | `webhook` | `api` | `demo`. */
    trigger: text('trigger').notNull(),
    actor: text('actor').notNull(),
    /** `queued` | `running` | `succeeded` | `partial` | `failed` | `stopped` | `interrupted`. */
    status: text('status').notNull().default('running'),
    dryRun: boolean('dry_run').notNull().default(false),
    /** What was asked: entity ids, search, list, destinations, pull sources… */
    params: jsonb('params').notNull().default(sql`'{}'::jsonb`),
    /** Outcome counts, e.g. `{"created": 3, "updated": 10, "unchanged": 40, "failed": 1}`. */
    counts: jsonb('counts').notNull().default(sql`'{}'::jsonb`),
    apiCalls: integer('api_calls').notNull().default(0),
    throttled: integer('throttled').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    error: text('error'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    /** The process running it, for the message that refuses a second run: its pid and host name. */
    ownerPid: integer('owner_pid'),
    ownerHost: text('owner_host'),
    /** Last sign of life of a running run; a run found dead is finished at it. */
    heartbeatAt: ts('heartbeat_at'),
    /** When the run was asked for, as a job; null for a run started in the foreground. */
    queuedAt: ts('queued_at'),
    /** The pg-boss job that carries it, when queued. */
    jobId: text('job_id'),
    /** A cancel asked for while it was queued or running, and by whom. */
    cancelRequestedAt: ts('cancel_requested_at'),
    cancelRequestedBy: text('cancel_requested_by'),
    /**
     * Where a running run is, written with its heartbeat for progress bars: `{"step": "pushing",
     * "done": 120, "total": 500}` (`total` null when unknown). Null before it starts.
     */
    progress: jsonb('progress'),
    /** The schedule that fired it, when `trigger` is `schedule`. */
    scheduleId: bigint('schedule_id', { mode: 'number' }),
    /** Why it ran, in a few words, beyond its trigger (e.g. "missed at 03:00 while the server was down"). */
    triggerNote: text('trigger_note'),
  },
  (t) => [
    index('sync_runs_started_idx').on(t.startedAt),
    index('sync_runs_running_idx').on(t.connectionId).where(sql`status = 'running'`),
    index('sync_runs_queued_idx').on(t.connectionId).where(sql`status = 'queued'`),
    index('sync_runs_schedule_idx').on(t.scheduleId),
  ],
);

/** A step of a run: matching, creating, updating, list assignment, fetching a list… */
export const syncRunSteps = pgTable(
  'sync_run_steps',
  {
    id: id(),
    runId: bigint('run_id', { mode: 'number' })
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    /** `running` | `succeeded` | `failed` | `skipped`. */
    status: text('status').notNull().default('running'),
    counts: jsonb('counts').notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [uniqueIndex('sync_run_steps_position_key').on(t.runId, t.position)],
);

/** What happened to one record in one step, with Affinity's message when it failed. */
export const syncRunRecords = pgTable(
  'sync_run_records',
  {
    id: id(),
    runId: bigint('run_id', { mode: 'number' })
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    stepId: bigint('step_id', { mode: 'number' }).references(() => syncRunSteps.id, { onDelete: 'cascade' }),
    entityKind: text('entity_kind'),
    entityId: bigint('entity_id', { mode: 'number' }),
    affinityType: text('affinity_type'),
    affinityId: bigint('affinity_id', { mode: 'number' }),
    /** `created` | `updated` | `unchanged` | `skipped` | `ambiguous` | `failed` | `matched` | `unmatched` | `removed` | `added-to-list`. */
    outcome: text('outcome').notNull(),
    message: text('message'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    /**
     * A batch of outcomes stored as one row (a page of a pull: hundreds of records), sharing this
     * row's run, step and outcome, packed by column: `{"count": n, "affinityId": [n values], …,
     * "details": {"crmId": [n values], …}}` (see `packOutcomeItems`); a missing or null value is
     * the row's, details are merged over the row's. Null for a row that is one record's outcome.
     */
    items: jsonb('items'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('sync_run_records_run_idx').on(t.runId, t.outcome),
    index('sync_run_records_entity_idx').on(t.entityKind, t.entityId),
  ],
);

/**
 * A schedule: a pull (the configured pull sources, or named lists) or a push (a saved search, one
 * of our lists, or the My CRM enrichment) on a cron expression or an interval, in a time zone.
 */
export const syncSchedules = pgTable(
  'sync_schedules',
  {
    id: id(),
    connectionId: bigint('connection_id', { mode: 'number' })
      .notNull()
      .references(() => syncConnections.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `pull` | `push`. */
    kind: text('kind').notNull(),
    /** What it runs: the use case's input (`{lists}` for a pull; `{savedSearch}`, `{list}` or `{crm}` for a push). */
    target: jsonb('target').notNull().default(sql`'{}'::jsonb`),
    /** A five-field cron expression, or null with `intervalMinutes`. */
    cron: text('cron'),
    intervalMinutes: integer('interval_minutes'),
    timezone: text('timezone').notNull().default('UTC'),
    paused: boolean('paused').notNull().default(false),
    /** When it fires next (null while paused). */
    nextRunAt: ts('next_run_at'),
    lastFiredAt: ts('last_fired_at'),
    lastRunId: bigint('last_run_id', { mode: 'number' }),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sync_schedules_name_key').on(t.connectionId, t.name),
    index('sync_schedules_due_idx').on(t.nextRunAt).where(sql`NOT paused`),
  ],
);

/**
 * An Affinity webhook subscription this server made for its receiver. The receiver URL carries a
 * secret token; only its hash is kept. Affinity allows 3 subscriptions per instance: subscriptions
 * not in this table belong to someone else and are never changed.
 */
export const syncWebhooks = pgTable(
  'sync_webhooks',
  {
    id: id(),
    connectionId: bigint('connection_id', { mode: 'number' })
      .notNull()
      .references(() => syncConnections.id, { onDelete: 'cascade' }),
    /** Affinity's subscription id. */
    subscriptionId: bigint('subscription_id', { mode: 'number' }),
    /** SHA-256 of the secret token in the receiver URL. */
    secretHash: text('secret_hash').notNull(),
    /** The public base URL the receiver was registered with. */
    publicUrl: text('public_url').notNull(),
    events: jsonb('events').notNull().default(sql`'[]'::jsonb`),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    rotatedAt: ts('rotated_at'),
    lastDeliveryAt: ts('last_delivery_at'),
  },
  (t) => [
    uniqueIndex('sync_webhooks_secret_idx').on(t.secretHash),
    index('sync_webhooks_connection_idx').on(t.connectionId),
  ],
);

/** A webhook delivery received: deduplicated by its key, processed as a job. */
export const syncWebhookDeliveries = pgTable(
  'sync_webhook_deliveries',
  {
    id: id(),
    webhookId: bigint('webhook_id', { mode: 'number' })
      .notNull()
      .references(() => syncWebhooks.id, { onDelete: 'cascade' }),
    /** What makes a repeat the same delivery (a hash of type, sent_at and body). */
    dedupeKey: text('dedupe_key').notNull(),
    type: text('type').notNull(),
    sentAt: ts('sent_at'),
    receivedAt: ts('received_at').notNull().defaultNow(),
    /** `queued` | `processed` | `ignored` | `failed`. */
    status: text('status').notNull().default('queued'),
    body: jsonb('body').notNull(),
    processedAt: ts('processed_at'),
    apiCalls: integer('api_calls').notNull().default(0),
    error: text('error'),
  },
  (t) => [
    uniqueIndex('sync_webhook_deliveries_dedupe_idx').on(t.webhookId, t.dedupeKey),
    index('sync_webhook_deliveries_received_idx').on(t.receivedAt),
  ],
);

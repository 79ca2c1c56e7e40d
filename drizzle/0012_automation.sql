CREATE TABLE "sync_schedules" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sync_schedules_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"target" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cron" text,
	"interval_minutes" integer,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_fired_at" timestamp with time zone,
	"last_run_id" bigint,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_webhook_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sync_webhook_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"webhook_id" bigint NOT NULL,
	"dedupe_key" text NOT NULL,
	"type" text NOT NULL,
	"sent_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"body" jsonb NOT NULL,
	"processed_at" timestamp with time zone,
	"api_calls" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "sync_webhooks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sync_webhooks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"subscription_id" bigint,
	"secret_hash" text NOT NULL,
	"public_url" text NOT NULL,
	"events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone,
	"last_delivery_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "intel_lists" ADD COLUMN "auto_push" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "intel_saved_searches" ADD COLUMN "auto_push" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD COLUMN "quota_limit" integer;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD COLUMN "quota_remaining" integer;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD COLUMN "quota_reset_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD COLUMN "quota_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD COLUMN "automation_budget_pct" integer;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD COLUMN "manual_warn_pct" integer;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "schedule_id" bigint;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "trigger_note" text;--> statement-breakpoint
ALTER TABLE "sync_schedules" ADD CONSTRAINT "sync_schedules_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_webhook_deliveries" ADD CONSTRAINT "sync_webhook_deliveries_webhook_id_sync_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."sync_webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_webhooks" ADD CONSTRAINT "sync_webhooks_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sync_schedules_name_key" ON "sync_schedules" USING btree ("connection_id","name");--> statement-breakpoint
CREATE INDEX "sync_schedules_due_idx" ON "sync_schedules" USING btree ("next_run_at") WHERE NOT paused;--> statement-breakpoint
CREATE UNIQUE INDEX "sync_webhook_deliveries_dedupe_idx" ON "sync_webhook_deliveries" USING btree ("webhook_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "sync_webhook_deliveries_received_idx" ON "sync_webhook_deliveries" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_webhooks_secret_idx" ON "sync_webhooks" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "sync_webhooks_connection_idx" ON "sync_webhooks" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "sync_runs_schedule_idx" ON "sync_runs" USING btree ("schedule_id");
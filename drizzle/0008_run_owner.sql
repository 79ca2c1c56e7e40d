ALTER TABLE "sync_runs" ADD COLUMN "owner_pid" integer;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "owner_host" text;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "sync_runs_running_idx" ON "sync_runs" USING btree ("connection_id") WHERE status = 'running';
CREATE TABLE "crm_field_values" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_field_values_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"affinity_type" text NOT NULL,
	"affinity_id" bigint NOT NULL,
	"field_value_id" bigint NOT NULL,
	"field_id" bigint NOT NULL,
	"field_name" text NOT NULL,
	"value_type" integer NOT NULL,
	"list_entry_id" bigint,
	"list_id" bigint,
	"value" jsonb,
	"value_updated_at" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_lists" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_lists_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"affinity_list_id" bigint NOT NULL,
	"name" text NOT NULL,
	"list_type" integer NOT NULL,
	"entry_count" integer DEFAULT 0 NOT NULL,
	"last_run_id" bigint,
	"last_pulled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "crm_memberships" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_memberships_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"affinity_list_id" bigint NOT NULL,
	"list_entry_id" bigint NOT NULL,
	"affinity_type" text NOT NULL,
	"affinity_id" bigint NOT NULL,
	"entry_created_at" timestamp with time zone,
	"last_run_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_pull_sources" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_pull_sources_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"affinity_list_id" bigint NOT NULL,
	"name" text NOT NULL,
	"list_type" integer NOT NULL,
	"with_fields" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm_records" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crm_records_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"connection_id" bigint NOT NULL,
	"affinity_type" text NOT NULL,
	"affinity_id" bigint NOT NULL,
	"name" text NOT NULL,
	"domains" text[] DEFAULT '{}'::text[] NOT NULL,
	"emails" text[] DEFAULT '{}'::text[] NOT NULL,
	"domain_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"email_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"linkedin_url" text,
	"organization_ids" bigint[] DEFAULT '{}' NOT NULL,
	"presence" text DEFAULT 'listed' NOT NULL,
	"off_list_since" timestamp with time zone,
	"match_status" text DEFAULT 'unmatched' NOT NULL,
	"match_kind" text,
	"match_entity_id" bigint,
	"matched_by" text,
	"candidates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"review_decision" text,
	"reviewed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crm_field_values" ADD CONSTRAINT "crm_field_values_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_lists" ADD CONSTRAINT "crm_lists_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_memberships" ADD CONSTRAINT "crm_memberships_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_pull_sources" ADD CONSTRAINT "crm_pull_sources_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_records" ADD CONSTRAINT "crm_records_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crm_field_values_key" ON "crm_field_values" USING btree ("connection_id","field_value_id");--> statement-breakpoint
CREATE INDEX "crm_field_values_record_idx" ON "crm_field_values" USING btree ("connection_id","affinity_type","affinity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_lists_list_key" ON "crm_lists" USING btree ("connection_id","affinity_list_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_memberships_entry_key" ON "crm_memberships" USING btree ("connection_id","list_entry_id");--> statement-breakpoint
CREATE INDEX "crm_memberships_record_idx" ON "crm_memberships" USING btree ("connection_id","affinity_type","affinity_id");--> statement-breakpoint
CREATE INDEX "crm_memberships_list_idx" ON "crm_memberships" USING btree ("connection_id","affinity_list_id","last_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_pull_sources_list_key" ON "crm_pull_sources" USING btree ("connection_id","affinity_list_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_records_affinity_key" ON "crm_records" USING btree ("connection_id","affinity_type","affinity_id");--> statement-breakpoint
CREATE INDEX "crm_records_match_idx" ON "crm_records" USING btree ("connection_id","match_status");--> statement-breakpoint
CREATE INDEX "crm_records_entity_idx" ON "crm_records" USING btree ("match_kind","match_entity_id");
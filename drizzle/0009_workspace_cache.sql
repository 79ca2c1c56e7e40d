CREATE TABLE "sync_workspace_cache" (
	"connection_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_workspace_cache_pkey" PRIMARY KEY("connection_id","kind")
);
--> statement-breakpoint
ALTER TABLE "sync_workspace_cache" ADD CONSTRAINT "sync_workspace_cache_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;
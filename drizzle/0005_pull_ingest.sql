ALTER TABLE "crm_memberships" DROP CONSTRAINT "crm_memberships_connection_id_sync_connections_id_fk";
--> statement-breakpoint
ALTER TABLE "crm_records" DROP CONSTRAINT "crm_records_connection_id_sync_connections_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_links" DROP CONSTRAINT "sync_links_connection_id_sync_connections_id_fk";
--> statement-breakpoint
DROP INDEX "crm_memberships_entry_key";--> statement-breakpoint
DROP INDEX "crm_memberships_list_idx";--> statement-breakpoint
DROP INDEX "crm_records_match_idx";--> statement-breakpoint
DROP INDEX "crm_records_entity_idx";--> statement-breakpoint
ALTER TABLE "crm_memberships" DROP COLUMN "id";--> statement-breakpoint
ALTER TABLE "crm_memberships" ADD CONSTRAINT "crm_memberships_pkey" PRIMARY KEY("connection_id","affinity_list_id","list_entry_id");--> statement-breakpoint
ALTER TABLE "sync_run_records" ADD COLUMN "items" jsonb;--> statement-breakpoint
-- The pull's high-volume tables carry no foreign key to their connection (its check per row costs
-- as much as the row on PGlite); deleting a connection removes their rows here instead.
CREATE OR REPLACE FUNCTION "sync_connections_forget"() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM "crm_memberships" WHERE "connection_id" = OLD."id";
  DELETE FROM "crm_records" WHERE "connection_id" = OLD."id";
  DELETE FROM "sync_links" WHERE "connection_id" = OLD."id";
  RETURN OLD;
END
$$;--> statement-breakpoint
CREATE TRIGGER "sync_connections_forget" AFTER DELETE ON "sync_connections"
FOR EACH ROW EXECUTE FUNCTION "sync_connections_forget"();

DROP INDEX "intel_companies_country";--> statement-breakpoint
DROP INDEX "intel_companies_city";--> statement-breakpoint
DROP INDEX "intel_companies_stage";--> statement-breakpoint
DROP INDEX "intel_investors_type";--> statement-breakpoint
DROP INDEX "intel_investors_country";--> statement-breakpoint
DROP INDEX "intel_people_country";--> statement-breakpoint
ALTER TABLE "intel_companies" ADD COLUMN "facet_keys" text[] GENERATED ALWAYS AS (array_remove(ARRAY['city:' || lower(hq_city), 'region:' || lower(hq_region), 'country:' || lower(hq_country), 'stage:' || lower(stage)], NULL)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "intel_investors" ADD COLUMN "facet_keys" text[] GENERATED ALWAYS AS (array_remove(ARRAY['type:' || lower(type), 'city:' || lower(hq_city), 'region:' || lower(hq_region), 'country:' || lower(hq_country)], NULL)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "intel_people" ADD COLUMN "facet_keys" text[] GENERATED ALWAYS AS (array_remove(ARRAY['city:' || lower(city), 'region:' || lower(region), 'country:' || lower(country)], NULL)) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "intel_companies_facets" ON "intel_companies" USING gin ("facet_keys");--> statement-breakpoint
CREATE INDEX "intel_investors_facets" ON "intel_investors" USING gin ("facet_keys");--> statement-breakpoint
CREATE INDEX "intel_people_facets" ON "intel_people" USING gin ("facet_keys");
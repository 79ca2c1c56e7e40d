CREATE TABLE "intel_companies" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "intel_companies_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"domain" text NOT NULL,
	"name" text NOT NULL,
	"other_domains" text[] DEFAULT '{}'::text[] NOT NULL,
	"website" text,
	"description" text,
	"hq_city" text,
	"hq_region" text,
	"hq_country" text,
	"founded_year" integer,
	"industries" text[] DEFAULT '{}'::text[] NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"stage" text,
	"total_funding_usd" bigint,
	"last_funding_date" date,
	"last_funding_amount_usd" bigint,
	"last_funding_type" text,
	"headcount" integer,
	"linkedin_url" text,
	"investors" text[] DEFAULT '{}'::text[] NOT NULL,
	"industry_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"tag_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"investor_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"search_text" text NOT NULL,
	"growth_1m" double precision,
	"growth_3m" double precision,
	"growth_6m" double precision,
	"growth_12m" double precision,
	"growth_score" double precision,
	"growth_rank" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_company_signals" (
	"company_id" bigint NOT NULL,
	"metric" text NOT NULL,
	"observed_on" date NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "intel_company_signals_company_id_metric_observed_on_pk" PRIMARY KEY("company_id","metric","observed_on")
);
--> statement-breakpoint
CREATE TABLE "intel_investors" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "intel_investors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"domain" text NOT NULL,
	"name" text NOT NULL,
	"type" text,
	"hq_city" text,
	"hq_region" text,
	"hq_country" text,
	"investments_count" integer,
	"notable_portfolio" text[] DEFAULT '{}'::text[] NOT NULL,
	"search_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_list_items" (
	"list_id" bigint NOT NULL,
	"entity_id" bigint NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intel_list_items_list_id_entity_id_pk" PRIMARY KEY("list_id","entity_id")
);
--> statement-breakpoint
CREATE TABLE "intel_lists" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "intel_lists_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"entity" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_people" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "intel_people_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"person_key" text NOT NULL,
	"name" text NOT NULL,
	"emails" text[] DEFAULT '{}'::text[] NOT NULL,
	"linkedin_url" text,
	"title" text,
	"company_domain" text,
	"company_name" text,
	"city" text,
	"region" text,
	"country" text,
	"past_companies" text[] DEFAULT '{}'::text[] NOT NULL,
	"search_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_saved_search_seen" (
	"saved_search_id" bigint NOT NULL,
	"entity_id" bigint NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intel_saved_search_seen_saved_search_id_entity_id_pk" PRIMARY KEY("saved_search_id","entity_id")
);
--> statement-breakpoint
CREATE TABLE "intel_saved_searches" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "intel_saved_searches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"entity" text NOT NULL,
	"spec" jsonb NOT NULL,
	"last_checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "intel_company_signals" ADD CONSTRAINT "intel_company_signals_company_id_intel_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."intel_companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_list_items" ADD CONSTRAINT "intel_list_items_list_id_intel_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."intel_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intel_saved_search_seen" ADD CONSTRAINT "intel_saved_search_seen_saved_search_id_intel_saved_searches_id_fk" FOREIGN KEY ("saved_search_id") REFERENCES "public"."intel_saved_searches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "intel_companies_domain_key" ON "intel_companies" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "intel_companies_search_trgm" ON "intel_companies" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "intel_companies_industry_keys" ON "intel_companies" USING gin ("industry_keys");--> statement-breakpoint
CREATE INDEX "intel_companies_tag_keys" ON "intel_companies" USING gin ("tag_keys");--> statement-breakpoint
CREATE INDEX "intel_companies_investor_keys" ON "intel_companies" USING gin ("investor_keys");--> statement-breakpoint
CREATE INDEX "intel_companies_country" ON "intel_companies" USING btree (lower("hq_country"));--> statement-breakpoint
CREATE INDEX "intel_companies_city" ON "intel_companies" USING btree (lower("hq_city"));--> statement-breakpoint
CREATE INDEX "intel_companies_stage" ON "intel_companies" USING btree (lower("stage"));--> statement-breakpoint
CREATE INDEX "intel_companies_funding" ON "intel_companies" USING btree ("total_funding_usd" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "intel_companies_headcount" ON "intel_companies" USING btree ("headcount" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "intel_companies_growth_rank" ON "intel_companies" USING btree ("growth_rank" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "intel_companies_founded" ON "intel_companies" USING btree ("founded_year");--> statement-breakpoint
CREATE INDEX "intel_companies_name" ON "intel_companies" USING btree (lower("name"),"id");--> statement-breakpoint
CREATE UNIQUE INDEX "intel_investors_domain_key" ON "intel_investors" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "intel_investors_search_trgm" ON "intel_investors" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "intel_investors_type" ON "intel_investors" USING btree (lower("type"));--> statement-breakpoint
CREATE INDEX "intel_investors_country" ON "intel_investors" USING btree (lower("hq_country"));--> statement-breakpoint
CREATE INDEX "intel_investors_name" ON "intel_investors" USING btree (lower("name"),"id");--> statement-breakpoint
CREATE UNIQUE INDEX "intel_lists_name_key" ON "intel_lists" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "intel_people_person_key" ON "intel_people" USING btree ("person_key");--> statement-breakpoint
CREATE INDEX "intel_people_emails" ON "intel_people" USING gin ("emails");--> statement-breakpoint
CREATE INDEX "intel_people_linkedin" ON "intel_people" USING btree ("linkedin_url");--> statement-breakpoint
CREATE INDEX "intel_people_company_domain" ON "intel_people" USING btree ("company_domain");--> statement-breakpoint
CREATE INDEX "intel_people_search_trgm" ON "intel_people" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "intel_people_country" ON "intel_people" USING btree (lower("country"));--> statement-breakpoint
CREATE INDEX "intel_people_name" ON "intel_people" USING btree (lower("name"),"id");--> statement-breakpoint
CREATE UNIQUE INDEX "intel_saved_searches_name_key" ON "intel_saved_searches" USING btree ("name");
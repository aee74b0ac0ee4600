CREATE TABLE "workload_hpas" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"target_kind" text NOT NULL,
	"target_name" text NOT NULL,
	"min_replicas" integer NOT NULL,
	"max_replicas" integer NOT NULL,
	"current_replicas" integer,
	"metrics" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"observed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workload_hpas_clusterId_namespace_name_unique" UNIQUE("cluster_id","namespace","name")
);
--> statement-breakpoint
ALTER TABLE "namespace_safety_configs" ADD COLUMN "hpa_mode" text DEFAULT 'leave-alone' NOT NULL;--> statement-breakpoint
-- On a Citus coordinator the new table is a reference table like the other small tables (0010),
-- made one before its foreign key to clusters (itself a reference table) exists.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    PERFORM create_reference_table('workload_hpas');
  END IF;
END $$;
--> statement-breakpoint
ALTER TABLE "workload_hpas" ADD CONSTRAINT "workload_hpas_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;

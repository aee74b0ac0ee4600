-- Agents per cluster: an agent id (its node name) is unique within its cluster only, so the agent
-- key becomes (cluster_id, agent_id) and ingest_batches carries the cluster (backfilled from the
-- agent rows). On Citus ingest_batches stays distributed by agent_id (its new primary key includes
-- it) and agents stays a reference table; sequential mode because this transaction changes both.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  END IF;
END $$;
--> statement-breakpoint
ALTER TABLE "ingest_batches" DROP CONSTRAINT "ingest_batches_agent_id_agents_agent_id_fk";--> statement-breakpoint
DROP INDEX "agents_cluster_id_index";--> statement-breakpoint
ALTER TABLE "ingest_batches" DROP CONSTRAINT "ingest_batches_agent_id_boot_id_seq_pk";--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_pkey";--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_cluster_id_agent_id_pk" PRIMARY KEY("cluster_id","agent_id");--> statement-breakpoint
ALTER TABLE "ingest_batches" ADD COLUMN "cluster_id" uuid;--> statement-breakpoint
UPDATE "ingest_batches" b SET "cluster_id" = a."cluster_id" FROM "agents" a WHERE a."agent_id" = b."agent_id";--> statement-breakpoint
ALTER TABLE "ingest_batches" ALTER COLUMN "cluster_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ingest_batches" ADD CONSTRAINT "ingest_batches_cluster_id_agent_id_boot_id_seq_pk" PRIMARY KEY("cluster_id","agent_id","boot_id","seq");--> statement-breakpoint
ALTER TABLE "ingest_batches" ADD CONSTRAINT "ingest_batches_cluster_id_agent_id_agents_cluster_id_agent_id_fk" FOREIGN KEY ("cluster_id","agent_id") REFERENCES "public"."agents"("cluster_id","agent_id") ON DELETE cascade ON UPDATE no action;

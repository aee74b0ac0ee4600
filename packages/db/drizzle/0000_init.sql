-- metric_samples and metric_rollups_5m are created by 0001_metric_storage.sql, which builds the
-- TimescaleDB or the plain PostgreSQL structure (docs/adr/0003-database-paths.md).
CREATE TYPE "public"."anomaly_kind" AS ENUM('leak', 'cpu_spike', 'oom_risk');--> statement-breakpoint
CREATE TYPE "public"."anomaly_severity" AS ENUM('info', 'warning', 'critical');--> statement-breakpoint
CREATE TYPE "public"."approval_decision" AS ENUM('approved', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."recommendation_phase" AS ENUM('Pending', 'Approved', 'Rejected', 'Applying', 'Applied', 'RolledBack', 'Superseded');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('viewer', 'approver', 'admin');--> statement-breakpoint
CREATE TABLE "agents" (
	"agent_id" text PRIMARY KEY NOT NULL,
	"cluster_id" uuid NOT NULL,
	"node_id" uuid,
	"boot_id" text NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "clusters_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "ingest_batches" (
	"agent_id" text NOT NULL,
	"boot_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"sample_count" integer NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_batches_agent_id_boot_id_seq_pk" PRIMARY KEY("agent_id","boot_id","seq")
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"instance_type" text,
	"cpu_capacity_millicores" integer,
	"memory_capacity_bytes" bigint,
	"price_per_hour_micro_usd" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "nodes_clusterId_name_unique" UNIQUE("cluster_id","name")
);
--> statement-breakpoint
CREATE TABLE "containers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workload_id" uuid NOT NULL,
	"name" text NOT NULL,
	"cpu_request_millicores" integer,
	"cpu_limit_millicores" integer,
	"memory_request_bytes" bigint,
	"memory_limit_bytes" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "containers_workloadId_name_unique" UNIQUE("workload_id","name")
);
--> statement-breakpoint
CREATE TABLE "workloads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"owner_chain" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workloads_clusterId_namespace_kind_name_unique" UNIQUE("cluster_id","namespace","kind","name")
);
--> statement-breakpoint
CREATE TABLE "anomalies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"container_id" uuid NOT NULL,
	"kind" "anomaly_kind" NOT NULL,
	"severity" "anomaly_severity" NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"time_to_limit_seconds" integer,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recommendation_id" uuid NOT NULL,
	"actor" text NOT NULL,
	"decision" "approval_decision" NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "namespace_safety_configs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"dry_run_enabled" boolean DEFAULT true NOT NULL,
	"require_approval" boolean DEFAULT true NOT NULL,
	"auto_apply_enabled" boolean DEFAULT false NOT NULL,
	"auto_apply_min_confidence" real DEFAULT 0.9 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "namespace_safety_configs_clusterId_namespace_unique" UNIQUE("cluster_id","namespace")
);
--> statement-breakpoint
CREATE TABLE "recommendation_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recommendation_id" uuid NOT NULL,
	"from_phase" "recommendation_phase",
	"to_phase" "recommendation_phase" NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recommendations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"container_id" uuid NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"phase" "recommendation_phase" DEFAULT 'Pending' NOT NULL,
	"policy" text NOT NULL,
	"confidence" real NOT NULL,
	"cpu_target_millicores" integer NOT NULL,
	"cpu_lower_bound_millicores" integer NOT NULL,
	"cpu_upper_bound_millicores" integer NOT NULL,
	"cpu_uncapped_target_millicores" integer NOT NULL,
	"memory_target_bytes" bigint NOT NULL,
	"memory_lower_bound_bytes" bigint NOT NULL,
	"memory_upper_bound_bytes" bigint NOT NULL,
	"memory_uncapped_target_bytes" bigint NOT NULL,
	"cpu_request_millicores" integer NOT NULL,
	"cpu_limit_millicores" integer,
	"memory_request_bytes" bigint NOT NULL,
	"memory_limit_bytes" bigint,
	"time_windows" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"projected_monthly_savings_micro_usd" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendations_containerId_version_unique" UNIQUE("container_id","version")
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_tokenHash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "user_namespace_scopes" (
	"user_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	CONSTRAINT "user_namespace_scopes_user_id_cluster_id_namespace_pk" PRIMARY KEY("user_id","cluster_id","namespace")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text,
	"role" "user_role" DEFAULT 'viewer' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "audit_chain_head" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"last_id" bigint,
	"last_hash" text NOT NULL,
	CONSTRAINT "audit_chain_head_single_row" CHECK (id = 1)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"cluster_id" uuid,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_batches" ADD CONSTRAINT "ingest_batches_agent_id_agents_agent_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("agent_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "containers" ADD CONSTRAINT "containers_workload_id_workloads_id_fk" FOREIGN KEY ("workload_id") REFERENCES "public"."workloads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workloads" ADD CONSTRAINT "workloads_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_container_id_containers_id_fk" FOREIGN KEY ("container_id") REFERENCES "public"."containers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "namespace_safety_configs" ADD CONSTRAINT "namespace_safety_configs_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_events" ADD CONSTRAINT "recommendation_events_recommendation_id_recommendations_id_fk" FOREIGN KEY ("recommendation_id") REFERENCES "public"."recommendations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_container_id_containers_id_fk" FOREIGN KEY ("container_id") REFERENCES "public"."containers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_namespace_scopes" ADD CONSTRAINT "user_namespace_scopes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_namespace_scopes" ADD CONSTRAINT "user_namespace_scopes_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agents_cluster_id_index" ON "agents" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "anomalies_cluster_id_detected_at_index" ON "anomalies" USING btree ("cluster_id","detected_at");--> statement-breakpoint
CREATE INDEX "anomalies_container_id_index" ON "anomalies" USING btree ("container_id");--> statement-breakpoint
CREATE INDEX "approvals_recommendation_id_index" ON "approvals" USING btree ("recommendation_id");--> statement-breakpoint
CREATE INDEX "recommendation_events_recommendation_id_created_at_index" ON "recommendation_events" USING btree ("recommendation_id","created_at");--> statement-breakpoint
CREATE INDEX "recommendations_cluster_id_phase_created_at_index" ON "recommendations" USING btree ("cluster_id","phase","created_at");--> statement-breakpoint
CREATE INDEX "api_tokens_user_id_index" ON "api_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "audit_log_cluster_id_ts_index" ON "audit_log" USING btree ("cluster_id","ts");

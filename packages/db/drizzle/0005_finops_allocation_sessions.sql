CREATE TABLE "user_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"dedup_key" text NOT NULL,
	"title" text NOT NULL,
	"payload" jsonb NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "alerts_dedupKey_unique" UNIQUE("dedup_key")
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"scope_kind" text NOT NULL,
	"scope_key" text,
	"scope_value" text NOT NULL,
	"monthly_limit_micro_usd" bigint NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cluster_capacity_1h" (
	"cluster_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"covered_seconds" integer NOT NULL,
	"cpu_core_seconds" double precision NOT NULL,
	"memory_byte_seconds" double precision NOT NULL,
	"node_count" integer NOT NULL,
	CONSTRAINT "cluster_capacity_1h_cluster_id_bucket_pk" PRIMARY KEY("cluster_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "cluster_cost_settings" (
	"cluster_id" uuid PRIMARY KEY NOT NULL,
	"settings" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "container_allocation_1d" (
	"bucket" timestamp with time zone NOT NULL,
	"cluster_id" uuid NOT NULL,
	"container_id" uuid NOT NULL,
	"covered_seconds" integer NOT NULL,
	"cpu_usage_core_seconds" double precision NOT NULL,
	"cpu_request_core_seconds" double precision NOT NULL,
	"cpu_allocated_core_seconds" double precision NOT NULL,
	"memory_usage_byte_seconds" double precision NOT NULL,
	"memory_request_byte_seconds" double precision NOT NULL,
	"memory_allocated_byte_seconds" double precision NOT NULL,
	CONSTRAINT "container_allocation_1d_container_id_bucket_pk" PRIMARY KEY("container_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "container_allocation_1h" (
	"bucket" timestamp with time zone NOT NULL,
	"cluster_id" uuid NOT NULL,
	"container_id" uuid NOT NULL,
	"covered_seconds" integer NOT NULL,
	"cpu_usage_core_seconds" double precision NOT NULL,
	"cpu_request_core_seconds" double precision NOT NULL,
	"cpu_allocated_core_seconds" double precision NOT NULL,
	"memory_usage_byte_seconds" double precision NOT NULL,
	"memory_request_byte_seconds" double precision NOT NULL,
	"memory_allocated_byte_seconds" double precision NOT NULL,
	CONSTRAINT "container_allocation_1h_container_id_bucket_pk" PRIMARY KEY("container_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"channel_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "workloads" ADD COLUMN "labels" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "role" "user_role";--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "scopes" jsonb;--> statement-breakpoint
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_capacity_1h" ADD CONSTRAINT "cluster_capacity_1h_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_cost_settings" ADD CONSTRAINT "cluster_cost_settings_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD CONSTRAINT "container_allocation_1d_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD CONSTRAINT "container_allocation_1h_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_outbox" ADD CONSTRAINT "notification_outbox_channel_id_notification_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."notification_channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_outbox" ADD CONSTRAINT "notification_outbox_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_sessions_user_id_index" ON "user_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "alerts_cluster_id_opened_at_index" ON "alerts" USING btree ("cluster_id","opened_at");--> statement-breakpoint
CREATE INDEX "budgets_cluster_id_index" ON "budgets" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "container_allocation_1d_cluster_bucket_idx" ON "container_allocation_1d" USING btree ("cluster_id","bucket");--> statement-breakpoint
CREATE INDEX "container_allocation_1h_cluster_bucket_idx" ON "container_allocation_1h" USING btree ("cluster_id","bucket");--> statement-breakpoint
CREATE INDEX "notification_outbox_status_next_attempt_at_index" ON "notification_outbox" USING btree ("status","next_attempt_at");
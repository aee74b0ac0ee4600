CREATE TABLE "namespace_allocation_1d" (
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"covered_seconds" double precision NOT NULL,
	"cpu_usage_core_seconds" double precision NOT NULL,
	"cpu_request_core_seconds" double precision NOT NULL,
	"cpu_allocated_core_seconds" double precision NOT NULL,
	"memory_usage_byte_seconds" double precision NOT NULL,
	"memory_request_byte_seconds" double precision NOT NULL,
	"memory_allocated_byte_seconds" double precision NOT NULL,
	CONSTRAINT "namespace_allocation_1d_cluster_id_bucket_namespace_pk" PRIMARY KEY("cluster_id","bucket","namespace")
);
--> statement-breakpoint
CREATE TABLE "namespace_allocation_1h" (
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"covered_seconds" double precision NOT NULL,
	"cpu_usage_core_seconds" double precision NOT NULL,
	"cpu_request_core_seconds" double precision NOT NULL,
	"cpu_allocated_core_seconds" double precision NOT NULL,
	"memory_usage_byte_seconds" double precision NOT NULL,
	"memory_request_byte_seconds" double precision NOT NULL,
	"memory_allocated_byte_seconds" double precision NOT NULL,
	CONSTRAINT "namespace_allocation_1h_cluster_id_bucket_namespace_pk" PRIMARY KEY("cluster_id","bucket","namespace")
);
--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "controller_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_covered_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_cpu_usage_core_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_cpu_request_core_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_cpu_allocated_core_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_memory_usage_byte_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_memory_request_byte_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "cum_memory_allocated_byte_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "chain_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "container_allocation_1d" ADD COLUMN "last_active" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_covered_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_cpu_usage_core_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_cpu_request_core_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_cpu_allocated_core_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_memory_usage_byte_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_memory_request_byte_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "cum_memory_allocated_byte_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "chain_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "container_allocation_1h" ADD COLUMN "last_active" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "namespace_allocation_1d" ADD CONSTRAINT "namespace_allocation_1d_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "namespace_allocation_1h" ADD CONSTRAINT "namespace_allocation_1h_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;
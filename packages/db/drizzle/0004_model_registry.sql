CREATE TYPE "public"."fl_round_kind" AS ENUM('train', 'evaluate');--> statement-breakpoint
CREATE TYPE "public"."fl_round_status" AS ENUM('open', 'closed', 'abandoned');--> statement-breakpoint
CREATE TYPE "public"."model_status" AS ENUM('candidate', 'canary', 'active', 'retired');--> statement-breakpoint
CREATE TABLE "agent_models" (
	"agent_id" text PRIMARY KEY NOT NULL,
	"model_version" integer,
	"trainable_examples" integer DEFAULT 0 NOT NULL,
	"reported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fl_evaluations" (
	"round_id" bigint NOT NULL,
	"agent_id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"example_count" integer NOT NULL,
	"candidate_loss" double precision NOT NULL,
	"baseline_loss" double precision NOT NULL,
	"candidate_loss_per_quantile" double precision[] NOT NULL,
	"baseline_loss_per_quantile" double precision[] NOT NULL,
	CONSTRAINT "fl_evaluations_round_id_agent_id_pk" PRIMARY KEY("round_id","agent_id"),
	CONSTRAINT "fl_evaluations_examples" CHECK (example_count > 0)
);
--> statement-breakpoint
CREATE TABLE "fl_rounds" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fl_rounds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" "fl_round_kind" NOT NULL,
	"purpose" text NOT NULL,
	"status" "fl_round_status" DEFAULT 'open' NOT NULL,
	"base_version" integer NOT NULL,
	"candidate_version" integer,
	"plan" jsonb NOT NULL,
	"selected_agents" text[] NOT NULL,
	"min_clients" integer NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"deadline_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"outcome" jsonb
);
--> statement-breakpoint
CREATE TABLE "fl_updates" (
	"round_id" bigint NOT NULL,
	"agent_id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"refusal" text,
	"example_count" integer NOT NULL,
	"local_steps" integer NOT NULL,
	"pre_clip_norm" double precision NOT NULL,
	"delta_norm" double precision NOT NULL,
	"validation_loss_before" double precision NOT NULL,
	"validation_loss_after" double precision NOT NULL,
	"validation_examples" integer NOT NULL,
	"cpu_seconds" real NOT NULL,
	"delta" "bytea",
	CONSTRAINT "fl_updates_round_id_agent_id_pk" PRIMARY KEY("round_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"parent_version" integer,
	"round_id" bigint,
	"status" "model_status" NOT NULL,
	"source" text NOT NULL,
	"parameters" "bytea" NOT NULL,
	"onnx" "bytea" NOT NULL,
	"participants" integer DEFAULT 0 NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fl_evaluations" ADD CONSTRAINT "fl_evaluations_round_id_fl_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."fl_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fl_rounds" ADD CONSTRAINT "fl_rounds_base_version_model_versions_version_fk" FOREIGN KEY ("base_version") REFERENCES "public"."model_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fl_rounds" ADD CONSTRAINT "fl_rounds_candidate_version_model_versions_version_fk" FOREIGN KEY ("candidate_version") REFERENCES "public"."model_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fl_updates" ADD CONSTRAINT "fl_updates_round_id_fl_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."fl_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_parent_version_model_versions_version_fk" FOREIGN KEY ("parent_version") REFERENCES "public"."model_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fl_rounds_status_opened_at_index" ON "fl_rounds" USING btree ("status","opened_at");--> statement-breakpoint
CREATE UNIQUE INDEX "fl_rounds_one_open" ON "fl_rounds" USING btree ("status") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_one_active" ON "model_versions" USING btree ("status") WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_one_canary" ON "model_versions" USING btree ("status") WHERE status = 'canary';
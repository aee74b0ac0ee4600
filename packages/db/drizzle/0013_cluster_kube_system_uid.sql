-- A cluster's identity: its configured name plus the UID of its kube-system namespace, read by the
-- aggregator at start (null without Kubernetes API access, e.g. the demo). Unique, so one cluster
-- cannot be stored under two names either.
ALTER TABLE "clusters" ADD COLUMN "kube_system_uid" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_kube_system_uid_unique" UNIQUE("kube_system_uid");
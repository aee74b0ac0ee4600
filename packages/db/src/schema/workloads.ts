import {
  bigint,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

import type { HpaMetric } from "@kubewise/core";

import { clusterScope } from "./clusters";
import { defaultNow } from "./columns";

export type OwnerReference = { kind: string; name: string; uid?: string };

export const workloads = pgTable(
  "workloads",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    namespace: text().notNull(),
    kind: text().notNull(),
    name: text().notNull(),
    // Outermost owner last, e.g. Pod -> ReplicaSet -> Deployment.
    ownerChain: jsonb().$type<OwnerReference[]>().notNull().default([]),
    /** Pod template labels (allocation by label, e.g. team / app). */
    labels: jsonb().$type<Record<string, string>>().notNull().default({}),
    createdAt: defaultNow(),
    updatedAt: defaultNow(),
  },
  (t) => [unique().on(t.clusterId, t.namespace, t.kind, t.name)],
);

// Current requests/limits as last observed; null means "not set" on the pod spec.
export const containers = pgTable(
  "containers",
  {
    id: uuid().primaryKey().defaultRandom(),
    workloadId: uuid()
      .notNull()
      .references(() => workloads.id, { onDelete: "cascade" }),
    name: text().notNull(),
    cpuRequestMillicores: integer(),
    cpuLimitMillicores: integer(),
    memoryRequestBytes: bigint({ mode: "number" }),
    memoryLimitBytes: bigint({ mode: "number" }),
    updatedAt: defaultNow(),
  },
  (t) => [unique().on(t.workloadId, t.name)],
);

// autoscaling/v2 HorizontalPodAutoscalers as the cluster sync last listed them (issue 13 item 6);
// the target is matched to workloads by (namespace, kind, name) when recommendations are computed,
// so an HPA whose workload is missing is kept and shown, never joined to the wrong one.
export const workloadHpas = pgTable(
  "workload_hpas",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    namespace: text().notNull(),
    name: text().notNull(),
    targetKind: text().notNull(),
    targetName: text().notNull(),
    minReplicas: integer().notNull(),
    maxReplicas: integer().notNull(),
    currentReplicas: integer(),
    metrics: jsonb().$type<HpaMetric[]>().notNull().default([]),
    observedAt: defaultNow(),
  },
  (t) => [unique().on(t.clusterId, t.namespace, t.name)],
);

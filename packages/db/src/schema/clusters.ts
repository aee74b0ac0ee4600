import {
  bigint,
  foreignKey,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

import { defaultNow, timestamptz } from "./columns";

// The tenant scope: every other row hangs off a cluster.
export const clusters = pgTable("clusters", {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  /**
   * The UID of the cluster's kube-system namespace, read by the aggregator at start (null: an
   * install without Kubernetes API access, e.g. the demo). Two installs that configure the same
   * name in different clusters differ here and the second is refused instead of merged.
   */
  kubeSystemUid: text().unique("clusters_kube_system_uid_unique"),
  createdAt: defaultNow(),
  /** The last round the cluster's controller synced recommendations (null: never connected). */
  controllerSeenAt: timestamp(timestamptz),
});

// Foreign key of every tenant-scoped row.
export const clusterScope = () =>
  uuid()
    .notNull()
    .references(() => clusters.id, { onDelete: "cascade" });

export const nodes = pgTable(
  "nodes",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    name: text().notNull(),
    instanceType: text(),
    cpuCapacityMillicores: integer(),
    memoryCapacityBytes: bigint({ mode: "number" }),
    pricePerHourMicroUsd: bigint({ mode: "number" }),
    createdAt: defaultNow(),
  },
  (t) => [unique().on(t.clusterId, t.name)],
);

// An agent id (its node name) is unique within its cluster only: two clusters may both have node-1.
export const agents = pgTable(
  "agents",
  {
    clusterId: clusterScope(),
    agentId: text().notNull(),
    nodeId: uuid().references(() => nodes.id, { onDelete: "set null" }),
    bootId: text().notNull(),
    lastSeenAt: defaultNow(),
    registeredAt: defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.agentId] })],
);

// One row per committed batch: inserted in the same transaction as its samples, so a
// re-sent batch hits ON CONFLICT DO NOTHING and is acked without writing samples twice.
export const ingestBatches = pgTable(
  "ingest_batches",
  {
    clusterId: uuid().notNull(),
    agentId: text().notNull(),
    bootId: text().notNull(),
    seq: bigint({ mode: "number" }).notNull(),
    sampleCount: integer().notNull(),
    receivedAt: defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.agentId, t.bootId, t.seq] }),
    foreignKey({
      columns: [t.clusterId, t.agentId],
      foreignColumns: [agents.clusterId, agents.agentId],
    }).onDelete("cascade"),
  ],
);

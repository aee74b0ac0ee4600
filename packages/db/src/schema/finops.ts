import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

import { clusters, clusterScope } from "./clusters";
import { defaultNow, timestamptz } from "./columns";

/**
 * Allocation inputs per container and hour (and per day, the sum of its hours), the OpenCost way:
 * usage, request and allocated = max(request, usage) per 5-minute rollup, in core-seconds and
 * byte-seconds. Requests are the ones in force when the row was computed, so history keeps the
 * requests of its time after a change. Money is applied at query time with the cluster's prices.
 */
const allocationColumns = {
  clusterId: clusterScope(),
  containerId: uuid().notNull(),
  coveredSeconds: integer().notNull(),
  cpuUsageCoreSeconds: doublePrecision().notNull(),
  cpuRequestCoreSeconds: doublePrecision().notNull(),
  cpuAllocatedCoreSeconds: doublePrecision().notNull(),
  memoryUsageByteSeconds: doublePrecision().notNull(),
  memoryRequestByteSeconds: doublePrecision().notNull(),
  memoryAllocatedByteSeconds: doublePrecision().notNull(),
};

/**
 * Running totals per container (prefix sums over its buckets), so any window's sums are two rows:
 * the window's last bucket minus the bucket before it. Rows are dense: a container gets a row for
 * every bucket from its first activity until ALLOCATION_CARRY_BUCKETS after its last (zero values,
 * carried totals). A chain restarts from zero after such a gap; chainStart tells chains apart.
 */
const cumulativeColumns = {
  cumCoveredSeconds: doublePrecision().notNull().default(0),
  cumCpuUsageCoreSeconds: doublePrecision().notNull().default(0),
  cumCpuRequestCoreSeconds: doublePrecision().notNull().default(0),
  cumCpuAllocatedCoreSeconds: doublePrecision().notNull().default(0),
  cumMemoryUsageByteSeconds: doublePrecision().notNull().default(0),
  cumMemoryRequestByteSeconds: doublePrecision().notNull().default(0),
  cumMemoryAllocatedByteSeconds: doublePrecision().notNull().default(0),
  chainStart: timestamp(timestamptz),
  lastActive: timestamp(timestamptz),
};

export const containerAllocation1h = pgTable(
  "container_allocation_1h",
  {
    bucket: timestamp(timestamptz).notNull(),
    ...allocationColumns,
    ...cumulativeColumns,
  },
  (t) => [
    primaryKey({ columns: [t.containerId, t.bucket] }),
    index("container_allocation_1h_cluster_bucket_idx").on(
      t.clusterId,
      t.bucket,
    ),
  ],
);

export const containerAllocation1d = pgTable(
  "container_allocation_1d",
  {
    bucket: timestamp(timestamptz).notNull(),
    ...allocationColumns,
    ...cumulativeColumns,
  },
  (t) => [
    primaryKey({ columns: [t.containerId, t.bucket] }),
    index("container_allocation_1d_cluster_bucket_idx").on(
      t.clusterId,
      t.bucket,
    ),
  ],
);

/** The container rows summed per namespace and bucket: cost over time and namespace totals. */
const namespaceAllocationColumns = {
  clusterId: clusterScope(),
  namespace: text().notNull(),
  bucket: timestamp(timestamptz).notNull(),
  coveredSeconds: doublePrecision().notNull(),
  cpuUsageCoreSeconds: doublePrecision().notNull(),
  cpuRequestCoreSeconds: doublePrecision().notNull(),
  cpuAllocatedCoreSeconds: doublePrecision().notNull(),
  memoryUsageByteSeconds: doublePrecision().notNull(),
  memoryRequestByteSeconds: doublePrecision().notNull(),
  memoryAllocatedByteSeconds: doublePrecision().notNull(),
};

export const namespaceAllocation1h = pgTable(
  "namespace_allocation_1h",
  namespaceAllocationColumns,
  (t) => [primaryKey({ columns: [t.clusterId, t.bucket, t.namespace] })],
);

export const namespaceAllocation1d = pgTable(
  "namespace_allocation_1d",
  namespaceAllocationColumns,
  (t) => [primaryKey({ columns: [t.clusterId, t.bucket, t.namespace] })],
);

/** Node capacity present per hour (for idle cost = capacity - allocation). */
export const clusterCapacity1h = pgTable(
  "cluster_capacity_1h",
  {
    clusterId: clusterScope(),
    bucket: timestamp(timestamptz).notNull(),
    coveredSeconds: integer().notNull(),
    cpuCoreSeconds: doublePrecision().notNull(),
    memoryByteSeconds: doublePrecision().notNull(),
    nodeCount: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.bucket] })],
);

/** Per-cluster cost settings: prices (list or custom sheet), label keys, shared-cost rules. */
export const clusterCostSettings = pgTable("cluster_cost_settings", {
  clusterId: uuid()
    .primaryKey()
    .references(() => clusters.id, { onDelete: "cascade" }),
  settings: jsonb().$type<Record<string, unknown>>().notNull(),
  updatedAt: defaultNow(),
  updatedBy: text().notNull(),
});

export const budgets = pgTable(
  "budgets",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    name: text().notNull(),
    /** "namespace" (scopeValue = namespace) or "label" (scopeKey = label key). */
    scopeKind: text().notNull(),
    scopeKey: text(),
    scopeValue: text().notNull(),
    monthlyLimitMicroUsd: bigint({ mode: "number" }).notNull(),
    createdBy: text().notNull(),
    createdAt: defaultNow(),
  },
  (t) => [index().on(t.clusterId)],
);

export const alerts = pgTable(
  "alerts",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    /** budget_forecast | cost_spike | critical_anomaly */
    kind: text().notNull(),
    /** One open alert per condition (e.g. budget id + month). */
    dedupKey: text().notNull().unique(),
    title: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    openedAt: timestamp(timestamptz).notNull(),
    resolvedAt: timestamp(timestamptz),
  },
  (t) => [index().on(t.clusterId, t.openedAt)],
);

export const notificationChannels = pgTable("notification_channels", {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  /** webhook (generic JSON) | slack (Slack-compatible incoming webhook) | email (SMTP) */
  kind: text().notNull(),
  /** URL for webhook/slack; comma-separated addresses for email. */
  target: text().notNull(),
  enabled: boolean().notNull().default(true),
  createdBy: text().notNull(),
  createdAt: defaultNow(),
});

/** Durable outbox: a row per (alert, channel), written with the alert, delivered with retries. */
export const notificationOutbox = pgTable(
  "notification_outbox",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    channelId: uuid()
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    alertId: uuid()
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    /** pending | delivered | failed (gave up after the last attempt) */
    status: text().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp(timestamptz).notNull(),
    lastError: text(),
    createdAt: timestamp(timestamptz).notNull(),
    deliveredAt: timestamp(timestamptz),
  },
  (t) => [index().on(t.status, t.nextAttemptAt)],
);

import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

import type { HpaMode } from "@kubewise/core";

import { clusterScope } from "./clusters";
import { defaultNow, timestamptz } from "./columns";
import {
  anomalyKind,
  anomalySeverity,
  approvalDecision,
  recommendationPhase,
} from "./enums";
import { containers } from "./workloads";

export type RecommendationTimeWindow = {
  name: string;
  cpuTargetMillicores: number;
  memoryTargetBytes: number;
};

/** One factor behind a recommendation's confidence, in words (@kubewise/ml ConfidenceFactor). */
export type RecommendationConfidenceFactor = {
  name: string;
  effect: "raises" | "lowers";
  text: string;
};

/** What a recommendation was computed from, for the reviewer (JSON-safe numbers and words). */
export type RecommendationEvidence = Record<
  string,
  number | string | boolean | null | (number | string)[]
>;

export const recommendations = pgTable(
  "recommendations",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    containerId: uuid()
      .notNull()
      .references(() => containers.id, { onDelete: "cascade" }),
    version: integer().notNull().default(1),
    phase: recommendationPhase().notNull().default("Pending"),
    policy: text().notNull(),
    confidence: real().notNull(),
    cpuTargetMillicores: integer().notNull(),
    cpuLowerBoundMillicores: integer().notNull(),
    cpuUpperBoundMillicores: integer().notNull(),
    cpuUncappedTargetMillicores: integer().notNull(),
    memoryTargetBytes: bigint({ mode: "number" }).notNull(),
    memoryLowerBoundBytes: bigint({ mode: "number" }).notNull(),
    memoryUpperBoundBytes: bigint({ mode: "number" }).notNull(),
    memoryUncappedTargetBytes: bigint({ mode: "number" }).notNull(),
    cpuRequestMillicores: integer().notNull(),
    cpuLimitMillicores: integer(),
    memoryRequestBytes: bigint({ mode: "number" }).notNull(),
    memoryLimitBytes: bigint({ mode: "number" }),
    timeWindows: jsonb()
      .$type<RecommendationTimeWindow[]>()
      .notNull()
      .default([]),
    projectedMonthlySavingsMicroUsd: bigint({ mode: "number" })
      .notNull()
      .default(0),
    // After an OOM rollback in the cluster: the floor for this container's next memory request
    // (status.rolledBack.nextMinimumMemoryBytes, carried here by the cluster sync).
    rollbackMemoryFloorBytes: bigint({ mode: "number" }),
    // Why the values are what they are beyond the statistics (sizing rules that fired), in words.
    reasons: jsonb().$type<string[]>().notNull().default([]),
    // The confidence's main factors, in words.
    confidenceFactors: jsonb()
      .$type<RecommendationConfidenceFactor[]>()
      .notNull()
      .default([]),
    // What it was computed from: window, percentiles, peaks, model, OOM history, anomalies, cost delta.
    evidence: jsonb().$type<RecommendationEvidence>().notNull().default({}),
    createdAt: defaultNow(),
    updatedAt: defaultNow(),
  },
  (t) => [
    unique().on(t.containerId, t.version),
    index().on(t.clusterId, t.phase, t.createdAt),
  ],
);

export const recommendationEvents = pgTable(
  "recommendation_events",
  {
    id: uuid().primaryKey().defaultRandom(),
    recommendationId: uuid()
      .notNull()
      .references(() => recommendations.id, { onDelete: "cascade" }),
    fromPhase: recommendationPhase(),
    toPhase: recommendationPhase().notNull(),
    actor: text().notNull(),
    reason: text(),
    createdAt: defaultNow(),
  },
  (t) => [index().on(t.recommendationId, t.createdAt)],
);

export const approvals = pgTable(
  "approvals",
  {
    id: uuid().primaryKey().defaultRandom(),
    recommendationId: uuid()
      .notNull()
      .references(() => recommendations.id, { onDelete: "cascade" }),
    actor: text().notNull(),
    decision: approvalDecision().notNull(),
    reason: text(),
    createdAt: defaultNow(),
  },
  (t) => [index().on(t.recommendationId)],
);

export const anomalies = pgTable(
  "anomalies",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    containerId: uuid()
      .notNull()
      .references(() => containers.id, { onDelete: "cascade" }),
    kind: anomalyKind().notNull(),
    severity: anomalySeverity().notNull(),
    detectedAt: timestamp(timestamptz).notNull(),
    timeToLimitSeconds: integer(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    resolvedAt: timestamp(timestamptz),
  },
  (t) => [index().on(t.clusterId, t.detectedAt), index().on(t.containerId)],
);

export const namespaceSafetyConfigs = pgTable(
  "namespace_safety_configs",
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: clusterScope(),
    namespace: text().notNull(),
    dryRunEnabled: boolean().notNull().default(true),
    requireApproval: boolean().notNull().default(true),
    autoApplyEnabled: boolean().notNull().default(false),
    autoApplyMinConfidence: real().notNull().default(0.9),
    /** What recommendations do under a CPU/memory-utilisation HPA (@kubewise/core HPA_MODES). */
    hpaMode: text().$type<HpaMode>().notNull().default("leave-alone"),
    updatedAt: defaultNow(),
  },
  (t) => [unique().on(t.clusterId, t.namespace)],
);

import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";

import { defaultNow, timestamptz } from "./columns";

// Federated training (issue 14). The registry is install-wide: one model serves every cluster, and
// rounds take agents of all clusters. Transitions are audited by the services verbs.

export const MODEL_STATUSES = [
  "candidate",
  "canary",
  "active",
  "retired",
] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export const FL_ROUND_KINDS = ["train", "evaluate"] as const;
export type FlRoundKind = (typeof FL_ROUND_KINDS)[number];

export const FL_ROUND_STATUSES = ["open", "closed", "abandoned"] as const;
export type FlRoundStatus = (typeof FL_ROUND_STATUSES)[number];

export const modelStatus = pgEnum("model_status", MODEL_STATUSES);
export const flRoundKind = pgEnum("fl_round_kind", FL_ROUND_KINDS);
export const flRoundStatus = pgEnum("fl_round_status", FL_ROUND_STATUSES);

// postgres.js sends a Buffer as bytea and reads bytea as a Buffer.
const bytea = customType<{ data: Uint8Array; driverData: Buffer }>({
  dataType: () => "bytea",
  toDriver: (value) =>
    Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  fromDriver: (value) => new Uint8Array(value),
});

export const modelVersions = pgTable(
  "model_versions",
  {
    version: integer().primaryKey(),
    parentVersion: integer().references(
      (): AnyPgColumn => modelVersions.version,
    ),
    // The training round that produced it; null for the shipped model.
    roundId: bigint({ mode: "number" }),
    status: modelStatus().notNull(),
    // "shipped" | "federated"
    source: text().notNull(),
    // float32 little-endian parameters in ONNX initializer order, and the ONNX file agents receive.
    parameters: bytea().notNull(),
    onnx: bytea().notNull(),
    participants: integer().notNull().default(0),
    metrics: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    statusReason: text(),
    createdAt: defaultNow(),
    statusChangedAt: defaultNow(),
  },
  (t) => [
    // At most one active and one canary model at any time.
    uniqueIndex("model_versions_one_active")
      .on(t.status)
      .where(sql`status = 'active'`),
    uniqueIndex("model_versions_one_canary")
      .on(t.status)
      .where(sql`status = 'canary'`),
  ],
);

export const flRounds = pgTable(
  "fl_rounds",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    kind: flRoundKind().notNull(),
    // "gate" | "canary" | "watch" for evaluation rounds; "train" for training rounds.
    purpose: text().notNull(),
    status: flRoundStatus().notNull().default("open"),
    baseVersion: integer()
      .notNull()
      .references(() => modelVersions.version),
    // Evaluation rounds: the model scored against baseVersion. Training rounds: the candidate made.
    candidateVersion: integer().references(() => modelVersions.version),
    plan: jsonb().$type<Record<string, unknown>>().notNull(),
    selectedAgents: text().array().notNull(),
    minClients: integer().notNull(),
    openedAt: timestamp(timestamptz).notNull(),
    deadlineAt: timestamp(timestamptz).notNull(),
    closedAt: timestamp(timestamptz),
    outcome: jsonb().$type<Record<string, unknown>>(),
  },
  (t) => [
    index().on(t.status, t.openedAt),
    // One open round at a time: rounds are synchronous.
    uniqueIndex("fl_rounds_one_open")
      .on(t.status)
      .where(sql`status = 'open'`),
  ],
);

// One upload per agent and round, accepted or refused (the refusal is kept for the dashboard).
export const flUpdates = pgTable(
  "fl_updates",
  {
    roundId: bigint({ mode: "number" })
      .notNull()
      .references(() => flRounds.id, { onDelete: "cascade" }),
    agentId: text().notNull(),
    receivedAt: timestamp(timestamptz).notNull(),
    refusal: text(),
    exampleCount: integer().notNull(),
    localSteps: integer().notNull(),
    preClipNorm: doublePrecision().notNull(),
    deltaNorm: doublePrecision().notNull(),
    validationLossBefore: doublePrecision().notNull(),
    validationLossAfter: doublePrecision().notNull(),
    validationExamples: integer().notNull(),
    cpuSeconds: real().notNull(),
    // float32 little-endian; null when refused.
    delta: bytea(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.agentId] })],
);

export const flEvaluations = pgTable(
  "fl_evaluations",
  {
    roundId: bigint({ mode: "number" })
      .notNull()
      .references(() => flRounds.id, { onDelete: "cascade" }),
    agentId: text().notNull(),
    receivedAt: timestamp(timestamptz).notNull(),
    exampleCount: integer().notNull(),
    candidateLoss: doublePrecision().notNull(),
    baselineLoss: doublePrecision().notNull(),
    candidateLossPerQuantile: doublePrecision().array().notNull(),
    baselineLossPerQuantile: doublePrecision().array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.roundId, t.agentId] }),
    check("fl_evaluations_examples", sql`example_count > 0`),
  ],
);

// What each agent last reported running, and how much it could train on (round eligibility).
export const agentModels = pgTable("agent_models", {
  agentId: text().primaryKey(),
  modelVersion: integer(),
  trainableExamples: integer().notNull().default(0),
  reportedAt: timestamp(timestamptz).notNull(),
});

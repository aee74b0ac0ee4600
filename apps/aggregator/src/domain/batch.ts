import { MAX_SAMPLE_AGE_DAYS } from "@kubewise/core";

// What the aggregator ingests after validation; structurally the db ingest inputs.
export type IngestContainer = {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  containerName: string;
  cpuRequestMillicores: number;
  cpuLimitMillicores: number;
  memoryRequestBytes: number;
  memoryLimitBytes: number;
  /** The pod's workload-level labels; absent when the agent does not know them (stored ones stay). */
  labels?: Readonly<Record<string, string>>;
};

/** The node an agent runs on, with the capacity it read there (idle cost is measured against it). */
export type AgentNode = {
  name: string;
  cpuMillicores: number;
  memoryBytes: number;
};

export type AgentRegistration = {
  agentId: string;
  bootId: string;
  /** Absent from sources without a node (replay, synthetic), from older agents and for re-registration on ingest. */
  node?: AgentNode;
};

export type IngestSamples = {
  containerIndex: readonly number[];
  timestampMs: readonly number[];
  cpuUsageCores: readonly number[];
  cpuThrottledPeriods: readonly number[];
  cpuThrottledSeconds: readonly number[];
  /** Elapsed CFS periods per sample; absent when the agent does not know them. */
  cpuPeriods?: readonly number[];
  memoryWorkingSetBytes: readonly number[];
  memoryRssBytes: readonly number[];
  memoryLimitBytes: readonly number[];
  oomKillCount: readonly number[];
};

export type IngestAnomaly = {
  containerIndex: number;
  kind: "leak" | "cpu_spike" | "oom_risk";
  severity: "info" | "warning" | "critical";
  detectedAtMs: number;
  timeToLimitSeconds: number | null;
  details: Record<string, number>;
};

export type ValidatedBatch = {
  agentId: string;
  bootId: string;
  seq: number;
  nodeName: string;
  droppedBatchesTotal: number;
  /** Shared between batches that carried the same containers: never mutated. */
  containers: readonly IngestContainer[];
  samples: IngestSamples;
  /** The agent's local anomaly flags (absent from older agents). */
  anomalies?: readonly IngestAnomaly[];
};

export type IngestLimits = {
  maxBatchSamples: number;
  maxBatchContainers: number;
  /** Oldest accepted sample age (replay/backfill) and tolerated clock skew into the future. */
  maxSampleAgeMs: number;
  maxFutureSkewMs: number;
};

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxBatchSamples: 20_000,
  maxBatchContainers: 5_000,
  // Inside the raw retention window: an older sample would land in a dropped day, and its rollup
  // refresh would overwrite a rollup whose samples are gone.
  maxSampleAgeMs: MAX_SAMPLE_AGE_DAYS * 86_400_000,
  maxFutureSkewMs: 10 * 60_000,
};

export type StoreBatch = {
  agentId: string;
  bootId: string;
  seq: number;
  containerIds: readonly string[];
  samples: IngestSamples;
};

export type StoreResult = { duplicate: boolean; storedSamples: number };

/** Port: durable storage of batches (PostgreSQL in production, wired in main.ts). */
export type SampleStore = {
  registerAgent: (agent: AgentRegistration) => Promise<void>;
  resolveContainerIds: (
    containers: readonly IngestContainer[],
  ) => Promise<string[]>;
  /** Stores several batches in one transaction, exactly once each; results in input order. */
  insertBatches: (batches: readonly StoreBatch[]) => Promise<StoreResult[]>;
  /** Opens anomalies for agent flags; idempotent (a flag whose kind is open is skipped). */
  recordAnomalies?: (batch: {
    agentId: string;
    anomalies: readonly (Omit<IngestAnomaly, "containerIndex"> & {
      containerId: string;
    })[];
  }) => Promise<void>;
};

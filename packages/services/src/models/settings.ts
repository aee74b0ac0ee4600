import { z } from "zod";

import {
  DEFAULT_AGGREGATION,
  DEFAULT_ROUND_PLAN,
  type GateSettings,
} from "@kubewise/ml";

/** How the leader runs federated rounds; the aggregator's env sets it (docs: apps/aggregator README). */
export type FederationSettings = {
  /** Cron expression (aggregator's local time, UTC in the image) of training rounds. */
  schedule: string;
  /** Never two training rounds closer than this, whatever the schedule says. */
  minRoundIntervalMs: number;
  roundDeadlineMs: number;
  /** Agents that polled within this window count as healthy. */
  agentFreshMs: number;
  /** Training windows an agent needs to be selected. */
  minTrainableExamples: number;
  minClients: number;
  /** Of the eligible agents: a round needs max(minClients, fraction x selected) updates. */
  minClientFraction: number;
  /** Above this many eligible agents a seeded sample of `sampleFraction` is selected. */
  maxClients: number;
  sampleFraction: number;
  plan: {
    localEpochs: number;
    learningRate: number;
    batchSize: number;
    fedproxMu: number;
    initialClipNorm: number;
    dpNoiseMultiplier: number;
    cpuSecondsBudget: number;
    holdoutHours: number;
    historyDays: number;
  };
  aggregation: {
    trimFrom: number;
    trimFraction: number;
    weightCapMultiple: number;
  };
  gate: GateSettings;
  /** Containers the aggregator scores both models on (its central holdout). */
  centralHoldoutContainers: number;
  canaryFraction: number;
  canaryDurationMs: number;
  /** After a promotion, how long the new model runs before it is checked against the previous one. */
  watchDurationMs: number;
  pollIntervalSeconds: number;
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_FEDERATION_SETTINGS: FederationSettings = {
  schedule: "0 3 * * *",
  minRoundIntervalMs: 6 * HOUR,
  roundDeadlineMs: 15 * MINUTE,
  agentFreshMs: 5 * MINUTE,
  minTrainableExamples: 8,
  minClients: 3,
  minClientFraction: 0.3,
  maxClients: 100,
  sampleFraction: 0.5,
  // Training defaults come from @kubewise/ml, which bench:federated measures with.
  plan: {
    ...DEFAULT_ROUND_PLAN,
    dpNoiseMultiplier: 0,
    cpuSecondsBudget: 2,
    holdoutHours: 24,
  },
  aggregation: { ...DEFAULT_AGGREGATION },
  gate: {
    margin: 0.03,
    minAgents: 3,
    minContainers: 3,
    resamples: 2000,
    seed: 14,
  },
  centralHoldoutContainers: 100,
  canaryFraction: 0.2,
  canaryDurationMs: 6 * HOUR,
  watchDurationMs: 24 * HOUR,
  pollIntervalSeconds: 60,
};

// The agent's cluster (the aggregator's KUBEWISE_CLUSTER_NAME): agent ids (node names) are unique
// per cluster only, and rounds span the install. Absent = agent ids taken as they are.
const CLUSTER = z.string().min(1).max(253).optional();

/**
 * The key of an agent in federated rounds (agent_models, fl_updates, fl_evaluations, a round's
 * selected agents): `<cluster>/<agent id>`, so node-1 of two clusters are two participants. Agent
 * ids never contain "/" (the aggregator's AGENT_ID), so the key is unambiguous.
 */
function flParticipant(input: {
  agentId: string;
  cluster?: string | undefined;
}): string {
  return input.cluster === undefined
    ? input.agentId
    : `${input.cluster}/${input.agentId}`;
}

/** The parsed input with agentId replaced by its participant key (flParticipant). */
export function asParticipant<
  T extends { agentId: string; cluster?: string | undefined },
>(input: T): Omit<T, "cluster"> {
  const { cluster: _cluster, ...rest } = input;
  return { ...rest, agentId: flParticipant(input) };
}

export const RoundUpdateInputSchema = z.object({
  agentId: z.string().min(1).max(128),
  cluster: CLUSTER,
  roundId: z
    .string()
    .regex(/^\d{1,15}$/, "round id must be a registry round number"),
  baseModelVersion: z.string().max(32),
  exampleCount: z.number().int().min(0),
  localSteps: z.number().int().min(0),
  preClipNorm: z.number(),
  validationLossBefore: z.number(),
  validationLossAfter: z.number(),
  validationExamples: z.number().int().min(0),
  cpuSeconds: z.number().min(0),
  delta: z.custom<Float32Array>(
    (v) => v instanceof Float32Array,
    "delta must be a Float32Array",
  ),
});
export type RoundUpdateInput = z.infer<typeof RoundUpdateInputSchema>;

export const RoundEvaluationInputSchema = z.object({
  agentId: z.string().min(1).max(128),
  cluster: CLUSTER,
  taskId: z
    .string()
    .regex(/^\d{1,15}$/, "task id must be a registry round number"),
  candidateModelVersion: z.string().max(32),
  baselineModelVersion: z.string().max(32),
  exampleCount: z.number().int().positive(),
  candidateLoss: z.number().finite().nonnegative(),
  baselineLoss: z.number().finite().nonnegative(),
  candidateLossPerQuantile: z.array(z.number().finite().nonnegative()).max(64),
  baselineLossPerQuantile: z.array(z.number().finite().nonnegative()).max(64),
});
export type RoundEvaluationInput = z.infer<typeof RoundEvaluationInputSchema>;

export const ModelAssignmentInputSchema = z.object({
  agentId: z.string().min(1).max(128),
  cluster: CLUSTER,
  currentModelVersion: z.string().max(32),
  trainableExamples: z.number().int().min(0),
});
export type ModelAssignmentInput = z.infer<typeof ModelAssignmentInputSchema>;

import type { ModelVersionRow } from "@kubewise/db";
import {
  FEATURE_COUNT,
  fromFloat32Bytes,
  OUTPUT_SIZE,
  unflattenWeights,
  type LstmWeights,
  type ModelShape,
} from "@kubewise/ml";

import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";

/** The forecaster's sizes when a registry row does not record them (the shipped architecture). */
export const DEFAULT_MODEL_SHAPE: ModelShape = {
  inputSize: FEATURE_COUNT,
  hiddenSize: 16,
  outputSize: OUTPUT_SIZE,
};

/** What a round plan carries besides the model (stored in fl_rounds.plan). */
export type StoredPlan = {
  localEpochs: number;
  learningRate: number;
  batchSize: number;
  fedproxMu: number;
  clipNorm: number;
  dpNoiseMultiplier: number;
  cpuSecondsBudget: number;
  holdoutHours: number;
  historyDays: number;
  seed: number;
  parameterCount: number;
};

/** Registry metrics (model_versions.metrics) that the lifecycle reads back. */
export type ModelMetrics = {
  shape?: ModelShape;
  training?: Record<string, unknown>;
  gate?: Record<string, unknown>;
  canary?: {
    agents: string[];
    startedAt: string;
    result?: Record<string, unknown>;
  };
  watch?: {
    previousVersion: number;
    activatedAt: string;
    done: boolean;
    result?: Record<string, unknown>;
  };
};

// model_versions.metrics is written only by these verbs, always in the ModelMetrics shape.
export function metricsOf(row: Pick<ModelVersionRow, "metrics">): ModelMetrics {
  return row.metrics;
}

export function weightsOf(
  row: Pick<ModelVersionRow, "parameters" | "metrics">,
): LstmWeights {
  return unflattenWeights(
    fromFloat32Bytes(row.parameters),
    metricsOf(row).shape ?? DEFAULT_MODEL_SHAPE,
  );
}

/** A seeded, stable hash in [0, 1) of a string (canary membership, client sampling). */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/** The agents of a sample: every candidate with hash(agent, salt) < fraction, and at least `min`. */
export function sampleAgents(
  agents: readonly string[],
  options: { fraction: number; min: number; salt: string },
): string[] {
  const ranked = [...agents].sort(
    (a, b) =>
      unitHash(`${options.salt}:${a}`) - unitHash(`${options.salt}:${b}`) ||
      a.localeCompare(b),
  );
  const wanted = Math.max(
    Math.min(options.min, ranked.length),
    ranked.filter((a) => unitHash(`${options.salt}:${a}`) < options.fraction)
      .length,
  );
  return ranked.slice(0, wanted).sort();
}

/** The version string agents see ("" = no registry model: the agent keeps its shipped file). */
export function toWireVersion(version: number | undefined): string {
  return version === undefined ? "" : String(version);
}

export function parseWireVersion(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

/** One audit row per registry or round transition (install-wide: no cluster). */
export async function auditFederation(
  ctx: ServiceContext,
  entry: { action: string; subject: string; payload: Record<string, unknown> },
): Promise<void> {
  await recordAudit(
    { ...ctx, actorId: ctx.actor.userId },
    { clusterId: null, ...entry },
  );
}

import { z } from "zod";

import {
  insertModelVersion,
  listAgentModels,
  listModelVersions,
  listRounds,
  lockModelRegistry,
  type FlRoundRow,
  type ModelStatus,
  type ModelVersionSummary,
} from "@kubewise/db";
import { flattenWeights, toFloat32Bytes, type LstmWeights } from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { auditFederation, metricsOf } from "./internal";

/** Seeds an empty registry with the shipped forecaster as version 1, active. */
export async function ensureInitialModel({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { weights: LstmWeights; onnx: Uint8Array; name: string };
}): Promise<{ created: boolean }> {
  authorize(ctx, "ensureInitialModel");
  return withTransaction(ctx, async (tx) => {
    // Replicas starting at once: one seeds the registry, the others find it seeded.
    await lockModelRegistry(tx.db);
    if ((await listModelVersions(tx.db, { limit: 1 })).length > 0)
      return { created: false };
    const { weights } = input;
    const row = await insertModelVersion(tx.db, {
      status: "active",
      source: "shipped",
      parameters: toFloat32Bytes(flattenWeights(weights)),
      onnx: input.onnx,
      metrics: {
        shape: {
          inputSize: weights.inputSize,
          hiddenSize: weights.hiddenSize,
          outputSize: weights.outputSize,
        },
        shipped: input.name,
      },
      statusReason: `shipped model ${input.name}`,
      createdAt: tx.clock.now(),
      statusChangedAt: tx.clock.now(),
    });
    await auditFederation(tx, {
      action: "model.register",
      subject: `model:${row.version}`,
      payload: { source: "shipped", name: input.name, status: "active" },
    });
    return { created: true };
  });
}

export const GetModelRegistryInputSchema = z.object({
  limit: z.number().int().min(1).max(200).default(30),
  agentsWithinHours: z
    .number()
    .min(0.1)
    .max(24 * 30)
    .default(24),
});
export type GetModelRegistryInput = z.input<typeof GetModelRegistryInputSchema>;

export type ModelVersionView = {
  version: number;
  status: ModelStatus;
  source: string;
  parentVersion: number | null;
  roundId: number | null;
  participants: number;
  createdAt: Date;
  statusChangedAt: Date;
  statusReason: string | null;
  /** Agents' mean local validation pinball before / after training (training rounds only). */
  validationLossBefore: number | null;
  validationLossAfter: number | null;
  /** Gate: 95 % upper bounds of candidate / baseline pinball (federated, central). */
  gateFederatedUpper: number | null;
  gateCentralUpper: number | null;
  canaryAgents: number;
};

export type RoundView = {
  id: number;
  kind: "train" | "evaluate";
  purpose: string;
  status: "open" | "closed" | "abandoned";
  baseVersion: number;
  candidateVersion: number | null;
  selected: number;
  accepted: number | null;
  refused: number | null;
  missing: number | null;
  openedAt: Date;
  deadlineAt: Date;
  closedAt: Date | null;
  result: string | null;
};

export type ModelRegistryView = {
  versions: ModelVersionView[];
  rounds: RoundView[];
  /** What each recently reporting agent runs. */
  agents: {
    agentId: string;
    modelVersion: number | null;
    trainableExamples: number;
    reportedAt: Date;
  }[];
};

const numberOrNull = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

function toVersionView(row: ModelVersionSummary): ModelVersionView {
  const metrics = metricsOf(row);
  const gate = metrics.gate as
    | { federated?: { upper?: unknown }; central?: { upper?: unknown } }
    | undefined;
  return {
    version: row.version,
    status: row.status,
    source: row.source,
    parentVersion: row.parentVersion,
    roundId: row.roundId,
    participants: row.participants,
    createdAt: row.createdAt,
    statusChangedAt: row.statusChangedAt,
    statusReason: row.statusReason,
    validationLossBefore: numberOrNull(metrics.training?.validationLossBefore),
    validationLossAfter: numberOrNull(metrics.training?.validationLossAfter),
    gateFederatedUpper: numberOrNull(gate?.federated?.upper),
    gateCentralUpper: numberOrNull(gate?.central?.upper),
    canaryAgents: metrics.canary?.agents.length ?? 0,
  };
}

function toRoundView(row: FlRoundRow): RoundView {
  const outcome = (row.outcome ?? {}) as {
    accepted?: unknown;
    refusedAtUpload?: unknown[];
    missing?: unknown[];
    answered?: unknown;
    reason?: unknown;
    decision?: unknown;
  };
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    id: row.id,
    kind: row.kind,
    purpose: row.purpose,
    status: row.status,
    baseVersion: row.baseVersion,
    candidateVersion: row.candidateVersion,
    selected: row.selectedAgents.length,
    accepted: numberOrNull(outcome.accepted ?? outcome.answered),
    refused: outcome.refusedAtUpload?.length ?? null,
    missing: outcome.missing?.length ?? null,
    openedAt: row.openedAt,
    deadlineAt: row.deadlineAt,
    closedAt: row.closedAt,
    result: text(outcome.decision) ?? text(outcome.reason),
  };
}

/** The dashboard's Models page: versions, rounds with participation and outcome, agents' versions. */
export async function getModelRegistry({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetModelRegistryInput;
}): Promise<ModelRegistryView> {
  authorize(ctx, "getModelRegistry");
  const { limit, agentsWithinHours } = parseInput(
    GetModelRegistryInputSchema,
    input,
  );
  const since = new Date(
    ctx.clock.now().getTime() - agentsWithinHours * 3_600_000,
  );
  const [versions, rounds, agents] = await Promise.all([
    listModelVersions(ctx.db, { limit }),
    listRounds(ctx.db, { limit }),
    listAgentModels(ctx.db, { since }),
  ]);
  return {
    versions: versions.map(toVersionView),
    rounds: rounds.map(toRoundView),
    agents,
  };
}

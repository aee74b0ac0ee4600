import {
  getModelVersion,
  getModelWithStatus,
  getOpenRound,
  hasRoundAnswer,
  upsertAgentModel,
  type FlRoundRow,
  type ModelVersionRow,
} from "@kubewise/db";
import { QUANTILE_LEVELS } from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import {
  metricsOf,
  parseWireVersion,
  toWireVersion,
  type StoredPlan,
} from "./internal";
import {
  asParticipant,
  ModelAssignmentInputSchema,
  type FederationSettings,
  type ModelAssignmentInput,
} from "./settings";

export type RoundPlanAssignment = Omit<StoredPlan, "parameterCount"> & {
  roundId: string;
  baseModelVersion: string;
  baseOnnx: Uint8Array;
  deadline: Date;
  minClients: number;
  quantileLevels: number[];
};

export type EvaluationAssignment = {
  taskId: string;
  candidateModelVersion: string;
  candidateOnnx: Uint8Array;
  baselineModelVersion: string;
  baselineOnnx: Uint8Array;
  deadline: Date;
  holdoutHours: number;
};

export type ModelAssignment = {
  /** "" until the registry has a model (the agent keeps its shipped file). */
  modelVersion: string;
  /** Only when the agent runs another version. */
  onnx?: Uint8Array;
  channel: "active" | "canary";
  roundPlan?: RoundPlanAssignment;
  evaluation?: EvaluationAssignment;
  pollIntervalSeconds: number;
};

async function assignedModel(
  ctx: ServiceContext,
  agentId: string,
): Promise<{ row: ModelVersionRow | undefined; channel: "active" | "canary" }> {
  const canary = await getModelWithStatus(ctx.db, "canary");
  if (canary && metricsOf(canary).canary?.agents.includes(agentId))
    return { row: canary, channel: "canary" };
  return { row: await getModelWithStatus(ctx.db, "active"), channel: "active" };
}

async function planFor(
  ctx: ServiceContext,
  round: FlRoundRow,
): Promise<RoundPlanAssignment | undefined> {
  const base = await getModelVersion(ctx.db, round.baseVersion);
  if (!base) return undefined;
  const { parameterCount: _, ...plan } = round.plan as StoredPlan;
  return {
    ...plan,
    roundId: String(round.id),
    baseModelVersion: String(base.version),
    baseOnnx: base.onnx,
    deadline: round.deadlineAt,
    minClients: round.minClients,
    quantileLevels: [...QUANTILE_LEVELS],
  };
}

async function evaluationFor(
  ctx: ServiceContext,
  round: FlRoundRow,
): Promise<EvaluationAssignment | undefined> {
  const baseline = await getModelVersion(ctx.db, round.baseVersion);
  const candidate =
    round.candidateVersion === null
      ? undefined
      : await getModelVersion(ctx.db, round.candidateVersion);
  if (!baseline || !candidate) return undefined;
  return {
    taskId: String(round.id),
    candidateModelVersion: String(candidate.version),
    candidateOnnx: candidate.onnx,
    baselineModelVersion: String(baseline.version),
    baselineOnnx: baseline.onnx,
    deadline: round.deadlineAt,
    holdoutHours: (round.plan as StoredPlan).holdoutHours,
  };
}

/** The open round's task for this agent, when it is selected and has not answered yet. */
async function taskFor(
  ctx: ServiceContext,
  agentId: string,
  now: Date,
): Promise<Pick<ModelAssignment, "roundPlan" | "evaluation">> {
  const round = await getOpenRound(ctx.db);
  if (
    !round ||
    now >= round.deadlineAt ||
    !round.selectedAgents.includes(agentId)
  )
    return {};
  if (
    await hasRoundAnswer(ctx.db, {
      roundId: round.id,
      agentId,
      kind: round.kind,
    })
  )
    return {};
  if (round.kind === "train") {
    const roundPlan = await planFor(ctx, round);
    return roundPlan === undefined ? {} : { roundPlan };
  }
  const evaluation = await evaluationFor(ctx, round);
  return evaluation === undefined ? {} : { evaluation };
}

/**
 * Answers an agent's poll: records what it runs and how much it could train on, names the model it
 * should run (the canary for canary agents, else the active one) and hands out its round task.
 */
export async function getModelAssignment({
  ctx,
  input,
  settings,
}: {
  ctx: ServiceContext;
  input: ModelAssignmentInput;
  settings: Pick<FederationSettings, "pollIntervalSeconds">;
}): Promise<ModelAssignment> {
  authorize(ctx, "getModelAssignment");
  const { agentId, currentModelVersion, trainableExamples } = asParticipant(
    parseInput(ModelAssignmentInputSchema, input),
  );
  const now = ctx.clock.now();
  await upsertAgentModel(ctx.db, {
    agentId,
    modelVersion: parseWireVersion(currentModelVersion) ?? null,
    trainableExamples,
    reportedAt: now,
  });
  const { row, channel } = await assignedModel(ctx, agentId);
  const modelVersion = toWireVersion(row?.version);
  return {
    modelVersion,
    ...(row !== undefined && modelVersion !== currentModelVersion
      ? { onnx: row.onnx }
      : {}),
    channel,
    ...(await taskFor(ctx, agentId, now)),
    pollIntervalSeconds: settings.pollIntervalSeconds,
  };
}

import {
  ConflictError,
  PreconditionFailedError,
  ValidationError,
} from "@kubewise/core";
import {
  getRound,
  insertRoundEvaluation,
  insertRoundUpdate,
  type FlRoundRow,
} from "@kubewise/db";
import { l2Norm, screenDelta, toFloat32Bytes } from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import type { StoredPlan } from "./internal";
import {
  asParticipant,
  RoundEvaluationInputSchema,
  RoundUpdateInputSchema,
  type RoundEvaluationInput,
  type RoundUpdateInput,
} from "./settings";

/** Why an upload is not for the open round: unknown, closed (a replay), late, stale or unselected. */
async function openRoundFor(
  ctx: ServiceContext,
  query: { roundId: string; agentId: string; kind: "train" | "evaluate" },
): Promise<FlRoundRow> {
  const round = await getRound(ctx.db, Number(query.roundId));
  if (!round)
    throw new PreconditionFailedError(`round ${query.roundId} does not exist`);
  if (round.kind !== query.kind)
    throw new ValidationError(`round ${round.id} is a ${round.kind} round`);
  if (round.status !== "open")
    throw new PreconditionFailedError(`round ${round.id} is ${round.status}`);
  if (ctx.clock.now() >= round.deadlineAt)
    throw new PreconditionFailedError(
      `round ${round.id} closed to uploads at ${round.deadlineAt.toISOString()}`,
    );
  if (!round.selectedAgents.includes(query.agentId))
    throw new PreconditionFailedError(
      `agent ${query.agentId} is not selected for round ${round.id}`,
    );
  return round;
}

export type SubmitResult =
  { accepted: true } | { accepted: false; reason: string; detail: string };

/**
 * Stores one agent's model delta for the open training round. Stale base versions, closed or
 * unknown rounds and unselected agents are refused without a trace; a malformed delta (shape,
 * NaN/Inf, norm above the round's clip, no examples) is stored as a refusal, so a retry is a
 * duplicate, and reported as VALIDATION. Nothing is aggregated here: the leader does that.
 */
export async function submitRoundUpdate({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RoundUpdateInput;
}): Promise<SubmitResult> {
  authorize(ctx, "submitRoundUpdate");
  const update = asParticipant(parseInput(RoundUpdateInputSchema, input));
  const result = await withTransaction(
    ctx,
    async (tx): Promise<SubmitResult> => {
      const round = await openRoundFor(tx, { ...update, kind: "train" });
      if (update.baseModelVersion !== String(round.baseVersion))
        throw new PreconditionFailedError(
          `update is for model ${update.baseModelVersion || "(shipped)"}, round ${round.id} trains version ${round.baseVersion}`,
        );
      const plan = round.plan as StoredPlan;
      const refusal = screenDelta(
        { delta: update.delta, exampleCount: update.exampleCount },
        {
          parameterCount: plan.parameterCount,
          clipNorm: plan.clipNorm,
          dpNoiseMultiplier: plan.dpNoiseMultiplier,
        },
      );
      const finiteOr = (x: number) => (Number.isFinite(x) ? x : -1);
      const stored = await insertRoundUpdate(tx.db, {
        roundId: round.id,
        agentId: update.agentId,
        receivedAt: tx.clock.now(),
        refusal: refusal?.reason ?? null,
        exampleCount: update.exampleCount,
        localSteps: update.localSteps,
        preClipNorm: finiteOr(update.preClipNorm),
        deltaNorm: finiteOr(l2Norm(update.delta)),
        validationLossBefore: finiteOr(update.validationLossBefore),
        validationLossAfter: finiteOr(update.validationLossAfter),
        validationExamples: update.validationExamples,
        cpuSeconds: update.cpuSeconds,
        delta: refusal === undefined ? toFloat32Bytes(update.delta) : null,
      });
      if (!stored)
        throw new ConflictError(
          `agent ${update.agentId} already uploaded for round ${round.id}`,
        );
      return refusal === undefined
        ? { accepted: true }
        : { accepted: false, reason: refusal.reason, detail: refusal.detail };
    },
  );
  ctx.logger.info(
    { roundId: update.roundId, agentId: update.agentId, ...result },
    result.accepted ? "round update stored" : "round update refused",
  );
  return result;
}

/** Stores one agent's evaluation scalars for the open evaluation round (one per agent). */
export async function submitRoundEvaluation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RoundEvaluationInput;
}): Promise<void> {
  authorize(ctx, "submitRoundEvaluation");
  const evaluation = asParticipant(
    parseInput(RoundEvaluationInputSchema, input),
  );
  await withTransaction(ctx, async (tx) => {
    const round = await openRoundFor(tx, {
      roundId: evaluation.taskId,
      agentId: evaluation.agentId,
      kind: "evaluate",
    });
    if (
      evaluation.candidateModelVersion !== String(round.candidateVersion) ||
      evaluation.baselineModelVersion !== String(round.baseVersion)
    )
      throw new PreconditionFailedError(
        `evaluation of ${evaluation.candidateModelVersion} vs ${evaluation.baselineModelVersion}, round ${round.id} compares ${round.candidateVersion} vs ${round.baseVersion}`,
      );
    const stored = await insertRoundEvaluation(tx.db, {
      roundId: round.id,
      agentId: evaluation.agentId,
      receivedAt: tx.clock.now(),
      exampleCount: evaluation.exampleCount,
      candidateLoss: evaluation.candidateLoss,
      baselineLoss: evaluation.baselineLoss,
      candidateLossPerQuantile: evaluation.candidateLossPerQuantile,
      baselineLossPerQuantile: evaluation.baselineLossPerQuantile,
    });
    if (!stored)
      throw new ConflictError(
        `agent ${evaluation.agentId} already evaluated for round ${round.id}`,
      );
  });
  ctx.logger.info(
    { roundId: evaluation.taskId, agentId: evaluation.agentId },
    "round evaluation stored",
  );
}

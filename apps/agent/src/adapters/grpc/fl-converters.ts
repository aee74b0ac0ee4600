import type { agentV1 } from "@kubewise/proto";

import type {
  EvaluateOutcome,
  EvaluateTask,
  TrainOutcome,
  TrainTask,
} from "../../domain/local-round";
import { readForecasterWeights } from "../onnx-scorer-weights";

/** RoundPlan -> TrainTask; throws when the base model cannot be read. */
export function fromProtoRoundPlan(plan: agentV1.RoundPlan): TrainTask {
  return {
    kind: "train",
    roundId: plan.roundId,
    baseModelVersion: plan.baseModelVersion,
    base: readForecasterWeights(plan.baseOnnxModel).weights,
    epochs: plan.localEpochs,
    learningRate: plan.learningRate,
    batchSize: Math.max(1, plan.batchSize),
    fedproxMu: plan.fedproxMu,
    // 0 on the wire means "not set": never clip to nothing.
    clipNorm: plan.clipNorm > 0 ? plan.clipNorm : Number.POSITIVE_INFINITY,
    dpNoiseMultiplier: plan.dpNoiseMultiplier,
    seed: plan.seed,
    holdoutHours: plan.holdoutHours,
    historyDays: plan.historyDays,
    cpuSecondsBudget: plan.cpuSecondsBudget,
    quantileLevels: [...plan.quantileLevels],
  };
}

export function fromProtoEvaluationTask(
  task: agentV1.EvaluationTask,
): EvaluateTask {
  return {
    kind: "evaluate",
    taskId: task.taskId,
    candidateVersion: task.candidateModelVersion,
    candidate: readForecasterWeights(task.candidateOnnxModel).weights,
    baselineVersion: task.baselineModelVersion,
    baseline: readForecasterWeights(task.baselineOnnxModel).weights,
    holdoutHours: task.holdoutHours,
  };
}

export function toProtoUpload(
  agentId: string,
  task: TrainTask,
  outcome: TrainOutcome,
): agentV1.UploadGradientsRequest {
  return {
    agentId,
    modelVersion: task.baseModelVersion,
    sampleCount: outcome.exampleCount,
    gradients: [],
    roundId: task.roundId,
    modelDelta: Array.from(outcome.delta),
    localSteps: outcome.localSteps,
    preClipNorm: outcome.preClipNorm,
    validationLossBefore: finiteOrZero(outcome.validationLossBefore),
    validationLossAfter: finiteOrZero(outcome.validationLossAfter),
    validationExamples: outcome.validationExamples,
    cpuSeconds: outcome.cpuSeconds,
  };
}

export function toProtoEvaluation(
  agentId: string,
  task: EvaluateTask,
  outcome: EvaluateOutcome,
): agentV1.UploadEvaluationRequest {
  return {
    agentId,
    taskId: task.taskId,
    candidateModelVersion: task.candidateVersion,
    baselineModelVersion: task.baselineVersion,
    exampleCount: outcome.exampleCount,
    candidateLoss: outcome.candidateLoss,
    baselineLoss: outcome.baselineLoss,
    candidateLossPerQuantile: outcome.candidateLossPerQuantile,
    baselineLossPerQuantile: outcome.baselineLossPerQuantile,
  };
}

// Validation loss is NaN without validation windows; 0 with validation_examples = 0 says "unknown".
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

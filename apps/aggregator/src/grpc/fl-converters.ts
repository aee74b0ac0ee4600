import { agentV1 } from "@kubewise/proto";
import type {
  ModelAssignment,
  RoundEvaluationInput,
  RoundUpdateInput,
} from "@kubewise/services";

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function toProtoModelUpdate(
  assignment: ModelAssignment,
): agentV1.GetModelUpdateResponse {
  const { roundPlan: plan, evaluation } = assignment;
  return {
    modelVersion: assignment.modelVersion,
    onnxModel: toBuffer(assignment.onnx ?? new Uint8Array()),
    channel:
      assignment.channel === "canary"
        ? agentV1.ModelChannel.MODEL_CHANNEL_CANARY
        : agentV1.ModelChannel.MODEL_CHANNEL_ACTIVE,
    roundPlan:
      plan === undefined
        ? undefined
        : {
            roundId: plan.roundId,
            baseModelVersion: plan.baseModelVersion,
            baseOnnxModel: toBuffer(plan.baseOnnx),
            localEpochs: plan.localEpochs,
            learningRate: plan.learningRate,
            fedproxMu: plan.fedproxMu,
            clipNorm: plan.clipNorm,
            deadlineUnixMs: plan.deadline.getTime(),
            minClients: plan.minClients,
            quantileLevels: plan.quantileLevels,
            batchSize: plan.batchSize,
            cpuSecondsBudget: plan.cpuSecondsBudget,
            dpNoiseMultiplier: plan.dpNoiseMultiplier,
            seed: plan.seed,
            holdoutHours: plan.holdoutHours,
            historyDays: plan.historyDays,
          },
    evaluation:
      evaluation === undefined
        ? undefined
        : {
            taskId: evaluation.taskId,
            candidateModelVersion: evaluation.candidateModelVersion,
            candidateOnnxModel: toBuffer(evaluation.candidateOnnx),
            baselineModelVersion: evaluation.baselineModelVersion,
            baselineOnnxModel: toBuffer(evaluation.baselineOnnx),
            deadlineUnixMs: evaluation.deadline.getTime(),
            holdoutHours: evaluation.holdoutHours,
          },
    pollIntervalSeconds: assignment.pollIntervalSeconds,
  };
}

/**
 * UploadGradientsRequest -> the services input. The deprecated `gradients` field was never an
 * update format: a request carrying it (or no round id) is malformed. Shape and values are
 * judged by the verb (it counts the refusal).
 */
export function fromProtoUpload(
  request: agentV1.UploadGradientsRequest,
): RoundUpdateInput | string {
  if (request.gradients.length > 0)
    return "gradients is deprecated: send model_delta with a round_id";
  if (request.roundId === "") return "round_id is required";
  return {
    agentId: request.agentId,
    roundId: request.roundId,
    baseModelVersion: request.modelVersion,
    exampleCount: request.sampleCount,
    localSteps: request.localSteps,
    preClipNorm: request.preClipNorm,
    validationLossBefore: request.validationLossBefore,
    validationLossAfter: request.validationLossAfter,
    validationExamples: request.validationExamples,
    cpuSeconds: request.cpuSeconds,
    delta: Float32Array.from(request.modelDelta),
  };
}

export function fromProtoEvaluation(
  request: agentV1.UploadEvaluationRequest,
): RoundEvaluationInput {
  return {
    agentId: request.agentId,
    taskId: request.taskId,
    candidateModelVersion: request.candidateModelVersion,
    baselineModelVersion: request.baselineModelVersion,
    exampleCount: request.exampleCount,
    candidateLoss: request.candidateLoss,
    baselineLoss: request.baselineLoss,
    candidateLossPerQuantile: request.candidateLossPerQuantile,
    baselineLossPerQuantile: request.baselineLossPerQuantile,
  };
}

// The agent's side of federated training: polls GetModelUpdate, switches the scorer to the model the
// aggregator assigns, and runs the round or evaluation it is asked for in a child process (one at a
// time), uploading only a clipped delta or loss scalars.
import { status, type ServiceError } from "@grpc/grpc-js";
import type { Logger } from "pino";

import { agentV1 } from "@kubewise/proto";

import { countCadenceMs } from "../../domain/count-cadence";
import type {
  EvaluateTask,
  TrainOutcome,
  TrainTask,
} from "../../domain/local-round";
import { checkTask } from "../../domain/local-round";
import type { ModelFile, Scorer } from "../../domain/types";
import type { WorkerOutcome, WorkerRequest } from "../../train-worker";
import type { AgentClient } from "../grpc/agent-client";
import {
  fromProtoEvaluationTask,
  fromProtoRoundPlan,
  toProtoEvaluation,
  toProtoUpload,
} from "../grpc/fl-converters";
import type { FederatedMetrics } from "./fl-metrics";
import type { ModelStore } from "./model-store";

export type FederatedClientOptions = {
  client: AgentClient;
  readToken: () => string;
  agentId: string;
  historyDir: string;
  scorer: Scorer | undefined;
  modelStore: ModelStore;
  metrics: FederatedMetrics;
  logger: Logger;
  runChild: (request: WorkerRequest) => Promise<WorkerOutcome>;
  /** Used until the aggregator names its own poll interval. */
  pollIntervalMs: number;
  /** For the eligibility count between rounds (the aggregator's plan decides the real ones). */
  countEveryMs: number;
  count: { historyDays: number; holdoutHours: number };
  deadlineMs: number;
  /** Wall clock for the eligibility-count cadence (tests pin it). */
  now?: () => number;
};

export type FederatedClient = {
  /** One poll and whatever task it brings (tests drive the client with it). */
  pollOnce(): Promise<void>;
  stop(): Promise<void>;
  currentModelVersion(): string;
};

const RETRYABLE = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
]);

// grpc-js rejects calls with a ServiceError, whose `code` is a status number.
function grpcCode(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? Number((error as ServiceError).code)
    : undefined;
}

export function createFederatedClient(
  options: FederatedClientOptions,
): FederatedClient {
  const { metrics, logger } = options;
  const now = options.now ?? Date.now;
  let modelVersion = options.modelStore.version();
  let trainable = 0;
  let changedAtLastCount = false;
  let lastCountMs = Number.NEGATIVE_INFINITY;
  const answered = new Set<string>();
  // Results whose upload failed on a transient error: re-sent at the next poll, not re-trained.
  const pendingUploads = new Map<
    string,
    { kind: string; send: () => Promise<number> }
  >();
  metrics.modelVersion.set(Number(modelVersion) || 0);

  const useModel = async (model: ModelFile): Promise<void> => {
    await options.scorer?.useModel?.(model);
    options.modelStore.save(model);
    modelVersion = model.version;
    metrics.modelVersion.set(Number(model.version) || 0);
    logger.info({ modelVersion }, "now scoring with the aggregator's model");
  };

  const refreshCount = async (): Promise<void> => {
    const every = countCadenceMs({ trainable, changedAtLastCount }, options);
    const at = now();
    if (at - lastCountMs < every) return;
    lastCountMs = at;
    const outcome = await options.runChild({
      historyDir: options.historyDir,
      task: { kind: "count", ...options.count },
    });
    if (outcome.kind === "count") {
      changedAtLastCount = outcome.trainableExamples !== trainable;
      trainable = outcome.trainableExamples;
    }
    metrics.trainableExamples.set(trainable);
    logger.debug({ trainableExamples: trainable }, "training windows counted");
  };

  const upload = async (
    id: string,
    kind: string,
    send: () => Promise<number>,
  ) => {
    try {
      metrics.uploadBytes.inc(await send());
      metrics.tasks.inc({ kind, outcome: "uploaded" });
      answered.add(id);
      pendingUploads.delete(id);
    } catch (error) {
      const code = grpcCode(error);
      if (code !== undefined && RETRYABLE.has(code)) {
        pendingUploads.set(id, { kind, send });
        logger.warn(
          { task: id, code },
          "federated upload failed, retrying at the next poll",
        );
        return;
      }
      answered.add(id);
      pendingUploads.delete(id);
      metrics.tasks.inc({ kind, outcome: "refused_by_aggregator" });
      logger.warn(
        {
          task: id,
          code,
          err: error instanceof Error ? error.message : String(error),
        },
        "aggregator refused the federated upload",
      );
    }
  };

  const call = <Req, Res>(
    method: (r: Req, token: string, deadlineMs: number) => Promise<Res>,
    request: Req,
  ) => method(request, options.readToken(), options.deadlineMs);

  const train = async (task: TrainTask): Promise<void> => {
    const outcome = await options.runChild({
      historyDir: options.historyDir,
      task,
    });
    if (outcome.kind !== "train")
      throw new Error(`trainer answered ${outcome.kind}`);
    trainable = outcome.trainableExamples;
    metrics.taskCpuSeconds.observe({ kind: "train" }, outcome.cpuSeconds);
    logRound(task, outcome);
    const request = toProtoUpload(options.agentId, task, outcome);
    const bytes =
      agentV1.UploadGradientsRequest.encode(request).finish().length;
    await upload(task.roundId, "train", async () => {
      await call(options.client.uploadGradients, request);
      return bytes;
    });
  };

  const logRound = (task: TrainTask, outcome: TrainOutcome) =>
    logger.info(
      {
        roundId: task.roundId,
        examples: outcome.exampleCount,
        steps: outcome.localSteps,
        cpuSeconds: outcome.cpuSeconds,
        preClipNorm: outcome.preClipNorm,
        validationLossBefore: outcome.validationLossBefore,
        validationLossAfter: outcome.validationLossAfter,
        stoppedEarly: outcome.stoppedEarly,
      },
      "local training done",
    );

  const evaluate = async (task: EvaluateTask): Promise<void> => {
    const outcome = await options.runChild({
      historyDir: options.historyDir,
      task,
    });
    if (outcome.kind !== "evaluate")
      throw new Error(`trainer answered ${outcome.kind}`);
    const request = toProtoEvaluation(options.agentId, task, outcome);
    const bytes =
      agentV1.UploadEvaluationRequest.encode(request).finish().length;
    await upload(task.taskId, "evaluate", async () => {
      await call(options.client.uploadEvaluation, request);
      return bytes;
    });
  };

  const runTask = async (
    id: string,
    kind: "train" | "evaluate",
    build: () => TrainTask | EvaluateTask,
  ): Promise<void> => {
    if (answered.has(id) || pendingUploads.has(id)) return;
    try {
      const task = build();
      const problem = checkTask(task);
      if (problem !== undefined) {
        answered.add(id);
        metrics.tasks.inc({ kind, outcome: "declined" });
        logger.warn({ task: id, problem }, "federated task declined");
        return;
      }
      await (task.kind === "train" ? train(task) : evaluate(task));
    } catch (error) {
      answered.add(id);
      metrics.tasks.inc({ kind, outcome: "failed" });
      logger.warn(
        {
          task: id,
          err: error instanceof Error ? error.message : String(error),
        },
        "federated task failed",
      );
    }
  };

  let nextDelayMs = options.pollIntervalMs;
  const pollOnce = async (): Promise<void> => {
    for (const [id, pending] of [...pendingUploads])
      await upload(id, pending.kind, pending.send);
    await refreshCount().catch((error: unknown) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "history count failed",
      ),
    );
    let response: agentV1.GetModelUpdateResponse;
    try {
      response = await call(options.client.getModelUpdate, {
        agentId: options.agentId,
        currentModelVersion: modelVersion,
        trainableExamples: trainable,
      });
    } catch (error) {
      metrics.pollErrors.inc();
      logger.debug({ code: grpcCode(error) }, "GetModelUpdate failed");
      return;
    }
    if (response.pollIntervalSeconds > 0)
      nextDelayMs = response.pollIntervalSeconds * 1000;
    if (response.onnxModel.length > 0 && response.modelVersion !== modelVersion)
      await useModel({
        version: response.modelVersion,
        onnx: response.onnxModel,
      }).catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "served model refused",
        ),
      );
    const { roundPlan, evaluation } = response;
    if (roundPlan !== undefined)
      await runTask(roundPlan.roundId, "train", () =>
        fromProtoRoundPlan(roundPlan),
      );
    else if (evaluation !== undefined)
      await runTask(evaluation.taskId, "evaluate", () =>
        fromProtoEvaluationTask(evaluation),
      );
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pollOnce().finally(() => schedule(nextDelayMs));
    }, delayMs);
    timer.unref();
  };
  schedule(0);
  return {
    pollOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    currentModelVersion: () => modelVersion,
  };
}

import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import type { Logger } from "pino";

import { isKubewiseError, ValidationError } from "@kubewise/core";
import { agentV1 } from "@kubewise/proto";
import type {
  ModelAssignment,
  ModelAssignmentInput,
  RoundEvaluationInput,
  RoundUpdateInput,
  SubmitResult,
} from "@kubewise/services";

import type { AggregatorMetrics } from "../metrics";
import type { AuthResult } from "./auth";
import { toAuthStatus } from "./auth";
import { safeDecoder, type Decoded } from "./decoding";
import { toGrpcError } from "./errors";
import {
  fromProtoEvaluation,
  fromProtoUpload,
  toProtoModelUpdate,
} from "./fl-converters";

/** What the model RPCs need from the domain (services verbs bound to a context in main.ts). */
export type FederationPort = {
  assign(input: ModelAssignmentInput): Promise<ModelAssignment>;
  submitUpdate(input: RoundUpdateInput): Promise<SubmitResult>;
  submitEvaluation(input: RoundEvaluationInput): Promise<void>;
};

export const FEDERATED_DECODERS = {
  getModelUpdate: safeDecoder((b) => agentV1.GetModelUpdateRequest.decode(b)),
  uploadGradients: safeDecoder((b) => agentV1.UploadGradientsRequest.decode(b)),
  uploadEvaluation: safeDecoder((b) =>
    agentV1.UploadEvaluationRequest.decode(b),
  ),
} as const;

type Call<T> = ServerUnaryCall<Decoded<T>, unknown>;
type Handler<T> = (call: Call<T>, callback: sendUnaryData<unknown>) => void;

const AGENT_ID = /^[a-zA-Z0-9._:-]{1,128}$/;

/** The outcome label of a failed upload (kubewise_aggregator_fl_uploads_total). */
function failureOutcome(error: unknown): string {
  if (!isKubewiseError(error)) return "error";
  switch (error.code) {
    case "PRECONDITION_FAILED":
      return "refused_round";
    case "CONFLICT":
      return "duplicate";
    case "VALIDATION":
      return "invalid";
    case "FORBIDDEN":
    case "INTERNAL":
    case "NOT_FOUND":
    case "UNAVAILABLE":
      return "error";
  }
}

export function createFederatedHandlers(options: {
  federation: FederationPort | undefined;
  authenticate: (metadataValue: unknown) => Promise<AuthResult>;
  metrics: AggregatorMetrics;
  logger: Logger;
}): {
  getModelUpdate: Handler<agentV1.GetModelUpdateRequest>;
  uploadGradients: Handler<agentV1.UploadGradientsRequest>;
  uploadEvaluation: Handler<agentV1.UploadEvaluationRequest>;
} {
  const { federation, metrics, logger } = options;

  /** auth -> decode -> agent id -> work; every failure answered with its status. */
  const unary =
    <T extends { agentId: string }>(
      name: string,
      work: (port: FederationPort, message: T) => Promise<unknown>,
    ): Handler<T> =>
    (call, callback) => {
      void (async () => {
        const auth = await options.authenticate(
          call.metadata.get("authorization")[0],
        );
        if (!auth.ok)
          return callback({
            code: toAuthStatus(auth.code),
            details: auth.reason,
          });
        if (federation === undefined)
          return callback({
            code: status.UNIMPLEMENTED,
            details:
              "federated training is disabled on this aggregator (federated.enabled=false)",
          });
        if (!call.request.ok)
          return callback({
            code: status.INVALID_ARGUMENT,
            details: call.request.error,
          });
        const { message } = call.request;
        if (!AGENT_ID.test(message.agentId))
          return callback({
            code: status.INVALID_ARGUMENT,
            details: "agent_id must be 1..128 of [a-zA-Z0-9._:-]",
          });
        // A pod-bound token names its node: an agent trains and evaluates only as that node.
        const boundNode = auth.principal.nodeName;
        if (boundNode !== undefined && boundNode !== message.agentId)
          return callback({
            code: status.PERMISSION_DENIED,
            details: `token is bound to node ${boundNode}, not agent ${message.agentId}`,
          });
        try {
          callback(null, await work(federation, message));
        } catch (error) {
          const mapped = toGrpcError(error);
          if (mapped.code === status.INTERNAL)
            logger.error(
              { err: error, rpc: name, agentId: message.agentId },
              "federated rpc failed",
            );
          callback(mapped);
        }
      })();
    };

  const upload = async (
    port: FederationPort,
    request: agentV1.UploadGradientsRequest,
  ): Promise<agentV1.UploadGradientsResponse> => {
    // Re-encoding ~7 KB is cheap and measures exactly what the agent sent.
    metrics.flUploadBytes.observe(
      agentV1.UploadGradientsRequest.encode(request).finish().length,
    );
    const input = fromProtoUpload(request);
    let result: SubmitResult;
    try {
      if (typeof input === "string") throw new ValidationError(input);
      result = await port.submitUpdate(input);
    } catch (error) {
      metrics.flUploads.inc({ kind: "train", outcome: failureOutcome(error) });
      logger.warn(
        {
          agentId: request.agentId,
          roundId: request.roundId,
          err: error instanceof Error ? error.message : String(error),
        },
        "round update refused",
      );
      throw error;
    }
    metrics.flUploads.inc({
      kind: "train",
      outcome: result.accepted ? "accepted" : `refused_${result.reason}`,
    });
    if (!result.accepted)
      throw new ValidationError(
        `update refused (${result.reason}): ${result.detail}`,
      );
    return { accepted: true };
  };

  const evaluate = async (
    port: FederationPort,
    request: agentV1.UploadEvaluationRequest,
  ): Promise<agentV1.UploadEvaluationResponse> => {
    try {
      await port.submitEvaluation(fromProtoEvaluation(request));
    } catch (error) {
      metrics.flUploads.inc({
        kind: "evaluate",
        outcome: failureOutcome(error),
      });
      throw error;
    }
    metrics.flUploads.inc({ kind: "evaluate", outcome: "accepted" });
    return { accepted: true };
  };

  return {
    getModelUpdate: unary<agentV1.GetModelUpdateRequest>(
      "GetModelUpdate",
      async (port, m) =>
        toProtoModelUpdate(
          await port.assign({
            agentId: m.agentId,
            currentModelVersion: m.currentModelVersion,
            trainableExamples: m.trainableExamples,
          }),
        ),
    ),
    uploadGradients: unary<agentV1.UploadGradientsRequest>(
      "UploadGradients",
      upload,
    ),
    uploadEvaluation: unary<agentV1.UploadEvaluationRequest>(
      "UploadEvaluation",
      evaluate,
    ),
  };
}

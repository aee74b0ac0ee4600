import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type ServiceError,
} from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ConflictError, PreconditionFailedError } from "@kubewise/core";
import { agentV1 } from "@kubewise/proto";
import type { RoundUpdateInput, SubmitResult } from "@kubewise/services";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { createIngester } from "../ingest/ingester";
import { createAggregatorMetrics } from "../metrics";
import { createMemorySampleStore } from "../testing/memory-sample-store";
import { createStaticTokenAuthenticator } from "./auth";
import {
  createFederatedHandlers,
  type FederationPort,
} from "./federated-service";
import { startGrpcServer, type RunningGrpcServer } from "./server";

const TOKEN = "test-token-0123456789";
const metrics = createAggregatorMetrics();
const updates: RoundUpdateInput[] = [];
let nextResult: () => Promise<SubmitResult> = () =>
  Promise.resolve({ accepted: true });
const federation: FederationPort = {
  assign: (input) =>
    Promise.resolve({
      modelVersion: "3",
      ...(input.currentModelVersion === "3"
        ? {}
        : { onnx: new Uint8Array([7, 8, 9]) }),
      channel: "canary",
      roundPlan: {
        roundId: "12",
        baseModelVersion: "3",
        baseOnnx: new Uint8Array([1, 2]),
        localEpochs: 1,
        learningRate: 0.005,
        batchSize: 32,
        fedproxMu: 0.01,
        clipNorm: 0.8,
        dpNoiseMultiplier: 0,
        cpuSecondsBudget: 2,
        holdoutHours: 24,
        historyDays: 7,
        seed: 5,
        deadline: new Date(Date.UTC(2026, 0, 1)),
        minClients: 3,
        quantileLevels: [0.5, 0.9],
      },
      pollIntervalSeconds: 30,
    }),
  submitUpdate: (input) => {
    updates.push(input);
    return nextResult();
  },
  submitEvaluation: () => Promise.resolve(),
};
let server: RunningGrpcServer;
let client: agentV1.AgentServiceClient;
const RawUpload = makeGenericClientConstructor(
  {
    uploadGradients: {
      ...agentV1.AgentServiceService.uploadGradients,
      requestSerialize: (b: Uint8Array) => Buffer.from(b),
    },
  },
  "kubewise.agent.v1.AgentService",
);

beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    ingester: createIngester(createMemorySampleStore().store),
    authenticator: createStaticTokenAuthenticator([TOKEN]),
    metrics,
    logger: pino({ level: "silent" }),
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: 2,
    maxConcurrentIngests: 1,
    collectionIntervalSeconds: 10,
    federation,
  });
  client = new agentV1.AgentServiceClient(
    `127.0.0.1:${server.port}`,
    credentials.createInsecure(),
  );
});
afterAll(async () => {
  client.close();
  await server.stop();
});

function auth(token = TOKEN): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

type Callback<Res> = (e: ServiceError | null, r?: Res) => void;
const rpc = {
  getModelUpdate: (
    r: agentV1.GetModelUpdateRequest,
    m: Metadata,
    cb: Callback<agentV1.GetModelUpdateResponse>,
  ) => client.getModelUpdate(r, m, cb),
  uploadGradients: (
    r: agentV1.UploadGradientsRequest,
    m: Metadata,
    cb: Callback<agentV1.UploadGradientsResponse>,
  ) => client.uploadGradients(r, m, cb),
  uploadEvaluation: (
    r: agentV1.UploadEvaluationRequest,
    m: Metadata,
    cb: Callback<agentV1.UploadEvaluationResponse>,
  ) => client.uploadEvaluation(r, m, cb),
};

function call<Req, Res>(
  method: (
    r: Req,
    m: Metadata,
    cb: (e: ServiceError | null, r?: Res) => void,
  ) => unknown,
  request: Req,
  token = TOKEN,
): Promise<{ error: ServiceError | null; response: Res | undefined }> {
  return new Promise((resolve) =>
    method(request, auth(token), (error, response) =>
      resolve({ error, response }),
    ),
  );
}

const upload = (
  overrides: Partial<agentV1.UploadGradientsRequest> = {},
): agentV1.UploadGradientsRequest => ({
  agentId: "node-a",
  modelVersion: "3",
  sampleCount: 40,
  gradients: [],
  roundId: "12",
  modelDelta: [0.1, -0.2, 0.3],
  localSteps: 2,
  preClipNorm: 0.4,
  validationLossBefore: 0.2,
  validationLossAfter: 0.15,
  validationExamples: 8,
  cpuSeconds: 0.5,
  ...overrides,
});

async function counted(outcome: string): Promise<number> {
  const metric = await metrics.flUploads.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe("federated RPCs over real gRPC", () => {
  it("serves the assigned model and round plan, and only to authenticated agents", async () => {
    const { response } = await call(rpc.getModelUpdate, {
      agentId: "node-a",
      currentModelVersion: "1",
      trainableExamples: 40,
    });
    expect(response).toMatchObject({
      modelVersion: "3",
      channel: agentV1.ModelChannel.MODEL_CHANNEL_CANARY,
      pollIntervalSeconds: 30,
    });
    expect([...(response?.onnxModel ?? [])]).toEqual([7, 8, 9]);
    expect(response?.roundPlan).toMatchObject({
      roundId: "12",
      deadlineUnixMs: Date.UTC(2026, 0, 1),
    });
    expect(response?.roundPlan?.clipNorm).toBeCloseTo(0.8, 6);
    const same = await call(rpc.getModelUpdate, {
      agentId: "node-a",
      currentModelVersion: "3",
      trainableExamples: 0,
    });
    expect(same.response?.onnxModel.length).toBe(0);
    const denied = await call(
      rpc.getModelUpdate,
      { agentId: "node-a", currentModelVersion: "", trainableExamples: 0 },
      "wrong-token-0123456789",
    );
    expect(denied.error?.code).toBe(status.UNAUTHENTICATED);
    const bad = await call(rpc.getModelUpdate, {
      agentId: "bad id!",
      currentModelVersion: "",
      trainableExamples: 0,
    });
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
  });

  it("maps upload verdicts to statuses and counts every refusal", async () => {
    const ok = await call(rpc.uploadGradients, upload());
    expect(ok.response?.accepted).toBe(true);
    expect(updates.at(-1)?.delta).toEqual(Float32Array.from([0.1, -0.2, 0.3]));

    const legacy = await call(
      rpc.uploadGradients,
      upload({ gradients: [1, 2], modelDelta: [] }),
    );
    expect(legacy.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(updates).toHaveLength(1);

    nextResult = () =>
      Promise.resolve({
        accepted: false,
        reason: "non_finite",
        detail: "delta holds NaN or Infinity",
      });
    const nan = await call(
      rpc.uploadGradients,
      upload({ modelDelta: [Number.NaN] }),
    );
    expect(nan.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(nan.error?.details).toMatch(/non_finite/);
    expect(await counted("refused_non_finite")).toBe(1);

    nextResult = () =>
      Promise.reject(new PreconditionFailedError("round 12 is closed"));
    expect((await call(rpc.uploadGradients, upload())).error?.code).toBe(
      status.FAILED_PRECONDITION,
    );
    nextResult = () => Promise.reject(new ConflictError("already uploaded"));
    expect((await call(rpc.uploadGradients, upload())).error?.code).toBe(
      status.ABORTED,
    );
    expect(await counted("duplicate")).toBe(1);
    expect(await counted("refused_round")).toBe(1);
  });

  it("answers undecodable uploads with INVALID_ARGUMENT", async () => {
    const raw = new RawUpload(
      `127.0.0.1:${server.port}`,
      credentials.createInsecure(),
    ) as unknown as {
      uploadGradients: (
        b: Uint8Array,
        m: Metadata,
        cb: (e: ServiceError | null) => void,
      ) => void;
    };
    const error = await new Promise<ServiceError | null>((resolve) =>
      raw.uploadGradients(new Uint8Array([0xff, 0xff, 0xff]), auth(), resolve),
    );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
  });

  it("accepts evaluation scalars", async () => {
    const { response } = await call(rpc.uploadEvaluation, {
      agentId: "node-a",
      taskId: "13",
      candidateModelVersion: "4",
      baselineModelVersion: "3",
      exampleCount: 10,
      candidateLoss: 0.1,
      baselineLoss: 0.11,
      candidateLossPerQuantile: [],
      baselineLossPerQuantile: [],
    });
    expect(response?.accepted).toBe(true);
  });
});

describe("federated RPCs with a node-bound token", () => {
  it("answers only as the token's node", async () => {
    const handlers = createFederatedHandlers({
      federation,
      authenticate: () =>
        Promise.resolve({
          ok: true,
          principal: {
            subject: "system:serviceaccount:kw:agent",
            nodeName: "node-a",
          },
        }),
      metrics,
      logger: pino({ level: "silent" }),
    });
    const ask = (agentId: string) =>
      new Promise<{ code?: number } | null>((resolve) =>
        handlers.getModelUpdate(
          {
            metadata: auth(),
            request: {
              ok: true,
              message: {
                agentId,
                currentModelVersion: "3",
                trainableExamples: 0,
              },
            },
          } as unknown as Parameters<typeof handlers.getModelUpdate>[0],
          (error) => resolve(error),
        ),
      );
    expect(await ask("node-a")).toBeNull();
    expect((await ask("node-b"))?.code).toBe(status.PERMISSION_DENIED);
  });
});

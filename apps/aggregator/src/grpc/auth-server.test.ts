import {
  credentials,
  Metadata,
  status,
  type ServiceError,
} from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { createIngester } from "../ingest/ingester";
import { createAggregatorMetrics } from "../metrics";
import { createMemorySampleStore } from "../testing/memory-sample-store";
import type { AuthResult } from "./auth";
import { startGrpcServer, type RunningGrpcServer } from "./server";

// Each token names the verdict the fake authenticator returns.
const VERDICTS: Record<string, AuthResult> = {
  "bound-to-node-1": {
    ok: true,
    principal: { subject: "sa:agent", nodeName: "node-1" },
  },
  "not-an-agent": { ok: false, code: "permission_denied", reason: "sa:x" },
  "api-down": { ok: false, code: "unavailable", reason: "cannot verify" },
};

let server: RunningGrpcServer;
let client: agentV1.AgentServiceClient;
const memory = createMemorySampleStore();

beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    ingester: createIngester(memory.store),
    authenticator: {
      authenticate: (token) =>
        Promise.resolve(
          VERDICTS[token] ?? {
            ok: false,
            code: "unauthenticated",
            reason: "unknown token",
          },
        ),
    },
    metrics: createAggregatorMetrics(),
    logger: pino({ level: "silent" }),
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: 2,
    maxConcurrentIngests: 1,
    collectionIntervalSeconds: 10,
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

function oneSampleRequest(agentId: string, seq: number, nodeName: string) {
  return {
    batch: agentV1.MetricBatch.fromPartial({
      agentId,
      bootId: "b",
      seq,
      nodeName,
      containers: [
        { namespace: "ns", podName: "p", podUid: "u", containerName: "c" },
      ],
      containerIndex: [0],
      timestampMs: [Date.now()],
      cpuUsageCores: [0.1],
      cpuThrottledPeriods: [0],
      cpuThrottledSeconds: [0],
      memoryWorkingSetBytes: [1],
      memoryRssBytes: [1],
      memoryLimitBytes: [0],
      oomKillCount: [0],
    }),
  };
}

function register(token: string, nodeName: string) {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return new Promise<ServiceError | null>((resolve) =>
    client.register(
      {
        agentId: "a",
        bootId: "b",
        nodeName,
        agentVersion: "1",
        sourceKind: 0,
        clusterName: "",
        kubeSystemUid: "",
      },
      metadata,
      (error) => resolve(error),
    ),
  );
}

describe("authentication verdicts on the wire", () => {
  it.each([
    ["bound-to-node-1", "node-1", status.OK, ""],
    [
      "bound-to-node-1",
      "node-2",
      status.PERMISSION_DENIED,
      /bound to node node-1, not node-2/,
    ],
    ["not-an-agent", "node-1", status.PERMISSION_DENIED, /sa:x/],
    ["api-down", "node-1", status.UNAVAILABLE, /cannot verify/],
    ["garbage", "node-1", status.UNAUTHENTICATED, /unknown token/],
  ])("token %s for %s -> status %i", async (token, node, code, details) => {
    const error = await register(token, node);
    expect(error?.code ?? status.OK).toBe(code);
    if (error !== null) expect(error.details).toMatch(details);
  });

  it.each([
    ["node-1", "ack"],
    ["node-2", "status 7"],
  ])(
    "a node-bound token streaming a batch of %s gets %s",
    async (node, outcome) => {
      const metadata = new Metadata();
      metadata.set("authorization", "Bearer bound-to-node-1");
      const stream = client.syncMetrics(metadata);
      const result = new Promise<string>((resolve) => {
        stream.on("data", (r: agentV1.SyncMetricsResponse) =>
          resolve(r.response?.$case ?? "none"),
        );
        stream.on("error", (e: ServiceError) => resolve(`status ${e.code}`));
      });
      stream.write(oneSampleRequest(`agent-${node}`, 1, node));
      expect(await result).toBe(outcome);
      stream.end();
    },
  );

  it("closes a metrics stream with the verdict's status", async () => {
    const metadata = new Metadata();
    metadata.set("authorization", "Bearer api-down");
    const stream = client.syncMetrics(metadata);
    const ended = new Promise<ServiceError>((resolve) =>
      stream.on("error", resolve),
    );
    stream.on("data", () => undefined);
    stream.write({});
    expect((await ended).code).toBe(status.UNAVAILABLE);
  });

  it("re-validates the token on every batch: once it is revoked, the open stream stops", async () => {
    VERDICTS.revocable = {
      ok: true,
      principal: { subject: "sa:agent", nodeName: "node-1" },
    };
    const metadata = new Metadata();
    metadata.set("authorization", "Bearer revocable");
    const stream = client.syncMetrics(metadata);
    const responses: string[] = [];
    const acked = new Promise<void>((resolve) =>
      stream.on("data", (r: agentV1.SyncMetricsResponse) => {
        responses.push(r.response?.$case ?? "none");
        resolve();
      }),
    );
    const ended = new Promise<ServiceError>((resolve) =>
      stream.on("error", resolve),
    );
    stream.write(oneSampleRequest("agent-revoked", 1, "node-1"));
    await acked;
    // the authenticator's cache window has passed and the API server now answers "revoked"
    VERDICTS.revocable = {
      ok: false,
      code: "unauthenticated",
      reason: "token rejected by TokenReview: revoked",
    };
    stream.write(oneSampleRequest("agent-revoked", 2, "node-1"));
    const error = await ended;
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toMatch(/revoked/);
    expect(responses).toEqual(["ack"]);
    expect(
      [...memory.batches.keys()].filter((k) => k.startsWith("agent-revoked/")),
    ).toEqual(["agent-revoked/b/1"]);
  });
});

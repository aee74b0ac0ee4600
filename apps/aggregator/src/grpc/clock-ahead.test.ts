import { credentials, Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import type { createAggregatorMetrics } from "../metrics";
import type { createMemorySampleStore } from "../testing/memory-sample-store";
import { oneSampleBatch } from "../testing/one-sample-batch";
import { startTestGrpcServer } from "../testing/test-grpc-server";
import type { RunningGrpcServer } from "./server";

// A node whose clock runs 10 min and 1 s ahead of the aggregator's (a faked server clock): its batch
// is answered with OUT_OF_RANGE and a retry delay instead of being refused for good, the agent's
// gauge of the skew is set, and the same batch is stored once the server's clock has caught up.
const TOKEN = "clock-ahead-token-0123";
const T0 = Date.parse("2026-11-20T12:00:00Z");
let serverNowMs = T0;
let server: RunningGrpcServer;
let memory: ReturnType<typeof createMemorySampleStore>;
let metrics: ReturnType<typeof createAggregatorMetrics>;

beforeAll(async () => {
  ({ server, memory, metrics } = await startTestGrpcServer(TOKEN, {
    now: () => serverNowMs,
  }));
});
afterAll(() => server.stop());

it("asks a node whose clock is ahead to resend later, and stores the batch once the clock catches up", async () => {
  const client = new agentV1.AgentServiceClient(
    `127.0.0.1:${server.port}`,
    credentials.createInsecure(),
  );
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  const stream = client.syncMetrics(metadata);
  const responses: agentV1.SyncMetricsResponse[] = [];
  let notify = () => undefined as void;
  stream.on("data", (r: agentV1.SyncMetricsResponse) => {
    responses.push(r);
    notify();
  });
  const next = () =>
    new Promise<agentV1.SyncMetricsResponse>((resolve) => {
      const take = () => {
        const r = responses.shift();
        if (r) resolve(r);
        else notify = take;
      };
      take();
    });
  const aheadMs = 10 * 60_000 + 1_000;
  const request = oneSampleBatch(7, {
    agentId: "fast-clock",
    bootId: "boot-f",
    nodeName: "node-f",
  });
  request.batch!.timestampMs = [T0 + aheadMs];

  stream.write(request);
  const early = (await next()).response;
  expect(early?.$case).toBe("reject");
  if (early?.$case !== "reject") return;
  expect(early.value).toMatchObject({
    seq: 7,
    code: status.OUT_OF_RANGE,
    serverTimeMs: T0,
  });
  expect(early.value.retryAfterMs).toBe(aheadMs - 10 * 60_000 + 1_000);
  expect(memory.batches.size).toBe(0);
  const [ahead] = (await metrics.agentClockAhead.get()).values;
  expect(ahead).toMatchObject({
    labels: { agent_id: "fast-clock" },
    value: aheadMs / 1000,
  });

  serverNowMs = T0 + early.value.retryAfterMs;
  stream.write(request);
  const later = (await next()).response;
  expect(later).toMatchObject({
    $case: "ack",
    value: {
      seq: 7,
      duplicate: false,
      storedSamples: 1,
      serverTimeMs: serverNowMs,
    },
  });
  expect(memory.batches.get("fast-clock/boot-f/7")).toBe(1);
  stream.end();
  client.close();
});

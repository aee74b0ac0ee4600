import { credentials, Metadata } from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { createIngester } from "../ingest/ingester";
import { createAggregatorMetrics } from "../metrics";
import { createMemorySampleStore } from "../testing/memory-sample-store";
import { oneSampleBatch } from "../testing/one-sample-batch";
import { createStaticTokenAuthenticator } from "./auth";
import { startGrpcServer, type RunningGrpcServer } from "./server";

const TOKEN = "pipelining-token-0123456789";
const PER_STREAM = 3;
const memory = createMemorySampleStore();
const metrics = createAggregatorMetrics();
let server: RunningGrpcServer;

beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    ingester: createIngester(memory.store),
    authenticator: createStaticTokenAuthenticator([TOKEN]),
    metrics,
    logger: pino({ level: "silent" }),
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: PER_STREAM,
    maxConcurrentIngests: 8,
    collectionIntervalSeconds: 10,
  });
});
afterAll(() => server.stop());

async function until(check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 5_000) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

it("stores up to maxQueuedPerStream batches of one stream at once and acks them in arrival order", async () => {
  let release = () => undefined as void;
  memory.state.gate = new Promise<void>((r) => (release = r));
  const client = new agentV1.AgentServiceClient(
    `127.0.0.1:${server.port}`,
    credentials.createInsecure(),
  );
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  const stream = client.syncMetrics(metadata);
  const acked: number[] = [];
  stream.on("data", (r: agentV1.SyncMetricsResponse) => {
    if (r.response?.$case === "ack") acked.push(r.response.value.seq);
  });
  const seqs = Array.from({ length: 10 }, (_, i) => i + 1);
  for (const seq of seqs) stream.write(oneSampleBatch(seq));
  await until(() => memory.state.active === PER_STREAM);
  await new Promise((r) => setTimeout(r, 200));
  expect(memory.state.maxActive).toBe(PER_STREAM);
  expect(acked).toEqual([]);
  // The full stream queue stopped reading the stream, and that is counted.
  const pauses = (await metrics.ingestBackpressure.get()).values.filter(
    (v) => v.labels.where === "stream",
  );
  expect(pauses.reduce((n, v) => n + v.value, 0)).toBeGreaterThanOrEqual(1);
  memory.state.gate = undefined;
  release();
  await until(() => acked.length === seqs.length);
  expect(acked).toEqual(seqs);
  expect(memory.state.maxActive).toBe(PER_STREAM);
  stream.end();
  client.close();
});

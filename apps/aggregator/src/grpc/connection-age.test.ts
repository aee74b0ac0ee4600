import { credentials, Metadata } from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { oneSampleBatch } from "../testing/one-sample-batch";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy";
import { startTestGrpcServer } from "../testing/test-grpc-server";

// Two replicas behind a retargetable proxy (a Service): a stream opened on replica A moves to
// replica B once A's connection reaches its max age, without losing or duplicating a batch.
const TOKEN = "connection-age-token-0123";
const replicas: Awaited<ReturnType<typeof startTestGrpcServer>>[] = [];
let proxy: TcpProxy;

beforeAll(async () => {
  for (let i = 0; i < 2; i++)
    replicas.push(
      await startTestGrpcServer(TOKEN, {
        maxConnectionAgeMs: 300,
        maxConnectionAgeGraceMs: 200,
      }),
    );
  proxy = await startTcpProxy(replicas[0]!.server.port);
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(replicas.map((r) => r.server.stop()));
});

/** Opens a stream, sends one batch and resolves with its ack and a promise of the stream's end. */
function sendOne(client: agentV1.AgentServiceClient, seq: number) {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  const stream = client.syncMetrics(metadata);
  const ended = new Promise<string>((resolve) => {
    stream.on("error", (error: Error) => resolve(error.message));
    stream.on("end", () => resolve("end"));
  });
  const acked = new Promise<number>((resolve) =>
    stream.on("data", (r: agentV1.SyncMetricsResponse) => {
      if (r.response?.$case === "ack") resolve(r.response.value.seq);
    }),
  );
  stream.write(
    oneSampleBatch(seq, {
      agentId: "aged-agent",
      bootId: "boot-a",
      nodeName: "node-a",
    }),
  );
  return { acked, ended };
}

it("ends streams at the max connection age, so the agent's next stream lands on another replica", async () => {
  const client = new agentV1.AgentServiceClient(
    `127.0.0.1:${proxy.port}`,
    credentials.createInsecure(),
  );
  const first = sendOne(client, 1);
  expect(await first.acked).toBe(1);
  // The Service now routes new connections to replica B; A's connection keeps going until its age.
  proxy.setTarget(replicas[1]!.server.port);
  expect(await first.ended).not.toBe("");

  const second = sendOne(client, 2);
  expect(await second.acked).toBe(2);
  expect([...replicas[0]!.memory.batches.keys()]).toEqual([
    "aged-agent/boot-a/1",
  ]);
  expect([...replicas[1]!.memory.batches.keys()]).toEqual([
    "aged-agent/boot-a/2",
  ]);
  client.close();
});

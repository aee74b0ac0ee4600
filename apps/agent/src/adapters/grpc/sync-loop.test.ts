import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { openDiskBuffer, type DiskBuffer } from "../disk-buffer";
import { createAgentMetrics } from "../metrics";
import { openQuarantine } from "../quarantine";
import { createAgentClient } from "./agent-client";
import { encodeSyncRequest, toBufferKey } from "./converters";
import { startSyncLoop } from "./sync-loop";

type Behaviour = (
  batch: agentV1.MetricBatch,
  call: ServerDuplexStream<
    agentV1.SyncMetricsRequest,
    agentV1.SyncMetricsResponse
  >,
) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startFakeAggregator(
  behaviour: Behaviour,
  port = 0,
  serverClock: () => number = Date.now,
): Promise<{ port: number; tokens: string[]; stop: () => void }> {
  const tokens: string[] = [];
  const server = new Server();
  const impl: UntypedServiceImplementation = {
    register: (
      call: { metadata: { get: (k: string) => unknown[] } },
      cb: (e: null, r: agentV1.RegisterResponse) => void,
    ) => {
      tokens.push(String(call.metadata.get("authorization")[0]));
      cb(null, {
        collectionIntervalSeconds: 10,
        maxBatchSamples: 100,
        maxMessageBytes: 1 << 20,
        serverTimeMs: serverClock(),
      });
    },
    syncMetrics: (
      call: ServerDuplexStream<
        agentV1.SyncMetricsRequest,
        agentV1.SyncMetricsResponse
      >,
    ) => {
      call.on(
        "data",
        (req: agentV1.SyncMetricsRequest) =>
          req.batch && behaviour(req.batch, call),
      );
      call.on("end", () => call.end());
    },
  };
  server.addService(agentV1.AgentServiceService, impl);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `127.0.0.1:${port}`,
      ServerCredentials.createInsecure(),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  const stop = () => server.forceShutdown();
  cleanups.push(stop);
  return { port: bound, tokens, stop };
}

const ack: Behaviour = (b, call) =>
  call.write({
    response: {
      $case: "ack",
      value: {
        bootId: b.bootId,
        seq: b.seq,
        duplicate: false,
        storedSamples: 1,
        serverTimeMs: Date.now(),
      },
    },
  });

function fill(count: number): DiskBuffer {
  const dir = mkdtempSync(join(tmpdir(), "kw-sync-"));
  const buffer = openDiskBuffer({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 << 10,
    fsyncIntervalMs: 100,
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => buffer.close());
  for (let seq = 1; seq <= count; seq++) {
    const batch = {
      agentId: "a",
      bootId: "boot",
      seq,
      nodeName: "n",
      droppedBatchesTotal: 0,
      containers: [],
      containerIndex: [],
      timestampMs: [seq],
      cpuUsageCores: [],
      cpuThrottledPeriods: [],
      cpuThrottledSeconds: [],
      cpuPeriods: [],
      memoryWorkingSetBytes: [],
      memoryRssBytes: [],
      memoryLimitBytes: [],
      oomKillCount: [],
    };
    buffer.append(toBufferKey("boot", seq), encodeSyncRequest(batch));
  }
  return buffer;
}

function start(target: string, buffer: DiskBuffer, token = "t-0") {
  const client = createAgentClient(target);
  const metrics = createAgentMetrics();
  const quarantineDir = mkdtempSync(join(tmpdir(), "kw-quarantine-"));
  cleanups.push(() => rmSync(quarantineDir, { recursive: true, force: true }));
  const quarantine = openQuarantine({ dir: quarantineDir, maxBytes: 1 << 20 });
  let calls = 0;
  const loop = startSyncLoop({
    client,
    buffer,
    quarantine,
    metrics,
    logger: pino({ level: "silent" }),
    register: {
      agentId: "a",
      bootId: "boot",
      nodeName: "n",
      agentVersion: "test",
      clusterName: "",
      kubeSystemUid: "",
      sourceKind: 4,
    },
    readToken: () => `${token}-${calls++}`,
    backoff: { initialMs: 50, maxMs: 200 },
    maxInFlight: 4,
    deadlineMs: 1_000,
    ackTimeoutMs: 1_000,
  });
  cleanups.push(async () => {
    await loop.stop();
    client.close();
  });
  return { loop, metrics, quarantine, quarantineDir };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const startMs = Date.now();
  while (!check()) {
    if (Date.now() - startMs > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("sync loop against a real gRPC server on loopback", () => {
  it("delivers every buffered batch in order with at most maxInFlight unacked, re-reading the token per stream", async () => {
    const seen: number[] = [];
    const server = await startFakeAggregator((b, call) => {
      seen.push(b.seq);
      setTimeout(() => ack(b, call), 5);
    });
    const buffer = fill(30);
    start(`127.0.0.1:${server.port}`, buffer);
    await until(() => buffer.stats().depthRecords === 0);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(server.tokens[0]).toBe("Bearer t-0-0");
  });

  it("keeps a rejected batch in the quarantine, counted, instead of retrying it forever", async () => {
    const server = await startFakeAggregator((b, call) =>
      b.seq === 2
        ? call.write({
            response: {
              $case: "reject",
              value: {
                bootId: b.bootId,
                seq: b.seq,
                code: status.INVALID_ARGUMENT,
                message: "bad",
                serverTimeMs: Date.now(),
                retryAfterMs: 0,
              },
            },
          })
        : ack(b, call),
    );
    const buffer = fill(3);
    const sent = buffer.readKey(toBufferKey("boot", 2));
    const { metrics, quarantine, quarantineDir } = start(
      `127.0.0.1:${server.port}`,
      buffer,
    );
    await until(() => buffer.stats().depthRecords === 0);
    expect((await metrics.batchesRejected.get()).values[0]?.value).toBe(1);
    expect(quarantine.stats()).toMatchObject({ quarantined: 1, files: 1 });
    const [file] = readdirSync(quarantineDir);
    const kept = readFileSync(join(quarantineDir, file ?? ""));
    const newline = kept.indexOf(10);
    expect(JSON.parse(kept.subarray(0, newline).toString())).toMatchObject({
      key: "boot:2",
      code: status.INVALID_ARGUMENT,
      reason: "bad",
    });
    expect(kept.subarray(newline + 1).equals(sent ?? Buffer.alloc(0))).toBe(
      true,
    );
  });

  it("keeps a batch the aggregator cannot accept yet and resends it after retry_after_ms", async () => {
    let refusals = 0;
    const server = await startFakeAggregator((b, call) => {
      if (b.seq === 2 && refusals++ === 0)
        call.write({
          response: {
            $case: "reject",
            value: {
              bootId: b.bootId,
              seq: b.seq,
              code: status.OUT_OF_RANGE,
              message:
                "timestamps are up to 601 s ahead of the aggregator's clock",
              serverTimeMs: Date.now(),
              retryAfterMs: 300,
            },
          },
        });
      else ack(b, call);
    });
    const buffer = fill(3);
    const { metrics, quarantine } = start(`127.0.0.1:${server.port}`, buffer);
    await until(() => buffer.stats().depthRecords === 0);
    expect(refusals).toBe(2);
    expect((await metrics.batchesDeferred.get()).values[0]?.value).toBe(1);
    expect(quarantine.stats().quarantined).toBe(0);
  });

  it.each([
    ["ahead of", -600_000],
    ["behind", 90_000],
  ])(
    "reports this node's clock %s the aggregator's from the Register round trip",
    async (_, offsetMs) => {
      const server = await startFakeAggregator(
        ack,
        0,
        () => Date.now() + offsetMs,
      );
      const buffer = fill(1);
      const { metrics } = start(`127.0.0.1:${server.port}`, buffer);
      await until(() => buffer.stats().depthRecords === 0);
      const [gauge] = (await metrics.clockOffset.get()).values;
      expect(gauge?.value).toBeCloseTo(offsetMs / 1000, 0);
    },
  );

  it("reconnects with backoff after the server goes away and comes back, then delivers the rest", async () => {
    let server = await startFakeAggregator(ack);
    const port = server.port;
    const buffer = fill(5);
    const { loop, metrics } = start(`127.0.0.1:${port}`, buffer);
    await until(() => buffer.stats().depthRecords === 0);
    server.stop();
    for (let seq = 6; seq <= 8; seq++)
      buffer.append(
        toBufferKey("boot", seq),
        encodeSyncRequest({
          ...agentV1.MetricBatch.fromPartial({ bootId: "boot", seq }),
        }),
      );
    loop.notify();
    await new Promise((r) => setTimeout(r, 500));
    expect(buffer.stats().depthRecords).toBe(3);
    server = await startFakeAggregator(ack, port);
    await until(() => buffer.stats().depthRecords === 0);
    expect(
      (await metrics.reconnects.get()).values[0]?.value,
    ).toBeGreaterThanOrEqual(1);
  });

  it("restarts a stream whose acks stop coming (blackholed link) and resends the unacked batches", async () => {
    let silent = true;
    const seen: number[] = [];
    const server = await startFakeAggregator((b, call) => {
      seen.push(b.seq);
      if (!silent) ack(b, call);
    });
    const buffer = fill(3);
    const { metrics } = start(`127.0.0.1:${server.port}`, buffer);
    metrics.bufferDepth.set(3); // as the collector left it after its last append
    await until(() => seen.length === 3);
    silent = false;
    await until(() => buffer.stats().depthRecords === 0);
    expect(seen.slice(3)).toEqual([1, 2, 3]);
    // drained: the depth gauge says so at once, while sent (6 writes) never equals acked (3)
    const value = async (m: {
      get(): Promise<{ values: { value: number }[] }>;
    }) => (await m.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(await value(metrics.bufferDepth)).toBe(0);
    expect(await value(metrics.batchesSent)).toBe(6);
    expect(await value(metrics.batchesAcked)).toBe(3);
  });
});

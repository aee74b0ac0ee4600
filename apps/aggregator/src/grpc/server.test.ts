import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type ClientDuplexStream,
  type ServiceError,
} from "@grpc/grpc-js";
import fc from "fast-check";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { createIngester } from "../ingest/ingester";
import { createAggregatorMetrics } from "../metrics";
import { createMemorySampleStore } from "../testing/memory-sample-store";
import { createStaticTokenAuthenticator } from "./auth";
import {
  foreignCluster,
  startGrpcServer,
  type RunningGrpcServer,
} from "./server";

// A fixed default keeps every run the same (tests never depend on the clock); set
// KW_PROPERTY_SEED to explore other seeds or replay a logged one.
const DEFAULT_PROPERTY_SEED = 20261207;

const TOKEN = "test-token-0123456789";
const memory = createMemorySampleStore();
const metrics = createAggregatorMetrics();
let server: RunningGrpcServer;
let target = "";

// Raw client: sends bytes as they are, so tests can send garbage too.
const RawClient = makeGenericClientConstructor(
  {
    ...agentV1.AgentServiceService,
    syncMetrics: {
      ...agentV1.AgentServiceService.syncMetrics,
      requestSerialize: (b: Uint8Array) => Buffer.from(b),
    },
  },
  "kubewise.agent.v1.AgentService",
);
type RawStream = ClientDuplexStream<Uint8Array, agentV1.SyncMetricsResponse>;

const EAST_UID = "5f0c9d62-1b1e-4c36-9a57-3f3d2c1b0a01";

beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    ingester: createIngester(memory.store),
    authenticator: createStaticTokenAuthenticator([TOKEN]),
    metrics,
    logger: pino({ level: "silent" }),
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: 2,
    maxConcurrentIngests: 1,
    collectionIntervalSeconds: 10,
    clusterName: "east",
    clusterKubeSystemUid: EAST_UID,
  });
  target = `127.0.0.1:${server.port}`;
});
afterAll(async () => {
  sharedClient?.close();
  await server.stop();
});

function auth(token = TOKEN): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

function batch(
  seq: number,
  overrides: Partial<agentV1.MetricBatch> = {},
  bootId = "boot-1",
): agentV1.MetricBatch {
  const n = 3;
  return {
    agentId: "agent-1",
    bootId,
    seq,
    nodeName: "node-1",
    droppedBatchesTotal: 0,
    containers: [
      {
        namespace: "ns",
        podName: "p",
        podUid: "u",
        containerName: "c",
        containerId: "",
        workloadKind: "",
        workloadName: "",
        cpuRequestMillicores: 100,
        cpuLimitMillicores: 0,
        memoryRequestBytes: 0,
        memoryLimitBytes: 0,
      },
    ],
    containerIndex: Array<number>(n).fill(0),
    timestampMs: Array.from({ length: n }, (_, i) => Date.now() - i * 1000),
    cpuUsageCores: Array<number>(n).fill(0.5),
    cpuThrottledPeriods: Array<number>(n).fill(0),
    cpuThrottledSeconds: Array<number>(n).fill(0),
    cpuPeriods: [],
    memoryWorkingSetBytes: Array<number>(n).fill(1 << 20),
    memoryRssBytes: Array<number>(n).fill(1 << 19),
    memoryLimitBytes: Array<number>(n).fill(0),
    oomKillCount: Array<number>(n).fill(0),
    ...overrides,
  };
}

const encode = (b: agentV1.MetricBatch) =>
  agentV1.SyncMetricsRequest.encode({ batch: b }).finish();

type Session = {
  stream: RawStream;
  responses: agentV1.SyncMetricsResponse[];
  ended: Promise<ServiceError | undefined>;
};

let sharedClient: InstanceType<typeof RawClient> | undefined;

/** A stream on a new connection, or with `shared` on one connection reused across calls. */
function open(token = TOKEN, shared = false): Session {
  const client = shared
    ? (sharedClient ??= new RawClient(target, credentials.createInsecure()))
    : new RawClient(target, credentials.createInsecure());
  const stream = (
    client as unknown as { syncMetrics: (m: Metadata) => RawStream }
  ).syncMetrics(auth(token));
  const responses: agentV1.SyncMetricsResponse[] = [];
  stream.on("data", (r: agentV1.SyncMetricsResponse) => responses.push(r));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on("error", (e: ServiceError) => resolve(e));
    stream.on("end", () => resolve(undefined));
  });
  return { stream, responses, ended };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("AgentService over real gRPC on loopback", () => {
  it("acks after the store commits and acks a resend as a duplicate without storing it twice", async () => {
    const s = open();
    s.stream.write(encode(batch(1)));
    s.stream.write(encode(batch(2)));
    s.stream.write(encode(batch(1)));
    await until(() => s.responses.length === 3);
    expect(s.responses.map((r) => r.response)).toEqual([
      {
        $case: "ack",
        value: {
          bootId: "boot-1",
          seq: 1,
          duplicate: false,
          storedSamples: 3,
          serverTimeMs: expect.any(Number) as number,
        },
      },
      {
        $case: "ack",
        value: {
          bootId: "boot-1",
          seq: 2,
          duplicate: false,
          storedSamples: 3,
          serverTimeMs: expect.any(Number) as number,
        },
      },
      {
        $case: "ack",
        value: {
          bootId: "boot-1",
          seq: 1,
          duplicate: true,
          storedSamples: 0,
          serverTimeMs: expect.any(Number) as number,
        },
      },
    ]);
    expect(memory.batches.get("agent-1/boot-1/1")).toBe(3);
    s.stream.end();
    expect(await s.ended).toBeUndefined();
  });

  it.each([
    ["NaN CPU", { cpuUsageCores: [NaN, 0, 0] }, "cpuUsageCores[0]"],
    [
      "negative throttled time",
      { cpuThrottledSeconds: [1, -5, 1] },
      "cpuThrottledSeconds[1]",
    ],
    ["huge CPU", { cpuUsageCores: [1e12, 0, 0] }, "cpuUsageCores[0]"],
    ["ragged columns", { oomKillCount: [0] }, "oomKillCount"],
    ["no samples", { timestampMs: [] }, "timestampMs"],
    [
      "dangling container index",
      { containerIndex: [0, 7, 0] },
      "containerIndex[1]",
    ],
    [
      "sample older than the raw retention",
      { timestampMs: [Date.now() - 95 * 86_400_000, Date.now(), Date.now()] },
      "timestampMs[0]",
    ],
    ["empty agent id", { agentId: "" }, "agentId"],
    ["seq 0", { seq: 0 }, "seq"],
  ])(
    "rejects a batch with %s as INVALID_ARGUMENT and keeps the stream usable",
    async (_name, bad, field) => {
      const s = open();
      s.stream.write(encode(batch(100, bad, "boot-invalid")));
      s.stream.write(
        encode(batch(101, {}, `boot-ok-${field.replace(/\W/g, "")}`)),
      );
      await until(() => s.responses.length === 2);
      const [reject, ack] = s.responses.map((r) => r.response);
      expect(reject?.$case).toBe("reject");
      expect(reject?.$case === "reject" && reject.value.code).toBe(
        status.INVALID_ARGUMENT,
      );
      expect(reject?.$case === "reject" && reject.value.message).toContain(
        field,
      );
      expect(ack?.$case).toBe("ack");
      s.stream.end();
    },
  );

  it("refuses calls without a valid token", async () => {
    const s = open("wrong-token-0123456789");
    s.stream.write(encode(batch(1, {}, "boot-unauth")));
    expect((await s.ended)?.code).toBe(status.UNAUTHENTICATED);
    const client = new agentV1.AgentServiceClient(
      target,
      credentials.createInsecure(),
    );
    const error = await new Promise<ServiceError | null>((resolve) =>
      client.register(
        {
          agentId: "a",
          bootId: "b",
          nodeName: "n",
          agentVersion: "1",
          clusterName: "",
          kubeSystemUid: "",
          sourceKind: 0,
        },
        new Metadata(),
        (e) => resolve(e),
      ),
    );
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(memory.batches.has("agent-1/boot-unauth/1")).toBe(false);
  });

  it("registers an agent and answers UNIMPLEMENTED for federated learning calls", async () => {
    const client = new agentV1.AgentServiceClient(
      target,
      credentials.createInsecure(),
    );
    const registered = await new Promise<agentV1.RegisterResponse | undefined>(
      (resolve, reject) =>
        client.register(
          {
            agentId: "a",
            bootId: "b",
            nodeName: "n",
            agentVersion: "1",
            clusterName: "",
            kubeSystemUid: "",
            sourceKind: 1,
          },
          auth(),
          (e, r) => (e ? reject(e) : resolve(r)),
        ),
    );
    expect(registered).toMatchObject({
      collectionIntervalSeconds: 10,
      maxBatchSamples: DEFAULT_INGEST_LIMITS.maxBatchSamples,
    });
    const error = await new Promise<ServiceError | null>((resolve) =>
      client.getModelUpdate(
        { agentId: "a", currentModelVersion: "", trainableExamples: 0 },
        auth(),
        (e) => resolve(e),
      ),
    );
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  });

  it("registers the agent's node with the capacity it read, and refuses an impossible capacity", async () => {
    const client = new agentV1.AgentServiceClient(
      target,
      credentials.createInsecure(),
    );
    const register = (request: agentV1.RegisterRequest) =>
      new Promise<ServiceError | null>((resolve) =>
        client.register(request, auth(), (e) => resolve(e)),
      );
    const base = {
      agentId: "agent-node",
      bootId: "b",
      nodeName: "worker-1",
      agentVersion: "1",
      clusterName: "",
      kubeSystemUid: "",
      sourceKind: agentV1.SourceKind.SOURCE_KIND_CGROUPFS,
    };
    expect(
      await register({
        ...base,
        nodeCapacity: { cpuMillicores: 16_000, memoryBytes: 64 * 2 ** 30 },
      }),
    ).toBeNull();
    expect(await register({ ...base, bootId: "c" })).toBeNull();
    expect(
      memory.registrations.filter((r) => r.agentId === "agent-node"),
    ).toEqual([
      {
        agentId: "agent-node",
        bootId: "b",
        node: {
          name: "worker-1",
          cpuMillicores: 16_000,
          memoryBytes: 64 * 2 ** 30,
        },
      },
      { agentId: "agent-node", bootId: "c" },
    ]);
    const bad = await register({
      ...base,
      bootId: "d",
      nodeCapacity: { cpuMillicores: 0, memoryBytes: 2 ** 30 },
    });
    expect(bad?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad?.details).toContain("nodeCapacity.cpuMillicores");
    expect(memory.registrations.some((r) => r.bootId === "d")).toBe(false);
  });

  it("refuses an agent that declares another cluster name or kube-system UID (counted by reason) and takes what an agent does not declare as its own", async () => {
    const client = new agentV1.AgentServiceClient(
      target,
      credentials.createInsecure(),
    );
    const register = (
      clusterName: string,
      kubeSystemUid: string,
      bootId: string,
    ) =>
      new Promise<ServiceError | null>((resolve) =>
        client.register(
          {
            agentId: "agent-cluster",
            bootId,
            nodeName: "worker-9",
            agentVersion: "1",
            clusterName,
            kubeSystemUid,
            sourceKind: agentV1.SourceKind.SOURCE_KIND_CGROUPFS,
          },
          auth(),
          (e) => resolve(e),
        ),
      );
    const refused = async (reason: string) =>
      (await metrics.foreignClusterAgentsRefused.get()).values.find(
        (v) => v.labels.reason === reason,
      )?.value ?? 0;
    const [nameBefore, uidBefore] = [
      await refused("name"),
      await refused("uid"),
    ];
    const foreign = await register("west", "", "w");
    expect(foreign?.code).toBe(status.FAILED_PRECONDITION);
    expect(foreign?.details).toContain(
      'declares cluster "west" but this aggregator serves cluster "east"',
    );
    // Another cluster configured with this one's name: the UID gives it away.
    const otherUid = "0b9e2f4a-7c55-4d0e-8e61-7a2f3b4c5d6e";
    const impostor = await register("east", otherUid, "u");
    expect(impostor?.code).toBe(status.FAILED_PRECONDITION);
    expect(impostor?.details).toContain(
      `kube-system UID is ${otherUid}, but this aggregator serves cluster "east" (kube-system UID ${EAST_UID})`,
    );
    expect(await register("", otherUid, "u2")).toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
    expect([await refused("name"), await refused("uid")]).toEqual([
      nameBefore + 1,
      uidBefore + 2,
    ]);
    expect(await register("east", EAST_UID, "e")).toBeNull();
    expect(await register("east", "", "e-old")).toBeNull();
    expect(await register("", "", "none")).toBeNull();
    expect(
      memory.registrations
        .filter((r) => r.agentId === "agent-cluster")
        .map((r) => r.bootId),
    ).toEqual(["e", "e-old", "none"]);
    client.close();
  });

  it("an aggregator that could not read its own UID (name only) checks the name alone", () => {
    const agent = {
      agentId: "a",
      clusterName: "east",
      kubeSystemUid: EAST_UID,
    };
    expect(foreignCluster({ clusterName: "east" }, agent)).toBeUndefined();
    expect(
      foreignCluster({ clusterName: "east" }, { ...agent, clusterName: "west" })
        ?.reason,
    ).toBe("name");
    expect(
      foreignCluster(
        { clusterName: "east", clusterKubeSystemUid: "other" },
        agent,
      )?.reason,
    ).toBe("uid");
  });

  it("ends the stream with UNAVAILABLE when the store fails, without acking", async () => {
    memory.state.failNext = 1;
    const s = open();
    s.stream.write(encode(batch(1, {}, "boot-fail")));
    expect((await s.ended)?.code).toBe(status.UNAVAILABLE);
    expect(s.responses).toEqual([]);
    expect(memory.batches.has("agent-1/boot-fail/1")).toBe(false);
  });

  it("stops reading a stream while the store is slow (bounded in-flight), then drains in order", async () => {
    let release = () => undefined as void;
    memory.state.gate = new Promise<void>((r) => (release = r));
    memory.state.maxActive = 0;
    const s = open();
    const sent = Array.from({ length: 40 }, (_, i) => i + 1);
    for (const seq of sent) s.stream.write(encode(batch(seq, {}, "boot-slow")));
    await new Promise((r) => setTimeout(r, 300));
    expect(memory.state.active).toBe(1);
    expect(s.responses).toEqual([]);
    memory.state.gate = undefined;
    release();
    await until(() => s.responses.length === sent.length);
    expect(
      s.responses.map(
        (r) => r.response?.$case === "ack" && r.response.value.seq,
      ),
    ).toEqual(sent);
    expect(memory.state.maxActive).toBe(1);
    s.stream.end();
  });

  it("survives fuzzed input: every bad message is INVALID_ARGUMENT, never a crash, and another stream keeps flowing", async () => {
    const good = open();
    let goodSeq = 0;
    let cases = 0;
    const badBatch = fc.record({
      cpuUsageCores: fc.array(
        fc.oneof(
          fc.double(),
          fc.constant(NaN),
          fc.constant(-1),
          fc.constant(Infinity),
        ),
        { minLength: 3, maxLength: 3 },
      ),
      cpuThrottledSeconds: fc.array(
        fc.oneof(fc.double({ max: -1e-9 }), fc.constant(NaN)),
        { minLength: 1, maxLength: 4 },
      ),
      memoryWorkingSetBytes: fc.array(
        fc.oneof(fc.constant(2 ** 53), fc.constant(2 ** 60)),
        { minLength: 3, maxLength: 3 },
      ),
      agentId: fc.string({ maxLength: 200 }),
      seq: fc.constantFrom(0, 2 ** 53 + 2),
    });
    const seed = Number(process.env.KW_PROPERTY_SEED ?? DEFAULT_PROPERTY_SEED);
    console.log(`gRPC fuzz: seed ${seed} (KW_PROPERTY_SEED replays it)`);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badBatch.map((b) => encode(batch(1, b, "boot-fuzz")) as Uint8Array),
          fc.uint8Array({ minLength: 1, maxLength: 300 }),
        ),
        async (bytes) => {
          // Streams of one connection: 10,000 cases in tens of seconds, not one connection each.
          const s = open(TOKEN, true);
          s.stream.write(bytes);
          s.stream.end();
          const error = await s.ended;
          const outcome =
            error?.code ??
            (s.responses[0]?.response?.$case === "reject"
              ? s.responses[0].response.value.code
              : s.responses[0]?.response?.$case);
          // Random bytes can happen to decode to a valid batch; anything else must be INVALID_ARGUMENT.
          expect([status.INVALID_ARGUMENT, "ack"]).toContain(outcome);
          // Another stream keeps flowing meanwhile (checked every 500 cases: each check is a round trip).
          if (++cases % 500 === 0) {
            good.stream.write(encode(batch(++goodSeq, {}, "boot-fuzz-good")));
            await until(() => good.responses.length === goodSeq);
          }
        },
      ),
      { numRuns: 10_000, seed },
    );
    const oversize = open();
    oversize.stream.write(new Uint8Array(5 * 1024 * 1024));
    expect((await oversize.ended)?.code).toBe(status.INVALID_ARGUMENT);
    expect(good.responses.every((r) => r.response?.$case === "ack")).toBe(true);
    good.stream.end();
  }, 600_000);
});

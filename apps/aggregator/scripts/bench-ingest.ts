// End-to-end ingest benchmark: several concurrent agent streams -> gRPC -> aggregator process ->
// PostgreSQL, then a raw COPY of the same rows into the same table. Prints one JSON line last.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";

import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type ClientDuplexStream,
} from "@grpc/grpc-js";

import { createDb, migrate, startDatabase } from "@kubewise/db";
import { agentV1 } from "@kubewise/proto";

import { postmasterPid, treeCpuSeconds } from "./process-cpu";

const HELP = `npm run bench:ingest -- [options]

End-to-end ingest: concurrent agent streams -> gRPC -> aggregator process -> PostgreSQL, then a raw
COPY of the same rows into the same table. Last stdout line: {"e2e_samples_per_s":…,"copy_samples_per_s":…,"ratio":…}.
DATABASE_URL is used when set; otherwise an embedded PostgreSQL is started.

Options:
  --streams <n>     concurrent agent streams (default 6)
  --batches <n>     batches per stream (default 40)
  --containers <n>  containers per batch (default 250)
  --steps <n>       samples per container per batch (default 20)
  --in-flight <n>   batches in flight per stream (default 8)
  --cpu-prof <dir>  write V8 CPU profiles of the aggregator there
  -h, --help        this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    streams: { type: "string", default: "6" },
    batches: { type: "string", default: "40" },
    containers: { type: "string", default: "250" },
    steps: { type: "string", default: "20" },
    "in-flight": { type: "string", default: "8" },
    "cpu-prof": { type: "string" },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const STREAMS = Number(args.streams);
const BATCHES = Number(args.batches);
const CONTAINERS = Number(args.containers);
const STEPS = Number(args.steps);
const IN_FLIGHT = Number(args["in-flight"]);
const TOKEN = "bench-token-0123456789";
const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === "string")
    throw new Error("no port");
  return address.port;
}

function makeBatch(
  agent: number,
  seq: number,
  baseMs: number,
  bootId = "bench-boot",
): agentV1.MetricBatch {
  const n = CONTAINERS * STEPS;
  const batch: agentV1.MetricBatch = {
    // Defaults for columns this bench does not set (new proto fields keep it compiling).
    ...agentV1.MetricBatch.fromPartial({}),
    agentId: `bench-agent-${agent}`,
    bootId,
    seq,
    nodeName: `bench-node-${agent}`,
    droppedBatchesTotal: 0,
    containers: Array.from({ length: CONTAINERS }, (_, c) => ({
      namespace: "bench",
      podName: `pod-${agent}-${c}`,
      podUid: `uid-${agent}-${c}`,
      containerName: "app",
      containerId: "",
      workloadKind: "Deployment",
      workloadName: `w-${agent}-${c}`,
      cpuRequestMillicores: 500,
      cpuLimitMillicores: 1000,
      memoryRequestBytes: 256 << 20,
      memoryLimitBytes: 512 << 20,
    })),
    containerIndex: new Array<number>(n),
    timestampMs: new Array<number>(n),
    cpuUsageCores: new Array<number>(n),
    cpuThrottledPeriods: new Array<number>(n),
    cpuThrottledSeconds: new Array<number>(n),
    memoryWorkingSetBytes: new Array<number>(n),
    memoryRssBytes: new Array<number>(n),
    memoryLimitBytes: new Array<number>(n),
    oomKillCount: new Array<number>(n),
  };
  for (let i = 0; i < n; i++) {
    const c = i % CONTAINERS;
    const step = Math.floor(i / CONTAINERS);
    batch.containerIndex[i] = c;
    batch.timestampMs[i] = baseMs + (seq * STEPS + step) * 10_000;
    batch.cpuUsageCores[i] = 0.1 + ((i * 7919) % 1000) / 1000;
    batch.cpuThrottledPeriods[i] = i % 5;
    batch.cpuThrottledSeconds[i] = (i % 5) * 0.01;
    batch.memoryWorkingSetBytes[i] = (100 << 20) + ((i * 104_729) % (50 << 20));
    batch.memoryRssBytes[i] = 90 << 20;
    batch.memoryLimitBytes[i] = 512 << 20;
    batch.oomKillCount[i] = 0;
  }
  return batch;
}

type Raw = ClientDuplexStream<Uint8Array, agentV1.SyncMetricsResponse>;
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

/** Sends pre-encoded batches with at most IN_FLIGHT unacked, like the agent's sync loop. */
function runStream(target: string, payloads: Uint8Array[]): Promise<number> {
  const client = new RawClient(target, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  const stream = (
    client as unknown as { syncMetrics: (m: Metadata) => Raw }
  ).syncMetrics(metadata);
  let next = 0;
  let acked = 0;
  let stored = 0;
  return new Promise((resolve, reject) => {
    const pump = () => {
      while (next < payloads.length && next - acked < IN_FLIGHT)
        stream.write(payloads[next++]!);
    };
    stream.on("data", (r: agentV1.SyncMetricsResponse) => {
      if (r.response?.$case !== "ack")
        return reject(
          new Error(`unexpected response ${JSON.stringify(r.response)}`),
        );
      acked++;
      stored += r.response.value.storedSamples;
      if (acked === payloads.length) {
        stream.end();
        client.close();
        resolve(stored);
      } else pump();
    });
    stream.on("error", reject);
    pump();
  });
}

/** CPU seconds spent since creation by this process, the aggregator and PostgreSQL. */
function cpuMeter(aggregatorPid: number, pgPid: number) {
  const self = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const start = [self(), treeCpuSeconds(aggregatorPid), treeCpuSeconds(pgPid)];
  return {
    report: (wallSeconds: number) => {
      const now = [
        self(),
        treeCpuSeconds(aggregatorPid),
        treeCpuSeconds(pgPid),
      ];
      const [bench, agg, pg] = now.map((v, i) => v - (start[i] ?? 0));
      const pct = (s = 0) => `${Math.round((100 * s) / wallSeconds)}%`;
      return `CPU of a core: bench agents ${pct(bench)}, aggregator ${pct(agg)}, PostgreSQL ${pct(pg)}`;
    },
  };
}

/** One batch per stream, retried every 500 ms while the aggregator is still starting. */
async function warmUpStreams(
  target: string,
  warmupPayload: (agent: number) => Uint8Array,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await Promise.all(
        Array.from({ length: STREAMS }, (_, a) =>
          runStream(target, [warmupPayload(a)]),
        ),
      );
      return;
    } catch (error) {
      if (attempt > 60) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-ingest-"));
  chmodSync(dir, 0o755);
  const db = await startDatabase({
    dataDir: join(dir, "pg"),
    database: "kubewise",
  });
  await migrate({ url: db.url });
  const port = await freePort();
  const aggregator = spawn(
    process.execPath,
    [
      ...(args["cpu-prof"] === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`]),
      "--import",
      "tsx",
      join(REPO_ROOT, "apps/aggregator/src/main.ts"),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: db.url,
        KUBEWISE_GRPC_HOST: "127.0.0.1",
        KUBEWISE_GRPC_PORT: String(port),
        KUBEWISE_METRICS_PORT: "0",
        KUBEWISE_AGENT_TOKENS: TOKEN,
        KUBEWISE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const { sql, close } = createDb({ url: db.url, max: STREAMS });
  try {
    const target = `127.0.0.1:${port}`;
    const baseMs = Date.now() - (BATCHES + 2) * STEPS * 10_000;
    const encode = (agent: number, seq: number, bootId?: string) =>
      agentV1.SyncMetricsRequest.encode({
        batch: makeBatch(agent, seq, baseMs, bootId),
      }).finish();
    console.log(
      `aggregator on ${target}; ${STREAMS} streams x ${BATCHES} batches x ${CONTAINERS * STEPS} samples, ${IN_FLIGHT} in flight per stream`,
    );
    await warmUpStreams(target, (a) => encode(a, 1, "bench-warmup"));
    const payloads = Array.from({ length: STREAMS }, (_, a) =>
      Array.from({ length: BATCHES }, (_, s) => encode(a, s + 1)),
    );
    const cpu = cpuMeter(aggregator.pid ?? 0, postmasterPid(join(dir, "pg")));
    const e2eStart = performance.now();
    const stored = (
      await Promise.all(payloads.map((p) => runStream(target, p)))
    ).reduce((x, y) => x + y, 0);
    const e2eSeconds = (performance.now() - e2eStart) / 1000;
    const e2eRate = stored / e2eSeconds;
    console.log(
      `e2e: ${stored} samples acked after COMMIT in ${e2eSeconds.toFixed(2)} s = ${Math.round(e2eRate)} samples/s; ${cpu.report(e2eSeconds)}`,
    );

    const ids = await sql<
      { id: string }[]
    >`select id from containers order by id`;
    const copyRow = (b: agentV1.MetricBatch, a: number, i: number) => {
      const id =
        ids[(a * CONTAINERS + (b.containerIndex[i] ?? 0)) % ids.length]?.id ??
        "";
      return `${new Date(b.timestampMs[i] ?? 0).toISOString()}\t${id}\t${b.cpuUsageCores[i]}\t${b.cpuThrottledPeriods[i]}\t${b.cpuThrottledSeconds[i]}\t${b.memoryWorkingSetBytes[i]}\t${b.memoryRssBytes[i]}\t${b.memoryLimitBytes[i]}\t${b.oomKillCount[i]}\n`;
    };
    // Rows are rendered before the clock starts, as the e2e payloads were encoded before theirs.
    const chunks = Array.from({ length: STREAMS }, (_, a) =>
      Array.from({ length: BATCHES }, (_, s) => {
        const b = makeBatch(a, s + 1, baseMs);
        return Buffer.from(
          b.timestampMs.map((_, i) => copyRow(b, a, i)).join(""),
        );
      }),
    );
    const copied = STREAMS * BATCHES * CONTAINERS * STEPS;
    const copyCpu = cpuMeter(
      aggregator.pid ?? 0,
      postmasterPid(join(dir, "pg")),
    );
    const copyStart = performance.now();
    await Promise.all(
      chunks.map(async (streamChunks) => {
        const writable: Writable =
          await sql`copy metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods, cpu_throttled_seconds, memory_working_set_bytes, memory_rss_bytes, memory_limit_bytes, oom_kill_count) from stdin`.writable();
        await pipeline(Readable.from(streamChunks), writable);
      }),
    );
    const copySeconds = (performance.now() - copyStart) / 1000;
    const copyRate = copied / copySeconds;
    console.log(
      `raw COPY: ${copied} samples in ${copySeconds.toFixed(2)} s = ${Math.round(copyRate)} samples/s; ${copyCpu.report(copySeconds)}`,
    );
    console.log(
      JSON.stringify({
        e2e_samples_per_s: Math.round(e2eRate),
        copy_samples_per_s: Math.round(copyRate),
        ratio: Number((e2eRate / copyRate).toFixed(3)),
      }),
    );
  } finally {
    aggregator.kill("SIGTERM");
    await new Promise((r) => aggregator.once("exit", r));
    await close();
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

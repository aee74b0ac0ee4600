// End-to-end ingest benchmark at the agent's real batch shape: N simulated nodes, each streaming
// one scrape of 250 containers per batch (250 samples) to a real aggregator process, which stores
// them in PostgreSQL. Then two baselines with the same rows: the same batches through the db
// package's own transaction (binary COPY + batch key, no gRPC), and one bulk text COPY per node
// (PostgreSQL's floor). Prints progress, then one JSON line last.
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";

import { credentials, Metadata } from "@grpc/grpc-js";

import {
  createDb,
  insertIngestBatch,
  registerAgent,
  type Sql,
} from "@kubewise/db";
import { agentV1 } from "@kubewise/proto";

import { findFreePort } from "../src/testing/processes";
import {
  BENCH_TOKEN,
  percentile,
  RawAgentClient,
  spawnAggregator,
  startScratchDatabase,
  stopChild,
  type RawSyncStream,
} from "./bench-util";
import { postmasterPid, treeCpuSeconds } from "./process-cpu";

const USAGE = `Usage: npm run bench:ingest -- [options]

End-to-end ingest on a fresh embedded PostgreSQL: N simulated nodes -> gRPC -> aggregator process ->
PostgreSQL, then the same rows through the db package's transactions and through bulk COPY. The
last stdout line is one JSON object (batch_samples, e2e_samples_per_s, copy_samples_per_s, ratio, ...).

  --nodes N         simulated nodes, one SyncMetrics stream each (default 24)
  --scrapes N       batches per node (default 100)
  --containers N    containers per node (default 250)
  --steps N         scrapes per batch (default 1: one scrape = 250 samples, as the agent sends)
  --in-flight N     unacked batches per stream (default 8, the agent's KUBEWISE_MAX_IN_FLIGHT)
  --pool N          aggregator KUBEWISE_DB_POOL_SIZE (default 10)
  --cpu-prof DIR    write a CPU profile of the aggregator to DIR
  -h, --help        this text`;

const { values: args } = parseArgs({
  options: {
    nodes: { type: "string", default: "24" },
    scrapes: { type: "string", default: "100" },
    containers: { type: "string", default: "250" },
    steps: { type: "string", default: "1" },
    "in-flight": { type: "string", default: "8" },
    pool: { type: "string", default: "10" },
    "cpu-prof": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(
      `--${name} must be a positive integer, got "${text}"\n\n${USAGE}`,
    );
    process.exit(2);
  }
  return n;
};
const NODES = positive("nodes", args.nodes);
const SCRAPES = positive("scrapes", args.scrapes);
const CONTAINERS = positive("containers", args.containers);
const STEPS = positive("steps", args.steps);
const IN_FLIGHT = positive("in-flight", args["in-flight"]);
const POOL = positive("pool", args.pool);
const BATCH_SAMPLES = CONTAINERS * STEPS;
const STEP_MS = 10_000;

function makeBatch(
  node: number,
  seq: number,
  baseMs: number,
  bootId = "bench-boot",
): agentV1.MetricBatch {
  const n = BATCH_SAMPLES;
  const column = () => new Array<number>(n);
  const batch: agentV1.MetricBatch = {
    ...agentV1.MetricBatch.fromPartial({}),
    agentId: `bench-agent-${node}`,
    bootId,
    seq,
    nodeName: `bench-node-${node}`,
    containers: Array.from({ length: CONTAINERS }, (_, c) => ({
      namespace: "bench",
      podName: `pod-${node}-${c}`,
      podUid: `uid-${node}-${c}`,
      containerName: "app",
      containerId: "",
      workloadKind: "Deployment",
      workloadName: `w-${node}-${c}`,
      cpuRequestMillicores: 500,
      cpuLimitMillicores: 1000,
      memoryRequestBytes: 256 << 20,
      memoryLimitBytes: 512 << 20,
    })),
    containerIndex: column(),
    timestampMs: column(),
    cpuUsageCores: column(),
    cpuThrottledPeriods: column(),
    cpuThrottledSeconds: column(),
    cpuPeriods: column(),
    memoryWorkingSetBytes: column(),
    memoryRssBytes: column(),
    memoryLimitBytes: column(),
    oomKillCount: column(),
  };
  for (let i = 0; i < n; i++) {
    const step = Math.floor(i / CONTAINERS);
    batch.containerIndex[i] = i % CONTAINERS;
    batch.timestampMs[i] = baseMs + (seq * STEPS + step) * STEP_MS;
    batch.cpuUsageCores[i] = 0.1 + ((i * 7919 + seq) % 1000) / 1000;
    batch.cpuThrottledPeriods[i] = i % 5;
    batch.cpuThrottledSeconds[i] = (i % 5) * 0.01;
    batch.cpuPeriods[i] = 100;
    batch.memoryWorkingSetBytes[i] =
      (100 << 20) + ((i * 104_729 + seq) % (50 << 20));
    batch.memoryRssBytes[i] = 90 << 20;
    batch.memoryLimitBytes[i] = 512 << 20;
    batch.oomKillCount[i] = 0;
  }
  return batch;
}

type StreamResult = { stored: number; ackMs: number[] };

/** Sends pre-encoded batches with at most IN_FLIGHT unacked, like the agent's sync loop. */
function runStream(
  target: string,
  payloads: Uint8Array[],
): Promise<StreamResult> {
  const client = new RawAgentClient(target, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${BENCH_TOKEN}`);
  const stream = (
    client as unknown as { syncMetrics: (m: Metadata) => RawSyncStream }
  ).syncMetrics(metadata);
  const sentAt: number[] = [];
  const ackMs: number[] = [];
  let next = 0;
  let acked = 0;
  let stored = 0;
  return new Promise((resolve, reject) => {
    const pump = () => {
      while (next < payloads.length && next - acked < IN_FLIGHT) {
        sentAt.push(performance.now());
        stream.write(payloads[next++]!);
      }
    };
    stream.on("data", (r: agentV1.SyncMetricsResponse) => {
      if (r.response?.$case !== "ack")
        return reject(
          new Error(`unexpected response ${JSON.stringify(r.response)}`),
        );
      ackMs.push(performance.now() - (sentAt[acked] ?? 0));
      acked++;
      stored += r.response.value.storedSamples;
      if (acked === payloads.length) {
        stream.end();
        client.close();
        resolve({ stored, ackMs });
      } else pump();
    });
    stream.on("error", reject);
    pump();
  });
}

function cpuMeter(aggregatorPid: number, pgPid: number) {
  const self = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const read = () => [
    self(),
    treeCpuSeconds(aggregatorPid),
    treeCpuSeconds(pgPid),
  ];
  const start = read();
  return (wallSeconds: number) => {
    const [bench, agg, pg] = read().map((v, i) => v - (start[i] ?? 0));
    const pct = (s = 0) => `${Math.round((100 * s) / wallSeconds)}%`;
    return `CPU of a core: bench ${pct(bench)}, aggregator ${pct(agg)}, PostgreSQL ${pct(pg)}`;
  };
}

async function warmUp(
  target: string,
  encode: (node: number) => Uint8Array,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await Promise.all(
        Array.from({ length: NODES }, (_, a) => runStream(target, [encode(a)])),
      );
      return;
    } catch (error) {
      if (attempt > 120) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function textCopyRow(b: agentV1.MetricBatch, ids: string[], i: number): string {
  const id = ids[b.containerIndex[i] ?? 0] ?? "";
  return `${new Date(b.timestampMs[i] ?? 0).toISOString()}\t${id}\t${b.cpuUsageCores[i]}\t${b.cpuThrottledPeriods[i]}\t${b.cpuPeriods[i]}\t${b.cpuThrottledSeconds[i]}\t${b.memoryWorkingSetBytes[i]}\t${b.memoryRssBytes[i]}\t${b.memoryLimitBytes[i]}\t${b.oomKillCount[i]}\n`;
}

async function nodeContainerIds(sql: Sql): Promise<string[][]> {
  const rows = await sql<{ name: string; id: string }[]>`
    select w.name, c.id from containers c join workloads w on w.id = c.workload_id`;
  const byName = new Map(rows.map((r) => [r.name, r.id]));
  return Array.from({ length: NODES }, (_, a) =>
    Array.from(
      { length: CONTAINERS },
      (_, c) => byName.get(`w-${a}-${c}`) ?? "",
    ),
  );
}

/** The same batches through the db package's transaction, POOL at a time: the store's floor. */
async function runDbBatches(
  sql: Sql,
  batches: { node: number; batch: agentV1.MetricBatch }[],
  ids: string[][],
  clusterId: string,
): Promise<number> {
  let next = 0;
  let stored = 0;
  const worker = async () => {
    while (next < batches.length) {
      const { node, batch } = batches[next++]!;
      const result = await insertIngestBatch(sql, {
        clusterId,
        agentId: batch.agentId,
        bootId: "bench-db",
        seq: batch.seq,
        containerIds: ids[node] ?? [],
        samples: {
          containerIndex: batch.containerIndex,
          timestampMs: batch.timestampMs,
          cpuUsageCores: batch.cpuUsageCores,
          cpuThrottledPeriods: batch.cpuThrottledPeriods,
          cpuThrottledSeconds: batch.cpuThrottledSeconds,
          cpuPeriods: batch.cpuPeriods,
          memoryWorkingSetBytes: batch.memoryWorkingSetBytes,
          memoryRssBytes: batch.memoryRssBytes,
          memoryLimitBytes: batch.memoryLimitBytes,
          oomKillCount: batch.oomKillCount,
        },
      });
      stored += result.storedSamples;
    }
  };
  await Promise.all(Array.from({ length: POOL }, worker));
  return stored;
}

async function main(): Promise<void> {
  const db = await startScratchDatabase("kw-bench-ingest-");
  const port = await findFreePort();
  const aggregator = spawnAggregator({
    url: db.url,
    port,
    nodeArgs:
      args["cpu-prof"] === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`],
    env: {
      KUBEWISE_DB_POOL_SIZE: String(POOL),
      KUBEWISE_RECOMMEND_INTERVAL_SECONDS: "86400",
      KUBEWISE_LOG_LEVEL: "warn",
    },
    stdout: "inherit",
  });
  const { sql, close } = createDb({ url: db.url, max: Math.max(NODES, POOL) });
  try {
    const target = `127.0.0.1:${port}`;
    const pgPid = postmasterPid(db.dataDir);
    const baseMs = Date.now() - (SCRAPES + 2) * STEPS * STEP_MS;
    const encode = (node: number, seq: number, bootId?: string) =>
      agentV1.SyncMetricsRequest.encode({
        batch: makeBatch(node, seq, baseMs, bootId),
      }).finish();
    const total = NODES * SCRAPES * BATCH_SAMPLES;
    console.log(
      `aggregator on ${target}; ${NODES} nodes x ${SCRAPES} batches x ${BATCH_SAMPLES} samples (${total} samples), ${IN_FLIGHT} in flight per stream, pool ${POOL}`,
    );
    await warmUp(target, (a) => encode(a, 1, "bench-warmup"));
    const payloads = Array.from({ length: NODES }, (_, a) =>
      Array.from({ length: SCRAPES }, (_, s) => encode(a, s + 1)),
    );

    const e2eCpu = cpuMeter(aggregator.pid ?? 0, pgPid);
    const e2eStart = performance.now();
    const results = await Promise.all(
      payloads.map((p) => runStream(target, p)),
    );
    const e2eSeconds = (performance.now() - e2eStart) / 1000;
    const stored = results.reduce((sum, r) => sum + r.stored, 0);
    if (stored !== total)
      throw new Error(`acked ${stored} samples, sent ${total}`);
    const ackMs = results.flatMap((r) => r.ackMs).sort((a, b) => a - b);
    const e2eRate = stored / e2eSeconds;
    console.log(
      `e2e: ${stored} samples acked after COMMIT in ${e2eSeconds.toFixed(2)} s = ${Math.round(e2eRate)} samples/s (${Math.round(stored / BATCH_SAMPLES / e2eSeconds)} batches/s), ack p50 ${percentile(ackMs, 0.5).toFixed(1)} ms p99 ${percentile(ackMs, 0.99).toFixed(1)} ms; ${e2eCpu(e2eSeconds)}`,
    );

    const ids = await nodeContainerIds(sql);
    const batches = Array.from({ length: SCRAPES }, (_, s) =>
      Array.from({ length: NODES }, (_, node) => ({
        node,
        batch: makeBatch(node, s + 1, baseMs),
      })),
    ).flat();
    const [cluster] = await sql<
      { id: string }[]
    >`select id from clusters limit 1`;
    const clusterId = cluster?.id ?? "";
    for (let node = 0; node < NODES; node++)
      await registerAgent(sql, {
        agentId: `bench-agent-${node}`,
        clusterId,
        bootId: "bench-db",
      });
    const dbCpu = cpuMeter(aggregator.pid ?? 0, pgPid);
    const dbStart = performance.now();
    const dbStored = await runDbBatches(sql, batches, ids, clusterId);
    const dbSeconds = (performance.now() - dbStart) / 1000;
    const dbRate = dbStored / dbSeconds;
    console.log(
      `db batches (same ${BATCH_SAMPLES}-sample transactions, no gRPC, ${POOL} at a time): ${dbStored} samples in ${dbSeconds.toFixed(2)} s = ${Math.round(dbRate)} samples/s; ${dbCpu(dbSeconds)}`,
    );

    // Rows are rendered before the clock starts, as the e2e payloads were encoded before theirs.
    const chunks = Array.from({ length: NODES }, (_, node) =>
      Array.from({ length: SCRAPES }, (_, s) => {
        const b = makeBatch(node, s + 1, baseMs);
        return Buffer.from(
          b.timestampMs
            .map((_, i) => textCopyRow(b, ids[node] ?? [], i))
            .join(""),
        );
      }),
    );
    const copyCpu = cpuMeter(aggregator.pid ?? 0, pgPid);
    const copyStart = performance.now();
    await Promise.all(
      chunks.map(async (nodeChunks) => {
        const writable: Writable =
          await sql`copy metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods, cpu_periods, cpu_throttled_seconds, memory_working_set_bytes, memory_rss_bytes, memory_limit_bytes, oom_kill_count) from stdin`.writable();
        await pipeline(Readable.from(nodeChunks), writable);
      }),
    );
    const copySeconds = (performance.now() - copyStart) / 1000;
    const copyRate = total / copySeconds;
    console.log(
      `bulk COPY (one per node): ${total} samples in ${copySeconds.toFixed(2)} s = ${Math.round(copyRate)} samples/s; ${copyCpu(copySeconds)}`,
    );
    console.log(
      JSON.stringify({
        nodes: NODES,
        batch_samples: BATCH_SAMPLES,
        batches: NODES * SCRAPES,
        e2e_samples_per_s: Math.round(e2eRate),
        ack_p50_ms: Number(percentile(ackMs, 0.5).toFixed(1)),
        ack_p99_ms: Number(percentile(ackMs, 0.99).toFixed(1)),
        db_batch_samples_per_s: Math.round(dbRate),
        copy_samples_per_s: Math.round(copyRate),
        ratio: Number((e2eRate / copyRate).toFixed(3)),
        ratio_to_db_batches: Number((e2eRate / dbRate).toFixed(3)),
      }),
    );
  } finally {
    await stopChild(aggregator);
    await close();
    await db.stop();
  }
}

await main();

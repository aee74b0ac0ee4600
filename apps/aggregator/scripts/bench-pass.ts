// The aggregator's own recommendation pass, timed at a given size: N containers with days of
// 5-minute rollups seeded into a fresh embedded PostgreSQL, then the real aggregator process
// (src/main.ts, its wiring and settings) runs its pass over them while simulated agents stream
// 250-sample batches to it. Prints progress, then one JSON line last: the pass's wall time and
// ms per container (from the aggregator's own "recommendation pass done" log lines) and the
// ingest ack latency before and during the pass.
import type { ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

import { credentials, Metadata } from "@grpc/grpc-js";

import { createDb, ensureClusterByName, type Sql } from "@kubewise/db";
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

const USAGE = `Usage: npm run bench:pass -- --containers N [options]

Seeds N containers x --days of 5-minute rollups into a fresh embedded PostgreSQL, starts the real
aggregator process (src/main.ts) on it with --replicas replicas, and times the recommendation
pass each runs (DB reads, recommender, anomaly detection, writes) while --ingest-nodes simulated
agents stream one 250-sample batch every --ingest-interval-ms each. The last stdout line is one
JSON object: containers, ms_per_container, wall_s, the pass's CPU-ms per container in the
aggregators and in PostgreSQL (beyond the ingest's CPU rate before the pass), the 1-minute load
average, ingest ack p50/p99 before and during the pass.

  --containers N          containers to seed (default 1000)
  --days N                days of 5-minute rollups per container (default 8, the pass's window)
  --replicas N            aggregator processes sharing the pass (default 1)
  --pass-workers N        worker threads per replica running the pass (KUBEWISE_PASS_WORKERS,
                          default 1; 0 runs it on the event loop that acks the ingest)
  --recommender NAME      kubewise (the default, ONNX) or vpa
  --ingest-nodes N        simulated agents streaming during the pass (default 4; 0: none)
  --ingest-interval-ms N  ms between one agent's batches (default 100: 4 agents = 10k samples/s,
                          what 100,000 containers scraped every 10 s send)
  --baseline-s N          seconds of ingest before the pass starts (default 15)
  --cpu-prof DIR           write CPU profiles of the aggregator replicas to DIR
  --pg-statements N       load pg_stat_statements and print PostgreSQL's N costliest statements
                          (calls, time, shared blocks hit/read/dirtied/written) from replicas' start to the pass's end
  -h, --help              this text`;

const { values: args } = parseArgs({
  options: {
    containers: { type: "string", default: "1000" },
    days: { type: "string", default: "8" },
    replicas: { type: "string", default: "1" },
    "pass-workers": { type: "string", default: "1" },
    recommender: { type: "string", default: "kubewise" },
    "ingest-nodes": { type: "string", default: "4" },
    "ingest-interval-ms": { type: "string", default: "100" },
    "baseline-s": { type: "string", default: "15" },
    "cpu-prof": { type: "string" },
    "pg-statements": { type: "string", default: "0" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const integer = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(
      `--${name} must be an integer >= ${min}, got "${text}"\n\n${USAGE}`,
    );
    process.exit(2);
  }
  return n;
};
const CONTAINERS = integer("containers", args.containers, 1);
const DAYS = integer("days", args.days, 1);
const REPLICAS = integer("replicas", args.replicas, 1);
const PASS_WORKERS = integer("pass-workers", args["pass-workers"], 0);
const INGEST_NODES = integer("ingest-nodes", args["ingest-nodes"], 0);
const PG_STATEMENTS = integer("pg-statements", args["pg-statements"], 0);
const INGEST_INTERVAL_MS = integer(
  "ingest-interval-ms",
  args["ingest-interval-ms"],
  1,
);
const BASELINE_S = integer("baseline-s", args["baseline-s"], 5);
if (args.recommender !== "kubewise" && args.recommender !== "vpa") {
  console.error(
    `--recommender must be kubewise or vpa, got "${args.recommender}"`,
  );
  process.exit(2);
}
const RECOMMENDER = args.recommender;
// The agents report on seeded containers (the pass covers exactly N containers).
const BATCH_CONTAINERS = Math.min(
  250,
  Math.floor(CONTAINERS / Math.max(1, INGEST_NODES)),
);
const SEED_CHUNK = 250;

/** Workloads `w-<k>` with one container `app` each and `days` of rollups, built in the server. */
async function seed(sql: Sql, clusterId: string, now: Date): Promise<void> {
  await sql`
    insert into workloads (cluster_id, namespace, kind, name)
    select ${clusterId}::uuid, 'bench', 'Deployment', 'w-' || k from generate_series(0, ${CONTAINERS - 1}::int) k`;
  await sql`
    insert into containers (workload_id, name, cpu_request_millicores, cpu_limit_millicores, memory_request_bytes, memory_limit_bytes)
    select id, 'app', 500, 1000, ${256 << 20}, ${512 << 20} from workloads where cluster_id = ${clusterId}::uuid`;
  const to = new Date(Math.floor(now.getTime() / 300_000) * 300_000 - 300_000);
  const from = new Date(to.getTime() - DAYS * 86_400_000);
  const started = performance.now();
  for (let k = 0; k < CONTAINERS; k += SEED_CHUNK) {
    // Rows in bucket order, as the ingest's rollup refreshes write them (each bucket for all
    // containers): a container's 8 days span about one heap page per bucket, as in production.
    // Without the order the seed's plan chose the layout (container-major at 1,000 containers,
    // about 55 pages each; bucket-major at 5,000, about 2,000), which made the two sizes differ.
    // Diurnal CPU around a per-container base, memory around a per-container level; one in 25
    // containers leaks (memory grows through the window), so anomaly detection has work too.
    await sql`
      insert into metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg,
        cpu_usage_cores_max, cpu_throttled_periods_sum, cpu_throttled_seconds_sum,
        memory_working_set_bytes_avg, memory_working_set_bytes_max, memory_rss_bytes_max, oom_kill_count_sum)
      select b, c.id, 30, v.cpu, v.cpu * (1.2 + random() * 0.5), 0, 0, v.mem, (v.mem * 1.05)::bigint,
        (v.mem * 0.9)::bigint, 0
      from (select c.id, (substr(w.name, 3))::int as k from containers c join workloads w on w.id = c.workload_id
            where w.cluster_id = ${clusterId}::uuid and w.namespace = 'bench'
              and (substr(w.name, 3))::int >= ${k}::int and (substr(w.name, 3))::int < ${k + SEED_CHUNK}::int) c
      cross join generate_series(${from}::timestamptz, ${to}::timestamptz, interval '5 minutes') b
      cross join lateral (select
        (0.05 + (c.k % 20) * 0.02) * (1 + 0.5 * sin(2 * pi() * extract(epoch from b) / 86400)) * (0.9 + random() * 0.2) as cpu,
        ((64 + (c.k % 16) * 16) * 1048576.0) * (case when c.k % 25 = 0
          then 1 + extract(epoch from b - ${from}::timestamptz) / 86400 * 0.15 else 1 end) * (0.97 + random() * 0.06) as mem) v
      order by b, c.k`;
    const done = Math.min(CONTAINERS, k + SEED_CHUNK);
    console.log(
      `seeded ${done}/${CONTAINERS} containers (${Math.round((performance.now() - started) / 1000)} s)`,
    );
  }
  // What a production database holds for 8-day-old rollups: autovacuum has long since set their
  // hint bits and visibility map and the checkpointer has written them. A bare ANALYZE left the
  // insert-triggered autovacuum of the whole table, the hint-bit writes of the pass's first reads
  // and the seed's checkpoint to run during the pass, billed to its PostgreSQL CPU (ADR 0009).
  await sql`vacuum (analyze) metric_rollups_5m`;
  await sql`analyze`;
  await sql`checkpoint`;
}

type Ack = { sentAt: number; ms: number };

/** One agent: a 250-sample batch every INGEST_INTERVAL_MS until stopped, acks timed. */
function streamAgent(
  target: string,
  node: number,
  stop: { stopped: boolean },
): Promise<Ack[]> {
  const client = new RawAgentClient(target, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${BENCH_TOKEN}`);
  const stream = (
    client as unknown as { syncMetrics: (m: Metadata) => RawSyncStream }
  ).syncMetrics(metadata);
  const containers = Array.from({ length: BATCH_CONTAINERS }, (_, c) => ({
    namespace: "bench",
    podName: `pod-${node * BATCH_CONTAINERS + c}`,
    podUid: `uid-${node * BATCH_CONTAINERS + c}`,
    containerName: "app",
    containerId: "",
    workloadKind: "Deployment",
    workloadName: `w-${node * BATCH_CONTAINERS + c}`,
    cpuRequestMillicores: 500,
    cpuLimitMillicores: 1000,
    memoryRequestBytes: 256 << 20,
    memoryLimitBytes: 512 << 20,
  }));
  const baseMs = Date.now() - 2 * 3_600_000;
  const sent = new Map<number, number>();
  const acks: Ack[] = [];
  let seq = 0;
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (stop.stopped) {
        clearInterval(timer);
        stream.end();
        client.close();
        resolve(acks);
        return;
      }
      seq += 1;
      const n = BATCH_CONTAINERS;
      const fill = (v: (i: number) => number) =>
        Array.from({ length: n }, (_, i) => v(i));
      const batch = agentV1.MetricBatch.fromPartial({
        agentId: `bench-agent-${node}`,
        bootId: "bench-pass",
        seq,
        nodeName: `bench-node-${node}`,
        containers,
        containerIndex: fill((i) => i),
        timestampMs: fill(() => baseMs + seq * 1000),
        cpuUsageCores: fill((i) => 0.1 + ((i * 7919 + seq) % 1000) / 1000),
        cpuThrottledPeriods: fill(() => 0),
        cpuThrottledSeconds: fill(() => 0),
        cpuPeriods: fill(() => 100),
        memoryWorkingSetBytes: fill(
          (i) => (100 << 20) + ((i * 104_729) % (50 << 20)),
        ),
        memoryRssBytes: fill(() => 90 << 20),
        memoryLimitBytes: fill(() => 512 << 20),
        oomKillCount: fill(() => 0),
      });
      sent.set(seq, performance.now());
      stream.write(agentV1.SyncMetricsRequest.encode({ batch }).finish());
    }, INGEST_INTERVAL_MS);
    stream.on("data", (r: agentV1.SyncMetricsResponse) => {
      if (r.response?.$case !== "ack") return;
      const at = sent.get(r.response.value.seq);
      if (at === undefined) return;
      sent.delete(r.response.value.seq);
      acks.push({ sentAt: at, ms: performance.now() - at });
    });
    stream.on("error", (error) => {
      clearInterval(timer);
      if (stop.stopped) resolve(acks);
      else reject(error);
    });
  });
}

type CpuSample = { t: number; aggregator: number; postgres: number };

/**
 * CPU seconds spent in [from, to] beyond the ingest's rate before `from` (linear between samples),
 * per side; with the ingest rate (CPU-s per s) it was corrected by.
 */
function passCpu(
  samples: readonly CpuSample[],
  from: number,
  to: number,
): {
  aggregator: number;
  postgres: number;
  /** Everything in [from, to], the ingest's share included. */
  raw: { aggregator: number; postgres: number };
  ingestRate: { aggregator: number; postgres: number };
} {
  const at = (t: number, side: "aggregator" | "postgres"): number => {
    const after = samples.findIndex((s) => s.t >= t);
    if (after <= 0) return samples[Math.max(0, after)]?.[side] ?? 0;
    const a = samples[after - 1];
    const b = samples[after];
    if (a === undefined || b === undefined) return 0;
    return a[side] + ((b[side] - a[side]) * (t - a.t)) / (b.t - a.t || 1);
  };
  const first = samples[0];
  const span = first === undefined ? 0 : (from - first.t) / 1000;
  const rate = (side: "aggregator" | "postgres") =>
    first === undefined || span <= 0
      ? 0
      : (at(from, side) - first[side]) / span;
  const ingestRate = {
    aggregator: rate("aggregator"),
    postgres: rate("postgres"),
  };
  const seconds = (to - from) / 1000;
  const spent = (side: "aggregator" | "postgres") =>
    Math.max(0, at(to, side) - at(from, side) - ingestRate[side] * seconds);
  const raw = (side: "aggregator" | "postgres") =>
    at(to, side) - at(from, side);
  return {
    aggregator: spent("aggregator"),
    postgres: spent("postgres"),
    raw: { aggregator: raw("aggregator"), postgres: raw("postgres") },
    ingestRate,
  };
}

type PassLog = {
  replica: number;
  durationMs: number;
  endedAt: number;
  fields: Record<string, unknown>;
};

/** One aggregator process; `ready` settles on its "aggregator ready" line, `exited` if it dies. */
function startReplica(
  replica: number,
  url: string,
  port: number,
  onPass: (pass: PassLog) => void,
): { child: ChildProcess; ready: Promise<void>; exited: Promise<never> } {
  const child = spawnAggregator({
    url,
    port,
    env: {
      KUBEWISE_RECOMMENDER: RECOMMENDER,
      KUBEWISE_PASS_WORKERS: String(PASS_WORKERS),
      KUBEWISE_RECOMMEND_INTERVAL_SECONDS: String(BASELINE_S),
      KUBEWISE_LOG_LEVEL: "info",
    },
    stdout: "pipe",
    nodeArgs:
      args["cpu-prof"] === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`],
  });
  if (child.stdout === null) throw new Error("aggregator stdout not piped");
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) =>
      reject(
        new Error(
          `aggregator replica ${replica} exited (${signal ?? `code ${String(code)}`}) before the bench ended`,
        ),
      ),
    ),
  );
  exited.catch(() => undefined);
  createInterface({ input: child.stdout }).on("line", (line) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const msg = typeof entry.msg === "string" ? entry.msg : "";
    if (msg === "aggregator ready") onReady();
    if (msg.startsWith("recommendation pass failed"))
      console.error(`replica ${replica}: ${line}`);
    if (msg === "recommendation pass progress")
      console.log(
        `replica ${replica}: ${String(entry.done)}/${String(entry.total)} containers after ${(Number(entry.elapsedMs) / 1000).toFixed(1)} s`,
      );
    if (entry.msg === "recommendation pass done")
      onPass({
        replica,
        durationMs: Number(entry.durationMs),
        endedAt: performance.now(),
        fields: entry,
      });
  });
  return { child, ready, exited };
}

/** PostgreSQL's costliest statements since the reset, one JSON line each (query shortened). */
async function printStatements(sql: Sql, limit: number): Promise<void> {
  const rows = await sql<
    {
      calls: string;
      total_ms: number;
      mean_ms: number;
      rows: string;
      hit: string;
      read: string;
      dirtied: string;
      written: string;
      query: string;
    }[]
  >`
    select calls, total_exec_time as total_ms, mean_exec_time as mean_ms, rows,
      shared_blks_hit as hit, shared_blks_read as read, shared_blks_dirtied as dirtied,
      shared_blks_written as written, query
    from pg_stat_statements
    order by total_exec_time desc
    limit ${limit}`;
  for (const r of rows)
    console.log(
      `pg_statement ${JSON.stringify({
        calls: Number(r.calls),
        total_ms: Number(r.total_ms.toFixed(1)),
        mean_ms: Number(r.mean_ms.toFixed(3)),
        rows: Number(r.rows),
        shared_blks_hit: Number(r.hit),
        shared_blks_read: Number(r.read),
        shared_blks_dirtied: Number(r.dirtied),
        shared_blks_written: Number(r.written),
        query: r.query.replace(/\s+/g, " ").slice(0, 400),
      })}`,
    );
}

async function main(): Promise<void> {
  const db = await startScratchDatabase(
    "kw-bench-pass-",
    PG_STATEMENTS > 0 ? { shared_preload_libraries: "pg_stat_statements" } : {},
  );
  const { sql, close } = createDb({ url: db.url, max: 4 });
  const children: ChildProcess[] = [];
  try {
    const now = new Date();
    const clusterId = await ensureClusterByName(sql, "default");
    console.log(
      `seeding ${CONTAINERS} containers x ${DAYS} days of 5-minute rollups`,
    );
    const seedStarted = performance.now();
    await seed(sql, clusterId, now);
    const seedS = (performance.now() - seedStarted) / 1000;
    const ports = await Promise.all(
      Array.from({ length: REPLICAS }, () => findFreePort()),
    );
    const passes: PassLog[] = [];
    let firstPassesDone: () => void = () => undefined;
    const allDone = new Promise<void>((r) => (firstPassesDone = r));
    const seen = new Set<number>();
    const replicas = ports.map((port, replica) =>
      startReplica(replica, db.url, port, (pass) => {
        if (seen.has(pass.replica)) return;
        seen.add(pass.replica);
        passes.push(pass);
        console.log(
          `replica ${pass.replica}: pass done in ${(pass.durationMs / 1000).toFixed(1)} s ${JSON.stringify(pass.fields)}`,
        );
        if (seen.size === REPLICAS) firstPassesDone();
      }),
    );
    children.push(...replicas.map((r) => r.child));
    const died = Promise.race(replicas.map((r) => r.exited));
    died.catch(() => undefined);
    await Promise.race([Promise.all(replicas.map((r) => r.ready)), died]);
    if (PG_STATEMENTS > 0) {
      await sql`create extension if not exists pg_stat_statements`;
      await sql`select pg_stat_statements_reset()`;
    }
    // CPU seconds of the aggregators and of PostgreSQL, sampled every second: the pass's CPU per
    // container (minus the ingest's rate before it) holds on a loaded machine, its wall time not.
    const pgPid = postmasterPid(db.dataDir);
    const cpuSamples: CpuSample[] = [];
    const sampleCpu = () =>
      cpuSamples.push({
        t: performance.now(),
        aggregator: replicas.reduce(
          (sum, r) => sum + treeCpuSeconds(r.child.pid ?? 0),
          0,
        ),
        postgres: treeCpuSeconds(pgPid),
      });
    sampleCpu();
    const sampler = setInterval(sampleCpu, 1000);
    const stop = { stopped: false };
    const agents = Array.from({ length: INGEST_NODES }, (_, node) =>
      streamAgent(`127.0.0.1:${ports[node % REPLICAS] ?? 0}`, node, stop),
    );
    console.log(
      `${REPLICAS} aggregator replica(s) ready; ${INGEST_NODES} agents x ${BATCH_CONTAINERS} samples every ${INGEST_INTERVAL_MS} ms; first pass ${BASELINE_S} s after each replica's start`,
    );
    const started = performance.now();
    const ticker = setInterval(() => {
      console.log(
        `waiting for ${REPLICAS - seen.size} replica(s) to finish a pass (${Math.round((performance.now() - started) / 1000)} s)`,
      );
    }, 10_000);
    await Promise.race([allDone, died]).finally(() => clearInterval(ticker));
    sampleCpu();
    clearInterval(sampler);
    stop.stopped = true;
    const acks = (await Promise.all(agents)).flat();
    const passStart = Math.min(...passes.map((p) => p.endedAt - p.durationMs));
    const passEnd = Math.max(...passes.map((p) => p.endedAt));
    const wallMs = passEnd - passStart;
    const latencies = (inWindow: (a: Ack) => boolean) =>
      acks
        .filter(inWindow)
        .map((a) => a.ms)
        .sort((a, b) => a - b);
    const before = latencies((a) => a.sentAt < passStart);
    const during = latencies(
      (a) => a.sentAt >= passStart && a.sentAt <= passEnd,
    );
    const ms = (v: number) => Number(v.toFixed(1));
    const cpu = passCpu(cpuSamples, passStart, passEnd);
    if (PG_STATEMENTS > 0) await printStatements(sql, PG_STATEMENTS);
    console.log(
      JSON.stringify({
        containers: CONTAINERS,
        ms_per_container: Number((wallMs / CONTAINERS).toFixed(2)),
        wall_s: Number((wallMs / 1000).toFixed(1)),
        replicas: REPLICAS,
        pass_workers: PASS_WORKERS,
        recommender: RECOMMENDER,
        seed_s: Number(seedS.toFixed(1)),
        days: DAYS,
        ingest_samples_per_s: Math.round(
          (INGEST_NODES * BATCH_CONTAINERS * 1000) / INGEST_INTERVAL_MS,
        ),
        cpu_ms_per_container: {
          aggregator: ms((cpu.aggregator * 1000) / CONTAINERS),
          postgres: ms((cpu.postgres * 1000) / CONTAINERS),
        },
        // With the ingest's CPU: the correction above over-subtracts when a starved ingest
        // acks less during the pass than before it (compare the ack counts).
        cpu_ms_per_container_with_ingest: {
          aggregator: ms((cpu.raw.aggregator * 1000) / CONTAINERS),
          postgres: ms((cpu.raw.postgres * 1000) / CONTAINERS),
        },
        ingest_cpu_s_per_s_before_pass: {
          aggregator: Number(cpu.ingestRate.aggregator.toFixed(3)),
          postgres: Number(cpu.ingestRate.postgres.toFixed(3)),
        },
        per_replica: passes
          .sort((a, b) => a.replica - b.replica)
          .map((p) => ({
            containers: p.fields.containers,
            shards_run: p.fields.shardsRun,
            wall_s: Number((p.durationMs / 1000).toFixed(1)),
          })),
        load_average_1m: Number(loadavg()[0]?.toFixed(1)),
        ingest_before: {
          acks: before.length,
          p50_ms: ms(percentile(before, 0.5)),
          p99_ms: ms(percentile(before, 0.99)),
        },
        ingest_during: {
          acks: during.length,
          p50_ms: ms(percentile(during, 0.5)),
          p99_ms: ms(percentile(during, 0.99)),
        },
      }),
    );
  } finally {
    await Promise.all(children.map(stopChild));
    await close();
    await db.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

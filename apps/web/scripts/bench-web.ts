// bench:web — seeds 10,000 workloads (one container and one recommendation each), 30 days of
// 5-minute rollups for --rollup-containers of them, and the allocation rows the aggregator's
// maintenance writes for all 10,000 (hourly for the last 48 h, daily for 30 days, node capacity),
// then measures server time of the dashboard hot paths by calling the same services verbs the
// tRPC/REST adapters call, in-process (no HTTP, no rendering):
//   list       = listRecommendations (page of 50, sorted by savings, varied filters)
//   detail     = getRecommendation over a 30-day window (chart data, patch, audit)
//   drill-down = getCostDrilldown: cluster, namespace, workload and container pages, 24h/7d/30d
//   allocation = getAllocation over 30 days by namespace, controller and label:team
// Usage: npm run bench:web [-- --rollup-containers 300 --iterations 60]; DATABASE_URL optional.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";

import { pino } from "pino";

// eslint-disable-next-line no-restricted-imports -- a benchmark seeds PostgreSQL itself (COPY); not app code
import {
  createDb,
  migrate,
  refreshAllocationTotals,
  startDatabase,
} from "@kubewise/db";
// eslint-disable-next-line no-restricted-imports -- see above
import type { DbClient, Sql } from "@kubewise/db";
import {
  getAllocation,
  getCostDrilldown,
  getRecommendation,
  listRecommendations,
} from "@kubewise/services";
import type { ServiceContext } from "@kubewise/services";

const WORKLOADS = 10_000;
const NAMESPACES = 50;
const DAYS = 30;
const BUCKET_SECONDS = 300;
const MIB = 1024 * 1024;

const HELP = `npm run bench:web -- [options]

Seeds 10,000 workloads with recommendations, 5-minute rollups and 30 days of allocation rows, then
measures the server time of the dashboard hot paths by calling the services verbs in-process:
listRecommendations, getRecommendation (30-day chart), getCostDrilldown (cluster, namespace,
workload and container pages over 24h/7d/30d) and getAllocation (30 days by namespace, controller
and label:team), with p95 per page level and per aggregate. DATABASE_URL is used when set;
otherwise an embedded PostgreSQL is started. The 1-minute load average is printed before and
after: on a shared machine, read the numbers with it.
Last stdout line: {"list_p95_ms":…,"detail_p95_ms":…,"drilldown_p95_ms":…,"allocation_30d_p95_ms":…,…}.

Options:
  --rollup-containers <n>  containers that get 30 days of rollups (default 300; 10000 = full scale)
  --iterations <n>         timed calls per path (default 60)
  -h, --help               this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    "rollup-containers": { type: "string", default: "300" },
    iterations: { type: "string", default: "60" },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const ROLLUP_CONTAINERS = Number(args["rollup-containers"]);
const ITERATIONS = Number(args.iterations);

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

async function copyRows(
  sql: Sql,
  statement: string,
  rows: Iterable<string>,
): Promise<void> {
  const writable = await sql.unsafe(statement).writable();
  await pipeline(Readable.from(rows), writable);
}

type Seeded = {
  clusterId: string;
  workloadIds: string[];
  containerIds: string[];
  recommendationIds: string[];
  allocationRows: number;
};

function* workloadRows(clusterId: string, ids: string[]): Generator<string> {
  for (let i = 0; i < ids.length; i += 1) {
    const labels = JSON.stringify({ team: `team-${i % 12}`, app: `app-${i}` });
    yield `${ids[i]}\t${clusterId}\tns-${String(i % NAMESPACES).padStart(2, "0")}\tDeployment\tapp-${i}\t${labels}\n`;
  }
}

const HOUR_S = 3600;

/** Allocation rows as refreshAllocation writes them: per container and bucket (seconds of each). */
function* allocationRows(
  clusterId: string,
  containerIds: string[],
  buckets: Date[],
  bucketSeconds: number,
  rng: () => number,
): Generator<string> {
  for (const bucket of buckets) {
    const ts = bucket.toISOString();
    for (const containerId of containerIds) {
      const request = (250 + Math.floor(rng() * 8) * 250) / 1000;
      const usage = request * (0.1 + 0.8 * rng());
      const memRequest = (256 + Math.floor(rng() * 16) * 128) * MIB;
      const memUsage = memRequest * (0.2 + 0.7 * rng());
      yield `${ts}\t${clusterId}\t${containerId}\t${bucketSeconds}\t${usage * bucketSeconds}\t${request * bucketSeconds}\t${request * bucketSeconds}\t${memUsage * bucketSeconds}\t${memRequest * bucketSeconds}\t${memRequest * bucketSeconds}\n`;
    }
  }
}

const ALLOCATION_COLUMNS =
  "(bucket, cluster_id, container_id, covered_seconds, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds)";

async function seedAllocation(
  { sql, db }: DbClient,
  clusterId: string,
  containerIds: string[],
  now: Date,
): Promise<number> {
  const rng = lcg(13);
  const hourStart = Math.floor(now.getTime() / 1000 / HOUR_S) * HOUR_S;
  const dayStart = Math.floor(now.getTime() / 1000 / 86_400) * 86_400;
  const hours = Array.from(
    { length: 48 },
    (_, i) => new Date((hourStart - (47 - i) * HOUR_S) * 1000),
  );
  const days = Array.from(
    { length: DAYS + 1 },
    (_, i) => new Date((dayStart - (DAYS - i) * 86_400) * 1000),
  );
  await copyRows(
    sql,
    `copy container_allocation_1h ${ALLOCATION_COLUMNS} from stdin`,
    allocationRows(clusterId, containerIds, hours, HOUR_S, rng),
  );
  await copyRows(
    sql,
    `copy container_allocation_1d ${ALLOCATION_COLUMNS} from stdin`,
    allocationRows(clusterId, containerIds, days, 86_400, rng),
  );
  const capacityHours = Array.from(
    { length: (DAYS + 1) * 24 },
    (_, i) => new Date((hourStart - ((DAYS + 1) * 24 - 1 - i) * HOUR_S) * 1000),
  );
  await copyRows(
    sql,
    "copy cluster_capacity_1h (cluster_id, bucket, covered_seconds, cpu_core_seconds, memory_byte_seconds, node_count) from stdin",
    capacityHours.map(
      (h) =>
        `${clusterId}\t${h.toISOString()}\t3600\t${14_000 * HOUR_S}\t${12 * 2 ** 40 * HOUR_S}\t250\n`,
    ),
  );
  // What the maintenance round derives from those rows: the days the hours touch, running totals, namespace sums.
  await db.transaction((tx) =>
    refreshAllocationTotals(tx, { from: days[0] ?? now, to: now }),
  );
  // The maintenance round writes each bucket's rows during that bucket, so they sit together on
  // disk; this seed wrote them container by container. Restore production's physical order.
  await sql`cluster container_allocation_1h using container_allocation_1h_cluster_bucket_idx`;
  await sql`cluster container_allocation_1d using container_allocation_1d_cluster_bucket_idx`;
  return (hours.length + days.length) * containerIds.length;
}

function* containerRows(
  workloadIds: string[],
  containerIds: string[],
  rng: () => number,
): Generator<string> {
  for (let i = 0; i < workloadIds.length; i += 1) {
    const cpu = 250 + Math.floor(rng() * 8) * 250;
    const memory = (256 + Math.floor(rng() * 16) * 128) * MIB;
    yield `${containerIds[i]}\t${workloadIds[i]}\tmain\t${cpu}\t${cpu * 2}\t${memory}\t${memory * 2}\n`;
  }
}

function* recommendationRows(
  clusterId: string,
  containerIds: string[],
  ids: string[],
  rng: () => number,
): Generator<string> {
  const phases = [
    "Pending",
    "Pending",
    "Pending",
    "Approved",
    "Rejected",
    "Applied",
    "Superseded",
  ];
  for (let i = 0; i < containerIds.length; i += 1) {
    const cpu = 50 + Math.floor(rng() * 900);
    const memory = (64 + Math.floor(rng() * 900)) * MIB;
    const phase = phases[Math.floor(rng() * phases.length)] ?? "Pending";
    const savings = Math.floor(rng() * 80_000_000);
    const confidence = (0.5 + rng() * 0.5).toFixed(3);
    yield (
      [
        ids[i],
        clusterId,
        containerIds[i],
        phase,
        "kubewise",
        confidence,
        cpu,
        Math.floor(cpu * 0.8),
        cpu * 2,
        cpu,
        memory,
        Math.floor(memory * 0.8),
        memory * 2,
        memory,
        cpu,
        cpu * 2,
        memory,
        memory * 2,
        savings,
      ].join("\t") + "\n"
    );
  }
}

function* rollupRows(
  containerIds: string[],
  to: Date,
  rng: () => number,
): Generator<string> {
  const buckets = (DAYS * 86_400) / BUCKET_SECONDS;
  const start =
    Math.floor(to.getTime() / 1000 / BUCKET_SECONDS) * BUCKET_SECONDS -
    buckets * BUCKET_SECONDS;
  for (const containerId of containerIds) {
    const base = 0.1 + rng();
    for (let b = 0; b < buckets; b += 1) {
      const ts = new Date((start + b * BUCKET_SECONDS) * 1000).toISOString();
      const cpu = base * (1 + 0.5 * Math.sin(b / 48) + 0.2 * rng());
      const memory = Math.floor((300 + 100 * rng()) * MIB);
      yield `${ts}\t${containerId}\t30\t${cpu.toFixed(4)}\t${(cpu * 1.6).toFixed(4)}\t0\t0\t${memory}\t${memory + 8 * MIB}\t${memory}\t0\n`;
    }
  }
}

async function seed(client: DbClient, now: Date): Promise<Seeded> {
  const { sql } = client;
  const rng = lcg(7);
  const [cluster] = await sql<
    { id: string }[]
  >`insert into clusters (name) values (${`bench-${randomUUID().slice(0, 8)}`}) returning id`;
  if (!cluster) throw new Error("insert into clusters returned no row");
  const workloadIds = Array.from({ length: WORKLOADS }, () => randomUUID());
  const containerIds = Array.from({ length: WORKLOADS }, () => randomUUID());
  const recommendationIds = Array.from({ length: WORKLOADS }, () =>
    randomUUID(),
  );
  await copyRows(
    sql,
    "copy workloads (id, cluster_id, namespace, kind, name, labels) from stdin",
    workloadRows(cluster.id, workloadIds),
  );
  await copyRows(
    sql,
    "copy containers (id, workload_id, name, cpu_request_millicores, cpu_limit_millicores, memory_request_bytes, memory_limit_bytes) from stdin",
    containerRows(workloadIds, containerIds, rng),
  );
  await copyRows(
    sql,
    `copy recommendations (id, cluster_id, container_id, phase, policy, confidence, cpu_target_millicores, cpu_lower_bound_millicores,
      cpu_upper_bound_millicores, cpu_uncapped_target_millicores, memory_target_bytes, memory_lower_bound_bytes, memory_upper_bound_bytes,
      memory_uncapped_target_bytes, cpu_request_millicores, cpu_limit_millicores, memory_request_bytes, memory_limit_bytes,
      projected_monthly_savings_micro_usd) from stdin`,
    recommendationRows(cluster.id, containerIds, recommendationIds, rng),
  );
  await copyRows(
    sql,
    `copy metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg, cpu_usage_cores_max, cpu_throttled_periods_sum,
      cpu_throttled_seconds_sum, memory_working_set_bytes_avg, memory_working_set_bytes_max, memory_rss_bytes_max, oom_kill_count_sum) from stdin`,
    rollupRows(containerIds.slice(0, ROLLUP_CONTAINERS), now, rng),
  );
  const allocationRows = await seedAllocation(
    client,
    cluster.id,
    containerIds,
    now,
  );
  await sql`analyze`;
  return {
    clusterId: cluster.id,
    workloadIds,
    containerIds,
    recommendationIds,
    allocationRows,
  };
}

function p95(samplesMs: number[]): number {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ??
    Number.NaN
  );
}

async function time(
  fn: () => Promise<unknown>,
  iterations: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function measure(
  ctx: ServiceContext,
  seeded: Seeded,
): Promise<
  Record<"listMs" | "detailMs" | "drilldownMs" | "allocationMs", number[]> &
    Record<
      "drilldownByLevel" | "allocationByAggregate",
      Record<string, number[]>
    >
> {
  const rng = lcg(11);
  const filters = [
    {},
    { namespace: "ns-07" },
    { phase: ["Pending" as const] },
    { minConfidence: 0.8 },
    { phase: ["Pending" as const], namespace: "ns-21" },
  ];
  let n = 0;
  const list = () => {
    n += 1;
    const filter = filters[n % filters.length] ?? {};
    return listRecommendations({
      ctx,
      input: {
        ...filter,
        clusterId: seeded.clusterId,
        sort: "savings_desc",
        limit: 50,
        offset: Math.floor(rng() * 10) * 50,
      },
    });
  };
  const detail = () => {
    const index = Math.floor(rng() * ROLLUP_CONTAINERS);
    return getRecommendation({
      ctx,
      input: {
        id: seeded.recommendationIds[index] ?? "",
        usageWindowSeconds: DAYS * 86_400,
      },
    });
  };
  await time(list, 5);
  await time(detail, 5);
  const windows = ["24h", "7d", "30d"];
  let d = 0;
  const drilldownByLevel: Record<string, number[]> = {};
  const drilldown = async () => {
    d += 1;
    const window = windows[d % windows.length] ?? "7d";
    const i = Math.floor(rng() * ROLLUP_CONTAINERS);
    const level = d % 4;
    const input =
      level === 0
        ? {}
        : level === 1
          ? { namespace: `ns-${String(i % NAMESPACES).padStart(2, "0")}` }
          : level === 2
            ? { workloadId: seeded.workloadIds[i] }
            : { containerId: seeded.containerIds[i] };
    const started = performance.now();
    await getCostDrilldown({
      ctx,
      input: { ...input, clusterId: seeded.clusterId, window },
    });
    (drilldownByLevel[LEVELS[level] ?? "?"] ??= []).push(
      performance.now() - started,
    );
  };
  const aggregates = ["namespace", "controller", "label:team"];
  let a = 0;
  const allocationByAggregate: Record<string, number[]> = {};
  const allocation = async () => {
    a += 1;
    const aggregate = aggregates[a % aggregates.length] ?? "namespace";
    const started = performance.now();
    await getAllocation({
      ctx,
      input: { clusterId: seeded.clusterId, window: "30d", aggregate },
    });
    (allocationByAggregate[aggregate] ??= []).push(performance.now() - started);
  };
  await time(drilldown, 4);
  await time(allocation, 3);
  for (const key of Object.keys(drilldownByLevel)) delete drilldownByLevel[key];
  for (const key of Object.keys(allocationByAggregate))
    delete allocationByAggregate[key];
  return {
    listMs: await time(list, ITERATIONS),
    detailMs: await time(detail, ITERATIONS),
    drilldownMs: await time(drilldown, ITERATIONS),
    allocationMs: await time(
      allocation,
      Math.max(10, Math.round(ITERATIONS / 2)),
    ),
    drilldownByLevel,
    allocationByAggregate,
  };
}

const LEVELS = ["cluster", "namespace", "workload", "container"];

const p95Of = (byKey: Record<string, number[]>) =>
  Object.fromEntries(
    Object.entries(byKey).map(([key, samples]) => [
      key,
      Math.round(p95(samples) * 10) / 10,
    ]),
  );

async function main(): Promise<void> {
  const externalUrl = process.env.DATABASE_URL;
  const dataDir = externalUrl
    ? undefined
    : mkdtempSync(join(tmpdir(), "kw-bench-web-"));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const database = await startDatabase({
    url: externalUrl,
    dataDir,
    settings: { fsync: "off" },
  });
  const client = createDb({ url: database.url, max: 4 });
  try {
    await migrate({ url: database.url });
    const now = new Date();
    const seedStarted = performance.now();
    const seeded = await seed(client, now);
    const rollups = (ROLLUP_CONTAINERS * DAYS * 86_400) / BUCKET_SECONDS;
    console.log(
      `seeded ${WORKLOADS} workloads/containers/recommendations, ${rollups} rollup rows (${ROLLUP_CONTAINERS} containers x ${DAYS} days) and ${seeded.allocationRows} allocation rows (all containers: 48 hourly + ${DAYS + 1} daily) in ${Math.round(performance.now() - seedStarted)} ms`,
    );
    const ctx: ServiceContext = {
      db: client.db,
      actor: {
        userId: "00000000-0000-4000-8000-000000000001",
        role: "admin",
        scopes: "all",
      },
      clock: { now: () => now },
      logger: pino({ level: "silent" }),
      ports: {},
    };
    const loadBefore = loadavg()[0] ?? 0;
    const {
      listMs,
      detailMs,
      drilldownMs,
      allocationMs,
      drilldownByLevel,
      allocationByAggregate,
    } = await measure(ctx, seeded);
    const loadAfter = loadavg()[0] ?? 0;
    const result = {
      list_p95_ms: Math.round(p95(listMs) * 10) / 10,
      detail_p95_ms: Math.round(p95(detailMs) * 10) / 10,
      drilldown_p95_ms: Math.round(p95(drilldownMs) * 10) / 10,
      allocation_30d_p95_ms: Math.round(p95(allocationMs) * 10) / 10,
      drilldown_p95_ms_by_level: p95Of(drilldownByLevel),
      allocation_30d_p95_ms_by_aggregate: p95Of(allocationByAggregate),
      load_average_1m: [loadBefore, loadAfter].map(
        (l) => Math.round(l * 10) / 10,
      ),
      cpus: cpus().length,
    };
    console.log(
      `listRecommendations: ${ITERATIONS} calls, p95 ${result.list_p95_ms} ms (target <= 300)`,
    );
    console.log(
      `getRecommendation (30-day chart data): ${ITERATIONS} calls, p95 ${result.detail_p95_ms} ms (target <= 200)`,
    );
    console.log(
      `getCostDrilldown (cluster/namespace/workload/container x 24h/7d/30d): ${ITERATIONS} calls, p95 ${result.drilldown_p95_ms} ms (target <= 300)`,
    );
    console.log(
      `getAllocation (30 days by namespace/controller/label:team): ${allocationMs.length} calls, p95 ${result.allocation_30d_p95_ms} ms (target <= 500)`,
    );
    console.log(
      `  p95 by page level ${JSON.stringify(result.drilldown_p95_ms_by_level)}, by aggregate ${JSON.stringify(result.allocation_30d_p95_ms_by_aggregate)}`,
    );
    console.log(
      `  1-minute load average ${result.load_average_1m.join(" -> ")} on ${result.cpus} CPUs (above the CPU count, the numbers include waiting for a CPU)`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await client.close();
    await database.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

// Storage per container per day: the same generated samples go through the product's ingest
// transaction into plain PostgreSQL 15 (daily partitions) and into TimescaleDB 2.28 (hypertable,
// then every chunk compressed as the 7-day policy would), and the bytes on disk are compared.
// Needs scripts/db/build-extensions.sh (TimescaleDB). Prints progress, then one JSON line.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import {
  createDb,
  insertIngestBatches,
  maintainMetricStorage,
  migrate,
  refreshRollups,
  registerAgent,
  resolveContainerIds,
  startLocalPostgres,
  type IngestBatchInput,
  type Sql,
} from "@kubewise/db";
import { createRng } from "@kubewise/ml";

const USAGE = `Usage: npm run bench:storage -- [--containers 100] [--days 2] [--seed 1]

Generates 10 s samples for N containers over D whole UTC days (one node's scrape per batch), stores
them through insertIngestBatches into plain PostgreSQL 15 and into TimescaleDB (then compresses every
chunk), and prints bytes per container per day of raw samples (table + indexes) and of 5-minute
rollups on each. Needs TimescaleDB built (scripts/db/build-extensions.sh timescaledb).`;

const { values: args } = parseArgs({
  options: {
    containers: { type: "string", default: "100" },
    days: { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const CONTAINERS = Number(args.containers);
const DAYS = Number(args.days);
if (
  !Number.isInteger(CONTAINERS) ||
  CONTAINERS < 1 ||
  !Number.isInteger(DAYS) ||
  DAYS < 1
) {
  console.error(
    `--containers and --days must be positive integers\n\n${USAGE}`,
  );
  process.exit(2);
}
const STEP_MS = 10_000;
const DAY_MS = 86_400_000;
const STEPS_PER_DAY = DAY_MS / STEP_MS;
const GROUP = 40;

type Shape = { cpuBase: number; memoryBase: number; memoryLimit: number };

/** One scrape of every container at `ts`: diurnal CPU with noise, page-granular memory with drift. */
function scrape(shapes: Shape[], ts: number, random: () => number) {
  const n = shapes.length;
  const day = Math.sin((2 * Math.PI * (ts % DAY_MS)) / DAY_MS);
  const col = () => new Array<number>(n);
  const s = {
    containerIndex: col(),
    timestampMs: col(),
    cpuUsageCores: col(),
    cpuThrottledPeriods: col(),
    cpuThrottledSeconds: col(),
    cpuPeriods: col(),
    memoryWorkingSetBytes: col(),
    memoryRssBytes: col(),
    memoryLimitBytes: col(),
    oomKillCount: col(),
  };
  shapes.forEach((shape, c) => {
    const cpu = Math.max(
      0,
      shape.cpuBase * (1 + 0.4 * day) * (0.8 + 0.4 * random()),
    );
    const throttled = cpu > shape.cpuBase * 1.3 ? Math.floor(random() * 20) : 0;
    const memory =
      Math.round(
        (shape.memoryBase * (1 + 0.1 * day + 0.02 * random())) / 4096,
      ) * 4096;
    s.containerIndex[c] = c;
    s.timestampMs[c] = ts;
    s.cpuUsageCores[c] = Math.round(cpu * 1e6) / 1e6;
    s.cpuThrottledPeriods[c] = throttled;
    s.cpuThrottledSeconds[c] = throttled * 0.01;
    s.cpuPeriods[c] = 100;
    s.memoryWorkingSetBytes[c] = memory;
    s.memoryRssBytes[c] = Math.round((memory * 0.8) / 4096) * 4096;
    s.memoryLimitBytes[c] = shape.memoryLimit;
    s.oomKillCount[c] = 0;
  });
  return s;
}

async function load(sql: Sql, startMs: number, label: string): Promise<number> {
  const random = createRng(Number(args.seed));
  const shapes: Shape[] = Array.from({ length: CONTAINERS }, () => ({
    cpuBase: 0.05 + random() * 1.5,
    memoryBase: (64 + random() * 1900) * 2 ** 20,
    memoryLimit: random() < 0.3 ? 0 : 4 * 2 ** 30,
  }));
  const [cluster] = await sql<{ id: string }[]>`
    insert into clusters (name) values ('bench-storage') returning id`;
  const clusterId = cluster?.id ?? "";
  await registerAgent(sql, { agentId: "bench-node", clusterId, bootId: "b" });
  const containerIds = await resolveContainerIds(
    sql,
    clusterId,
    shapes.map((_, c) => ({
      namespace: "bench",
      workloadKind: "Deployment",
      workloadName: `w-${c}`,
      containerName: "app",
      cpuRequestMillicores: 500,
      cpuLimitMillicores: 0,
      memoryRequestBytes: 2 ** 30,
      memoryLimitBytes: 0,
    })),
  );
  const steps = DAYS * STEPS_PER_DAY;
  let stored = 0;
  for (let step = 0; step < steps; step += GROUP) {
    const batches: IngestBatchInput[] = [];
    for (let i = step; i < Math.min(steps, step + GROUP); i++)
      batches.push({
        clusterId,
        agentId: "bench-node",
        bootId: "b",
        seq: i + 1,
        containerIds,
        samples: scrape(shapes, startMs + i * STEP_MS, random),
      });
    stored += (await insertIngestBatches(sql, batches)).reduce(
      (n, r) => n + r.storedSamples,
      0,
    );
    if (step % (STEPS_PER_DAY / 4) < GROUP)
      console.log(`${label}: ${stored} samples stored`);
  }
  return stored;
}

const sizeOf = async (sql: Sql, query: string) =>
  Number((await sql.unsafe<{ bytes: string }[]>(query))[0]?.bytes ?? 0);

async function measurePlain(dir: string, startMs: number) {
  const server = await startLocalPostgres({ dataDir: join(dir, "plain") });
  const url = server.adminUrl;
  try {
    await migrate({ url, expect: "postgresql" });
    const { sql, close } = createDb({ url });
    try {
      const now = new Date(startMs + DAYS * DAY_MS);
      await maintainMetricStorage(sql, { now, daysAhead: 1 });
      await sql`select kubewise_ensure_metric_partitions(${new Date(startMs)}::date, ${now}::date)`;
      const samples = await load(sql, startMs, "plain PostgreSQL");
      await refreshRollups(sql, { from: new Date(startMs), to: now }, { now });
      await sql`vacuum analyze`;
      return {
        samples,
        raw: await sizeOf(
          sql,
          `select sum(pg_total_relation_size(inhrelid)) as bytes from pg_inherits
           where inhparent = 'metric_samples'::regclass`,
        ),
        rollups: await sizeOf(
          sql,
          `select pg_total_relation_size('metric_rollups_5m') as bytes`,
        ),
      };
    } finally {
      await close();
    }
  } finally {
    await server.stop();
  }
}

async function measureTimescaledb(dir: string, startMs: number) {
  const server = await startLocalPostgres({
    dataDir: join(dir, "timescaledb"),
    preload: ["timescaledb"],
    settings: {
      "timescaledb.max_background_workers": "0",
      "timescaledb.telemetry_level": "off",
    },
  });
  const url = server.adminUrl;
  try {
    await migrate({ url, expect: "timescaledb" });
    const { sql, close } = createDb({ url });
    try {
      const now = new Date(startMs + DAYS * DAY_MS);
      const samples = await load(sql, startMs, "TimescaleDB");
      await refreshRollups(sql, { from: new Date(startMs), to: now }, { now });
      const raw = async () =>
        sizeOf(sql, `select hypertable_size('metric_samples') as bytes`);
      const uncompressed = await raw();
      const chunks = await sql<{ chunk: string }[]>`
        select show_chunks('metric_samples')::text as chunk`;
      for (const { chunk } of chunks)
        await sql`select compress_chunk(${chunk}::regclass)`;
      await sql`vacuum analyze`;
      return {
        samples,
        uncompressed,
        raw: await raw(),
        rollups: await sizeOf(
          sql,
          `select hypertable_size(format('%I.%I', materialization_hypertable_schema,
             materialization_hypertable_name)::regclass) as bytes
           from timescaledb_information.continuous_aggregates where view_name = 'metric_rollups_5m'`,
        ),
      };
    } finally {
      await close();
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-storage-"));
  chmodSync(dir, 0o755);
  // Whole UTC days, ending yesterday, so every day is a full partition / chunk.
  const startMs = (Math.floor(Date.now() / DAY_MS) - DAYS - 1) * DAY_MS;
  try {
    console.log(
      `${CONTAINERS} containers x ${DAYS} days x ${STEPS_PER_DAY} samples/day = ${CONTAINERS * DAYS * STEPS_PER_DAY} samples per path`,
    );
    const plain = await measurePlain(dir, startMs);
    const ts = await measureTimescaledb(dir, startMs);
    const perContainerDay = (bytes: number) =>
      Math.round(bytes / CONTAINERS / DAYS);
    console.log(
      `plain PostgreSQL: raw ${perContainerDay(plain.raw)} B/container/day, rollups ${perContainerDay(plain.rollups)}`,
    );
    console.log(
      `TimescaleDB: raw ${perContainerDay(ts.uncompressed)} B/container/day before compression, ${perContainerDay(ts.raw)} after; rollups ${perContainerDay(ts.rollups)}`,
    );
    console.log(
      JSON.stringify({
        containers: CONTAINERS,
        days: DAYS,
        samples_per_path: plain.samples,
        plain_bytes_per_container_day: perContainerDay(plain.raw),
        timescaledb_uncompressed_bytes_per_container_day: perContainerDay(
          ts.uncompressed,
        ),
        timescaledb_compressed_bytes_per_container_day: perContainerDay(ts.raw),
        compression_vs_plain: Number((plain.raw / ts.raw).toFixed(1)),
        plain_rollup_bytes_per_container_day: perContainerDay(plain.rollups),
        timescaledb_rollup_bytes_per_container_day: perContainerDay(ts.rollups),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

// What the rollups' indexes cost and buy on the plain path, in a fresh embedded PostgreSQL migrated
// by the committed migrations: N containers x days of 5-minute rollups seeded in production's
// bucket order, VACUUM (ANALYZE) and CHECKPOINT; then rounds of the ingest's rollup refresh (the
// product's refreshRollups over each round's new samples, as the aggregator's maintenance loop
// runs it every KUBEWISE_ROLLUP_INTERVAL_SECONDS) and the recommendation pass's history read (the
// product's buildUsageHistoriesQuery under EXPLAIN (ANALYZE, BUFFERS)). WAL bytes, block counts,
// HOT updates and index sizes do not depend on the machine's load; the milliseconds do.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { sql as sqlTag } from "drizzle-orm";

import { createDb } from "../src/client";
import { startDatabase } from "../src/embedded/start-database";
import { refreshRollups } from "../src/metrics/rollups";
import { migrate } from "../src/migrate";
import { buildUsageHistoriesQuery } from "../src/queries/workloads";

const USAGE = `Usage: npm run bench:rollup-index -w @kubewise/db -- [options]

Seeds --containers x --days of 5-minute rollups into a fresh embedded PostgreSQL (the committed
migrations, so the rollups' indexes are the product's), then times --rounds rollup refreshes
(30 new samples per container each, a 300 s interval straddling two buckets: one bucket updated,
one inserted per container) and the recommendation pass's history read of --chunk containers.
Prints one JSON line: refresh ms and WAL bytes per round, the share of HOT updates, index sizes,
the history read's plan node, heap fetches and shared blocks per container, and the load average.

  --containers N    containers (default 1000)
  --days N          days of rollups per container (default 8, the pass's window)
  --rounds N        rollup refresh rounds (default 6)
  --chunk N         containers per history read (default 16, the pass's chunk size)
  --indexes NAME    migrated: the migrations' indexes (default: since drizzle/0014 the primary
                    key INCLUDEs the history's four columns); before-0014: the primary key
                    without them (the rollups before drizzle/0014); second-index: that key plus
                    a separate covering index (the alternative ADR 0009 weighed)
  -h, --help        this text`;

const { values: args } = parseArgs({
  options: {
    containers: { type: "string", default: "1000" },
    days: { type: "string", default: "8" },
    rounds: { type: "string", default: "6" },
    chunk: { type: "string", default: "16" },
    indexes: { type: "string", default: "migrated" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(
      `--${name} must be a positive integer, got ${value}\n\n${USAGE}`,
    );
    process.exit(2);
  }
  return n;
}
const CONTAINERS = positive("containers", args.containers);
const DAYS = positive("days", args.days);
const ROUNDS = positive("rounds", args.rounds);
const CHUNK = positive("chunk", args.chunk);
const INDEXES = args.indexes;
if (!["migrated", "before-0014", "second-index"].includes(INDEXES)) {
  console.error(
    `--indexes must be migrated, before-0014 or second-index, got ${INDEXES}\n\n${USAGE}`,
  );
  process.exit(2);
}

const BUCKET_MS = 300_000;
const INTERVAL_MS = 300_000;

const dir = mkdtempSync(join(tmpdir(), "kw-bench-rollup-index-"));
chmodSync(dir, 0o755);
const server = await startDatabase({
  dataDir: join(dir, "pg"),
  database: "kubewise",
});
try {
  await migrate({ url: server.url });
  // One connection: the refreshes' statistics are flushed from the backend that ran them.
  const { sql, db, close } = createDb({ url: server.url, max: 1 });
  try {
    const HISTORY_COLUMNS =
      "cpu_usage_cores_avg, cpu_usage_cores_max, memory_working_set_bytes_max, oom_kill_count_sum";
    if (INDEXES !== "migrated")
      await sql.unsafe(`alter table metric_rollups_5m
        drop constraint metric_rollups_5m_container_id_bucket_pk,
        add constraint metric_rollups_5m_container_id_bucket_pk primary key (container_id, bucket)`);
    if (INDEXES === "second-index")
      await sql.unsafe(`create index metric_rollups_5m_history_idx
        on metric_rollups_5m (container_id, bucket) include (${HISTORY_COLUMNS})`);

    // The refresh rounds run in [start, start + ROUNDS x 300 s), offset half a bucket so each
    // refresh recomputes one bucket begun in the previous round and one new one.
    const now = Date.now();
    const start =
      Math.floor(now / BUCKET_MS) * BUCKET_MS -
      (ROUNDS + 1) * INTERVAL_MS +
      BUCKET_MS / 2;
    const seedTo = Math.floor(start / BUCKET_MS) * BUCKET_MS;
    const seedFrom = seedTo - DAYS * 86_400_000;
    await sql`create table bench_containers as
      select k, gen_random_uuid() as id from generate_series(0, ${CONTAINERS - 1}::int) k`;
    const seedStarted = performance.now();
    await sql`
      insert into metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg,
        cpu_usage_cores_max, cpu_throttled_periods_sum, cpu_throttled_seconds_sum,
        memory_working_set_bytes_avg, memory_working_set_bytes_max, memory_rss_bytes_max, oom_kill_count_sum)
      select b, c.id, 30, v.cpu, v.cpu * 1.4, 0, 0, v.mem, (v.mem * 1.05)::bigint, (v.mem * 0.9)::bigint, 0
      from bench_containers c
      cross join generate_series(${new Date(seedFrom)}::timestamptz, ${new Date(seedTo - BUCKET_MS)}::timestamptz, interval '5 minutes') b
      cross join lateral (select (0.05 + (c.k % 20) * 0.02) * (0.9 + random() * 0.2) as cpu,
        (64 + (c.k % 16) * 16) * 1048576.0 * (0.97 + random() * 0.06) as mem) v
      order by b, c.k`;
    const seedS = (performance.now() - seedStarted) / 1000;
    await sql`vacuum (analyze) metric_rollups_5m`;
    await sql`checkpoint`;

    const before = await sql<{ upd: string; hot: string }[]>`
      select n_tup_upd::text as upd, n_tup_hot_upd::text as hot from pg_stat_user_tables where relname = 'metric_rollups_5m'`;
    const refreshMs: number[] = [];
    const walBytes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const from = start + round * INTERVAL_MS;
      // 30 scrapes, 10 s apart, of every container (the plain path's default partition holds them).
      await sql`
        insert into metric_samples (ts, container_id, cpu_usage_cores, memory_working_set_bytes, memory_rss_bytes)
        select ${new Date(from)}::timestamptz + s * interval '10 seconds', c.id, 0.1 + random() * 0.1,
          (100 + random() * 10) * 1048576, 90 * 1048576
        from bench_containers c cross join generate_series(0, 29) s`;
      const [mark] = await sql<
        { lsn: string }[]
      >`select pg_current_wal_insert_lsn()::text as lsn`;
      const lsn = mark?.lsn ?? "0/0";
      const started = performance.now();
      await refreshRollups(
        sql,
        { from: new Date(from), to: new Date(from + INTERVAL_MS) },
        { now: new Date(from + INTERVAL_MS) },
      );
      refreshMs.push(performance.now() - started);
      const [wal] = await sql<{ bytes: string }[]>`
        select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${lsn}::pg_lsn)::text as bytes`;
      walBytes.push(Number(wal?.bytes));
    }
    await sql`select pg_stat_force_next_flush()`;
    // A new transaction, so the statistics snapshot is taken after the flush.
    const after = await sql<{ upd: string; hot: string }[]>`
      select n_tup_upd::text as upd, n_tup_hot_upd::text as hot from pg_stat_user_tables where relname = 'metric_rollups_5m'`;
    const updates = Number(after[0]?.upd) - Number(before[0]?.upd);
    const hotUpdates = Number(after[0]?.hot) - Number(before[0]?.hot);

    // The pass's read: 8 days ending at the last seeded bucket, for --chunk containers scattered
    // over each bucket's rows (the pass goes by workload name, the refresh writes by container id;
    // production vacuums these old pages long before a pass reads them; the seed's VACUUM did).
    const ids = await sql<{ id: string }[]>`
      select id::text from bench_containers order by id limit ${CHUNK}`;
    const query = buildUsageHistoriesQuery({
      containerIds: ids.map((r) => r.id),
      from: new Date(seedFrom),
      to: new Date(seedTo),
    });
    const reads: {
      ms: number;
      blocks: number;
      heapFetches: number;
      node: string;
    }[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const [row] = await db.execute<{ "QUERY PLAN": unknown }>(explain(query));
      const ms = performance.now() - started;
      const plan = (row?.["QUERY PLAN"] as PlanRoot[])[0]?.Plan;
      reads.push({ ms, ...summarize(plan) });
    }
    const sizes = await sql<{ name: string; bytes: string }[]>`
      select c.relname as name, pg_relation_size(c.oid)::text as bytes
      from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'metric_rollups_5m'::regclass order by 1`;
    const last = reads[reads.length - 1];
    console.log(
      JSON.stringify({
        indexes: INDEXES,
        containers: CONTAINERS,
        days: DAYS,
        seed_s: Math.round(seedS * 10) / 10,
        refresh_ms: refreshMs.map((v) => Math.round(v)),
        refresh_wal_bytes: walBytes,
        refresh_updates: updates,
        refresh_hot_updates: hotUpdates,
        index_bytes: Object.fromEntries(
          sizes.map((s) => [s.name, Number(s.bytes)]),
        ),
        heap_bytes: Number(
          (
            await sql<
              { b: string }[]
            >`select pg_relation_size('metric_rollups_5m')::text as b`
          )[0]?.b,
        ),
        history_node: last?.node,
        history_heap_fetches: last?.heapFetches,
        history_blocks_per_container: last
          ? Math.round(last.blocks / CHUNK)
          : undefined,
        history_ms: reads.map((r) => Math.round(r.ms * 10) / 10),
        load_avg_1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      }),
    );
  } finally {
    await close();
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

type PlanNode = {
  "Node Type": string;
  "Index Name"?: string;
  "Heap Fetches"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
};
type PlanRoot = { Plan: PlanNode };

function explain(query: ReturnType<typeof buildUsageHistoriesQuery>) {
  return sqlTag`explain (analyze, buffers, format json) ${query}`;
}

/** The scan of metric_rollups_5m (its node type and index), heap fetches and the plan's blocks. */
function summarize(plan: PlanNode | undefined): {
  blocks: number;
  heapFetches: number;
  node: string;
} {
  const blocks =
    (plan?.["Shared Hit Blocks"] ?? 0) + (plan?.["Shared Read Blocks"] ?? 0);
  const scans: string[] = [];
  let heapFetches = 0;
  const visit = (n: PlanNode) => {
    if (n["Node Type"].includes("Scan")) {
      scans.push(
        n["Index Name"]
          ? `${n["Node Type"]} using ${n["Index Name"]}`
          : n["Node Type"],
      );
      heapFetches += n["Heap Fetches"] ?? 0;
    }
    n.Plans?.forEach(visit);
  };
  if (plan) visit(plan);
  return { blocks, heapFetches, node: scans.join(" > ") };
}

import { and, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { METRIC_STORAGE_MODE_QUERY } from "../metrics/storage-mode";
import { ROLLUP_BUCKET_SECONDS } from "../metrics/time-range";
import { clusters, containers, metricRollups5m, workloads } from "../schema";

export type Workload = typeof workloads.$inferSelect;
export type Container = typeof containers.$inferSelect;
export type ContainerWithWorkload = {
  container: Container;
  workload: Workload;
};

export async function getContainerWithWorkload(
  db: DbExecutor,
  containerId: string,
): Promise<ContainerWithWorkload | undefined> {
  const rows = await db
    .select({ container: containers, workload: workloads })
    .from(containers)
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(eq(containers.id, containerId))
    .limit(1);
  return rows[0];
}

export async function listContainersInCluster(
  db: DbExecutor,
  clusterId: string,
): Promise<ContainerWithWorkload[]> {
  return db
    .select({ container: containers, workload: workloads })
    .from(containers)
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(eq(workloads.clusterId, clusterId))
    .orderBy(workloads.namespace, workloads.name, containers.name);
}

export async function listContainersOfWorkload(
  db: DbExecutor,
  workloadId: string,
): Promise<Container[]> {
  return db
    .select()
    .from(containers)
    .where(eq(containers.workloadId, workloadId))
    .orderBy(containers.name);
}

export async function getWorkloadInCluster(
  db: DbExecutor,
  clusterId: string,
  workloadId: string,
): Promise<Workload | undefined> {
  const rows = await db
    .select()
    .from(workloads)
    .where(
      and(eq(workloads.clusterId, clusterId), eq(workloads.id, workloadId)),
    )
    .limit(1);
  return rows[0];
}

export type UsagePoint = {
  bucket: Date;
  cpuP50Cores: number;
  cpuP95Cores: number;
  cpuMaxCores: number;
  memoryP50Bytes: number;
  memoryP95Bytes: number;
  memoryMaxBytes: number;
};

/** p50/p95 of the 5-minute averages and the max of the 5-minute maxima, per step. */
export async function getUsageSeries(
  db: DbExecutor,
  query: { containerId: string; from: Date; to: Date; stepSeconds: number },
): Promise<UsagePoint[]> {
  const step = sql.raw(
    `'${Math.max(300, Math.floor(query.stepSeconds))} seconds'::interval`,
  );
  const rows = await db.execute<Record<string, unknown>>(sql`
    select date_bin(${step}, bucket, timestamptz '2000-01-01') as bucket,
      percentile_cont(0.5) within group (order by cpu_usage_cores_avg) as cpu_p50,
      percentile_cont(0.95) within group (order by cpu_usage_cores_avg) as cpu_p95,
      max(cpu_usage_cores_max) as cpu_max,
      percentile_cont(0.5) within group (order by memory_working_set_bytes_avg) as mem_p50,
      percentile_cont(0.95) within group (order by memory_working_set_bytes_avg) as mem_p95,
      max(memory_working_set_bytes_max) as mem_max
    from metric_rollups_5m
    where container_id = ${query.containerId}
      and bucket >= ${query.from.toISOString()}::timestamptz and bucket < ${query.to.toISOString()}::timestamptz
    group by 1 order by 1`);
  return rows.map((r) => ({
    bucket: new Date(String(r.bucket)),
    cpuP50Cores: Number(r.cpu_p50),
    cpuP95Cores: Number(r.cpu_p95),
    cpuMaxCores: Number(r.cpu_max),
    memoryP50Bytes: Number(r.mem_p50),
    memoryP95Bytes: Number(r.mem_p95),
    memoryMaxBytes: Number(r.mem_max),
  }));
}

export type UsageHistoryRow = {
  bucket: Date;
  cpuUsageCoresAvg: number;
  cpuUsageCoresMax: number;
  memoryWorkingSetBytesMax: number;
  oomKillCountSum: number;
};

export async function getUsageHistory(
  db: DbExecutor,
  query: { containerId: string; from: Date; to: Date },
): Promise<UsageHistoryRow[]> {
  const { containerId, ...window } = query;
  const histories = await getUsageHistories(db, {
    containerIds: [containerId],
    ...window,
  });
  return histories.get(containerId) ?? [];
}

/**
 * The histories of many containers in one query (a recommendation pass reads each container's
 * history once, a chunk of containers per round trip): rows per container in bucket order; a
 * container without rollups in the window maps to an empty array.
 */
/** Five float8s per packed history row (getUsageHistories). */
const HISTORY_ROW_BYTES = 40;

export async function getUsageHistories(
  db: DbExecutor,
  query: { containerIds: readonly string[]; from: Date; to: Date },
): Promise<Map<string, UsageHistoryRow[]>> {
  const columns = await getUsageHistoryColumns(db, query);
  return new Map([...columns].map(([id, c]) => [id, usageHistoryRowsOf(c)]));
}

/**
 * A container's history as columns, one Float64Array per field, in bucket order: what the
 * recommendation pass reads (2,304 rows per 8-day container; an object and a Date per row were
 * about a fifth of the pass worker's time in garbage collection, ADR 0009).
 */
export type UsageHistoryColumns = {
  length: number;
  /** The bucket's start in epoch ms (what `new Date(ms).getTime()` gives). */
  bucketMs: Float64Array;
  cpuUsageCoresAvg: Float64Array;
  cpuUsageCoresMax: Float64Array;
  memoryWorkingSetBytesMax: Float64Array;
  oomKillCountSum: Float64Array;
};

/** Empty columns of n rows. */
export function emptyUsageHistoryColumns(n = 0): UsageHistoryColumns {
  return {
    length: n,
    bucketMs: new Float64Array(n),
    cpuUsageCoresAvg: new Float64Array(n),
    cpuUsageCoresMax: new Float64Array(n),
    memoryWorkingSetBytesMax: new Float64Array(n),
    oomKillCountSum: new Float64Array(n),
  };
}

/** Rows [start, end) of a history, as views of its columns (no copy). */
export function sliceUsageHistoryColumns(
  h: UsageHistoryColumns,
  start: number,
  end = h.length,
): UsageHistoryColumns {
  return {
    length: Math.max(0, end - start),
    bucketMs: h.bucketMs.subarray(start, end),
    cpuUsageCoresAvg: h.cpuUsageCoresAvg.subarray(start, end),
    cpuUsageCoresMax: h.cpuUsageCoresMax.subarray(start, end),
    memoryWorkingSetBytesMax: h.memoryWorkingSetBytesMax.subarray(start, end),
    oomKillCountSum: h.oomKillCountSum.subarray(start, end),
  };
}

/** Columns from rows (tests and callers holding rows). */
export function usageHistoryColumnsOf(
  rows: readonly UsageHistoryRow[],
): UsageHistoryColumns {
  const h = emptyUsageHistoryColumns(rows.length);
  rows.forEach((r, i) => {
    h.bucketMs[i] = r.bucket.getTime();
    h.cpuUsageCoresAvg[i] = r.cpuUsageCoresAvg;
    h.cpuUsageCoresMax[i] = r.cpuUsageCoresMax;
    h.memoryWorkingSetBytesMax[i] = r.memoryWorkingSetBytesMax;
    h.oomKillCountSum[i] = r.oomKillCountSum;
  });
  return h;
}

/** Rows from columns. */
export function usageHistoryRowsOf(h: UsageHistoryColumns): UsageHistoryRow[] {
  const rows: UsageHistoryRow[] = [];
  for (let i = 0; i < h.length; i++)
    rows.push({
      bucket: new Date(h.bucketMs[i] ?? Number.NaN),
      cpuUsageCoresAvg: h.cpuUsageCoresAvg[i] ?? Number.NaN,
      cpuUsageCoresMax: h.cpuUsageCoresMax[i] ?? Number.NaN,
      memoryWorkingSetBytesMax: h.memoryWorkingSetBytesMax[i] ?? Number.NaN,
      oomKillCountSum: h.oomKillCountSum[i] ?? Number.NaN,
    });
  return rows;
}

/** What `new Date(ms).getTime()` returns (ECMAScript TimeClip), so columns equal rows bit for bit. */
function timeClip(ms: number): number {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return Number.NaN;
  return Math.trunc(ms) + 0;
}

export type UsageHistoriesQuery = {
  containerIds: readonly string[];
  from: Date;
  to: Date;
};

/**
 * The SQL of getUsageHistoryColumns (for EXPLAIN in tests and benches). It reads (container_id,
 * bucket) and the four columns the rollups' primary key INCLUDEs, so on the plain and Citus paths
 * it is an index-only scan of that index (drizzle/0014): keep the two in step.
 */
export function buildUsageHistoriesQuery(query: UsageHistoriesQuery): SQL {
  // One row per container, its rows packed in the server as big-endian float8s (epoch ms, CPU avg,
  // CPU max, working-set max, OOM kills): text rows through the ORM cost ~9.5 CPU-ms per 8-day
  // container to decode here, packed ones ~1 (ADR 0009), and the server skips float8 formatting.
  return sql`
    select container_id as c, string_agg(
        float8send(extract(epoch from bucket)::float8 * 1000) || float8send(cpu_usage_cores_avg)
          || float8send(cpu_usage_cores_max) || float8send(memory_working_set_bytes_max::float8)
          || float8send(oom_kill_count_sum::float8),
        ''::bytea order by bucket) as b
    from ${metricRollups5m}
    where ${and(
      inArray(metricRollups5m.containerId, [...query.containerIds]),
      gte(metricRollups5m.bucket, query.from),
      lt(metricRollups5m.bucket, query.to),
    )}
    group by container_id`;
}

/**
 * The histories of many containers in one query, as columns (getUsageHistories' rows without an
 * object and a Date per row): bucket order; a container without rollups in the window maps to
 * empty columns.
 */
export async function getUsageHistoryColumns(
  db: DbExecutor,
  query: UsageHistoriesQuery,
): Promise<Map<string, UsageHistoryColumns>> {
  const histories = new Map<string, UsageHistoryColumns>(
    query.containerIds.map((id) => [id, emptyUsageHistoryColumns()]),
  );
  if (query.containerIds.length === 0) return histories;
  const rows = await db.execute<{ c: string; b: Buffer | null }>(
    buildUsageHistoriesQuery(query),
  );
  for (const { c, b } of rows) {
    if (!histories.has(c) || b === null) continue;
    const n = Math.floor(b.byteLength / HISTORY_ROW_BYTES);
    const h = emptyUsageHistoryColumns(n);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0, at = 0; i < n; i++, at += HISTORY_ROW_BYTES) {
      h.bucketMs[i] = timeClip(view.getFloat64(at));
      h.cpuUsageCoresAvg[i] = view.getFloat64(at + 8);
      h.cpuUsageCoresMax[i] = view.getFloat64(at + 16);
      h.memoryWorkingSetBytesMax[i] = view.getFloat64(at + 24);
      h.oomKillCountSum[i] = view.getFloat64(at + 32);
    }
    histories.set(c, h);
  }
  return histories;
}

export type ContainerUsageSummary = {
  containerId: string;
  cpuAvgMillicores: number;
  memoryAvgBytes: number;
};

/** Average usage per container of a cluster over [from, to), for OpenCost's max(request, usage). */
export async function getClusterUsageSummaries(
  db: DbExecutor,
  query: { clusterId: string; from: Date; to: Date },
): Promise<ContainerUsageSummary[]> {
  const rows = await db
    .select({
      containerId: metricRollups5m.containerId,
      cpuAvgCores:
        sql<number>`avg(${metricRollups5m.cpuUsageCoresAvg})`.mapWith(Number),
      memoryAvgBytes:
        sql<number>`avg(${metricRollups5m.memoryWorkingSetBytesAvg})`.mapWith(
          Number,
        ),
    })
    .from(metricRollups5m)
    .innerJoin(containers, eq(containers.id, metricRollups5m.containerId))
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(
      and(
        eq(workloads.clusterId, query.clusterId),
        gte(metricRollups5m.bucket, query.from),
        lt(metricRollups5m.bucket, query.to),
      ),
    )
    .groupBy(metricRollups5m.containerId);
  return rows.map((r) => ({
    containerId: r.containerId,
    cpuAvgMillicores: Math.round(r.cpuAvgCores * 1000),
    memoryAvgBytes: Math.round(r.memoryAvgBytes),
  }));
}

export async function listClusterIds(db: DbExecutor): Promise<string[]> {
  const rows = await db
    .select({ id: clusters.id })
    .from(clusters)
    .orderBy(clusters.createdAt)
    .limit(100);
  return rows.map((r) => r.id);
}

export async function insertCluster(
  db: DbExecutor,
  values: { name: string; createdAt?: Date },
): Promise<typeof clusters.$inferSelect> {
  const [row] = await db.insert(clusters).values(values).returning();
  if (!row) throw new Error("insert into clusters returned no row");
  return row;
}

export async function insertWorkload(
  db: DbExecutor,
  values: typeof workloads.$inferInsert,
): Promise<Workload> {
  const [row] = await db.insert(workloads).values(values).returning();
  if (!row) throw new Error("insert into workloads returned no row");
  return row;
}

export async function insertContainer(
  db: DbExecutor,
  values: typeof containers.$inferInsert,
): Promise<Container> {
  const [row] = await db.insert(containers).values(values).returning();
  if (!row) throw new Error("insert into containers returned no row");
  return row;
}

/** Each container's newest 5-minute rollup bucket (containers without rollups are absent). */
export async function getLatestRollupBuckets(
  db: DbExecutor,
  containerIds: readonly string[],
): Promise<Map<string, Date>> {
  if (containerIds.length === 0) return new Map();
  const rows = await db.execute<{ container_id: string; last: string }>(sql`
    select c.id as container_id,
      (select max(r.bucket) from metric_rollups_5m r where r.container_id = c.id)::text as last
    from unnest(${`{${containerIds.join(",")}}`}::uuid[]) as c(id)`);
  return new Map(
    rows
      .filter((r) => r.last !== null)
      .map((r) => [r.container_id, new Date(r.last)]),
  );
}

const ROLLUP_INSERT_BATCH = 20_000;
type RollupRow = typeof metricRollups5m.$inferInsert;

const ROLLUP_COLUMNS = `bucket, container_id, sample_count, cpu_usage_cores_avg, cpu_usage_cores_max,
  cpu_throttled_periods_sum, cpu_throttled_seconds_sum, memory_working_set_bytes_avg,
  memory_working_set_bytes_max, memory_rss_bytes_max, oom_kill_count_sum`;

// Each rollup becomes sample_count raw samples: the first at the maxima carrying the counters, the
// others at the value that keeps the average (exact whenever avg >= max / sample_count).
const EXPAND_ROLLUPS = `
  insert into metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods,
    cpu_throttled_seconds, memory_working_set_bytes, memory_rss_bytes, oom_kill_count)
  select r.bucket + make_interval(secs => i * ${ROLLUP_BUCKET_SECONDS}.0 / r.sample_count), r.container_id,
    case when i = 0 then r.cpu_usage_cores_max
      else greatest(0, (r.sample_count * r.cpu_usage_cores_avg - r.cpu_usage_cores_max) / (r.sample_count - 1)) end,
    case when i = 0 then r.cpu_throttled_periods_sum else 0 end,
    case when i = 0 then r.cpu_throttled_seconds_sum else 0 end,
    case when i = 0 then r.memory_working_set_bytes_max else rest.memory end,
    case when i = 0 then r.memory_rss_bytes_max else least(r.memory_rss_bytes_max, rest.memory) end,
    case when i = 0 then r.oom_kill_count_sum else 0 end
  from json_populate_recordset(null::metric_rollups_5m, $1::json) r
  cross join lateral (select greatest(0, round((r.sample_count * r.memory_working_set_bytes_avg
    - r.memory_working_set_bytes_max) / greatest(r.sample_count - 1, 1)))::bigint as memory) rest
  cross join lateral generate_series(0, greatest(r.sample_count, 1) - 1) i`;

/**
 * Seeds 5-minute history (demo, tests). Plain path: rows go into the rollup table. TimescaleDB:
 * the rollups are a continuous aggregate, so each row becomes the raw samples it summarises and
 * the aggregate is refreshed over them (not inside a transaction: the refresh commits by itself).
 */
export async function insertRollups(
  db: DbExecutor,
  rows: readonly RollupRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const [mode] = await db.execute<{ mode: string }>(
    sql.raw(METRIC_STORAGE_MODE_QUERY),
  );
  const timescale = mode?.mode === "timescaledb";
  // One JSON parameter per batch: building 10^4-row VALUES lists in drizzle costs seconds of CPU.
  for (let i = 0; i < rows.length; i += ROLLUP_INSERT_BATCH) {
    const json = JSON.stringify(
      rows.slice(i, i + ROLLUP_INSERT_BATCH).map(toRollupJson),
    );
    const [before, after] = (
      timescale
        ? EXPAND_ROLLUPS
        : `insert into metric_rollups_5m (${ROLLUP_COLUMNS})
           select ${ROLLUP_COLUMNS} from json_populate_recordset(null::metric_rollups_5m, $1::json)`
    ).split("$1");
    await db.execute(
      sql`${sql.raw(before ?? "")}${json}${sql.raw(after ?? "")}`,
    );
  }
  if (!timescale) return;
  const times = rows.map((r) => r.bucket.getTime());
  const from = new Date(times.reduce((a, b) => Math.min(a, b)));
  const to = new Date(
    times.reduce((a, b) => Math.max(a, b)) + ROLLUP_BUCKET_SECONDS * 1000,
  );
  await db.execute(
    sql`call refresh_continuous_aggregate('metric_rollups_5m', ${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz)`,
  );
}

function toRollupJson(r: RollupRow) {
  return {
    bucket: r.bucket.toISOString(),
    container_id: r.containerId,
    sample_count: r.sampleCount,
    cpu_usage_cores_avg: r.cpuUsageCoresAvg,
    cpu_usage_cores_max: r.cpuUsageCoresMax,
    cpu_throttled_periods_sum: r.cpuThrottledPeriodsSum,
    cpu_throttled_seconds_sum: r.cpuThrottledSecondsSum,
    memory_working_set_bytes_avg: r.memoryWorkingSetBytesAvg,
    memory_working_set_bytes_max: r.memoryWorkingSetBytesMax,
    memory_rss_bytes_max: r.memoryRssBytesMax,
    oom_kill_count_sum: r.oomKillCountSum,
  };
}

export async function updateContainerResources(
  db: DbExecutor,
  id: string,
  values: Pick<
    typeof containers.$inferInsert,
    | "cpuRequestMillicores"
    | "cpuLimitMillicores"
    | "memoryRequestBytes"
    | "memoryLimitBytes"
    | "updatedAt"
  >,
): Promise<void> {
  await db.update(containers).set(values).where(eq(containers.id, id));
}

/** Whether any workload of the cluster has been seen in this namespace. */
export async function namespaceExists(
  db: DbExecutor,
  clusterId: string,
  namespace: string,
): Promise<boolean> {
  const rows = await db
    .select({ id: workloads.id })
    .from(workloads)
    .where(
      and(
        eq(workloads.clusterId, clusterId),
        eq(workloads.namespace, namespace),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

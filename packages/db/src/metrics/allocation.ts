import { sql, type SQL } from "drizzle-orm";

import type { DbExecutor } from "../client";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type AllocationResolution = "1h" | "1d";

export const ALLOCATION_STEP_MS: Record<AllocationResolution, number> = {
  "1h": HOUR_MS,
  "1d": DAY_MS,
};

/**
 * Buckets a container's running totals are carried after its last activity. A window read from the
 * totals (its last bucket minus the bucket before it) is exact when its last bucket is at most this
 * many buckets after its first: more than the longest window services read at each resolution
 * (2 days hourly, 400 days daily; services/costs/window.test.ts checks it).
 */
export const ALLOCATION_CARRY_BUCKETS: Record<AllocationResolution, number> = {
  "1h": 50,
  "1d": 402,
};

export type AllocationRefreshRange = { from: Date; to: Date };

const floorTo = (date: Date, stepMs: number) =>
  new Date(Math.floor(date.getTime() / stepMs) * stepMs);
const ceilTo = (date: Date, stepMs: number) =>
  new Date(Math.ceil(date.getTime() / stepMs) * stepMs);

const containerTable = (r: AllocationResolution) =>
  sql.raw(r === "1h" ? "container_allocation_1h" : "container_allocation_1d");
const namespaceTable = (r: AllocationResolution) =>
  sql.raw(r === "1h" ? "namespace_allocation_1h" : "namespace_allocation_1d");
const hours = (r: AllocationResolution, buckets: number) =>
  sql.raw(
    `interval '${String((buckets * ALLOCATION_STEP_MS[r]) / HOUR_MS)} hours'`,
  );
const iso = (date: Date) => sql`${date.toISOString()}::timestamptz`;

const VALUE_COLUMNS = [
  "covered_seconds",
  "cpu_usage_core_seconds",
  "cpu_request_core_seconds",
  "cpu_allocated_core_seconds",
  "memory_usage_byte_seconds",
  "memory_request_byte_seconds",
  "memory_allocated_byte_seconds",
] as const;

/** The value columns after covered_seconds (an integer in the container tables). */
const RESOURCE_COLUMNS = VALUE_COLUMNS.slice(1);

const list = (f: (column: string) => string) =>
  sql.raw(VALUE_COLUMNS.map(f).join(", "));

const UPSERT_VALUES = sql.raw(
  `on conflict (container_id, bucket) do update set ${VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}`,
);

/**
 * Recomputes the allocation of the whole hours touching [from, to) from the 5-minute rollups and
 * the containers' requests as they are now (so call it for recent hours: older hours keep the
 * requests of their time), then the days touched, the running totals, the namespace sums and
 * cluster capacity (nodes whose agents sent batches in each hour). Idempotent; one transaction.
 * Hours missed since a cluster's last refreshed hour (up to the hourly carry) are caught up.
 */
export async function refreshAllocation(
  db: DbExecutor,
  range: AllocationRefreshRange,
): Promise<{ hours: number; days: number }> {
  return db.transaction(async (tx) => {
    const to = ceilTo(range.to, HOUR_MS);
    const from = await catchUpStart(tx, "1h", floorTo(range.from, HOUR_MS));
    await tx.execute(sql`
      insert into container_allocation_1h (bucket, cluster_id, container_id, ${list((c) => c)})
      select date_trunc('hour', r.bucket), w.cluster_id, c.id, count(*)::int * 300,
        sum(r.cpu_usage_cores_avg) * 300,
        count(*) * 300 * coalesce(c.cpu_request_millicores, 0) / 1000.0,
        sum(greatest(r.cpu_usage_cores_avg, coalesce(c.cpu_request_millicores, 0) / 1000.0)) * 300,
        sum(r.memory_working_set_bytes_avg) * 300,
        count(*) * 300 * coalesce(c.memory_request_bytes, 0)::float8,
        sum(greatest(r.memory_working_set_bytes_avg, coalesce(c.memory_request_bytes, 0)::float8)) * 300
      from metric_rollups_5m r
      join containers c on c.id = r.container_id
      join workloads w on w.id = c.workload_id
      where r.bucket >= ${iso(from)} and r.bucket < ${iso(to)}
      group by 1, w.cluster_id, c.id
      ${UPSERT_VALUES}`);
    const result = await refreshAllocationTotals(tx, { from, to });
    await tx.execute(sql`
      insert into cluster_capacity_1h (cluster_id, bucket, covered_seconds, cpu_core_seconds,
        memory_byte_seconds, node_count)
      select n.cluster_id, p.hour, 3600, sum(n.cpu_capacity_millicores / 1000.0 * 3600),
        sum(n.memory_capacity_bytes::float8 * 3600), count(*)::int
      from (
        select distinct a.node_id, date_trunc('hour', b.received_at) as hour
        from ingest_batches b
        join agents a on a.cluster_id = b.cluster_id and a.agent_id = b.agent_id
        where a.node_id is not null
          and b.received_at >= ${iso(from)} and b.received_at < ${iso(to)}
      ) p
      join nodes n on n.id = p.node_id
      where n.cpu_capacity_millicores is not null and n.memory_capacity_bytes is not null
      group by 1, 2
      on conflict (cluster_id, bucket) do update set
        cpu_core_seconds = excluded.cpu_core_seconds,
        memory_byte_seconds = excluded.memory_byte_seconds,
        node_count = excluded.node_count`);
    return result;
  });
}

/**
 * Everything derived from the hourly values of [from, to): the days touched, the running totals
 * of both resolutions and the namespace sums. refreshAllocation calls it; so does a benchmark
 * that writes hourly and daily values itself. Call it inside a transaction.
 */
export async function refreshAllocationTotals(
  tx: DbExecutor,
  range: AllocationRefreshRange,
): Promise<{ hours: number; days: number }> {
  const from = floorTo(range.from, HOUR_MS);
  const to = ceilTo(range.to, HOUR_MS);
  await refreshRunningTotals(tx, "1h", { from, to });
  const dayTo = ceilTo(to, DAY_MS);
  const dayFrom = await catchUpStart(tx, "1d", floorTo(from, DAY_MS));
  await tx.execute(sql`
    insert into container_allocation_1d (bucket, cluster_id, container_id, ${list((c) => c)})
    select date_trunc('day', bucket, 'UTC'), cluster_id, container_id, sum(covered_seconds)::int,
      ${sql.raw(RESOURCE_COLUMNS.map((c) => `sum(${c})`).join(", "))}
    from container_allocation_1h
    where cluster_id in (select id from clusters)
      and bucket >= ${iso(dayFrom)} and bucket < ${iso(dayTo)}
    group by 1, 2, 3
    ${UPSERT_VALUES}`);
  await refreshRunningTotals(tx, "1d", { from: dayFrom, to: dayTo });
  await refreshNamespaceSums(tx, "1h", { from, to });
  await refreshNamespaceSums(tx, "1d", { from: dayFrom, to: dayTo });
  return {
    hours: (to.getTime() - from.getTime()) / HOUR_MS,
    days: (dayTo.getTime() - dayFrom.getTime()) / DAY_MS,
  };
}

/** `from`, or earlier when a cluster's last refreshed bucket (within the carry) is older. */
async function catchUpStart(
  db: DbExecutor,
  resolution: AllocationResolution,
  from: Date,
): Promise<Date> {
  const table = containerTable(resolution);
  const rows = await db.execute<{ last: string | null }>(sql`
    select min(last) as last from (
      select (select max(t.bucket) from ${table} t where t.cluster_id = c.id
        and t.bucket < ${iso(from)} and t.bucket >= ${iso(from)} - ${hours(resolution, ALLOCATION_CARRY_BUCKETS[resolution])}) as last
      from clusters c
    ) l`);
  const last = rows[0]?.last;
  if (last === null || last === undefined) return from;
  const next = new Date(
    new Date(last).getTime() + ALLOCATION_STEP_MS[resolution],
  );
  return next < from ? next : from;
}

const CUM = VALUE_COLUMNS.map((c) => `cum_${c}`);

/**
 * Running totals and carry rows from each cluster's last bucket before `from` to its newest bucket
 * (at least the one before `to`). Per container: a chain starts at activity after a carry ran out
 * (or at the first activity), and each row's totals are the chain's sums up to and including it.
 */
async function refreshRunningTotals(
  db: DbExecutor,
  resolution: AllocationResolution,
  range: AllocationRefreshRange,
): Promise<void> {
  const t = containerTable(resolution);
  const step = hours(resolution, 1);
  const carry = hours(resolution, ALLOCATION_CARRY_BUCKETS[resolution]);
  const from = iso(range.from);
  const lastBucket = sql`${iso(range.to)} - ${step}`;
  const coalesced = sql.raw(
    VALUE_COLUMNS.map((c) => `coalesce(t.${c}, 0)::float8 as ${c}`).join(", "),
  );
  const prevTotals = sql.raw(CUM.map((c) => `p.${c} as p_${c}`).join(", "));
  const totals = sql.raw(
    VALUE_COLUMNS.map(
      (c) =>
        `(case when seg = 0 then coalesce(p_cum_${c}, 0) else 0 end) + sum(${c}) over chain as cum_${c}`,
    ).join(",\n"),
  );
  await db.execute(sql`
    with bounds as (
      select l.cluster_id, l.last,
        coalesce(l.last + ${step}, (select min(t.bucket) from ${t} t where t.cluster_id = l.cluster_id and t.bucket >= ${from})) as g0,
        greatest(${lastBucket}, (select max(t.bucket) from ${t} t where t.cluster_id = l.cluster_id)) as g1
      from (
        select c.id as cluster_id, (select max(t.bucket) from ${t} t where t.cluster_id = c.id
          and t.bucket < ${from} and t.bucket >= ${from} - ${carry}) as last
        from clusters c
      ) l
    ),
    prev as (
      select t.* from ${t} t join bounds b on b.cluster_id = t.cluster_id and t.bucket = b.last
    ),
    ids as (
      select container_id, cluster_id from prev
      union
      select t.container_id, t.cluster_id from ${t} t join bounds b on b.cluster_id = t.cluster_id
      where t.bucket >= b.g0 and t.bucket <= b.g1 and t.covered_seconds > 0
    ),
    cells as (
      select g.container_id, g.cluster_id, g.bucket, ${coalesced},
        coalesce(t.covered_seconds, 0) > 0 as active,
        p.container_id is not null as has_prev, p.last_active as p_last_active,
        p.chain_start as p_chain_start, ${prevTotals}
      from (
        select ids.container_id, ids.cluster_id, s.bucket
        from ids join bounds b on b.cluster_id = ids.cluster_id
        cross join lateral generate_series(b.g0, b.g1, ${step}) s(bucket)
      ) g
      left join ${t} t on t.container_id = g.container_id and t.bucket = g.bucket
      left join prev p on p.container_id = g.container_id
    ),
    marked as (
      select cells.*, coalesce(max(case when active then bucket end) over w, p_last_active) as last_active
      from cells window w as (partition by container_id order by bucket)
    ),
    kept as (
      select marked.*, last_active is not null and bucket - last_active <= ${carry} as keep
      from marked
    ),
    starts as (
      select kept.*, active and not coalesce(lag(keep) over w, has_prev) as new_chain
      from kept window w as (partition by container_id order by bucket)
    ),
    segments as (
      select starts.*, count(*) filter (where new_chain) over w as seg,
        max(case when new_chain then bucket end) over w as seg_start
      from starts window w as (partition by container_id order by bucket)
    ),
    totals as (
      select segments.*, case when seg = 0 then p_chain_start else seg_start end as chain,
        ${totals}
      from segments window chain as (partition by container_id, seg order by bucket)
    )
    insert into ${t} (bucket, cluster_id, container_id, ${list((c) => c)}, ${sql.raw(CUM.join(", "))}, chain_start, last_active)
    select bucket, cluster_id, container_id, covered_seconds::int, ${sql.raw(RESOURCE_COLUMNS.join(", "))},
      ${sql.raw(CUM.join(", "))}, chain, last_active
    from totals where keep
    on conflict (container_id, bucket) do update set
      ${sql.raw(CUM.map((c) => `${c} = excluded.${c}`).join(", "))},
      chain_start = excluded.chain_start, last_active = excluded.last_active`);
}

async function refreshNamespaceSums(
  db: DbExecutor,
  resolution: AllocationResolution,
  range: AllocationRefreshRange,
): Promise<void> {
  const sums: SQL = list((c) => `sum(a.${c})::float8`);
  await db.execute(sql`
    insert into ${namespaceTable(resolution)} (cluster_id, namespace, bucket, ${list((c) => c)})
    select a.cluster_id, w.namespace, a.bucket, ${sums}
    from ${containerTable(resolution)} a
    join containers c on c.id = a.container_id
    join workloads w on w.id = c.workload_id
    where a.cluster_id in (select id from clusters)
      and a.bucket >= ${iso(range.from)} and a.bucket < ${iso(range.to)} and a.covered_seconds > 0
    group by 1, 2, 3
    on conflict (cluster_id, bucket, namespace) do update set
      ${list((c) => `${c} = excluded.${c}`)}`);
}

/** Hourly capacity rows written directly (demo seeds and benchmarks, which have no agents). */
export async function insertClusterCapacity(
  db: DbExecutor,
  rows: {
    clusterId: string;
    bucket: Date;
    cpuCores: number;
    memoryBytes: number;
    nodeCount: number;
  }[],
): Promise<void> {
  if (rows.length === 0) return;
  const payload = rows.map((r) => ({
    cluster_id: r.clusterId,
    bucket: r.bucket.toISOString(),
    covered_seconds: 3600,
    cpu_core_seconds: r.cpuCores * 3600,
    memory_byte_seconds: r.memoryBytes * 3600,
    node_count: r.nodeCount,
  }));
  await db.execute(sql`
    insert into cluster_capacity_1h (cluster_id, bucket, covered_seconds, cpu_core_seconds, memory_byte_seconds, node_count)
    select cluster_id, bucket, covered_seconds, cpu_core_seconds, memory_byte_seconds, node_count
    from json_populate_recordset(null::cluster_capacity_1h, ${JSON.stringify(payload)}::json)
    on conflict (cluster_id, bucket) do update set
      cpu_core_seconds = excluded.cpu_core_seconds,
      memory_byte_seconds = excluded.memory_byte_seconds,
      node_count = excluded.node_count`);
}

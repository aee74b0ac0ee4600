import { sql } from "drizzle-orm";

import type { DbExecutor } from "../client";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type AllocationRefreshRange = { from: Date; to: Date };

const floorTo = (date: Date, stepMs: number) =>
  new Date(Math.floor(date.getTime() / stepMs) * stepMs);
const ceilTo = (date: Date, stepMs: number) =>
  new Date(Math.ceil(date.getTime() / stepMs) * stepMs);

/**
 * Recomputes container_allocation_1h for the whole hours touching [from, to) from the 5-minute
 * rollups and the containers' requests as they are now (so call it for recent hours: older hours
 * keep the requests of their time), then the daily sums of the days touched, then cluster
 * capacity from nodes whose agents sent batches in each hour. Idempotent (upserts).
 */
export async function refreshAllocation(
  db: DbExecutor,
  range: AllocationRefreshRange,
): Promise<{ hours: number; days: number }> {
  const from = floorTo(range.from, HOUR_MS);
  const to = ceilTo(range.to, HOUR_MS);
  const dayFrom = floorTo(from, DAY_MS);
  const dayTo = ceilTo(to, DAY_MS);
  await db.execute(sql`
    insert into container_allocation_1h (bucket, cluster_id, container_id, covered_seconds,
      cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds,
      memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds)
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
    where r.bucket >= ${from.toISOString()}::timestamptz and r.bucket < ${to.toISOString()}::timestamptz
    group by 1, w.cluster_id, c.id
    on conflict (container_id, bucket) do update set
      covered_seconds = excluded.covered_seconds,
      cpu_usage_core_seconds = excluded.cpu_usage_core_seconds,
      cpu_request_core_seconds = excluded.cpu_request_core_seconds,
      cpu_allocated_core_seconds = excluded.cpu_allocated_core_seconds,
      memory_usage_byte_seconds = excluded.memory_usage_byte_seconds,
      memory_request_byte_seconds = excluded.memory_request_byte_seconds,
      memory_allocated_byte_seconds = excluded.memory_allocated_byte_seconds`);
  await db.execute(sql`
    insert into container_allocation_1d (bucket, cluster_id, container_id, covered_seconds,
      cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds,
      memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds)
    select date_trunc('day', bucket, 'UTC'), cluster_id, container_id, sum(covered_seconds)::int,
      sum(cpu_usage_core_seconds), sum(cpu_request_core_seconds), sum(cpu_allocated_core_seconds),
      sum(memory_usage_byte_seconds), sum(memory_request_byte_seconds), sum(memory_allocated_byte_seconds)
    from container_allocation_1h
    where bucket >= ${dayFrom.toISOString()}::timestamptz and bucket < ${dayTo.toISOString()}::timestamptz
    group by 1, 2, 3
    on conflict (container_id, bucket) do update set
      covered_seconds = excluded.covered_seconds,
      cpu_usage_core_seconds = excluded.cpu_usage_core_seconds,
      cpu_request_core_seconds = excluded.cpu_request_core_seconds,
      cpu_allocated_core_seconds = excluded.cpu_allocated_core_seconds,
      memory_usage_byte_seconds = excluded.memory_usage_byte_seconds,
      memory_request_byte_seconds = excluded.memory_request_byte_seconds,
      memory_allocated_byte_seconds = excluded.memory_allocated_byte_seconds`);
  await db.execute(sql`
    insert into cluster_capacity_1h (cluster_id, bucket, covered_seconds, cpu_core_seconds,
      memory_byte_seconds, node_count)
    select n.cluster_id, p.hour, 3600, sum(n.cpu_capacity_millicores / 1000.0 * 3600),
      sum(n.memory_capacity_bytes::float8 * 3600), count(*)::int
    from (
      select distinct a.node_id, date_trunc('hour', b.received_at) as hour
      from ingest_batches b join agents a on a.agent_id = b.agent_id
      where a.node_id is not null
        and b.received_at >= ${from.toISOString()}::timestamptz and b.received_at < ${to.toISOString()}::timestamptz
    ) p
    join nodes n on n.id = p.node_id
    where n.cpu_capacity_millicores is not null and n.memory_capacity_bytes is not null
    group by 1, 2
    on conflict (cluster_id, bucket) do update set
      cpu_core_seconds = excluded.cpu_core_seconds,
      memory_byte_seconds = excluded.memory_byte_seconds,
      node_count = excluded.node_count`);
  return {
    hours: (to.getTime() - from.getTime()) / HOUR_MS,
    days: (dayTo.getTime() - dayFrom.getTime()) / DAY_MS,
  };
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

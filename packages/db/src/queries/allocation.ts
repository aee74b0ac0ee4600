import { sql, type SQL } from "drizzle-orm";

import type { DbExecutor } from "../client";
import type { NamespaceScopeFilter } from "./recommendations";

export type AllocationResolution = "1h" | "1d";

export type AllocationFilter = {
  clusterId: string;
  from: Date;
  to: Date;
  resolution: AllocationResolution;
  /** undefined = unrestricted; [] = nothing. */
  scopes?: readonly NamespaceScopeFilter[] | undefined;
  namespace?: string | undefined;
  workloadId?: string | undefined;
  containerId?: string | undefined;
};

export type AllocationSeconds = {
  coveredSeconds: number;
  cpuUsageCoreSeconds: number;
  cpuRequestCoreSeconds: number;
  cpuAllocatedCoreSeconds: number;
  memoryUsageByteSeconds: number;
  memoryRequestByteSeconds: number;
  memoryAllocatedByteSeconds: number;
};

export type ContainerAllocationRow = AllocationSeconds & {
  containerId: string;
  containerName: string;
  workloadId: string;
  workloadKind: string;
  workloadName: string;
  namespace: string;
  labels: Record<string, string>;
};

export type AllocationPoint = AllocationSeconds & { bucket: Date };

const table = (resolution: AllocationResolution) =>
  sql.raw(
    resolution === "1h" ? "container_allocation_1h" : "container_allocation_1d",
  );

function scopeSql(scopes: readonly NamespaceScopeFilter[] | undefined): SQL {
  if (scopes === undefined) return sql`true`;
  if (scopes.length === 0) return sql`false`;
  return sql.join(
    scopes.map((s) =>
      s.namespace === "*"
        ? sql`(w.cluster_id = ${s.clusterId}::uuid)`
        : sql`(w.cluster_id = ${s.clusterId}::uuid and w.namespace = ${s.namespace})`,
    ),
    sql` or `,
  );
}

function whereSql(filter: AllocationFilter): SQL {
  return sql`a.cluster_id = ${filter.clusterId}::uuid
    and a.bucket >= ${filter.from.toISOString()}::timestamptz
    and a.bucket < ${filter.to.toISOString()}::timestamptz
    and (${scopeSql(filter.scopes)})
    ${filter.namespace === undefined ? sql`` : sql`and w.namespace = ${filter.namespace}`}
    ${filter.workloadId === undefined ? sql`` : sql`and w.id = ${filter.workloadId}::uuid`}
    ${filter.containerId === undefined ? sql`` : sql`and c.id = ${filter.containerId}::uuid`}`;
}

const SUMS = sql`sum(a.covered_seconds)::float8 as covered_seconds,
  sum(a.cpu_usage_core_seconds) as cpu_usage_core_seconds,
  sum(a.cpu_request_core_seconds) as cpu_request_core_seconds,
  sum(a.cpu_allocated_core_seconds) as cpu_allocated_core_seconds,
  sum(a.memory_usage_byte_seconds) as memory_usage_byte_seconds,
  sum(a.memory_request_byte_seconds) as memory_request_byte_seconds,
  sum(a.memory_allocated_byte_seconds) as memory_allocated_byte_seconds`;

function toSeconds(r: Record<string, unknown>): AllocationSeconds {
  return {
    coveredSeconds: Number(r.covered_seconds),
    cpuUsageCoreSeconds: Number(r.cpu_usage_core_seconds),
    cpuRequestCoreSeconds: Number(r.cpu_request_core_seconds),
    cpuAllocatedCoreSeconds: Number(r.cpu_allocated_core_seconds),
    memoryUsageByteSeconds: Number(r.memory_usage_byte_seconds),
    memoryRequestByteSeconds: Number(r.memory_request_byte_seconds),
    memoryAllocatedByteSeconds: Number(r.memory_allocated_byte_seconds),
  };
}

/** Allocation inputs summed per container over the window, with the dimensions to group by. */
export async function queryContainerAllocation(
  db: DbExecutor,
  filter: AllocationFilter,
): Promise<ContainerAllocationRow[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    with sums as (
      select a.container_id, ${SUMS}
      from ${table(filter.resolution)} a
      join containers c on c.id = a.container_id
      join workloads w on w.id = c.workload_id
      where ${whereSql(filter)}
      group by a.container_id
    )
    select s.*, c.name as container_name, w.id as workload_id, w.kind, w.name as workload_name,
      w.namespace, w.labels
    from sums s join containers c on c.id = s.container_id join workloads w on w.id = c.workload_id`);
  return rows.map((r) => ({
    ...toSeconds(r),
    containerId: String(r.container_id),
    containerName: String(r.container_name),
    workloadId: String(r.workload_id),
    workloadKind: String(r.kind),
    workloadName: String(r.workload_name),
    namespace: String(r.namespace),
    labels: (r.labels ?? {}) as Record<string, string>,
  }));
}

/** Allocation inputs per bucket (cost over time). */
export async function queryAllocationSeries(
  db: DbExecutor,
  filter: AllocationFilter,
): Promise<AllocationPoint[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select a.bucket, ${SUMS}
    from ${table(filter.resolution)} a
    join containers c on c.id = a.container_id
    join workloads w on w.id = c.workload_id
    where ${whereSql(filter)}
    group by a.bucket order by a.bucket`);
  return rows.map((r) => ({
    ...toSeconds(r),
    bucket: new Date(String(r.bucket)),
  }));
}

export type CapacityPoint = {
  bucket: Date;
  cpuCoreSeconds: number;
  memoryByteSeconds: number;
};

/** Node capacity per bucket of the resolution (hours summed into UTC days for "1d"). */
export async function queryClusterCapacity(
  db: DbExecutor,
  filter: Pick<AllocationFilter, "clusterId" | "from" | "to" | "resolution">,
): Promise<CapacityPoint[]> {
  const unit = sql.raw(filter.resolution === "1h" ? "'hour'" : "'day'");
  const rows = await db.execute<Record<string, unknown>>(sql`
    select date_trunc(${unit}, bucket, 'UTC') as bucket, sum(cpu_core_seconds) as cpu,
      sum(memory_byte_seconds) as memory
    from cluster_capacity_1h
    where cluster_id = ${filter.clusterId}::uuid
      and bucket >= ${filter.from.toISOString()}::timestamptz and bucket < ${filter.to.toISOString()}::timestamptz
    group by 1 order by 1`);
  return rows.map((r) => ({
    bucket: new Date(String(r.bucket)),
    cpuCoreSeconds: Number(r.cpu),
    memoryByteSeconds: Number(r.memory),
  }));
}

/** The earliest allocation bucket of the cluster at or after `from` (how much of a window has data). */
export async function getFirstAllocationBucket(
  db: DbExecutor,
  query: { clusterId: string; from: Date; resolution: AllocationResolution },
): Promise<Date | undefined> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select min(a.bucket) as first from ${table(query.resolution)} a
    where a.cluster_id = ${query.clusterId}::uuid and a.bucket >= ${query.from.toISOString()}::timestamptz`);
  const first = rows[0]?.first;
  if (first instanceof Date) return first;
  return typeof first === "string" ? new Date(first) : undefined;
}

export async function getCostSettingsRow(
  db: DbExecutor,
  clusterId: string,
): Promise<
  { settings: unknown; updatedAt: Date; updatedBy: string } | undefined
> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select settings, updated_at, updated_by from cluster_cost_settings where cluster_id = ${clusterId}::uuid`);
  const row = rows[0];
  return row
    ? {
        settings: row.settings,
        updatedAt: new Date(String(row.updated_at)),
        updatedBy: String(row.updated_by),
      }
    : undefined;
}

export async function upsertCostSettingsRow(
  db: DbExecutor,
  row: {
    clusterId: string;
    settings: unknown;
    updatedAt: Date;
    updatedBy: string;
  },
): Promise<void> {
  await db.execute(sql`
    insert into cluster_cost_settings (cluster_id, settings, updated_at, updated_by)
    values (${row.clusterId}::uuid, ${JSON.stringify(row.settings)}::jsonb, ${row.updatedAt.toISOString()}::timestamptz, ${row.updatedBy})
    on conflict (cluster_id) do update set settings = excluded.settings,
      updated_at = excluded.updated_at, updated_by = excluded.updated_by`);
}

export type OpenSavingsRow = {
  namespace: string;
  workloadId: string;
  projectedMonthlySavingsMicroUsd: number;
  openCount: number;
};

/** Stored savings of the open (Pending/Approved) recommendations, per workload: the one source of "projected". */
export async function sumOpenSavings(
  db: DbExecutor,
  query: {
    clusterId: string;
    scopes?: readonly NamespaceScopeFilter[] | undefined;
  },
): Promise<OpenSavingsRow[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select w.namespace, w.id as workload_id,
      sum(r.projected_monthly_savings_micro_usd)::float8 as savings, count(*)::int as open_count
    from recommendations r
    join containers c on c.id = r.container_id
    join workloads w on w.id = c.workload_id
    where r.cluster_id = ${query.clusterId}::uuid and r.phase in ('Pending', 'Approved')
      and (${scopeSql(query.scopes)})
    group by w.namespace, w.id`);
  return rows.map((r) => ({
    namespace: String(r.namespace),
    workloadId: String(r.workload_id),
    projectedMonthlySavingsMicroUsd: Number(r.savings),
    openCount: Number(r.open_count),
  }));
}

import { sql, type SQL } from "drizzle-orm";

import type { DbExecutor } from "../client";
import type { AllocationResolution } from "../metrics/allocation";
import type { NamespaceScopeFilter } from "./recommendations";

export type { AllocationResolution };

export type AllocationFilter = {
  clusterId: string;
  /** Bucket-aligned: the window is the buckets in [from, to). */
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

/**
 * Window sums grouped in SQL by namespace plus the dimensions asked for: "kind" (controller kind),
 * "workload" (the controller: id, kind, name), "container" (id and name, within its workload), and
 * label values (`labels` holds the asked keys only, absent when unset).
 */
export type AllocationDimensions = {
  kind?: boolean;
  workload?: boolean;
  container?: boolean;
  labelKeys?: readonly string[];
};

export type ContainerAllocationRow = AllocationSeconds & {
  namespace: string;
  workloadKind?: string;
  workloadId?: string;
  workloadName?: string;
  containerId?: string;
  containerName?: string;
  labels?: Record<string, string>;
};

export type NamespaceAllocationRow = AllocationSeconds & { namespace: string };

export type AllocationPoint = AllocationSeconds & { bucket: Date };

const containerTable = (resolution: AllocationResolution) =>
  sql.raw(
    resolution === "1h" ? "container_allocation_1h" : "container_allocation_1d",
  );
const namespaceTable = (resolution: AllocationResolution) =>
  sql.raw(
    resolution === "1h" ? "namespace_allocation_1h" : "namespace_allocation_1d",
  );
const iso = (date: Date) => sql`${date.toISOString()}::timestamptz`;

function scopeSql(
  scopes: readonly NamespaceScopeFilter[] | undefined,
  alias: "w" | "a",
): SQL {
  if (scopes === undefined) return sql`true`;
  if (scopes.length === 0) return sql`false`;
  const a = sql.raw(alias);
  return sql.join(
    scopes.map((s) =>
      s.namespace === "*"
        ? sql`(${a}.cluster_id = ${s.clusterId}::uuid)`
        : sql`(${a}.cluster_id = ${s.clusterId}::uuid and ${a}.namespace = ${s.namespace})`,
    ),
    sql` or `,
  );
}

const isNarrowed = (filter: AllocationFilter) =>
  filter.scopes !== undefined ||
  filter.namespace !== undefined ||
  filter.workloadId !== undefined ||
  filter.containerId !== undefined;

/** `and a.container_id in (…)` for a scope or a drill-down filter; nothing for a whole cluster. */
function containerFilterSql(filter: AllocationFilter): SQL {
  if (!isNarrowed(filter)) return sql``;
  return sql`and a.container_id in (
    select c.id from containers c join workloads w on w.id = c.workload_id
    where w.cluster_id = ${filter.clusterId}::uuid and (${scopeSql(filter.scopes, "w")})
      ${filter.namespace === undefined ? sql`` : sql`and w.namespace = ${filter.namespace}`}
      ${filter.workloadId === undefined ? sql`` : sql`and w.id = ${filter.workloadId}::uuid`}
      ${filter.containerId === undefined ? sql`` : sql`and c.id = ${filter.containerId}::uuid`})`;
}

const COLUMNS = [
  "covered_seconds",
  "cpu_usage_core_seconds",
  "cpu_request_core_seconds",
  "cpu_allocated_core_seconds",
  "memory_usage_byte_seconds",
  "memory_request_byte_seconds",
  "memory_allocated_byte_seconds",
] as const;

const SUMS = sql.raw(
  COLUMNS.map((c) => `sum(a.${c})::float8 as ${c}`).join(",\n"),
);

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

/** `select` and `group by` items for the asked dimensions (namespace always). */
function dimensionSql(dims: AllocationDimensions): SQL[] {
  const items: SQL[] = [sql`w.namespace`];
  if (dims.kind === true || dims.workload === true || dims.container === true)
    items.push(sql`w.kind`);
  if (dims.workload === true || dims.container === true)
    items.push(sql`w.id as workload_id`, sql`w.name as workload_name`);
  if (dims.container === true)
    items.push(sql`c.id as container_id`, sql`c.name as container_name`);
  (dims.labelKeys ?? []).forEach((key, i) =>
    items.push(sql`w.labels ->> ${key} as ${sql.raw(`label_${String(i)}`)}`),
  );
  return items;
}

const text = (v: unknown) => (typeof v === "string" ? v : undefined);

/** One object per row, built directly (a 30-day window by controller has a row per workload). */
function toContainerRow(
  r: Record<string, unknown>,
  labelColumns: readonly (readonly [key: string, column: string])[],
): ContainerAllocationRow {
  const labels: Record<string, string> = {};
  for (const [key, column] of labelColumns) {
    const value = text(r[column]);
    if (value !== undefined) labels[key] = value;
  }
  return {
    coveredSeconds: Number(r.covered_seconds),
    cpuUsageCoreSeconds: Number(r.cpu_usage_core_seconds),
    cpuRequestCoreSeconds: Number(r.cpu_request_core_seconds),
    cpuAllocatedCoreSeconds: Number(r.cpu_allocated_core_seconds),
    memoryUsageByteSeconds: Number(r.memory_usage_byte_seconds),
    memoryRequestByteSeconds: Number(r.memory_request_byte_seconds),
    memoryAllocatedByteSeconds: Number(r.memory_allocated_byte_seconds),
    namespace: String(r.namespace),
    workloadKind: text(r.kind),
    workloadId: text(r.workload_id),
    workloadName: text(r.workload_name),
    containerId: text(r.container_id),
    containerName: text(r.container_name),
    labels,
  };
}

/**
 * Allocation inputs over the window from the running totals: per container, the window's last
 * bucket minus the bucket before the window (two rows, whatever the window's length), then summed in
 * SQL per namespace and the asked dimensions. Containers with nothing in the window are left out.
 */
export async function queryContainerAllocation(
  db: DbExecutor,
  filter: AllocationFilter,
  dims: AllocationDimensions,
): Promise<ContainerAllocationRow[]> {
  const t = containerTable(filter.resolution);
  const cluster = sql`${filter.clusterId}::uuid`;
  // Two constant buckets (looked up first) let the planner read each with the cluster/bucket index.
  const [ends] = await db.execute<{
    last: string | null;
    before: string | null;
  }>(sql`
    select
      (select max(bucket) from ${t} where cluster_id = ${cluster} and bucket < ${iso(filter.to)})::text as last,
      (select max(bucket) from ${t} where cluster_id = ${cluster} and bucket < ${iso(filter.from)})::text as before`);
  if (!ends?.last) return [];
  const narrowed = containerFilterSql(filter);
  const atBucket = (bucket: string) =>
    sql`select a.* from ${t} a where a.cluster_id = ${cluster} and a.bucket = ${bucket}::timestamptz ${narrowed}`;
  const start = (c: string) =>
    ends.before === null
      ? "0"
      : `(case when s.chain_start = e.chain_start then s.cum_${c} else 0 end)`;
  const difference = sql.raw(
    COLUMNS.map((c) => `e.cum_${c} - ${start(c)} as ${c}`).join(",\n"),
  );
  const dimensions = dimensionSql(dims);
  const rows = await db.execute<Record<string, unknown>>(sql`
    with e as (${atBucket(ends.last)}),
    win as (
      select e.container_id, ${difference}
      from e ${ends.before === null ? sql`` : sql`left join (${atBucket(ends.before)}) s on s.container_id = e.container_id`}
    )
    select ${sql.join(dimensions, sql`, `)}, ${sql.raw(COLUMNS.map((c) => `sum(win.${c})::float8 as ${c}`).join(", "))}
    from win join containers c on c.id = win.container_id join workloads w on w.id = c.workload_id
    where win.covered_seconds > 0
    group by ${sql.raw(dimensions.map((_, i) => String(i + 1)).join(", "))}`);
  const labelColumns = (dims.labelKeys ?? []).map(
    (key, i) => [key, `label_${String(i)}`] as const,
  );
  return rows.map((r) => toContainerRow(r, labelColumns));
}

/** Allocation inputs per namespace over the window (the namespace sums: a row per namespace and bucket). */
export async function queryNamespaceAllocation(
  db: DbExecutor,
  filter: Omit<AllocationFilter, "workloadId" | "containerId">,
): Promise<NamespaceAllocationRow[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select a.namespace, ${SUMS}
    from ${namespaceTable(filter.resolution)} a
    where a.cluster_id = ${filter.clusterId}::uuid
      and a.bucket >= ${iso(filter.from)} and a.bucket < ${iso(filter.to)}
      and (${scopeSql(filter.scopes, "a")})
      ${filter.namespace === undefined ? sql`` : sql`and a.namespace = ${filter.namespace}`}
    group by a.namespace`);
  return rows.map((r) => ({ ...toSeconds(r), namespace: String(r.namespace) }));
}

/** Allocation inputs per bucket (cost over time): namespace sums, or container rows below a namespace. */
export async function queryAllocationSeries(
  db: DbExecutor,
  filter: AllocationFilter,
): Promise<AllocationPoint[]> {
  const belowNamespace =
    filter.workloadId !== undefined || filter.containerId !== undefined;
  const rows = await db.execute<Record<string, unknown>>(
    belowNamespace
      ? sql`
        select a.bucket, ${SUMS}
        from ${containerTable(filter.resolution)} a
        where a.cluster_id = ${filter.clusterId}::uuid
          and a.bucket >= ${iso(filter.from)} and a.bucket < ${iso(filter.to)}
          ${containerFilterSql(filter)}
        group by a.bucket order by a.bucket`
      : sql`
        select a.bucket, ${SUMS}
        from ${namespaceTable(filter.resolution)} a
        where a.cluster_id = ${filter.clusterId}::uuid
          and a.bucket >= ${iso(filter.from)} and a.bucket < ${iso(filter.to)}
          and (${scopeSql(filter.scopes, "a")})
          ${filter.namespace === undefined ? sql`` : sql`and a.namespace = ${filter.namespace}`}
        group by a.bucket order by a.bucket`,
  );
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
    select min(a.bucket) as first from ${containerTable(query.resolution)} a
    where a.cluster_id = ${query.clusterId}::uuid and a.bucket >= ${iso(query.from)} and a.covered_seconds > 0`);
  const first = rows[0]?.first;
  if (first instanceof Date) return first;
  return typeof first === "string" ? new Date(first) : undefined;
}

/**
 * How much of a bucket the cluster's data covers: the longest-covered container's seconds in it
 * (a cluster whose first rollup is at 10:55 covers 300 s of the 10:00 bucket).
 */
export async function getBucketCoverageSeconds(
  db: DbExecutor,
  query: { clusterId: string; bucket: Date; resolution: AllocationResolution },
): Promise<number> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select coalesce(max(a.covered_seconds), 0)::float8 as covered from ${containerTable(query.resolution)} a
    where a.cluster_id = ${query.clusterId}::uuid and a.bucket = ${iso(query.bucket)}`);
  return Number(rows[0]?.covered ?? 0);
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
    namespace?: string | undefined;
    workloadId?: string | undefined;
    /** One row per namespace (workloadId ""), e.g. for a page that lists namespaces. */
    perNamespace?: boolean;
  },
): Promise<OpenSavingsRow[]> {
  const workload =
    query.perNamespace === true ? sql`''::text` : sql`w.id::text`;
  const rows = await db.execute<Record<string, unknown>>(sql`
    select w.namespace, ${workload} as workload_id,
      sum(r.projected_monthly_savings_micro_usd)::float8 as savings, count(*)::int as open_count
    from recommendations r
    join containers c on c.id = r.container_id
    join workloads w on w.id = c.workload_id
    where r.cluster_id = ${query.clusterId}::uuid and r.phase in ('Pending', 'Approved')
      and (${scopeSql(query.scopes, "w")})
      ${query.namespace === undefined ? sql`` : sql`and w.namespace = ${query.namespace}`}
      ${query.workloadId === undefined ? sql`` : sql`and w.id = ${query.workloadId}::uuid`}
    group by 1, 2`);
  return rows.map((r) => ({
    namespace: String(r.namespace),
    workloadId: String(r.workload_id),
    projectedMonthlySavingsMicroUsd: Number(r.savings),
    openCount: Number(r.open_count),
  }));
}

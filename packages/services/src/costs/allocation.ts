import {
  addCosts,
  computeIdleCost,
  distributeSharedCost,
  efficiencyOf,
  priceResourceSeconds,
  roundCost,
  shareIdleCost,
  totalOf,
  ZERO_COST,
  ZERO_RESOURCE_SECONDS,
  type AllocationGroup,
  type CostBreakdown,
  type ResourcePrice,
  type ResourceSeconds,
} from "@kubewise/core";
import {
  queryClusterCapacity,
  queryContainerAllocation,
  queryNamespaceAllocation,
  type AllocationDimensions,
  type ContainerAllocationRow,
  type DbExecutor,
  type NamespaceScopeFilter,
} from "@kubewise/db";

import type { CostSettings } from "./settings";
import { bucketQueryEnd, type AllocationWindow } from "./window";

// The one query layer: Overview, Savings, drill-down pages, budgets, CSV exports and the REST
// allocation endpoint all get their money from computeAllocation, so their totals agree.

export type AllocationAggregate =
  | "cluster"
  | "namespace"
  | "controllerKind"
  | "controller"
  | "container"
  | `label:${string}`;

export const IDLE_NAME = "__idle__";
const UNALLOCATED_NAME = "__unallocated__";

export type AllocationLine = {
  name: string;
  properties: Record<string, string>;
  cpuCoreHours: number;
  ramByteHours: number;
  cpuUsageAvgCores: number;
  cpuRequestAvgCores: number;
  memoryUsageAvgBytes: number;
  memoryRequestAvgBytes: number;
  cpuCostMicroUsd: number;
  ramCostMicroUsd: number;
  sharedCostMicroUsd: number;
  idleCostMicroUsd: number;
  usageCostMicroUsd: number;
  totalCostMicroUsd: number;
  /** usage cost / allocated cost (0..1). */
  efficiency: number;
};

export type AllocationResult = {
  window: AllocationWindow;
  aggregate: AllocationAggregate;
  lines: AllocationLine[];
  /** Unrounded sum of every line (idle included when shown), rounded once. */
  totalCostMicroUsd: number;
  /** Idle capacity cost, when node capacity is known and the caller sees the whole cluster. */
  idle: { cpuMicroUsd: number; memoryMicroUsd: number } | null;
};

export type ComputeAllocationInput = {
  db: DbExecutor;
  clusterId: string;
  window: AllocationWindow;
  aggregate: AllocationAggregate;
  settings: CostSettings;
  price: ResourcePrice;
  scopes: readonly NamespaceScopeFilter[] | undefined;
  includeIdle: boolean;
  filter?: { namespace?: string; workloadId?: string; containerId?: string };
};

/** Window sums per namespace and the dimensions the aggregates need (see loadRows). */
type AllocationRow = ContainerAllocationRow;

type GroupKey = { name: string; properties: Record<string, string> };
type Group = {
  key: GroupKey;
  seconds: ResourceSeconds;
  coveredSeconds: number;
};

function keyOf(row: AllocationRow, aggregate: AllocationAggregate): GroupKey {
  if (aggregate === "cluster") return { name: "cluster", properties: {} };
  if (aggregate === "namespace")
    return { name: row.namespace, properties: { namespace: row.namespace } };
  const kind = row.workloadKind ?? "";
  const workload = row.workloadName ?? "";
  if (aggregate === "controllerKind")
    return { name: kind, properties: { controllerKind: kind } };
  if (aggregate === "controller")
    return {
      name: `${row.namespace}/${kind}/${workload}`,
      properties: {
        namespace: row.namespace,
        controllerKind: kind,
        controller: workload,
        workloadId: row.workloadId ?? "",
      },
    };
  if (aggregate === "container")
    return {
      name: `${row.namespace}/${workload}/${row.containerName ?? ""}`,
      properties: {
        namespace: row.namespace,
        controllerKind: kind,
        controller: workload,
        container: row.containerName ?? "",
        workloadId: row.workloadId ?? "",
        containerId: row.containerId ?? "",
      },
    };
  const label = aggregate.slice("label:".length);
  const value = row.labels?.[label] ?? UNALLOCATED_NAME;
  return { name: value, properties: { [`label:${label}`]: value } };
}

/** Adds a row's seconds into `sum` in place (a 10,000-row window allocates no object per row). */
function accumulate(sum: ResourceSeconds, row: AllocationRow): void {
  sum.cpuUsageCoreSeconds += row.cpuUsageCoreSeconds;
  sum.cpuRequestCoreSeconds += row.cpuRequestCoreSeconds;
  sum.cpuAllocatedCoreSeconds += row.cpuAllocatedCoreSeconds;
  sum.memoryUsageByteSeconds += row.memoryUsageByteSeconds;
  sum.memoryRequestByteSeconds += row.memoryRequestByteSeconds;
  sum.memoryAllocatedByteSeconds += row.memoryAllocatedByteSeconds;
}

function sumOf(rows: readonly AllocationRow[]): ResourceSeconds {
  const sum = { ...ZERO_RESOURCE_SECONDS };
  for (const row of rows) accumulate(sum, row);
  return sum;
}

function group(rows: AllocationRow[], aggregate: AllocationAggregate): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = keyOf(row, aggregate);
    let found = groups.get(key.name);
    if (found === undefined) {
      found = { key, seconds: { ...ZERO_RESOURCE_SECONDS }, coveredSeconds: 0 };
      groups.set(key.name, found);
    }
    accumulate(found.seconds, row);
    found.coveredSeconds += row.coveredSeconds;
  }
  return [...groups.values()];
}

function toLine(
  g: Group,
  cost: CostBreakdown,
  windowSeconds: number,
): AllocationLine {
  const avg = (value: number) =>
    windowSeconds > 0 ? value / windowSeconds : 0;
  return {
    name: g.key.name,
    properties: g.key.properties,
    cpuCoreHours: g.seconds.cpuAllocatedCoreSeconds / 3600,
    ramByteHours: g.seconds.memoryAllocatedByteSeconds / 3600,
    cpuUsageAvgCores: avg(g.seconds.cpuUsageCoreSeconds),
    cpuRequestAvgCores: avg(g.seconds.cpuRequestCoreSeconds),
    memoryUsageAvgBytes: avg(g.seconds.memoryUsageByteSeconds),
    memoryRequestAvgBytes: avg(g.seconds.memoryRequestByteSeconds),
    cpuCostMicroUsd: roundCost(cost.cpuMicroUsd),
    ramCostMicroUsd: roundCost(cost.memoryMicroUsd),
    sharedCostMicroUsd: roundCost(cost.sharedMicroUsd),
    idleCostMicroUsd: roundCost(cost.idleMicroUsd),
    usageCostMicroUsd: roundCost(cost.usageMicroUsd),
    totalCostMicroUsd: roundCost(totalOf(cost)),
    efficiency: efficiencyOf(cost),
  };
}

const SHARED_KEY: GroupKey = { name: "__shared__", properties: {} };

async function idleFor(
  input: ComputeAllocationInput,
  allocated: ResourceSeconds,
): Promise<{ cpuMicroUsd: number; memoryMicroUsd: number } | null> {
  const wholeCluster =
    input.scopes === undefined ||
    input.scopes.some(
      (s) => s.clusterId === input.clusterId && s.namespace === "*",
    );
  if (!wholeCluster || input.filter !== undefined) return null;
  const capacity = await queryClusterCapacity(input.db, {
    clusterId: input.clusterId,
    from: input.window.from,
    to: bucketQueryEnd(input.window),
    resolution: input.window.resolution,
  });
  if (capacity.length === 0) return null;
  const total = capacity.reduce(
    (sum, p) => ({
      cpuCoreSeconds: sum.cpuCoreSeconds + p.cpuCoreSeconds,
      memoryByteSeconds: sum.memoryByteSeconds + p.memoryByteSeconds,
    }),
    { cpuCoreSeconds: 0, memoryByteSeconds: 0 },
  );
  return computeIdleCost(total, allocated, input.price);
}

/** What the rows must carry for these aggregates; undefined when namespace sums suffice. */
function dimensionsFor(
  aggregates: readonly AllocationAggregate[],
): AllocationDimensions | undefined {
  const labelKeys = aggregates
    .filter((a) => a.startsWith("label:"))
    .map((a) => a.slice("label:".length));
  const dims: AllocationDimensions = {
    kind: aggregates.includes("controllerKind"),
    workload: aggregates.includes("controller"),
    container: aggregates.includes("container"),
    labelKeys,
  };
  const namespaceLevel =
    !dims.kind && !dims.workload && !dims.container && labelKeys.length === 0;
  return namespaceLevel ? undefined : dims;
}

/** The window's sums grouped in SQL as finely as the aggregates need (namespace sums when enough). */
async function loadRows(
  input: ComputeAllocationInput,
  aggregates: readonly AllocationAggregate[],
): Promise<AllocationRow[]> {
  const filter = {
    clusterId: input.clusterId,
    from: input.window.from,
    to: bucketQueryEnd(input.window),
    resolution: input.window.resolution,
    scopes: input.scopes,
    ...input.filter,
  };
  const dims = dimensionsFor(aggregates);
  const belowNamespace =
    input.filter?.workloadId !== undefined ||
    input.filter?.containerId !== undefined;
  if (dims === undefined && !belowNamespace)
    return queryNamespaceAllocation(input.db, filter);
  return queryContainerAllocation(input.db, filter, dims ?? {});
}

export type AllocationRequest = {
  aggregate: AllocationAggregate;
  includeIdle: boolean;
};

/** One allocation report per request, all from one read of the window (and of idle capacity). */
export async function computeAllocations(
  input: Omit<ComputeAllocationInput, "aggregate" | "includeIdle">,
  requests: readonly AllocationRequest[],
): Promise<AllocationResult[]> {
  const base = { ...input, aggregate: "cluster" as const, includeIdle: false };
  const rows = await loadRows(
    base,
    requests.map((r) => r.aggregate),
  );
  const allocated = sumOf(rows);
  const idle = requests.some((r) => r.includeIdle)
    ? await idleFor(base, allocated)
    : null;
  return requests.map((r) =>
    allocate({ ...input, ...r }, rows, r.includeIdle ? idle : null),
  );
}

export async function computeAllocation(
  input: ComputeAllocationInput,
): Promise<AllocationResult> {
  const [result] = await computeAllocations(input, [input]);
  if (!result) throw new Error("computeAllocations returned no result");
  return result;
}

function allocate(
  input: ComputeAllocationInput,
  rows: AllocationRow[],
  idle: { cpuMicroUsd: number; memoryMicroUsd: number } | null,
): AllocationResult {
  const shared = new Set(input.settings.sharedNamespaces);
  const tenantRows = rows.filter((r) => !shared.has(r.namespace));
  const sharedRows = rows.filter((r) => shared.has(r.namespace));
  const groups = group(tenantRows, input.aggregate);
  const sharedSeconds = sumOf(sharedRows);
  let priced: AllocationGroup<GroupKey>[] = groups.map((g) => ({
    key: g.key,
    cost: priceResourceSeconds(g.seconds, input.price),
  }));
  if (sharedRows.length > 0)
    priced = distributeSharedCost(
      [
        ...priced,
        {
          key: SHARED_KEY,
          cost: priceResourceSeconds(sharedSeconds, input.price),
        },
      ],
      (key) => key === SHARED_KEY,
      input.settings.sharedSplit,
    );
  if (idle && input.settings.shareIdle) priced = shareIdleCost(priced, idle);
  const windowSeconds =
    (input.window.to.getTime() - input.window.from.getTime()) / 1000;
  const byName = new Map(groups.map((g) => [g.key.name, g]));
  const lines = priced
    .map((p) => {
      const g = byName.get(p.key.name) ?? {
        key: p.key,
        seconds: ZERO_RESOURCE_SECONDS,
        coveredSeconds: 0,
      };
      return {
        line: toLine(g, p.cost, windowSeconds),
        cost: p.cost,
        total: totalOf(p.cost),
      };
    })
    .sort(
      (a, b) =>
        b.total - a.total ||
        (a.line.name < b.line.name ? -1 : a.line.name > b.line.name ? 1 : 0),
    );
  let total = lines.reduce((sum, l) => addCosts(sum, l.cost), ZERO_COST);
  const out = lines.map((l) => l.line);
  if (idle && !input.settings.shareIdle) {
    const idleCost = {
      ...ZERO_COST,
      idleMicroUsd: idle.cpuMicroUsd + idle.memoryMicroUsd,
    };
    total = addCosts(total, idleCost);
    out.push(
      toLine(
        {
          key: { name: IDLE_NAME, properties: {} },
          seconds: ZERO_RESOURCE_SECONDS,
          coveredSeconds: 0,
        },
        idleCost,
        windowSeconds,
      ),
    );
  }
  return {
    window: input.window,
    aggregate: input.aggregate,
    lines: out,
    totalCostMicroUsd: roundCost(totalOf(total)),
    idle,
  };
}

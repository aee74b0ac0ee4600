import {
  computeContainerMonthlyCostMicroUsd,
  DEFAULT_PRICE,
  type ContainerResources,
  type ResourcePrice,
} from "@kubewise/core";
import {
  getClusterUsageSummaries,
  listCostBasis,
  type CostBasisRow,
} from "@kubewise/db";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { GetCostsInputSchema, type GetCostsInput } from "./schemas";

// OpenCost charges max(request, usage); usage is the average over this window of rollups.
const USAGE_WINDOW_SECONDS = 7 * 86_400;

export type NamespaceCost = {
  namespace: string;
  monthlyNowMicroUsd: number;
  monthlyAfterMicroUsd: number;
  workloadCount: number;
};
export type WastefulWorkload = {
  workloadId: string;
  namespace: string;
  kind: string;
  name: string;
  monthlyCostMicroUsd: number;
  /** Cost of requested-but-unused resources: cost(max(request, usage)) - cost(usage). */
  monthlyWasteMicroUsd: number;
  projectedMonthlySavingsMicroUsd: number;
};
export type CostReport = {
  clusterId: string;
  price: Pick<
    ResourcePrice,
    | "provider"
    | "family"
    | "region"
    | "cpuCoreHourMicroUsd"
    | "memoryGibHourMicroUsd"
    | "source"
  >;
  usageWindowSeconds: number;
  monthlyNowMicroUsd: number;
  monthlyAfterMicroUsd: number;
  projectedMonthlySavingsMicroUsd: number;
  byNamespace: NamespaceCost[];
  topWasteful: WastefulWorkload[];
};

const ZERO: ContainerResources = { cpuMillicores: 0, memoryBytes: 0 };

function requestOf(row: CostBasisRow, after: boolean): ContainerResources {
  const rec = after ? row.openRecommendation : null;
  return {
    cpuMillicores:
      rec?.cpuRequestMillicores ?? row.container.cpuRequestMillicores ?? 0,
    memoryBytes:
      rec?.memoryRequestBytes ?? row.container.memoryRequestBytes ?? 0,
  };
}

export async function getCosts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetCostsInput;
}): Promise<CostReport> {
  authorize(ctx, "getCosts");
  const parsed = parseInput(GetCostsInputSchema, input);
  const clusterId = await resolveClusterId(ctx.db, parsed.clusterId);
  const price = ctx.price ?? DEFAULT_PRICE;
  const now = ctx.clock.now();
  const [basis, usageRows] = await Promise.all([
    listCostBasis(ctx.db, { clusterId, scopes: namespaceFilter(ctx.actor) }),
    getClusterUsageSummaries(ctx.db, {
      clusterId,
      from: new Date(now.getTime() - USAGE_WINDOW_SECONDS * 1000),
      to: now,
    }),
  ]);
  const usageById = new Map(
    usageRows.map((u) => [
      u.containerId,
      { cpuMillicores: u.cpuAvgMillicores, memoryBytes: u.memoryAvgBytes },
    ]),
  );
  const namespaces = new Map<
    string,
    NamespaceCost & { workloads: Set<string> }
  >();
  const workloads = new Map<string, WastefulWorkload>();
  for (const row of basis) {
    const usage = usageById.get(row.container.id) ?? ZERO;
    const nowCost = computeContainerMonthlyCostMicroUsd({
      request: requestOf(row, false),
      usage,
      price,
    });
    const afterCost = computeContainerMonthlyCostMicroUsd({
      request: requestOf(row, true),
      usage,
      price,
    });
    const usageCost = computeContainerMonthlyCostMicroUsd({
      request: ZERO,
      usage,
      price,
    });
    const ns = namespaces.get(row.workload.namespace) ?? {
      namespace: row.workload.namespace,
      monthlyNowMicroUsd: 0,
      monthlyAfterMicroUsd: 0,
      workloadCount: 0,
      workloads: new Set(),
    };
    ns.monthlyNowMicroUsd += nowCost;
    ns.monthlyAfterMicroUsd += afterCost;
    ns.workloads.add(row.workload.id);
    namespaces.set(ns.namespace, ns);
    const w = workloads.get(row.workload.id) ?? {
      workloadId: row.workload.id,
      namespace: row.workload.namespace,
      kind: row.workload.kind,
      name: row.workload.name,
      monthlyCostMicroUsd: 0,
      monthlyWasteMicroUsd: 0,
      projectedMonthlySavingsMicroUsd: 0,
    };
    w.monthlyCostMicroUsd += nowCost;
    w.monthlyWasteMicroUsd += nowCost - usageCost;
    w.projectedMonthlySavingsMicroUsd += nowCost - afterCost;
    workloads.set(w.workloadId, w);
  }
  const byNamespace = [...namespaces.values()]
    .map(({ workloads: ids, ...ns }) => ({ ...ns, workloadCount: ids.size }))
    .sort((a, b) => b.monthlyNowMicroUsd - a.monthlyNowMicroUsd);
  const monthlyNowMicroUsd = byNamespace.reduce(
    (sum, ns) => sum + ns.monthlyNowMicroUsd,
    0,
  );
  const monthlyAfterMicroUsd = byNamespace.reduce(
    (sum, ns) => sum + ns.monthlyAfterMicroUsd,
    0,
  );
  const topWasteful = [...workloads.values()]
    .sort(
      (a, b) =>
        b.monthlyWasteMicroUsd - a.monthlyWasteMicroUsd ||
        a.workloadId.localeCompare(b.workloadId),
    )
    .slice(0, parsed.topWastefulLimit);
  const {
    provider,
    family,
    region,
    cpuCoreHourMicroUsd,
    memoryGibHourMicroUsd,
    source,
  } = price;
  return {
    clusterId,
    price: {
      provider,
      family,
      region,
      cpuCoreHourMicroUsd,
      memoryGibHourMicroUsd,
      source,
    },
    usageWindowSeconds: USAGE_WINDOW_SECONDS,
    monthlyNowMicroUsd,
    monthlyAfterMicroUsd,
    projectedMonthlySavingsMicroUsd: monthlyNowMicroUsd - monthlyAfterMicroUsd,
    byNamespace,
    topWasteful,
  };
}

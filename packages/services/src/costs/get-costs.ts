import { HOURS_PER_MONTH, type ResourcePrice } from "@kubewise/core";
import {
  getBucketCoverageSeconds,
  getFirstAllocationBucket,
  sumOpenSavings,
} from "@kubewise/db";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { resolveClusters, type ClusterRef } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import {
  computeAllocations,
  IDLE_NAME,
  type AllocationLine,
} from "./allocation";
import { GetCostsInputSchema, type GetCostsInput } from "./schemas";
import { loadCostSettings } from "./settings";
import { resolveAllocationWindow, type AllocationWindow } from "./window";

/** The run rate is the last 7 days of allocation, scaled to a month. */
const RUN_RATE_WINDOW = "7d";
const HOUR_MS = 3_600_000;

export type NamespaceCost = {
  clusterId: string;
  clusterName: string;
  namespace: string;
  monthlyNowMicroUsd: number;
  monthlyAfterMicroUsd: number;
  projectedMonthlySavingsMicroUsd: number;
  workloadCount: number;
  efficiency: number;
};
export type WastefulWorkload = {
  clusterId: string;
  clusterName: string;
  workloadId: string;
  namespace: string;
  kind: string;
  name: string;
  monthlyCostMicroUsd: number;
  /** Reserved but unused: allocated cost minus the cost of what was used. */
  monthlyUnusedMicroUsd: number;
  /** What the open recommendations save (less than "unused": they keep headroom for peaks). */
  projectedMonthlySavingsMicroUsd: number;
  efficiency: number;
};
type PriceView = Pick<
  ResourcePrice,
  | "provider"
  | "family"
  | "region"
  | "cpuCoreHourMicroUsd"
  | "memoryGibHourMicroUsd"
  | "source"
>;
/** The money and hours of a report: one cluster's own, or the sums over the clusters. */
type CostTotals = {
  /** Allocated cost inside `window` (the same number GET /api/v1/allocation answers). */
  windowCostMicroUsd: number;
  /** Hours of `window` that have data (the run rate's denominator); across clusters the longest. */
  observedHours: number;
  monthlyNowMicroUsd: number;
  monthlyAfterMicroUsd: number;
  projectedMonthlySavingsMicroUsd: number;
  /** Idle capacity per month; null when node capacity is unknown or the caller sees part of a cluster. */
  monthlyIdleMicroUsd: number | null;
};
/** One cluster's part of a report: its own prices, run rate and idle. */
type ClusterCost = CostTotals & {
  clusterId: string;
  clusterName: string;
  price: PriceView;
};
/**
 * One cluster's costs, or every cluster's (`clusterId` null): then each money total is the exact
 * sum of the clusters' own totals, each priced with its own cost settings (ADR 0002: all money is
 * micro-USD, so the sum needs no conversion); `clusters` lists the parts.
 */
export type CostReport = CostTotals & {
  /** null when the report covers every cluster. */
  clusterId: string | null;
  clusterName: string | null;
  clusters: ClusterCost[];
  /** The prices in effect; null when the clusters' prices differ (see `clusters[].price`). */
  price: PriceView | null;
  /** The allocation window the run rate is computed from. */
  window: AllocationWindow;
  byNamespace: NamespaceCost[];
  topWasteful: WastefulWorkload[];
};

async function observedHours(
  ctx: ServiceContext,
  clusterId: string,
  window: AllocationWindow,
): Promise<number> {
  // Hourly rows: a daily bucket would date the first data back to midnight.
  const first = await getFirstAllocationBucket(ctx.db, {
    clusterId,
    from: window.from,
    resolution: "1h",
  });
  if (!first) return 0;
  if (first.getTime() <= window.from.getTime())
    return Math.max(0, (window.to.getTime() - window.from.getTime()) / HOUR_MS);
  // A young cluster: its data starts inside the first hour, not at the hour's start.
  const covered = await getBucketCoverageSeconds(ctx.db, {
    clusterId,
    bucket: first,
    resolution: "1h",
  });
  const start = first.getTime() + HOUR_MS - Math.min(HOUR_MS, covered * 1000);
  return Math.max(0, (window.to.getTime() - start) / HOUR_MS);
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
  const { clusters } = await resolveClusters(ctx.db, parsed);
  const window = resolveAllocationWindow(RUN_RATE_WINDOW, ctx.clock.now());
  const reports: CostReport[] = [];
  // One cluster at a time: each is priced with its own settings and keeps its own run rate.
  for (const cluster of clusters)
    reports.push(
      await clusterCosts(ctx, cluster, window, parsed.topWastefulLimit),
    );
  const [only] = reports;
  if (reports.length === 1 && only) return only;
  return mergeCostReports(reports, window, parsed.topWastefulLimit);
}

function mergeCostReports(
  reports: CostReport[],
  window: AllocationWindow,
  limit: number,
): CostReport {
  const sum = (pick: (r: CostReport) => number) =>
    reports.reduce((total, r) => total + pick(r), 0);
  const idles = reports.map((r) => r.monthlyIdleMicroUsd);
  const prices = reports.map((r) => JSON.stringify(r.price));
  return {
    clusterId: null,
    clusterName: null,
    clusters: reports.flatMap((r) => r.clusters),
    price: prices.every((p) => p === prices[0])
      ? (reports[0]?.price ?? null)
      : null,
    window,
    windowCostMicroUsd: sum((r) => r.windowCostMicroUsd),
    observedHours: Math.max(0, ...reports.map((r) => r.observedHours)),
    monthlyNowMicroUsd: sum((r) => r.monthlyNowMicroUsd),
    monthlyAfterMicroUsd: sum((r) => r.monthlyAfterMicroUsd),
    projectedMonthlySavingsMicroUsd: sum(
      (r) => r.projectedMonthlySavingsMicroUsd,
    ),
    monthlyIdleMicroUsd: idles.every((i) => i !== null)
      ? idles.reduce((a, b) => a + b, 0)
      : null,
    byNamespace: reports
      .flatMap((r) => r.byNamespace)
      .sort(
        (a, b) =>
          b.monthlyNowMicroUsd - a.monthlyNowMicroUsd ||
          a.clusterName.localeCompare(b.clusterName) ||
          a.namespace.localeCompare(b.namespace),
      ),
    topWasteful: reports
      .flatMap((r) => r.topWasteful)
      .sort(
        (a, b) =>
          b.monthlyUnusedMicroUsd - a.monthlyUnusedMicroUsd ||
          a.workloadId.localeCompare(b.workloadId),
      )
      .slice(0, limit),
  };
}

async function clusterCosts(
  ctx: ServiceContext,
  cluster: ClusterRef,
  window: AllocationWindow,
  limit: number,
): Promise<CostReport> {
  const clusterId = cluster.id;
  const scopes = namespaceFilter(ctx.actor);
  const { settings, price } = await loadCostSettings(
    ctx.db,
    clusterId,
    ctx.price,
  );
  const [[byNamespaceAllocation, byWorkload], open, hours] = await Promise.all([
    computeAllocations(
      { db: ctx.db, clusterId, window, settings, price, scopes },
      [
        { aggregate: "namespace", includeIdle: true },
        { aggregate: "controller", includeIdle: false },
      ],
    ),
    sumOpenSavings(ctx.db, { clusterId, scopes }),
    observedHours(ctx, clusterId, window),
  ]);
  if (!byNamespaceAllocation || !byWorkload)
    throw new Error("computeAllocations lost a result");
  const scale = hours > 0 ? HOURS_PER_MONTH / hours : 0;
  const monthly = (microUsd: number) => Math.round(microUsd * scale);
  const savingsByNamespace = new Map<string, number>();
  const savingsByWorkload = new Map<string, number>();
  for (const row of open) {
    savingsByNamespace.set(
      row.namespace,
      (savingsByNamespace.get(row.namespace) ?? 0) +
        row.projectedMonthlySavingsMicroUsd,
    );
    savingsByWorkload.set(row.workloadId, row.projectedMonthlySavingsMicroUsd);
  }
  const workloadCounts = new Map<string, number>();
  for (const line of byWorkload.lines) {
    const ns = line.properties.namespace ?? "";
    workloadCounts.set(ns, (workloadCounts.get(ns) ?? 0) + 1);
  }
  const namespaceLines = byNamespaceAllocation.lines.filter(
    (l) => l.name !== IDLE_NAME,
  );
  const byNamespace: NamespaceCost[] = namespaceLines.map((line) => {
    const now = monthly(line.totalCostMicroUsd);
    const savings = savingsByNamespace.get(line.name) ?? 0;
    return {
      clusterId,
      clusterName: cluster.name,
      namespace: line.name,
      monthlyNowMicroUsd: now,
      monthlyAfterMicroUsd: now - savings,
      projectedMonthlySavingsMicroUsd: savings,
      workloadCount: workloadCounts.get(line.name) ?? 0,
      efficiency: line.efficiency,
    };
  });
  const idleLine = byNamespaceAllocation.lines.find(
    (l) => l.name === IDLE_NAME,
  );
  const projected = [...savingsByNamespace.values()].reduce((a, b) => a + b, 0);
  const monthlyNow = monthly(
    namespaceLines.reduce((sum, l) => sum + l.totalCostMicroUsd, 0),
  );
  const part: ClusterCost = {
    clusterId,
    clusterName: cluster.name,
    price: {
      provider: price.provider,
      family: price.family,
      region: price.region,
      cpuCoreHourMicroUsd: price.cpuCoreHourMicroUsd,
      memoryGibHourMicroUsd: price.memoryGibHourMicroUsd,
      source: price.source,
    },
    windowCostMicroUsd:
      byNamespaceAllocation.totalCostMicroUsd -
      (idleLine?.totalCostMicroUsd ?? 0),
    observedHours: hours,
    monthlyNowMicroUsd: monthlyNow,
    monthlyAfterMicroUsd: monthlyNow - projected,
    projectedMonthlySavingsMicroUsd: projected,
    monthlyIdleMicroUsd: idleLine ? monthly(idleLine.totalCostMicroUsd) : null,
  };
  return {
    ...part,
    clusters: [part],
    window,
    byNamespace,
    topWasteful: topWasteful({
      cluster,
      lines: byWorkload.lines,
      savingsByWorkload,
      monthly,
      limit,
    }),
  };
}

function topWasteful({
  cluster,
  lines,
  savingsByWorkload,
  monthly,
  limit,
}: {
  cluster: ClusterRef;
  lines: AllocationLine[];
  savingsByWorkload: Map<string, number>;
  monthly: (microUsd: number) => number;
  limit: number;
}): WastefulWorkload[] {
  return lines
    .map((line) => ({
      clusterId: cluster.id,
      clusterName: cluster.name,
      workloadId: line.properties.workloadId ?? "",
      namespace: line.properties.namespace ?? "",
      kind: line.properties.controllerKind ?? "",
      name: line.properties.controller ?? "",
      monthlyCostMicroUsd: monthly(line.totalCostMicroUsd),
      monthlyUnusedMicroUsd: monthly(
        line.cpuCostMicroUsd + line.ramCostMicroUsd - line.usageCostMicroUsd,
      ),
      projectedMonthlySavingsMicroUsd:
        savingsByWorkload.get(line.properties.workloadId ?? "") ?? 0,
      efficiency: line.efficiency,
    }))
    .sort(
      (a, b) =>
        b.monthlyUnusedMicroUsd - a.monthlyUnusedMicroUsd ||
        a.workloadId.localeCompare(b.workloadId),
    )
    .slice(0, limit);
}

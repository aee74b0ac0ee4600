import { z } from "zod";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import {
  ClusterSelectorShape,
  resolveClusters,
  type ClusterRef,
} from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { computeAllocation, type AllocationResult } from "./allocation";
import { loadCostSettings } from "./settings";
import { resolveAllocationWindow, type AllocationWindow } from "./window";

const AGGREGATES = [
  "cluster",
  "namespace",
  "controllerKind",
  "controller",
  "container",
] as const;

export const AllocationAggregateSchema = z.union(
  [
    z.enum(AGGREGATES),
    z
      .string()
      .regex(/^label:[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/, "label:<key>")
      .transform((value) => value as `label:${string}`),
  ],
  {
    error: `expected one of ${AGGREGATES.join(", ")} or label:<key>`,
  },
);

/** Neither clusterId nor cluster: every cluster, each line tagged with its cluster. */
export const GetAllocationInputSchema = z.object({
  ...ClusterSelectorShape,
  /** OpenCost-style: 24h, 7d, 30d, today, yesterday, week, month, lastweek, lastmonth, <from>,<to>. */
  window: z.string().min(1).max(80).default("7d"),
  aggregate: AllocationAggregateSchema.default("namespace"),
  /** Show idle capacity (its own __idle__ line, or spread when the cluster shares idle). */
  idle: z.boolean().default(true),
  /** Overrides the cluster's setting for this request. */
  shareIdle: z.boolean().optional(),
  /** Overrides the cluster's shared namespaces for this request. */
  shareNamespaces: z.array(z.string().min(1).max(63)).max(50).optional(),
});
export type GetAllocationInput = z.input<typeof GetAllocationInputSchema>;

type AllocationPrice = {
  cpuCoreHourMicroUsd: number;
  memoryGibHourMicroUsd: number;
  source: string;
};

/**
 * One cluster's allocation, or every cluster's (`clusterId` null): then each cluster is computed
 * with its own prices and settings, every line carries `properties.cluster` (the cluster's name;
 * equal names in two clusters stay two lines) and the totals are the exact sums of the clusters'.
 */
export type AllocationReport = AllocationResult & {
  clusterId: string | null;
  clusterName: string | null;
  /** The prices in effect; null when the clusters' prices differ (see `clusters[].price`). */
  price: AllocationPrice | null;
  clusters: {
    clusterId: string;
    clusterName: string;
    price: AllocationPrice;
    totalCostMicroUsd: number;
  }[];
};

export async function getAllocation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetAllocationInput;
}): Promise<AllocationReport> {
  authorize(ctx, "getAllocation");
  const parsed = parseInput(GetAllocationInputSchema, input);
  const selected = await resolveClusters(ctx.db, parsed);
  const window = resolveAllocationWindow(parsed.window, ctx.clock.now());
  const reports: AllocationReport[] = [];
  for (const cluster of selected.clusters)
    reports.push(await clusterAllocation(ctx, cluster, window, parsed));
  const [only] = reports;
  if (!selected.all && only) return only;
  const prices = reports.map((r) => JSON.stringify(r.price));
  const idles = reports.map((r) => r.idle);
  return {
    window,
    aggregate: parsed.aggregate,
    clusterId: null,
    clusterName: null,
    price: prices.every((p) => p === prices[0])
      ? (reports[0]?.price ?? null)
      : null,
    clusters: reports.flatMap((r) => r.clusters),
    lines: reports.flatMap((r, i) => {
      const name = selected.clusters[i]?.name ?? "";
      return r.lines.map((line) => ({
        ...line,
        name: parsed.aggregate === "cluster" ? name : line.name,
        properties: { ...line.properties, cluster: name },
      }));
    }),
    totalCostMicroUsd: reports.reduce((sum, r) => sum + r.totalCostMicroUsd, 0),
    idle: idles.every((idle) => idle !== null)
      ? {
          cpuMicroUsd: idles.reduce((sum, idle) => sum + idle.cpuMicroUsd, 0),
          memoryMicroUsd: idles.reduce(
            (sum, idle) => sum + idle.memoryMicroUsd,
            0,
          ),
        }
      : null,
  };
}

async function clusterAllocation(
  ctx: ServiceContext,
  cluster: ClusterRef,
  window: AllocationWindow,
  parsed: z.output<typeof GetAllocationInputSchema>,
): Promise<AllocationReport> {
  const clusterId = cluster.id;
  const { settings, price } = await loadCostSettings(
    ctx.db,
    clusterId,
    ctx.price,
  );
  const result = await computeAllocation({
    db: ctx.db,
    clusterId,
    window,
    aggregate: parsed.aggregate,
    settings: {
      ...settings,
      shareIdle: parsed.shareIdle ?? settings.shareIdle,
      sharedNamespaces: parsed.shareNamespaces ?? settings.sharedNamespaces,
    },
    price,
    scopes: namespaceFilter(ctx.actor),
    includeIdle: parsed.idle,
  });
  const view = {
    cpuCoreHourMicroUsd: price.cpuCoreHourMicroUsd,
    memoryGibHourMicroUsd: price.memoryGibHourMicroUsd,
    source: price.source,
  };
  return {
    ...result,
    clusterId,
    clusterName: cluster.name,
    price: view,
    clusters: [
      {
        clusterId,
        clusterName: cluster.name,
        price: view,
        totalCostMicroUsd: result.totalCostMicroUsd,
      },
    ],
  };
}

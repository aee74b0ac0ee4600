import {
  addResourceSeconds,
  computeIdleCost,
  priceResourceSeconds,
  roundCost,
  ZERO_RESOURCE_SECONDS,
  type ResourcePrice,
} from "@kubewise/core";
import { queryAllocationSeries, queryClusterCapacity } from "@kubewise/db";

import type { namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { filterOf, type CostPoint, type DrilldownScope } from "./get-drilldown";
import { bucketQueryEnd, type AllocationWindow } from "./window";

/** Cost (CPU, memory, idle at cluster level) and average usage vs request per bucket. */
export async function costSeries(
  ctx: ServiceContext,
  args: {
    clusterId: string;
    window: AllocationWindow;
    scope: DrilldownScope;
    scopes: ReturnType<typeof namespaceFilter>;
    price: ResourcePrice;
  },
): Promise<CostPoint[]> {
  const price = args.price;
  const filter = {
    clusterId: args.clusterId,
    from: args.window.from,
    to: bucketQueryEnd(args.window),
    resolution: args.window.resolution,
  };
  const wholeCluster =
    args.scope.level === "cluster" &&
    (args.scopes === undefined ||
      args.scopes.some(
        (s) => s.clusterId === args.clusterId && s.namespace === "*",
      ));
  const [points, capacity] = await Promise.all([
    queryAllocationSeries(ctx.db, {
      ...filter,
      scopes: args.scopes,
      ...filterOf(args.scope),
    }),
    wholeCluster ? queryClusterCapacity(ctx.db, filter) : Promise.resolve([]),
  ]);
  const capacityAt = new Map(capacity.map((c) => [c.bucket.getTime(), c]));
  const stepSeconds = args.window.resolution === "1h" ? 3600 : 86_400;
  return points.map((p) => {
    const seconds = addResourceSeconds(ZERO_RESOURCE_SECONDS, p);
    const cost = priceResourceSeconds(seconds, price);
    const cap = capacityAt.get(p.bucket.getTime());
    const idle = cap ? computeIdleCost(cap, seconds, price) : undefined;
    return {
      ts: p.bucket,
      cpuCostMicroUsd: roundCost(cost.cpuMicroUsd),
      memoryCostMicroUsd: roundCost(cost.memoryMicroUsd),
      idleCostMicroUsd: idle
        ? roundCost(idle.cpuMicroUsd + idle.memoryMicroUsd)
        : 0,
      cpuUsageAvgCores: p.cpuUsageCoreSeconds / stepSeconds,
      cpuRequestAvgCores: p.cpuRequestCoreSeconds / stepSeconds,
      memoryUsageAvgBytes: p.memoryUsageByteSeconds / stepSeconds,
      memoryRequestAvgBytes: p.memoryRequestByteSeconds / stepSeconds,
    };
  });
}

import { z } from "zod";

import { NotFoundError } from "@kubewise/core";
import {
  getContainerWithWorkload,
  getUsageSeries,
  getWorkloadInCluster,
  sumOpenSavings,
  type UsagePoint,
} from "@kubewise/db";

import { listAnomalies, type AnomalyView } from "../anomalies/list";
import {
  assertNamespaceAccess,
  authorize,
  namespaceFilter,
} from "../auth/authorize";
import type { ServiceContext } from "../context";
import { ClusterSelectorShape, resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { listRecommendations } from "../recommendations/list";
import type { RecommendationSummary } from "../recommendations/schemas";
import {
  computeAllocations,
  IDLE_NAME,
  type AllocationAggregate,
  type AllocationLine,
} from "./allocation";
import { costSeries } from "./drilldown-series";
import { loadCostSettings } from "./settings";
import { resolveAllocationWindow, type AllocationWindow } from "./window";

export const GetCostDrilldownInputSchema = z.object({
  ...ClusterSelectorShape,
  namespace: z.string().min(1).max(63).optional(),
  workloadId: z.uuid().optional(),
  containerId: z.uuid().optional(),
  /** 24h, 7d, 30d or <from>,<to> (see the allocation window). */
  window: z.string().min(1).max(80).default("7d"),
});
export type GetCostDrilldownInput = z.input<typeof GetCostDrilldownInputSchema>;

type DrilldownLevel = "cluster" | "namespace" | "workload" | "container";

export type DrilldownScope = {
  level: DrilldownLevel;
  clusterId: string;
  namespace?: string;
  workload?: { id: string; kind: string; name: string };
  container?: {
    id: string;
    name: string;
    cpuRequestMillicores: number | null;
    cpuLimitMillicores: number | null;
    memoryRequestBytes: number | null;
    memoryLimitBytes: number | null;
  };
};

export type CostPoint = {
  ts: Date;
  cpuCostMicroUsd: number;
  memoryCostMicroUsd: number;
  idleCostMicroUsd: number;
  cpuUsageAvgCores: number;
  cpuRequestAvgCores: number;
  memoryUsageAvgBytes: number;
  memoryRequestAvgBytes: number;
};

export type CostChild = AllocationLine & {
  /** Path segment of the child's page. */
  id: string;
  openRecommendations: number;
};

export type CostDrilldown = {
  scope: DrilldownScope;
  window: AllocationWindow;
  total: AllocationLine | null;
  idleCostMicroUsd: number | null;
  series: CostPoint[];
  children: CostChild[];
  recommendations: RecommendationSummary[];
  anomalies: AnomalyView[];
  /** Container level: p50/p95/max of the 5-minute rollups. */
  usage: UsagePoint[];
};

const CHILD_AGGREGATE: Record<DrilldownLevel, AllocationAggregate> = {
  cluster: "namespace",
  namespace: "controller",
  workload: "container",
  container: "container",
};

async function resolveScope(
  ctx: ServiceContext,
  clusterId: string,
  input: z.output<typeof GetCostDrilldownInputSchema>,
): Promise<DrilldownScope> {
  if (input.containerId !== undefined) {
    const found = await getContainerWithWorkload(ctx.db, input.containerId);
    if (found?.workload.clusterId !== clusterId)
      throw notFound("container", input.containerId);
    assertNamespaceAccess(
      ctx.actor,
      found.workload,
      `container ${input.containerId} not found`,
    );
    const { container: c, workload: w } = found;
    return {
      level: "container",
      clusterId,
      namespace: w.namespace,
      workload: { id: w.id, kind: w.kind, name: w.name },
      container: {
        id: c.id,
        name: c.name,
        cpuRequestMillicores: c.cpuRequestMillicores,
        cpuLimitMillicores: c.cpuLimitMillicores,
        memoryRequestBytes: c.memoryRequestBytes,
        memoryLimitBytes: c.memoryLimitBytes,
      },
    };
  }
  if (input.workloadId !== undefined) {
    const w = await getWorkloadInCluster(ctx.db, clusterId, input.workloadId);
    if (!w) throw notFound("workload", input.workloadId);
    assertNamespaceAccess(
      ctx.actor,
      w,
      `workload ${input.workloadId} not found`,
    );
    return {
      level: "workload",
      clusterId,
      namespace: w.namespace,
      workload: { id: w.id, kind: w.kind, name: w.name },
    };
  }
  if (input.namespace !== undefined) {
    assertNamespaceAccess(ctx.actor, { clusterId, namespace: input.namespace });
    return { level: "namespace", clusterId, namespace: input.namespace };
  }
  return { level: "cluster", clusterId };
}

function notFound(what: string, id: string): NotFoundError {
  return new NotFoundError(`${what} ${id} not found`);
}

export function filterOf(scope: DrilldownScope) {
  if (scope.level === "cluster") return undefined;
  return {
    namespace: scope.namespace,
    workloadId: scope.workload?.id,
    containerId: scope.container?.id,
  };
}

export async function getCostDrilldown({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetCostDrilldownInput;
}): Promise<CostDrilldown> {
  authorize(ctx, "getCostDrilldown");
  const parsed = parseInput(GetCostDrilldownInputSchema, input);
  const clusterId = await resolveClusterId(
    ctx.db,
    parsed.clusterId,
    parsed.cluster,
  );
  const scope = await resolveScope(ctx, clusterId, parsed);
  const window = resolveAllocationWindow(parsed.window, ctx.clock.now());
  const scopes = namespaceFilter(ctx.actor);
  const { settings, price } = await loadCostSettings(
    ctx.db,
    clusterId,
    ctx.price,
  );
  const filter = filterOf(scope);
  // Shared-cost rules split tenants' totals; a drill-down shows what the scope itself allocated.
  const own = { ...settings, sharedNamespaces: [], shareIdle: false };
  const [[children, total], series, recommendations, anomalies, open, usage] =
    await Promise.all([
      computeAllocations(
        {
          db: ctx.db,
          clusterId,
          window,
          price,
          scopes,
          filter,
          settings: own,
        },
        [
          {
            aggregate: CHILD_AGGREGATE[scope.level],
            includeIdle: scope.level === "cluster",
          },
          { aggregate: "cluster", includeIdle: false },
        ],
      ),
      costSeries(ctx, { clusterId, window, scope, scopes, price }),
      listRecommendations({
        ctx,
        input: {
          clusterId,
          namespace: scope.namespace,
          workloadId: scope.workload?.id,
          containerId: scope.container?.id,
          phase: ["Pending", "Approved"],
          limit: 20,
        },
      }),
      listAnomalies({
        ctx,
        input: {
          clusterId,
          namespace: scope.namespace,
          workloadId: scope.workload?.id,
          containerId: scope.container?.id,
          limit: 20,
        },
      }),
      sumOpenSavings(ctx.db, {
        clusterId,
        scopes,
        namespace: scope.namespace,
        workloadId: scope.workload?.id,
        perNamespace: scope.level === "cluster",
      }),
      scope.container
        ? getUsageSeries(ctx.db, {
            containerId: scope.container.id,
            from: window.from,
            to: window.to,
            stepSeconds: usageStepSeconds(window),
          })
        : Promise.resolve([]),
    ]);
  if (!children || !total) throw new Error("computeAllocations lost a result");
  const idleLine = children.lines.find((l) => l.name === IDLE_NAME);
  const openByChild = openCounts(scope.level, open);
  return {
    scope,
    window,
    total: total.lines[0] ?? null,
    idleCostMicroUsd: idleLine?.totalCostMicroUsd ?? null,
    series,
    children: children.lines
      .filter((l) => l.name !== IDLE_NAME)
      .map((line) => toChild(scope.level, line, openByChild)),
    recommendations: recommendations.items,
    anomalies,
    usage,
  };
}

/** At most ~300 points on the usage chart, in whole 5-minute rollups. */
function usageStepSeconds(window: AllocationWindow): number {
  const seconds = (window.to.getTime() - window.from.getTime()) / 1000;
  return Math.max(300, Math.ceil(seconds / 300 / 300) * 300);
}

/** Open recommendations per child: per namespace on the cluster page, per workload below it. */
function openCounts(
  level: DrilldownLevel,
  open: readonly { namespace: string; workloadId: string; openCount: number }[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of open) {
    const key = level === "cluster" ? o.namespace : o.workloadId;
    counts.set(key, (counts.get(key) ?? 0) + o.openCount);
  }
  return counts;
}

function toChild(
  level: DrilldownLevel,
  line: AllocationLine,
  openByChild: ReadonlyMap<string, number>,
): CostChild {
  const id =
    level === "cluster"
      ? line.name
      : level === "namespace"
        ? (line.properties.workloadId ?? "")
        : (line.properties.containerId ?? "");
  const key =
    level === "cluster" ? line.name : (line.properties.workloadId ?? "");
  return { ...line, id, openRecommendations: openByChild.get(key) ?? 0 };
}

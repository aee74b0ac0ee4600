import { listAnomalies as queryAnomalies } from "@kubewise/db";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { clusterFilter } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { ListAnomaliesInputSchema, type ListAnomaliesInput } from "./schemas";

export type AnomalyView = {
  id: string;
  clusterId: string;
  namespace: string;
  workloadId: string;
  workloadKind: string;
  workloadName: string;
  containerId: string;
  containerName: string;
  kind: "leak" | "cpu_spike" | "oom_risk";
  severity: "info" | "warning" | "critical";
  detectedAt: Date;
  timeToLimitSeconds: number | null;
  details: Record<string, unknown>;
  resolvedAt: Date | null;
};

export async function listAnomalies({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListAnomaliesInput;
}): Promise<AnomalyView[]> {
  authorize(ctx, "listAnomalies");
  const { cluster, ...parsed } = parseInput(ListAnomaliesInputSchema, input);
  const rows = await queryAnomalies(ctx.db, {
    ...parsed,
    clusterId: await clusterFilter(ctx.db, { ...parsed, cluster }),
    scopes: namespaceFilter(ctx.actor),
  });
  return rows.map(({ anomaly: a, container: c, workload: w }) => ({
    id: a.id,
    clusterId: a.clusterId,
    namespace: w.namespace,
    workloadId: w.id,
    workloadKind: w.kind,
    workloadName: w.name,
    containerId: c.id,
    containerName: c.name,
    kind: a.kind,
    severity: a.severity,
    detectedAt: a.detectedAt,
    timeToLimitSeconds: a.timeToLimitSeconds,
    details: a.details,
    resolvedAt: a.resolvedAt,
  }));
}

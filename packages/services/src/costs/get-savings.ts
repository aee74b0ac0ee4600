import { computeRealizedSavingsMicroUsd } from "@kubewise/core";
import { listAppliedRecommendations, sumOpenSavings } from "@kubewise/db";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { resolveClusters } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { GetSavingsInputSchema, type GetSavingsInput } from "./schemas";

export type NamespaceSavings = {
  clusterId: string;
  clusterName: string;
  namespace: string;
  projectedMonthlyMicroUsd: number;
  realizedMicroUsd: number;
  appliedCount: number;
  openCount: number;
};
/** One cluster's savings, or every cluster's (`clusterId` null: sums over the clusters). */
export type SavingsReport = {
  clusterId: string | null;
  clusterName: string | null;
  sinceDays: number;
  since: Date;
  /** Monthly savings if every open (Pending/Approved) recommendation were applied (as on Overview). */
  projectedMonthlyMicroUsd: number;
  /** Savings accrued since `since` by applied changes while they were in force. */
  realizedMicroUsd: number;
  byNamespace: NamespaceSavings[];
};

export async function getSavings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetSavingsInput;
}): Promise<SavingsReport> {
  authorize(ctx, "getSavings");
  const parsed = parseInput(GetSavingsInputSchema, input);
  const selected = await resolveClusters(ctx.db, parsed);
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - parsed.sinceDays * 86_400_000);
  const scopes = namespaceFilter(ctx.actor);
  const namespaces = new Map<string, NamespaceSavings>();
  for (const cluster of selected.clusters) {
    const [open, applied] = await Promise.all([
      sumOpenSavings(ctx.db, { clusterId: cluster.id, scopes }),
      listAppliedRecommendations(ctx.db, { clusterId: cluster.id, scopes }),
    ]);
    const entry = (namespace: string): NamespaceSavings => {
      const key = `${cluster.id}/${namespace}`;
      const found = namespaces.get(key) ?? {
        clusterId: cluster.id,
        clusterName: cluster.name,
        namespace,
        projectedMonthlyMicroUsd: 0,
        realizedMicroUsd: 0,
        appliedCount: 0,
        openCount: 0,
      };
      namespaces.set(key, found);
      return found;
    };
    for (const row of open) {
      const ns = entry(row.namespace);
      ns.projectedMonthlyMicroUsd += row.projectedMonthlySavingsMicroUsd;
      ns.openCount += row.openCount;
    }
    for (const row of applied) {
      const realized = computeRealizedSavingsMicroUsd({
        monthlySavingsMicroUsd:
          row.recommendation.projectedMonthlySavingsMicroUsd,
        appliedAt: row.appliedAt,
        endedAt: row.rolledBackAt ?? undefined,
        since,
        now,
      });
      const ns = entry(row.workload.namespace);
      ns.realizedMicroUsd += realized;
      ns.appliedCount += 1;
    }
  }
  const byNamespace = [...namespaces.values()].sort(
    (a, b) =>
      b.realizedMicroUsd +
        b.projectedMonthlyMicroUsd -
        (a.realizedMicroUsd + a.projectedMonthlyMicroUsd) ||
      a.namespace.localeCompare(b.namespace) ||
      a.clusterName.localeCompare(b.clusterName),
  );
  const only = selected.all ? undefined : selected.clusters[0];
  return {
    clusterId: only?.id ?? null,
    clusterName: only?.name ?? null,
    sinceDays: parsed.sinceDays,
    since,
    projectedMonthlyMicroUsd: byNamespace.reduce(
      (sum, ns) => sum + ns.projectedMonthlyMicroUsd,
      0,
    ),
    realizedMicroUsd: byNamespace.reduce(
      (sum, ns) => sum + ns.realizedMicroUsd,
      0,
    ),
    byNamespace,
  };
}

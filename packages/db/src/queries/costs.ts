import { and, eq, inArray } from "drizzle-orm";

import type { DbExecutor } from "../client";
import {
  containers,
  recommendationEvents,
  recommendations,
  workloads,
} from "../schema";
import { scopeCondition, type NamespaceScopeFilter } from "./recommendations";
import type { Container, Workload } from "./workloads";

export type CostBasisRow = {
  container: Container;
  workload: Workload;
  /** The open (Pending/Approved) recommendation for the container, if any. */
  openRecommendation: typeof recommendations.$inferSelect | null;
};

/** Every container of a cluster in scope, with its open recommendation: the input of getCosts. */
export async function listCostBasis(
  db: DbExecutor,
  query: {
    clusterId: string;
    scopes?: readonly NamespaceScopeFilter[] | undefined;
  },
): Promise<CostBasisRow[]> {
  return db
    .select({
      container: containers,
      workload: workloads,
      openRecommendation: recommendations,
    })
    .from(containers)
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .leftJoin(
      recommendations,
      and(
        eq(recommendations.containerId, containers.id),
        inArray(recommendations.phase, ["Pending", "Approved"]),
      ),
    )
    .where(
      and(
        eq(workloads.clusterId, query.clusterId),
        scopeCondition(query.scopes),
      ),
    );
}

export type AppliedRecommendationRow = {
  recommendation: typeof recommendations.$inferSelect;
  workload: Workload;
  appliedAt: Date;
  rolledBackAt: Date | null;
};

/** Recommendations that reached Applied, with when they were applied and (if so) rolled back. */
export async function listAppliedRecommendations(
  db: DbExecutor,
  query: {
    clusterId: string;
    scopes?: readonly NamespaceScopeFilter[] | undefined;
  },
): Promise<AppliedRecommendationRow[]> {
  const rows = await db
    .select({
      recommendation: recommendations,
      workload: workloads,
      event: recommendationEvents,
    })
    .from(recommendations)
    .innerJoin(containers, eq(containers.id, recommendations.containerId))
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .innerJoin(
      recommendationEvents,
      eq(recommendationEvents.recommendationId, recommendations.id),
    )
    .where(
      and(
        eq(recommendations.clusterId, query.clusterId),
        inArray(recommendations.phase, ["Applied", "RolledBack"]),
        inArray(recommendationEvents.toPhase, ["Applied", "RolledBack"]),
        scopeCondition(query.scopes),
      ),
    );
  const byId = new Map<string, AppliedRecommendationRow>();
  for (const { recommendation, workload, event } of rows) {
    const entry = byId.get(recommendation.id) ?? {
      recommendation,
      workload,
      appliedAt: event.createdAt,
      rolledBackAt: null,
    };
    if (event.toPhase === "Applied") entry.appliedAt = event.createdAt;
    else entry.rolledBackAt = event.createdAt;
    byId.set(recommendation.id, entry);
  }
  return [...byId.values()].filter(
    (row) =>
      row.recommendation.phase === "Applied" || row.rolledBackAt !== null,
  );
}

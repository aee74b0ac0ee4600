import { and, eq, inArray } from "drizzle-orm";

import type { DbExecutor } from "../client";
import {
  containers,
  recommendations,
  workloads,
  type RecommendationPhase,
} from "../schema";
import type { RecommendationWithContext } from "./recommendations";

/** Every recommendation in `phases` of one workload's containers (the rows one object is built from). */
export async function listWorkloadRecommendations(
  db: DbExecutor,
  input: { workloadId: string; phases: readonly RecommendationPhase[] },
): Promise<RecommendationWithContext[]> {
  return db
    .select({
      recommendation: recommendations,
      container: containers,
      workload: workloads,
    })
    .from(recommendations)
    .innerJoin(containers, eq(containers.id, recommendations.containerId))
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(
      and(
        eq(workloads.id, input.workloadId),
        inArray(recommendations.phase, [...input.phases]),
      ),
    );
}

// The one publisher of ResourceRecommendation objects in production: the cluster sync calls it
// for every recommendation it brings to the cluster (packages/services/src/cluster-sync).
import {
  applyRollbackFloors,
  buildContainerRecommendations,
  buildResourceRecommendation,
  hashRecommendedResources,
  MANAGED_BY_LABEL,
  toRecommendationName,
  type Approval,
  type RolledBackRecord,
  type WorkloadRecommendation,
} from "@kubewise/k8s";

import type {
  ControllerLogger,
  ObjectRef,
  RecommendationStore,
  WorkloadStore,
} from "./ports";

/** What the cluster sync reads back of each object. */
export type PublishedRecommendation = ObjectRef & {
  /** hashRecommendedResources(spec) of the object as it is now. */
  specHash: string;
  approval?: Approval | undefined;
  /** status.phase and status.rolledBack, only while the status describes this spec (status.specHash). */
  phase?: string | undefined;
  rolledBack?: RolledBackRecord | undefined;
};

export type RecommendationPublisher = {
  /**
   * Server-side-applies the recommendation (spec only; approval, dryRun and the controller's
   * status untouched) raised to any rollback floor its object carries, then its VPA-style bounds.
   */
  publish(recommendation: WorkloadRecommendation): Promise<void>;
  setApproval(
    ref: ObjectRef,
    approval: Approval,
    options?: { dryRun?: boolean },
  ): Promise<void>;
  listStatuses(): Promise<PublishedRecommendation[]>;
};

export function createRecommendationPublisher(deps: {
  recommendations: RecommendationStore;
  workloads: Pick<WorkloadStore, "observe">;
  logger: ControllerLogger;
}): RecommendationPublisher {
  const { recommendations, workloads, logger } = deps;

  async function withOwnerUid(
    recommendation: WorkloadRecommendation,
  ): Promise<WorkloadRecommendation> {
    if (recommendation.target.uid) return recommendation;
    const observed = await workloads.observe({
      ...recommendation.target,
      namespace: recommendation.namespace,
    });
    return observed?.uid
      ? {
          ...recommendation,
          target: { ...recommendation.target, uid: observed.uid },
        }
      : recommendation;
  }

  return {
    async publish(input) {
      const ref = {
        namespace: input.namespace,
        name: toRecommendationName(input.target),
      };
      const existing = await recommendations.get(ref);
      const floored = applyRollbackFloors(input, existing?.status?.rolledBack);
      if (floored !== input)
        // generation already respects the floor; reaching here means it did not (yet)
        logger.warn(
          {
            ...ref,
            floors: existing?.status?.rolledBack?.nextMinimumMemoryBytes,
          },
          "kubewise raised a recommendation to its rollback floor",
        );
      const applied = await recommendations.apply(
        buildResourceRecommendation(await withOwnerUid(floored)),
      );
      const bounds = buildContainerRecommendations(floored.containers);
      if (
        JSON.stringify(applied.status?.containerRecommendations) !==
        JSON.stringify(bounds)
      )
        await recommendations.applyBounds(ref, bounds);
    },
    setApproval: (ref, approval, options) =>
      recommendations.setApproval(ref, approval, options),
    async listStatuses() {
      const objects = await recommendations.list();
      return objects
        .filter((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === "kubewise")
        .map((o) => {
          const specHash = hashRecommendedResources(o.spec);
          // Between a spec replacement and the controller's next reconcile the status (a
          // RolledBack phase, say) still describes the previous spec: none of it is this spec's.
          const status =
            o.status?.specHash === undefined || o.status.specHash === specHash
              ? o.status
              : undefined;
          return {
            namespace: o.metadata.namespace,
            name: o.metadata.name,
            specHash,
            approval: o.spec.approval,
            phase: status?.phase,
            rolledBack: status?.rolledBack,
          };
        });
    },
  };
}

import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Logger } from "pino";

import {
  createRecommendationStore,
  hashRecommendedResources,
  KUBEWISE_GROUP,
  MANAGED_BY_LABEL,
  RESOURCE_RECOMMENDATION_PLURAL,
  RESOURCE_RECOMMENDATION_VERSION,
  type KubeClients,
} from "@kubewise/k8s";
import {
  syncRecommendationsToCluster,
  SYSTEM_ACTOR,
  type RecommendationPublisher,
  type ServiceContext,
  type SyncRecommendationsToClusterResult,
} from "@kubewise/services";

import { startPeriodic } from "../periodic";

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** Dashboard decisions are Updates by their own manager, like kubectl edits, not the recommender's Apply. */
const APPROVAL_FIELD_MANAGER = "kubewise-approval";

/** RecommendationPublisher over the ResourceRecommendation API (server-side apply + merge patches). */
export function createRecommendationPublisher(
  clients: Pick<KubeClients, "custom">,
): RecommendationPublisher {
  const store = createRecommendationStore(clients);
  return {
    async publish(desired) {
      await store.apply(desired);
    },
    async setApproval(ref, approval, options = {}) {
      await clients.custom.patchNamespacedCustomObject(
        {
          group: KUBEWISE_GROUP,
          version: RESOURCE_RECOMMENDATION_VERSION,
          plural: RESOURCE_RECOMMENDATION_PLURAL,
          ...ref,
          body: {
            spec: {
              approval,
              ...(options.dryRun === undefined
                ? {}
                : { dryRun: options.dryRun }),
            },
          },
          fieldManager: APPROVAL_FIELD_MANAGER,
        },
        MERGE,
      );
    },
    async listStatuses() {
      const objects = await store.list();
      return objects
        .filter((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === "kubewise")
        .map((o) => ({
          namespace: o.metadata.namespace,
          name: o.metadata.name,
          specHash: hashRecommendedResources(o.spec),
          approval: o.spec.approval,
          phase: o.status?.phase,
        }));
    },
  };
}

export type ClusterSync = {
  runOnce(): Promise<SyncRecommendationsToClusterResult | undefined>;
  stop(): void;
};

/**
 * Keeps dashboard decisions and ResourceRecommendation objects in step every `intervalMs`.
 * A failed round is logged and retried on the next interval.
 */
export function startClusterSync(deps: {
  ctx: Omit<ServiceContext, "actor" | "ports"> &
    Partial<Pick<ServiceContext, "ports">>;
  clients: Pick<KubeClients, "custom">;
  clusterId: string;
  intervalMs: number;
  logger: Logger;
}): ClusterSync {
  const ctx: ServiceContext = {
    ...deps.ctx,
    actor: SYSTEM_ACTOR,
    ports: {
      ...deps.ctx.ports,
      clusterPublisher: createRecommendationPublisher(deps.clients),
    },
  };
  const runOnce = async () => {
    try {
      return await syncRecommendationsToCluster({
        ctx,
        input: { clusterId: deps.clusterId },
      });
    } catch (error) {
      deps.logger.error(
        { err: error },
        "cluster sync failed, retrying next interval",
      );
      return undefined;
    }
  };
  const periodic = startPeriodic(deps.intervalMs, async () => {
    await runOnce();
  });
  return { runOnce, stop: periodic.stop };
}

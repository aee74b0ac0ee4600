import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Logger } from "pino";

import {
  createRecommendationStore,
  hashRecommendedResources,
  KUBEWISE_GROUP,
  MANAGED_BY_LABEL,
  NotLeaderError,
  RESOURCE_RECOMMENDATION_PLURAL,
  RESOURCE_RECOMMENDATION_VERSION,
  type KubeClients,
  type LeaderElector,
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

type ClusterSyncRound =
  | { status: "synced"; result: SyncRecommendationsToClusterResult }
  /** Another instance holds the Lease; this one wrote nothing. */
  | { status: "follower" }
  | { status: "failed" };

export type ClusterSync = {
  runOnce(): Promise<ClusterSyncRound>;
  stop(): void;
};

/** Refuses cluster writes once the Lease is lost mid-round (the DB side is guarded by compare-and-swap). */
export function createLeaderOnlyPublisher(
  publisher: RecommendationPublisher,
  leader: ClusterSyncLeader,
): RecommendationPublisher {
  const assertLeader = (): void => {
    if (!leader.isLeader()) throw new NotLeaderError(leader.identity);
  };
  return {
    async publish(desired) {
      assertLeader();
      await publisher.publish(desired);
    },
    async setApproval(ref, approval, options) {
      assertLeader();
      await publisher.setApproval(ref, approval, options);
    },
    listStatuses: () => publisher.listStatuses(),
  };
}

export type ClusterSyncLeader = Pick<LeaderElector, "isLeader" | "identity">;

/**
 * Keeps dashboard decisions and ResourceRecommendation objects in step every `intervalMs`, on the
 * Lease holder only (the lifecycle controller's elector). A failed round is logged and retried.
 */
export function startClusterSync(deps: {
  ctx: Omit<ServiceContext, "actor" | "ports"> &
    Partial<Pick<ServiceContext, "ports">>;
  clients: Pick<KubeClients, "custom">;
  clusterId: string;
  intervalMs: number;
  logger: Logger;
  leader: ClusterSyncLeader;
}): ClusterSync {
  const { leader } = deps;
  const ctx: ServiceContext = {
    ...deps.ctx,
    actor: SYSTEM_ACTOR,
    ports: {
      ...deps.ctx.ports,
      clusterPublisher: createLeaderOnlyPublisher(
        createRecommendationPublisher(deps.clients),
        leader,
      ),
    },
  };
  const runOnce = async (): Promise<ClusterSyncRound> => {
    if (!leader.isLeader()) return { status: "follower" };
    try {
      const result = await syncRecommendationsToCluster({
        ctx,
        input: { clusterId: deps.clusterId },
      });
      return { status: "synced", result };
    } catch (error) {
      if (error instanceof NotLeaderError) return { status: "follower" };
      deps.logger.error(
        { err: error },
        "cluster sync failed, retrying next interval",
      );
      return { status: "failed" };
    }
  };
  const periodic = startPeriodic(deps.intervalMs, async () => {
    await runOnce();
  });
  return { runOnce, stop: periodic.stop };
}

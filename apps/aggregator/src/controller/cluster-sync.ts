import type { Logger } from "pino";

import {
  createRecommendationPublisher,
  createRecommendationStore,
  createWorkloadStore,
  NotLeaderError,
  type KubeClients,
  type LeaderElector,
} from "@kubewise/controller";
import {
  syncRecommendationsToCluster,
  SYSTEM_ACTOR,
  type RecommendationPublisher,
  type ServiceContext,
  type SyncRecommendationsToClusterResult,
} from "@kubewise/services";

import { startPeriodic } from "../periodic";

type ClusterSyncRound =
  | { status: "synced"; result: SyncRecommendationsToClusterResult }
  /** Another instance holds the Lease; this one wrote nothing. */
  | { status: "follower" }
  | { status: "failed" };

export type ClusterSync = {
  runOnce(): Promise<ClusterSyncRound>;
  stop(): void;
};

export type ClusterSyncLeader = Pick<LeaderElector, "isLeader" | "identity">;

/** The one production publisher (rollback floors, VPA-style status) over the cluster's API. */
export function createClusterPublisher(
  clients: Pick<KubeClients, "custom" | "apps" | "batch" | "core" | "policy">,
  logger: Logger,
): RecommendationPublisher {
  return createRecommendationPublisher({
    recommendations: createRecommendationStore(clients),
    workloads: createWorkloadStore(clients),
    logger,
  });
}

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

/**
 * Keeps dashboard decisions and ResourceRecommendation objects in step every `intervalMs`, on the
 * Lease holder only (the lifecycle controller's elector). A failed round is logged and retried.
 */
export function startClusterSync(deps: {
  ctx: Omit<ServiceContext, "actor" | "ports"> &
    Partial<Pick<ServiceContext, "ports">>;
  publisher: RecommendationPublisher;
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
      clusterPublisher: createLeaderOnlyPublisher(deps.publisher, leader),
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

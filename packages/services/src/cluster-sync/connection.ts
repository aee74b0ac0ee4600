import { z } from "zod";

import { NotFoundError } from "@kubewise/core";
import {
  getClusterById,
  listRecommendations as listRecommendationRows,
  type DbExecutor,
} from "@kubewise/db";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { ClusterSelectorShape, resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";

/**
 * The cluster counts as connected while its controller synced within this long (it syncs every
 * few seconds by default: KUBEWISE_CONTROLLER_INTERVAL_SECONDS).
 */
export const CONTROLLER_CONNECTED_WITHIN_MS = 5 * 60_000;

export const GetClusterConnectionInputSchema = z
  .object({ ...ClusterSelectorShape })
  .strict();

export type ClusterConnection = {
  clusterId: string;
  /** A controller synced recommendations within CONTROLLER_CONNECTED_WITHIN_MS. */
  connected: boolean;
  /** Its last round; null when no controller ever connected. */
  controllerSeenAt: Date | null;
  /** Approved recommendations (in the caller's scope) that wait for the controller to apply them. */
  approvalsWaiting: number;
};

/** Whether a controller applies approvals in this cluster, and how many approvals wait for one. */
export async function getClusterConnection({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.input<typeof GetClusterConnectionInputSchema>;
}): Promise<ClusterConnection> {
  authorize(ctx, "getClusterConnection");
  const parsed = parseInput(GetClusterConnectionInputSchema, input);
  const clusterId = await resolveClusterId(
    ctx.db,
    parsed.clusterId,
    parsed.cluster,
  );
  const cluster = await getClusterById(ctx.db, clusterId);
  if (!cluster) throw new NotFoundError("cluster not found");
  const seenAt = cluster.controllerSeenAt;
  const connected =
    seenAt !== null &&
    ctx.clock.now().getTime() - seenAt.getTime() <=
      CONTROLLER_CONNECTED_WITHIN_MS;
  return {
    clusterId,
    connected,
    controllerSeenAt: seenAt,
    approvalsWaiting: await countApproved(ctx.db, ctx, clusterId),
  };
}

async function countApproved(
  db: DbExecutor,
  ctx: ServiceContext,
  clusterId: string,
): Promise<number> {
  const { total } = await listRecommendationRows(db, {
    clusterId,
    phases: ["Approved"],
    scopes: namespaceFilter(ctx.actor),
    sort: "created_desc",
    limit: 1,
    offset: 0,
  });
  return total;
}

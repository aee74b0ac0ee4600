import { listClusters as queryClusters } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";

export type ClusterView = { id: string; name: string };

/** The clusters the caller may see (a scoped user: the clusters of its scopes), oldest first. */
export async function listClusters({
  ctx,
}: {
  ctx: ServiceContext;
}): Promise<ClusterView[]> {
  authorize(ctx, "listClusters");
  const clusters = await queryClusters(ctx.db);
  const scopes = ctx.actor.scopes;
  if (scopes === "all") return clusters;
  const visible = new Set(scopes.map((s) => s.clusterId));
  return clusters.filter((c) => visible.has(c.id));
}

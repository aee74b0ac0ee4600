import { z } from "zod";

import { NotFoundError, ValidationError } from "@kubewise/core";
import {
  getClusterById,
  getClusterByName,
  listClusterIds,
  listClusters,
  type DbExecutor,
} from "@kubewise/db";

/** A cluster's configured name (the chart's `clusterName`, a DNS-1123 label-like string). */
const ClusterNameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "a cluster name");

/** The two ways a caller names one cluster; neither means "all clusters" for reads. */
export const ClusterSelectorShape = {
  clusterId: z.uuid().optional(),
  /** The cluster's configured name, e.g. "east". */
  cluster: ClusterNameSchema.optional(),
};

export type ClusterRef = { id: string; name: string };

/** The cluster `clusterId` or `cluster` (name) points at; undefined when neither is given. */
async function lookupCluster(
  db: DbExecutor,
  selector: { clusterId?: string | undefined; cluster?: string | undefined },
): Promise<ClusterRef | undefined> {
  const { clusterId, cluster: name } = selector;
  if (clusterId === undefined && name === undefined) return undefined;
  const row =
    clusterId !== undefined
      ? await getClusterById(db, clusterId)
      : await getClusterByName(db, name ?? "");
  if (!row)
    throw new NotFoundError(
      clusterId !== undefined
        ? `no cluster with id ${clusterId}`
        : `no cluster named ${JSON.stringify(name)}`,
    );
  if (name !== undefined && row.name !== name)
    throw new ValidationError(
      `clusterId ${row.id} is cluster ${JSON.stringify(row.name)}, not ${JSON.stringify(name)}`,
      { fieldErrors: { cluster: ["does not match clusterId"] } },
    );
  return { id: row.id, name: row.name };
}

/**
 * The clusters a read covers: the one named by `clusterId` or `cluster`, else every cluster
 * (cross-cluster totals are sums of each cluster's own numbers).
 */
export async function resolveClusters(
  db: DbExecutor,
  selector: { clusterId?: string | undefined; cluster?: string | undefined },
): Promise<{ clusters: ClusterRef[]; all: boolean }> {
  const one = await lookupCluster(db, selector);
  if (one) return { clusters: [one], all: false };
  const clusters = await listClusters(db);
  if (clusters.length === 0)
    throw new ValidationError("no cluster is registered yet", {
      fieldErrors: { clusterId: ["no cluster yet"] },
    });
  return { clusters, all: clusters.length > 1 };
}

/**
 * One cluster, for writes and per-cluster settings: an explicit clusterId or cluster name, or the
 * only cluster of a single-cluster installation.
 */
export async function resolveClusterId(
  db: DbExecutor,
  clusterId: string | undefined,
  name?: string,
): Promise<string> {
  if (name !== undefined) {
    const found = await lookupCluster(db, { clusterId, cluster: name });
    if (found) return found.id;
  }
  if (clusterId !== undefined) return clusterId;
  const ids = await listClusterIds(db);
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  throw new ValidationError(
    ids.length === 0
      ? "no cluster is registered yet"
      : "this applies to one cluster: choose one (cluster name or clusterId) when several clusters exist",
    {
      fieldErrors: { cluster: ["required"] },
    },
  );
}

/** A list's cluster filter: the id of the cluster named by `clusterId` or `cluster`, else undefined (all). */
export async function clusterFilter(
  db: DbExecutor,
  selector: { clusterId?: string | undefined; cluster?: string | undefined },
): Promise<string | undefined> {
  return (await lookupCluster(db, selector))?.id;
}

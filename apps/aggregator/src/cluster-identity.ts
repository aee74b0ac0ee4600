import type { Logger } from "pino";

import { loadKubeConfig, readKubeSystemUid } from "@kubewise/controller";

import type { AggregatorEnv } from "./env";

/**
 * The id of this install's cluster row. With API access (env.ts: KUBEWISE_CLUSTER_UID_SOURCE) the
 * kube-system namespace's UID is read and bound to the name, so an install of another cluster that
 * configured the same name is refused at start (ClusterIdentityError) instead of merged; without
 * it (the demo) the name alone is the identity.
 */
export type EnsureCluster = (identity: {
  name: string;
  kubeSystemUid?: string;
}) => Promise<string>;

export async function resolveClusterId(
  ensureCluster: EnsureCluster,
  env: Pick<AggregatorEnv, "clusterName" | "clusterUid">,
  logger: Pick<Logger, "info">,
): Promise<string> {
  return (await resolveClusterIdentity(ensureCluster, env, logger)).id;
}

/**
 * The cluster row's id and, with API access, the kube-system UID it is bound to (agents declaring
 * another UID are refused at Register: grpc/server.ts).
 */
export async function resolveClusterIdentity(
  ensureCluster: EnsureCluster,
  env: Pick<AggregatorEnv, "clusterName" | "clusterUid">,
  logger: Pick<Logger, "info">,
): Promise<{ id: string; kubeSystemUid?: string }> {
  const name = env.clusterName;
  if (env.clusterUid === undefined) {
    logger.info(
      { cluster: name },
      "cluster identity is the configured name only (no Kubernetes API access)",
    );
    return { id: await ensureCluster({ name }) };
  }
  const { kubeconfigPath } = env.clusterUid;
  const kubeSystemUid = await readKubeSystemUid(
    loadKubeConfig(kubeconfigPath === undefined ? {} : { kubeconfigPath }),
  );
  const id = await ensureCluster({ name, kubeSystemUid });
  logger.info(
    { cluster: name, kubeSystemUid },
    "cluster identity: configured name and kube-system UID",
  );
  return { id, kubeSystemUid };
}

import type { PodMetadataConfig } from "../../env";
import { inClusterAccess, loadKubeconfigAccess } from "./kube-access";
import { createKubeReader, type KubeReader } from "./kube-http";

/** The namespace whose UID identifies a cluster (as the aggregator reads it: @kubewise/controller). */
const IDENTITY_NAMESPACE = "kube-system";

/**
 * The UID of the cluster's kube-system namespace, declared at Register so an aggregator serving
 * another cluster under the same name refuses the agent. Needs `get` on namespaces/kube-system
 * (the chart's rbac-agent.yaml grants exactly that); fails with what to grant or switch off.
 */
export async function readKubeSystemUid(
  reader: Pick<KubeReader, "getJson">,
  timeoutMs = 10_000,
): Promise<string> {
  let namespace: unknown;
  try {
    namespace = await reader.getJson(
      `/api/v1/namespaces/${IDENTITY_NAMESPACE}`,
      timeoutMs,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot read the UID of namespace ${IDENTITY_NAMESPACE} (the cluster's identity): ${reason}; grant get on namespaces/${IDENTITY_NAMESPACE} (the chart does) or set KUBEWISE_CLUSTER_UID_SOURCE=off`,
      { cause: error },
    );
  }
  const uid = (namespace as { metadata?: { uid?: unknown } } | null)?.metadata
    ?.uid;
  if (typeof uid !== "string" || uid === "")
    throw new Error(`namespace ${IDENTITY_NAMESPACE} has no UID`);
  return uid;
}

/** Connects with in-cluster config or a kubeconfig and reads the UID once (at start). */
export async function readKubeSystemUidFromConfig(
  config: PodMetadataConfig,
): Promise<string> {
  const access =
    config.kind === "kubeconfig"
      ? await loadKubeconfigAccess(config.path)
      : inClusterAccess(config);
  return readKubeSystemUid(createKubeReader(access));
}

import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/** The namespace whose UID identifies a cluster: every cluster has it and it is never recreated. */
export const IDENTITY_NAMESPACE = "kube-system";

/**
 * The UID of the cluster's kube-system namespace (needs `get` on that namespace). Fails with a
 * message that says what to grant or switch off.
 */
export async function readKubeSystemUid(
  kubeConfig: KubeConfig,
): Promise<string> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  let uid: string | undefined;
  try {
    const namespace = await core.readNamespace({ name: IDENTITY_NAMESPACE });
    uid = namespace.metadata?.uid;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot read the UID of namespace ${IDENTITY_NAMESPACE} (the cluster's identity): ${reason}; grant get on namespaces/${IDENTITY_NAMESPACE} (the chart does) or set KUBEWISE_CLUSTER_UID_SOURCE=off`,
      { cause: error },
    );
  }
  if (uid === undefined || uid === "")
    throw new Error(`namespace ${IDENTITY_NAMESPACE} has no UID`);
  return uid;
}

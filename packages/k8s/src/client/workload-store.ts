import {
  PatchStrategy,
  setHeaderOptions,
  type V1DaemonSet,
  type V1Deployment,
  type V1StatefulSet,
} from "@kubernetes/client-node";

import type {
  JsonPatchOperation,
  StrategicMergePatch,
} from "../builders/workload-patch";
import { toNamespacePolicy } from "../controller/namespace-policy";
import type {
  ControllerPolicy,
  PartitionPatch,
  WorkloadSnapshot,
} from "../controller/reconcile";
import type { PdbLike, PodLike } from "../controller/signals";
import type { WorkloadKind } from "../crd/resource-recommendation";
import { isApiStatus, type KubeClients } from "./kube-clients";
import { FIELD_MANAGER } from "./recommendation-store";

export type WorkloadRef = {
  kind: WorkloadKind;
  namespace: string;
  name: string;
};

export type WorkloadObservation = {
  workload: WorkloadSnapshot;
  uid: string;
  pods: PodLike[];
  pdbs: PdbLike[];
};

/** Port for reading a workload with its pods and PDBs, and for patching its pod template. */
export type WorkloadStore = {
  observe(ref: WorkloadRef): Promise<WorkloadObservation | undefined>;
  patchTemplate(
    ref: WorkloadRef,
    patch: StrategicMergePatch | PartitionPatch,
  ): Promise<void>;
  rollbackTemplate(
    ref: WorkloadRef,
    patch: JsonPatchOperation[],
  ): Promise<void>;
  resizePod(
    ref: { namespace: string; name: string },
    body: unknown,
  ): Promise<void>;
};

type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;
const STRATEGIC = setHeaderOptions(
  "Content-Type",
  PatchStrategy.StrategicMergePatch,
);
const JSON_PATCH = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

function desiredReplicas(object: Workload): number {
  if (object.spec && "replicas" in object.spec)
    return object.spec.replicas ?? 1;
  if (object.status && "desiredNumberScheduled" in object.status)
    return object.status.desiredNumberScheduled;
  return 1;
}

/** RollingUpdate StatefulSets step through `partition`; others (and OnDelete) have none. */
function rollingPartition(object: Workload): number | undefined {
  if (!object.spec || !("updateStrategy" in object.spec)) return undefined;
  const strategy = object.spec.updateStrategy;
  if (!strategy || !("rollingUpdate" in strategy || "type" in strategy))
    return undefined;
  if (strategy.type === "OnDelete") return undefined;
  const rolling = strategy.rollingUpdate;
  return rolling && "partition" in rolling ? (rolling.partition ?? 0) : 0;
}

function toSelector(
  matchLabels: Record<string, string> | undefined,
): string | undefined {
  if (!matchLabels) return undefined;
  return Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function createWorkloadStore(
  clients: Pick<KubeClients, "apps" | "core" | "policy">,
): WorkloadStore {
  const { apps, core, policy } = clients;

  async function read(ref: WorkloadRef): Promise<Workload | undefined> {
    const params = { namespace: ref.namespace, name: ref.name };
    try {
      switch (ref.kind) {
        case "Deployment":
          return await apps.readNamespacedDeployment(params);
        case "StatefulSet":
          return await apps.readNamespacedStatefulSet(params);
        case "DaemonSet":
          return await apps.readNamespacedDaemonSet(params);
      }
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async function patch(
    ref: WorkloadRef,
    body: unknown,
    options: typeof STRATEGIC,
  ): Promise<void> {
    const params = {
      namespace: ref.namespace,
      name: ref.name,
      body,
      fieldManager: FIELD_MANAGER,
    };
    switch (ref.kind) {
      case "Deployment":
        await apps.patchNamespacedDeployment(params, options);
        return;
      case "StatefulSet":
        await apps.patchNamespacedStatefulSet(params, options);
        return;
      case "DaemonSet":
        await apps.patchNamespacedDaemonSet(params, options);
        return;
    }
  }

  return {
    async observe(ref) {
      const object = await read(ref);
      if (!object?.spec) return undefined;
      const labelSelector = toSelector(object.spec.selector.matchLabels);
      const [pods, pdbs] = await Promise.all([
        labelSelector
          ? core.listNamespacedPod({ namespace: ref.namespace, labelSelector })
          : Promise.resolve({ items: [] }),
        policy.listNamespacedPodDisruptionBudget({ namespace: ref.namespace }),
      ]);
      const workload: WorkloadSnapshot = {
        kind: ref.kind,
        name: ref.name,
        replicas: desiredReplicas(object),
        ...(ref.kind === "StatefulSet"
          ? { partition: rollingPartition(object) }
          : {}),
        annotations: object.metadata?.annotations ?? {},
        template: object.spec.template,
      };
      return {
        workload,
        uid: object.metadata?.uid ?? "",
        pods: pods.items,
        pdbs: pdbs.items,
      };
    },
    patchTemplate: (ref, body) => patch(ref, body, STRATEGIC),
    rollbackTemplate: (ref, body) => patch(ref, body, JSON_PATCH),
    async resizePod(ref, body) {
      try {
        await core.patchNamespacedPodResize(
          { ...ref, body, fieldManager: FIELD_MANAGER },
          STRATEGIC,
        );
      } catch (error) {
        // A pod replaced mid-rollout has nothing left to resize; its successor runs the template.
        if (isApiStatus(error, 404)) return;
        throw error;
      }
    },
  };
}

/** Reads each namespace's safety rules (labels/annotations) through the API, cached for `ttlMs`. */
export function createNamespacePolicyResolver(
  clients: Pick<KubeClients, "core">,
  options: { base: ControllerPolicy; ttlMs: number; now?: () => number },
): (namespace: string) => Promise<ControllerPolicy> {
  const now = options.now ?? (() => Date.now());
  const cache = new Map<
    string,
    { policy: ControllerPolicy; expiresAtMs: number }
  >();
  return async (namespace) => {
    const hit = cache.get(namespace);
    if (hit && hit.expiresAtMs > now()) return hit.policy;
    const object = await clients.core.readNamespace({ name: namespace });
    const policy = toNamespacePolicy(object.metadata, options.base);
    cache.set(namespace, { policy, expiresAtMs: now() + options.ttlMs });
    return policy;
  };
}

import {
  PatchStrategy,
  setHeaderOptions,
  type V1CronJob,
  type V1DaemonSet,
  type V1Deployment,
  type V1Pod,
  type V1StatefulSet,
} from "@kubernetes/client-node";

import type { ObjectRef, WorkloadRef, WorkloadStore } from "../ports";
import type { WorkloadSnapshot } from "../reconcile/decision-context";
import { FIELD_MANAGER } from "./field-manager";
import {
  isApiStatus,
  toWriteError,
  withRawBody,
  type KubeClients,
} from "./kube-clients";

type Workload = V1Deployment | V1StatefulSet | V1DaemonSet | V1CronJob;
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const JSON_PATCH = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);
// The generated clients need a body argument; withRawBody replaces it with the exact bytes.
const REPLACED = {};

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

function podTemplateOf(object: Workload): WorkloadSnapshot["template"] {
  const spec = object.spec;
  if (spec && "jobTemplate" in spec)
    return spec.jobTemplate.spec?.template ?? {};
  return spec?.template ?? {};
}

function toSnapshot(ref: WorkloadRef, object: Workload): WorkloadSnapshot {
  return {
    kind: ref.kind,
    name: ref.name,
    replicas: ref.kind === "CronJob" ? 0 : desiredReplicas(object),
    ...(ref.kind === "StatefulSet"
      ? { partition: rollingPartition(object) }
      : {}),
    annotations: object.metadata?.annotations ?? {},
    template: podTemplateOf(object),
  };
}

export function createWorkloadStore(
  clients: Pick<KubeClients, "apps" | "batch" | "core" | "policy">,
): WorkloadStore {
  const { apps, batch, core, policy } = clients;

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
        case "CronJob":
          return await batch.readNamespacedCronJob(params);
      }
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async function patch(
    ref: WorkloadRef,
    body: unknown,
    options: ReturnType<typeof setHeaderOptions>,
  ): Promise<void> {
    const params = {
      namespace: ref.namespace,
      name: ref.name,
      body,
      fieldManager: FIELD_MANAGER,
    };
    try {
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
        case "CronJob":
          await batch.patchNamespacedCronJob(params, options);
          return;
      }
    } catch (error) {
      throw toWriteError(error);
    }
  }

  /** A CronJob's pods are those of the Jobs it owns (label batch.kubernetes.io/controller-uid). */
  async function listCronJobPods(
    namespace: string,
    uid: string | undefined,
  ): Promise<V1Pod[]> {
    const jobs = await batch.listNamespacedJob({ namespace });
    const owned = jobs.items
      .filter((j) => j.metadata?.ownerReferences?.some((o) => o.uid === uid))
      .map((j) => j.metadata?.uid ?? "")
      .filter((u) => u !== "");
    if (owned.length === 0) return [];
    const labelSelector = `batch.kubernetes.io/controller-uid in (${owned.join(",")})`;
    return (await core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  async function listPods(
    ref: WorkloadRef,
    object: Workload,
  ): Promise<V1Pod[]> {
    if (ref.kind === "CronJob")
      return listCronJobPods(ref.namespace, object.metadata?.uid);
    const matchLabels = (object as Exclude<Workload, V1CronJob>).spec?.selector
      .matchLabels;
    const labelSelector = toSelector(matchLabels);
    if (!labelSelector) return [];
    return (
      await core.listNamespacedPod({ namespace: ref.namespace, labelSelector })
    ).items;
  }

  return {
    async observe(ref) {
      const object = await read(ref);
      if (!object?.spec) return undefined;
      const [pods, pdbs] = await Promise.all([
        listPods(ref, object),
        policy.listNamespacedPodDisruptionBudget({ namespace: ref.namespace }),
      ]);
      return {
        workload: toSnapshot(ref, object),
        uid: object.metadata?.uid ?? "",
        pods,
        pdbs: pdbs.items,
      };
    },
    annotate: (ref, annotations) =>
      patch(ref, { metadata: { annotations } }, MERGE),
    patchResources: (ref, body) =>
      patch(
        ref,
        REPLACED,
        withRawBody(PatchStrategy.StrategicMergePatch, body),
      ),
    setPartition: (ref, partition) =>
      patch(
        ref,
        { spec: { updateStrategy: { rollingUpdate: { partition } } } },
        MERGE,
      ),
    rollbackTemplate: (ref, ops) => patch(ref, ops, JSON_PATCH),
    async resizePod(ref: ObjectRef, body: string) {
      try {
        await core.patchNamespacedPodResize(
          { ...ref, body: REPLACED, fieldManager: FIELD_MANAGER },
          withRawBody(PatchStrategy.StrategicMergePatch, body),
        );
      } catch (error) {
        // A pod replaced mid-rollout has nothing left to resize; its successor runs the template.
        if (isApiStatus(error, 404)) return;
        throw toWriteError(error);
      }
    },
  };
}

import { parseCpuMillicores, parseMemoryBytes } from "@kubewise/core";

import type { ContainerMeta } from "./types";

/** The fields of a core/v1 Pod the agent reads (the API returns many more). */
export type PodObject = {
  metadata?: {
    uid?: string;
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
  status?: {
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};
export type OwnerReference = {
  kind: string;
  name: string;
  controller?: boolean;
};
type ResourceList = Record<string, string | undefined>;
type Resources = { requests?: ResourceList; limits?: ResourceList };
type ContainerSpec = { name: string; resources?: Resources };
type ContainerStatus = {
  name: string;
  containerID?: string;
  /** Set by the kubelet since in-place resize: what the container actually runs with. */
  resources?: Resources;
};

export type Workload = { kind: string; name: string };

export type ContainerResources = Pick<
  ContainerMeta,
  | "cpuRequestMillicores"
  | "cpuLimitMillicores"
  | "memoryRequestBytes"
  | "memoryLimitBytes"
>;

/** What the agent keeps per pod: ready-made metadata per container, not the whole object. */
export type PodEntry = {
  podUid: string;
  /** Keyed by the runtime's container id (64 hex digits, no scheme); built once per pod event. */
  containers: ReadonlyMap<string, Readonly<ContainerMeta>>;
};

/** Kinds whose own controller decides the workload: a Deployment's ReplicaSet, a CronJob's Job. */
const INTERMEDIATE_OWNER_KINDS = ["ReplicaSet", "Job"] as const;
export type IntermediateOwnerKind = (typeof INTERMEDIATE_OWNER_KINDS)[number];

export function isIntermediateOwner(
  owner: Workload,
): owner is { kind: IntermediateOwnerKind; name: string } {
  return (INTERMEDIATE_OWNER_KINDS as readonly string[]).includes(owner.kind);
}

/** The controlling owner reference, or the pod itself for bare and static (Node-owned) pods. */
export function podOwner(pod: PodObject): Workload {
  const refs = pod.metadata?.ownerReferences ?? [];
  const owner = refs.find((r) => r.controller === true) ?? refs[0];
  if (owner === undefined || owner.kind === "Node")
    return { kind: "Pod", name: pod.metadata?.name ?? "" };
  return { kind: owner.kind, name: owner.name };
}

/** The workload above an intermediate owner: its controller (Deployment, CronJob) or itself. */
export function workloadOf(
  owner: Workload,
  ownersOfOwner: readonly OwnerReference[] | undefined,
): Workload {
  const parent =
    ownersOfOwner?.find((r) => r.controller === true) ?? ownersOfOwner?.[0];
  return parent === undefined
    ? owner
    : { kind: parent.kind, name: parent.name };
}

/** "containerd://abc…" -> "abc…"; undefined while the container has not started. */
export function parseContainerId(
  containerID: string | undefined,
): string | undefined {
  if (containerID === undefined) return undefined;
  const scheme = containerID.indexOf("://");
  const id = scheme < 0 ? containerID : containerID.slice(scheme + 3);
  return /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}

function quantity(
  value: string | undefined,
  parse: (q: string) => number,
): number {
  if (value === undefined) return 0;
  try {
    return parse(value);
  } catch {
    return 0;
  }
}

export function toContainerResources(
  resources: Resources | undefined,
): ContainerResources {
  return {
    cpuRequestMillicores: quantity(
      resources?.requests?.cpu,
      parseCpuMillicores,
    ),
    cpuLimitMillicores: quantity(resources?.limits?.cpu, parseCpuMillicores),
    memoryRequestBytes: quantity(resources?.requests?.memory, parseMemoryBytes),
    memoryLimitBytes: quantity(resources?.limits?.memory, parseMemoryBytes),
  };
}

function specsByName(pod: PodObject): Map<string, ContainerSpec> {
  const specs = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
  ];
  return new Map(specs.map((c) => [c.name, c]));
}

function statusesOf(pod: PodObject): ContainerStatus[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
}

/**
 * Labels a controller stamps on each pod or revision (they name a pod, not a workload, and would
 * make a workload's labels change with every rollout).
 */
const PER_POD_LABELS = new Set([
  "pod-template-hash",
  "controller-revision-hash",
  "pod-template-generation",
  "controller-uid",
  "job-name",
  "statefulset.kubernetes.io/pod-name",
  "apps.kubernetes.io/pod-index",
  "batch.kubernetes.io/controller-uid",
  "batch.kubernetes.io/job-name",
  "batch.kubernetes.io/job-completion-index",
]);
/** Kubernetes allows any number of labels; the agent sends at most this many per pod. */
export const MAX_POD_LABELS = 64;

/** The pod's workload-level labels, sorted by key, frozen (one object shared by its containers). */
export function podLabels(
  labels: Record<string, string> | undefined,
): Readonly<Record<string, string>> {
  const kept = Object.entries(labels ?? {})
    .filter(
      ([key, value]) =>
        !PER_POD_LABELS.has(key) &&
        typeof value === "string" &&
        key.length <= 317 &&
        value.length <= 63,
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_POD_LABELS);
  return Object.freeze(Object.fromEntries(kept));
}

/** Undefined for pods without uid/name/namespace (never the case for objects from the API). */
export function toPodEntry(
  pod: PodObject,
  workload: Workload,
): PodEntry | undefined {
  const { uid, name, namespace } = pod.metadata ?? {};
  if (!uid || !name || !namespace) return undefined;
  const specs = specsByName(pod);
  const labels = podLabels(pod.metadata?.labels);
  const containers = new Map<string, Readonly<ContainerMeta>>();
  for (const status of statusesOf(pod)) {
    const id = parseContainerId(status.containerID);
    if (id === undefined) continue;
    const resources = status.resources ?? specs.get(status.name)?.resources;
    containers.set(
      id,
      Object.freeze({
        namespace,
        podName: name,
        podUid: uid,
        containerName: status.name,
        containerId: id,
        workloadKind: workload.kind,
        workloadName: workload.name,
        ...toContainerResources(resources),
        labels,
      }),
    );
  }
  return { podUid: uid, containers };
}

/** By runtime container id (cgroupfs), or by container name when the source has no id (kubelet). */
export function toContainerMeta(
  entry: PodEntry,
  key: { containerId: string } | { containerName: string },
): Readonly<ContainerMeta> | undefined {
  if ("containerId" in key) return entry.containers.get(key.containerId);
  for (const meta of entry.containers.values())
    if (meta.containerName === key.containerName) return meta;
  return undefined;
}

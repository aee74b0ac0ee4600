import { createHash } from "node:crypto";

import {
  applyMemoryFloor,
  buildResourcesPatch,
  fromResourceQuantities,
  serializePatch,
  toResourceQuantities,
  type ApplicableWorkloadKind,
  type NamedContainerResources,
  type ResourceAmounts,
  type ResourcesPatch,
} from "@kubewise/core";

import {
  RESOURCE_RECOMMENDATION_API_VERSION,
  RESOURCE_RECOMMENDATION_KIND,
  type ResourceRecommendationApply,
  type ResourceRecommendationSpec,
  type RolledBackRecord,
  type TimeWindow,
  type VpaContainerRecommendation,
} from "../crd/resource-recommendation";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const TARGET_KIND_LABEL = "kubewise.io/target-kind";
export const TARGET_NAME_LABEL = "kubewise.io/target-name";

/** One container's recommendation: the resources to apply plus what the dashboard and VPA show. */
export type ContainerRecommendation = NamedContainerResources & {
  windows?: { window: TimeWindow; requests: ResourceAmounts }[];
  bounds?: {
    lowerBound: ResourceAmounts;
    upperBound: ResourceAmounts;
    uncappedTarget: ResourceAmounts;
  };
};

/** What the recommender publishes for one workload (the input of the one CRD publisher). */
export type WorkloadRecommendation = {
  namespace: string;
  target: { kind: ApplicableWorkloadKind; name: string; uid?: string };
  containers: ContainerRecommendation[];
  confidence: number;
  policy: string;
  generatedAt: Date;
};

const OWNER_API_VERSION: Record<ApplicableWorkloadKind, string> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  CronJob: "batch/v1",
};

/** Label values are capped at 63 characters; long names keep a readable prefix plus a hash. */
function toLabelValue(value: string): string {
  if (value.length <= 63) return value;
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 10);
  return `${value.slice(0, 52).replace(/[^a-zA-Z0-9]+$/, "")}-${hash}`;
}

export function toRecommendationName(target: {
  kind: ApplicableWorkloadKind;
  name: string;
}): string {
  const name = `${target.kind.toLowerCase()}-${target.name}`;
  if (name.length <= 253) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 10);
  return `${name.slice(0, 242)}-${hash}`;
}

/** The memory floors an OOM rollback left in status.rolledBack, by container. */
export function toRollbackFloors(
  rolledBack: RolledBackRecord | undefined,
): Map<string, number> {
  return new Map(
    (rolledBack?.nextMinimumMemoryBytes ?? []).map((f) => [
      f.name,
      f.memoryBytes,
    ]),
  );
}

/** Raises each container's memory to the floor an OOM rollback left (see applyMemoryFloor). */
export function applyRollbackFloors(
  recommendation: WorkloadRecommendation,
  rolledBack: RolledBackRecord | undefined,
): WorkloadRecommendation {
  const floors = toRollbackFloors(rolledBack);
  if (floors.size === 0) return recommendation;
  return {
    ...recommendation,
    containers: recommendation.containers.map((c) =>
      applyMemoryFloor(c, floors.get(c.name)),
    ),
  };
}

function toSpecContainer(
  c: ContainerRecommendation,
): ResourceRecommendationSpec["containers"][number] {
  const limits = toResourceQuantities(c.limits);
  return {
    name: c.name,
    requests: toResourceQuantities(c.requests),
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(c.windows?.length
      ? {
          windows: c.windows.map((w) => ({
            window: w.window,
            requests: toResourceQuantities(w.requests),
          })),
        }
      : {}),
  };
}

function buildMetadata(
  recommendation: WorkloadRecommendation,
): ResourceRecommendationApply["metadata"] {
  const { target } = recommendation;
  return {
    name: toRecommendationName(target),
    namespace: recommendation.namespace,
    labels: {
      [MANAGED_BY_LABEL]: "kubewise",
      [TARGET_KIND_LABEL]: target.kind,
      [TARGET_NAME_LABEL]: toLabelValue(target.name),
    },
    ...(target.uid
      ? {
          ownerReferences: [
            {
              apiVersion: OWNER_API_VERSION[target.kind],
              kind: target.kind,
              name: target.name,
              uid: target.uid,
            },
          ],
        }
      : {}),
  };
}

/**
 * The desired ResourceRecommendation for server-side apply. It deliberately omits dryRun,
 * autoApply and approval: those belong to users (kubectl, dashboard) and default in the CRD.
 */
export function buildResourceRecommendation(
  recommendation: WorkloadRecommendation,
): ResourceRecommendationApply {
  const { target } = recommendation;
  return {
    apiVersion: RESOURCE_RECOMMENDATION_API_VERSION,
    kind: RESOURCE_RECOMMENDATION_KIND,
    metadata: buildMetadata(recommendation),
    spec: {
      targetRef: { kind: target.kind, name: target.name },
      containers: recommendation.containers.map(toSpecContainer),
      confidence: Math.round(recommendation.confidence * 1000) / 1000,
      source: {
        policy: recommendation.policy,
        generatedAt: recommendation.generatedAt.toISOString(),
      },
    },
  };
}

/** VPA-shaped per-container bounds for status.containerRecommendations. */
export function buildContainerRecommendations(
  containers: ContainerRecommendation[],
): VpaContainerRecommendation[] {
  return containers.map((c) => ({
    containerName: c.name,
    target: toResourceQuantities(c.requests),
    ...(c.bounds
      ? {
          lowerBound: toResourceQuantities(c.bounds.lowerBound),
          upperBound: toResourceQuantities(c.bounds.upperBound),
        }
      : {}),
    uncappedTarget: toResourceQuantities(
      c.bounds?.uncappedTarget ?? c.requests,
    ),
  }));
}

type SpecResources = Pick<ResourceRecommendationSpec, "containers">;

/** The recommended resources of a spec, in the one container-resources shape. */
export function toContainerResources(
  spec: SpecResources,
): NamedContainerResources[] {
  return spec.containers.map((c) => ({
    name: c.name,
    requests: fromResourceQuantities(c.requests),
    limits: fromResourceQuantities(c.limits),
  }));
}

/** The patch a spec applies: status.generatedPatch, the preview and the controller's request body. */
export function buildRecommendationPatch(
  spec: Pick<ResourceRecommendationSpec, "containers" | "targetRef">,
): ResourcesPatch {
  return buildResourcesPatch(spec.targetRef.kind, toContainerResources(spec));
}

/** The hash of a serialized patch: what status.specHash and spec.approval.specHash hold. */
export function hashPatch(serializedPatch: string): string {
  return createHash("sha256")
    .update(serializedPatch)
    .digest("hex")
    .slice(0, 32);
}

/** Binds an approval to the exact patch a spec applies (status.specHash, spec.approval.specHash). */
export function hashRecommendedResources(
  spec: Pick<ResourceRecommendationSpec, "containers" | "targetRef">,
): string {
  return hashPatch(serializePatch(buildRecommendationPatch(spec)));
}

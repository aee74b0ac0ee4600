import { createHash } from "node:crypto";

import {
  RESOURCE_RECOMMENDATION_API_VERSION,
  RESOURCE_RECOMMENDATION_KIND,
  type ResourceRecommendationApply,
  type RolledBackRecord,
  type TimeWindow,
  type VpaContainerRecommendation,
  type WorkloadKind,
} from "../crd/resource-recommendation";
import { formatCpuMillicores, formatMemoryBytes } from "../quantity";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const TARGET_KIND_LABEL = "kubewise.io/target-kind";
export const TARGET_NAME_LABEL = "kubewise.io/target-name";

export type ResourceAmounts = { cpuMillicores?: number; memoryBytes?: number };

export type ContainerRecommendationInput = {
  name: string;
  requests: ResourceAmounts;
  limits?: ResourceAmounts;
  windows?: {
    window: TimeWindow;
    requests: ResourceAmounts;
    limits?: ResourceAmounts;
  }[];
  lowerBound?: ResourceAmounts;
  upperBound?: ResourceAmounts;
  uncappedTarget?: ResourceAmounts;
};

export type RecommendationInput = {
  namespace: string;
  target: { kind: WorkloadKind; name: string; uid?: string };
  containers: ContainerRecommendationInput[];
  confidence: number;
  policy: string;
  generatedAt: Date;
};

function toResourceList(amounts: ResourceAmounts): {
  cpu?: string;
  memory?: string;
} {
  return {
    ...(amounts.cpuMillicores === undefined
      ? {}
      : { cpu: formatCpuMillicores(Math.ceil(amounts.cpuMillicores)) }),
    ...(amounts.memoryBytes === undefined
      ? {}
      : { memory: formatMemoryBytes(Math.ceil(amounts.memoryBytes)) }),
  };
}

/** Label values are capped at 63 characters; long names keep a readable prefix plus a hash. */
function toLabelValue(value: string): string {
  if (value.length <= 63) return value;
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 10);
  return `${value.slice(0, 52).replace(/[^a-zA-Z0-9]+$/, "")}-${hash}`;
}

export function toRecommendationName(target: {
  kind: WorkloadKind;
  name: string;
}): string {
  const name = `${target.kind.toLowerCase()}-${target.name}`;
  if (name.length <= 253) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 10);
  return `${name.slice(0, 242)}-${hash}`;
}

/**
 * Raises memory recommendations to the floor left by an OOM rollback (x1.2, at least +100 MiB),
 * so the next recommendation never repeats the change that was just reverted.
 */
export function applyRollbackFloors(
  containers: ContainerRecommendationInput[],
  rolledBack: RolledBackRecord | undefined,
): ContainerRecommendationInput[] {
  const floors = new Map(
    (rolledBack?.nextMinimumMemoryBytes ?? []).map((f) => [
      f.name,
      f.memoryBytes,
    ]),
  );
  return containers.map((c) => {
    const floor = floors.get(c.name);
    if (
      floor === undefined ||
      c.requests.memoryBytes === undefined ||
      c.requests.memoryBytes >= floor
    )
      return c;
    const limits =
      c.limits?.memoryBytes !== undefined && c.limits.memoryBytes < floor
        ? { ...c.limits, memoryBytes: floor }
        : c.limits;
    return {
      ...c,
      requests: { ...c.requests, memoryBytes: floor },
      ...(limits ? { limits } : {}),
    };
  });
}

/**
 * The desired ResourceRecommendation for server-side apply. It deliberately omits dryRun,
 * autoApply and approval: those belong to users (kubectl, dashboard) and default in the CRD.
 */
export function buildResourceRecommendation(
  input: RecommendationInput,
): ResourceRecommendationApply {
  const { target } = input;
  return {
    apiVersion: RESOURCE_RECOMMENDATION_API_VERSION,
    kind: RESOURCE_RECOMMENDATION_KIND,
    metadata: {
      name: toRecommendationName(target),
      namespace: input.namespace,
      labels: {
        [MANAGED_BY_LABEL]: "kubewise",
        [TARGET_KIND_LABEL]: target.kind,
        [TARGET_NAME_LABEL]: toLabelValue(target.name),
      },
      ...(target.uid
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: target.kind,
                name: target.name,
                uid: target.uid,
              },
            ],
          }
        : {}),
    },
    spec: {
      targetRef: { kind: target.kind, name: target.name },
      containers: input.containers.map((c) => ({
        name: c.name,
        requests: toResourceList(c.requests),
        ...(c.limits ? { limits: toResourceList(c.limits) } : {}),
        ...(c.windows?.length
          ? {
              windows: c.windows.map((w) => ({
                window: w.window,
                requests: toResourceList(w.requests),
                ...(w.limits ? { limits: toResourceList(w.limits) } : {}),
              })),
            }
          : {}),
      })),
      confidence: Math.round(input.confidence * 1000) / 1000,
      source: {
        policy: input.policy,
        generatedAt: input.generatedAt.toISOString(),
      },
    },
  };
}

/** VPA-shaped per-container bounds for status.containerRecommendations. */
export function buildContainerRecommendations(
  containers: ContainerRecommendationInput[],
): VpaContainerRecommendation[] {
  return containers.map((c) => ({
    containerName: c.name,
    target: toResourceList(c.requests),
    ...(c.lowerBound ? { lowerBound: toResourceList(c.lowerBound) } : {}),
    ...(c.upperBound ? { upperBound: toResourceList(c.upperBound) } : {}),
    uncappedTarget: toResourceList(c.uncappedTarget ?? c.requests),
  }));
}

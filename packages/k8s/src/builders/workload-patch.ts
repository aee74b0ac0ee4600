import { createHash } from "node:crypto";

import type {
  ContainerResources,
  ResourceList,
  ResourceRecommendationSpec,
} from "../crd/resource-recommendation";

export const APPLIED_ANNOTATION = "kubewise.io/applied-recommendation";
export const PREVIOUS_RESOURCES_ANNOTATION = "kubewise.io/previous-resources";

type QuantityMap = Record<string, string>;
export type ContainerLike = {
  name: string;
  resources?: { requests?: QuantityMap; limits?: QuantityMap };
};
export type PodTemplateLike = {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers: ContainerLike[] };
};

export type StrategicMergePatch = {
  metadata?: { annotations: Record<string, string> };
  spec: {
    template: {
      spec: {
        containers: {
          name: string;
          resources: { requests?: QuantityMap; limits?: QuantityMap };
        }[];
      };
    };
  };
};
export type JsonPatchOperation =
  | { op: "test" | "add" | "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

function toQuantityMap(
  list: ResourceList | undefined,
): QuantityMap | undefined {
  if (!list) return undefined;
  const entries = Object.entries(list).filter(
    (e): e is [string, string] => typeof e[1] === "string",
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function copyMap(map: QuantityMap | undefined): QuantityMap | undefined {
  return map ? { ...map } : undefined;
}

/** The exact requests/limits of the named containers in a pod template (absent maps stay absent). */
export function extractContainerResources(
  template: PodTemplateLike,
  names?: string[],
): ContainerResources[] {
  const containers = template.spec?.containers ?? [];
  return containers
    .filter((c) => !names || names.includes(c.name))
    .map((c) => {
      const requests = copyMap(c.resources?.requests);
      const limits = copyMap(c.resources?.limits);
      return {
        name: c.name,
        ...(requests ? { requests } : {}),
        ...(limits ? { limits } : {}),
      };
    });
}

/** Strategic merge patch that sets the recommended requests/limits; this is status.generatedPatch. */
export function buildResourcesPatch(
  spec: Pick<ResourceRecommendationSpec, "containers">,
): StrategicMergePatch {
  return {
    spec: {
      template: {
        spec: {
          containers: spec.containers.map((c) => {
            const requests = toQuantityMap(c.requests);
            const limits = toQuantityMap(c.limits);
            return {
              name: c.name,
              resources: {
                ...(requests ? { requests } : {}),
                ...(limits ? { limits } : {}),
              },
            };
          }),
        },
      },
    },
  };
}

/** Resources each container will have after the patch: previous values merged with the recommendation. */
export function mergeAppliedResources(
  previous: ContainerResources[],
  patch: StrategicMergePatch,
): ContainerResources[] {
  return patch.spec.template.spec.containers.map((c) => {
    const before = previous.find((p) => p.name === c.name);
    const requests = { ...before?.requests, ...c.resources.requests };
    const limits = { ...before?.limits, ...c.resources.limits };
    return {
      name: c.name,
      ...(Object.keys(requests).length ? { requests } : {}),
      ...(Object.keys(limits).length ? { limits } : {}),
    };
  });
}

export type ApplyAnnotation = {
  recommendation: string;
  generation: number;
  previous: ContainerResources[];
};

/** The patch actually sent on apply: resources plus annotations that record the exact previous state. */
export function buildApplyPatch(
  spec: Pick<ResourceRecommendationSpec, "containers">,
  record: ApplyAnnotation,
): StrategicMergePatch {
  return {
    metadata: {
      annotations: {
        [APPLIED_ANNOTATION]: `${record.recommendation}@${record.generation}`,
        [PREVIOUS_RESOURCES_ANNOTATION]: JSON.stringify(record.previous),
      },
    },
    ...buildResourcesPatch(spec),
  };
}

/** Reads back the apply record a previous (possibly crashed) reconcile wrote onto the workload. */
export function readApplyAnnotation(
  annotations: Record<string, string> | undefined,
): ApplyAnnotation | undefined {
  const applied = annotations?.[APPLIED_ANNOTATION];
  const previous = annotations?.[PREVIOUS_RESOURCES_ANNOTATION];
  if (!applied || !previous) return undefined;
  const at = applied.lastIndexOf("@");
  const generation = Number(applied.slice(at + 1));
  if (at <= 0 || !Number.isInteger(generation)) return undefined;
  try {
    const parsed: unknown = JSON.parse(previous);
    if (!Array.isArray(parsed)) return undefined;
    return {
      recommendation: applied.slice(0, at),
      generation,
      previous: parsed as ContainerResources[],
    };
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * JSON patch restoring the exact previous requests/limits. A `test` on each container name guards
 * against the template having been reordered since the snapshot; the API server rejects the patch then.
 */
export function buildRollbackPatch(
  template: PodTemplateLike,
  previous: ContainerResources[],
): JsonPatchOperation[] {
  const containers = template.spec?.containers ?? [];
  const ops: JsonPatchOperation[] = [];
  for (const prev of previous) {
    const index = containers.findIndex((c) => c.name === prev.name);
    if (index < 0)
      throw new Error(
        `container ${prev.name} no longer exists in the pod template`,
      );
    const base = `/spec/template/spec/containers/${index}`;
    const current = containers[index]?.resources;
    ops.push({ op: "test", path: `${base}/name`, value: prev.name });
    if (!current) ops.push({ op: "add", path: `${base}/resources`, value: {} });
    ops.push(...restoreResourceOps(base, prev, current));
  }
  return ops;
}

/** Per requests/limits: put back the snapshot's map, or remove one the snapshot did not have. */
function restoreResourceOps(
  base: string,
  prev: ContainerResources,
  current: ContainerLike["resources"],
): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  for (const key of ["requests", "limits"] as const) {
    const value = prev[key];
    if (value) ops.push({ op: "add", path: `${base}/resources/${key}`, value });
    else if (current?.[key])
      ops.push({ op: "remove", path: `${base}/resources/${key}` });
  }
  return ops;
}

type NullableQuantityMap = Record<string, string | null>;
export type PodResizePatch = {
  spec: {
    containers: {
      name: string;
      resources: {
        requests?: NullableQuantityMap;
        limits?: NullableQuantityMap;
      };
    }[];
  };
};

/** Body for the pods/resize subresource (in-place resize, Kubernetes >= 1.33). */
export function buildPodResizePatch(
  spec: Pick<ResourceRecommendationSpec, "containers">,
): PodResizePatch {
  return { spec: buildResourcesPatch(spec).spec.template.spec };
}

function restoreMap(
  previous: QuantityMap | undefined,
  applied: QuantityMap | undefined,
): NullableQuantityMap | undefined {
  const out: NullableQuantityMap = { ...previous };
  for (const key of Object.keys(applied ?? {}))
    if (!(key in out)) out[key] = null;
  return Object.keys(out).length ? out : undefined;
}

/** pods/resize body restoring exact previous quantities; keys the change added are deleted (null). */
export function buildPodRestorePatch(
  previous: ContainerResources[],
  applied: ContainerResources[],
): PodResizePatch {
  return {
    spec: {
      containers: previous.map((prev) => {
        const after = applied.find((a) => a.name === prev.name);
        const requests = restoreMap(prev.requests, after?.requests);
        const limits = restoreMap(prev.limits, after?.limits);
        return {
          name: prev.name,
          resources: {
            ...(requests ? { requests } : {}),
            ...(limits ? { limits } : {}),
          },
        };
      }),
    },
  };
}

/** Binds an approval to the exact recommended resources (see Approval.specHash). */
export function hashRecommendedResources(
  spec: Pick<ResourceRecommendationSpec, "containers">,
): string {
  return createHash("sha256")
    .update(JSON.stringify(buildResourcesPatch(spec)))
    .digest("hex")
    .slice(0, 32);
}

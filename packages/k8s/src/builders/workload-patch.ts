// Pure builders around the one resources patch (@kubewise/core buildResourcesPatch): the apply
// record on the workload, exact restores, and what a container holds after the patch.
import {
  parseQuantity,
  podTemplatePath,
  toResourceQuantities,
  type ApplicableWorkloadKind,
  type NamedContainerResources,
  type ResourceAmounts,
} from "@kubewise/core";

import type { ContainerResourcesSnapshot } from "../crd/resource-recommendation";

export const APPLIED_ANNOTATION = "kubewise.io/applied-recommendation";
export const PREVIOUS_RESOURCES_ANNOTATION = "kubewise.io/previous-resources";
export const PREVIOUS_PARTITION_ANNOTATION = "kubewise.io/previous-partition";

type QuantityMap = Record<string, string>;
export type ContainerLike = {
  name: string;
  resources?: { requests?: QuantityMap; limits?: QuantityMap };
};
export type PodTemplateLike = {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers: ContainerLike[] };
};

export type JsonPatchOperation =
  | { op: "test" | "add" | "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

function copyMap(map: QuantityMap | undefined): QuantityMap | undefined {
  return map ? { ...map } : undefined;
}

/** The exact requests/limits of the named containers in a pod template (absent maps stay absent). */
export function extractContainerResources(
  template: PodTemplateLike,
  names?: string[],
): ContainerResourcesSnapshot[] {
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

/** cpu and memory as the recommendation says (set or removed); other resources untouched. */
function withAmounts(
  map: QuantityMap | undefined,
  amounts: ResourceAmounts,
): QuantityMap | undefined {
  const { cpu: _cpu, memory: _memory, ...others } = map ?? {};
  const merged = { ...others, ...toResourceQuantities(amounts) };
  return Object.keys(merged).length ? merged : undefined;
}

/** What each container holds after the patch: its snapshot with the recommended cpu and memory. */
export function mergeAppliedResources(
  previous: ContainerResourcesSnapshot[],
  containers: readonly NamedContainerResources[],
): ContainerResourcesSnapshot[] {
  return containers.map((c) => {
    const before = previous.find((p) => p.name === c.name);
    const requests = withAmounts(before?.requests, c.requests);
    const limits = withAmounts(before?.limits, c.limits);
    return {
      name: c.name,
      ...(requests ? { requests } : {}),
      ...(limits ? { limits } : {}),
    };
  });
}

export type ApplyAnnotation = {
  recommendation: string;
  generation: number;
  previous: ContainerResourcesSnapshot[];
  /** A StatefulSet rollout's partition before its first step. */
  previousPartition?: number;
};

/**
 * Merge patch of the workload's own annotations recording the exact previous resources, sent
 * before the resources patch: a crash between the two leaves the true previous state readable.
 */
export function buildApplyRecordPatch(record: ApplyAnnotation): {
  metadata: { annotations: Record<string, string> };
} {
  return {
    metadata: {
      annotations: {
        [APPLIED_ANNOTATION]: `${record.recommendation}@${record.generation}`,
        [PREVIOUS_RESOURCES_ANNOTATION]: JSON.stringify(record.previous),
        ...(record.previousPartition === undefined
          ? {}
          : {
              [PREVIOUS_PARTITION_ANNOTATION]: String(record.previousPartition),
            }),
      },
    },
  };
}

function readPartition(value: string | undefined): number | undefined {
  const partition = Number(value);
  return value !== undefined && Number.isInteger(partition) && partition >= 0
    ? partition
    : undefined;
}

function parsePrevious(text: string): ContainerResourcesSnapshot[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed)
      ? (parsed as ContainerResourcesSnapshot[])
      : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Reads back the apply record a previous (possibly crashed) reconcile wrote onto the workload. */
export function readApplyAnnotation(
  annotations: Record<string, string> | undefined,
): ApplyAnnotation | undefined {
  const applied = annotations?.[APPLIED_ANNOTATION];
  const text = annotations?.[PREVIOUS_RESOURCES_ANNOTATION];
  if (!applied || !text) return undefined;
  const at = applied.lastIndexOf("@");
  const generation = Number(applied.slice(at + 1));
  const previous = parsePrevious(text);
  if (at <= 0 || !Number.isInteger(generation) || !previous) return undefined;
  const previousPartition = readPartition(
    annotations[PREVIOUS_PARTITION_ANNOTATION],
  );
  return {
    recommendation: applied.slice(0, at),
    generation,
    previous,
    ...(previousPartition === undefined ? {} : { previousPartition }),
  };
}

/**
 * JSON patch restoring the exact previous requests/limits. A `test` on each container name guards
 * against the template having been reordered since the snapshot; the API server rejects the patch then.
 */
export function buildRollbackPatch(
  kind: ApplicableWorkloadKind,
  target: { template: PodTemplateLike; previous: ContainerResourcesSnapshot[] },
): JsonPatchOperation[] {
  const containers = target.template.spec?.containers ?? [];
  const prefix = `/${podTemplatePath(kind).join("/")}/spec/containers`;
  const ops: JsonPatchOperation[] = [];
  for (const prev of target.previous) {
    const index = containers.findIndex((c) => c.name === prev.name);
    if (index < 0)
      throw new Error(
        `container ${prev.name} no longer exists in the pod template`,
      );
    const base = `${prefix}/${index}`;
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
  prev: ContainerResourcesSnapshot,
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
export type PodRestorePatch = {
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
  previous: ContainerResourcesSnapshot[],
  applied: ContainerResourcesSnapshot[],
): PodRestorePatch {
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

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

const isSet = (q: string | undefined): q is string =>
  q !== undefined && parseQuantity(q).numerator !== 0n;
const sameQuantity = (a: string, b: string) => {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x.numerator * y.denominator === y.numerator * x.denominator;
};

/**
 * The pod's QoS class from its containers' cpu/memory requests and limits, as the kubelet derives
 * it (pkg/apis/core/helper/qos): none set is BestEffort; cpu and memory limits on every container,
 * each request equal to its limit (an unset request defaults to the limit), is Guaranteed.
 */
export function podQosClass(
  containers: ContainerResourcesSnapshot[],
): QosClass {
  const pairs = containers.flatMap((c) =>
    ["cpu", "memory"].map((resource) => {
      const limit = c.limits?.[resource];
      return { limit, request: c.requests?.[resource] ?? limit };
    }),
  );
  if (!pairs.some((p) => isSet(p.limit) || isSet(p.request)))
    return "BestEffort";
  const guaranteed = pairs.every(
    (p) =>
      isSet(p.limit) && isSet(p.request) && sameQuantity(p.request, p.limit),
  );
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * Why pods cannot take the change in place, or undefined when they can. pods/resize may not
 * change the pod's QoS class (the API server answers 422), so a request or limit the change adds
 * or removes, or values that move the class (e.g. requests = limits turning Burstable into
 * Guaranteed), go through the pod template instead. `others`: the pod's containers the change
 * leaves alone (they count for the pod's class).
 */
export function inPlaceResizeBlocker(
  previous: ContainerResourcesSnapshot[],
  applied: ContainerResourcesSnapshot[],
  others: ContainerResourcesSnapshot[] = [],
): string | undefined {
  const keys = (map: QuantityMap | undefined) =>
    ["cpu", "memory"].filter((k) => map?.[k] !== undefined).join(",");
  const reshaped = applied.find((after) => {
    const before = previous.find((p) => p.name === after.name);
    return (
      keys(before?.requests) !== keys(after.requests) ||
      keys(before?.limits) !== keys(after.limits)
    );
  });
  if (reshaped)
    return `container ${reshaped.name}: the change adds or removes a request or limit`;
  const from = podQosClass([...others, ...previous]);
  const to = podQosClass([...others, ...applied]);
  if (from !== to)
    return `the pod's QoS class would change from ${from} to ${to}`;
  return undefined;
}

/** Whether pods can take the change in place (see inPlaceResizeBlocker). */
export function isResizableInPlace(
  previous: ContainerResourcesSnapshot[],
  applied: ContainerResourcesSnapshot[],
  others: ContainerResourcesSnapshot[] = [],
): boolean {
  return inPlaceResizeBlocker(previous, applied, others) === undefined;
}

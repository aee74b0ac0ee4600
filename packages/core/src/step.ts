// How far one change may lower a container's resources: the per-namespace step cap.
import type { ContainerResources, ResourceAmounts } from "./resources";

/** One change may lower a request or limit to no less than 1/ratio of its current value. */
export const DEFAULT_MAX_STEP_RATIO = 2;

type Key = keyof ResourceAmounts;
const KEYS: Key[] = ["cpuMillicores", "memoryBytes"];

export type StepViolation = {
  field: "requests" | "limits";
  resource: Key;
  currentValue: number;
  recommendedValue: number;
};

function lowest(current: number, maxRatio: number): number {
  return Math.ceil(current / maxRatio);
}

/**
 * Decreases larger than the cap, per request/limit. Increases are never capped: an
 * under-provisioned container needs all of it. Unset values on either side are not a step.
 */
export function findStepViolations(
  current: ContainerResources,
  recommended: ContainerResources,
  maxRatio: number,
): StepViolation[] {
  return (["requests", "limits"] as const).flatMap((field) =>
    KEYS.flatMap((resource) => {
      const from = current[field][resource];
      const to = recommended[field][resource];
      if (from === undefined || to === undefined) return [];
      return to < lowest(from, maxRatio)
        ? [{ field, resource, currentValue: from, recommendedValue: to }]
        : [];
    }),
  );
}

function capAmounts(
  current: ResourceAmounts,
  recommended: ResourceAmounts,
  maxRatio: number,
): ResourceAmounts {
  const capped = { ...recommended };
  for (const key of KEYS) {
    const from = current[key];
    const to = recommended[key];
    if (from !== undefined && to !== undefined)
      capped[key] = Math.max(to, lowest(from, maxRatio));
  }
  return capped;
}

/** The recommendation as one step from `current`: decreases stop at the cap (and limits stay >= requests). */
export function capStep<T extends ContainerResources>(
  current: ContainerResources,
  recommended: T,
  maxRatio: number,
): T {
  const requests = capAmounts(current.requests, recommended.requests, maxRatio);
  const limits = capAmounts(current.limits, recommended.limits, maxRatio);
  for (const key of KEYS) {
    const request = requests[key];
    const limit = limits[key];
    if (request !== undefined && limit !== undefined && limit < request)
      limits[key] = request;
  }
  return { ...recommended, requests, limits };
}

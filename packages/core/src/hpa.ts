// HPA coordination (issue 13 item 6): what a recommendation may do to a container's requests when
// an autoscaling/v2 HorizontalPodAutoscaler scales its workload. A CPU- or memory-utilisation HPA
// scales at `averageUtilization` percent of the pod's request; lowering the request lowers that scale
// point, the HPA adds replicas, per-pod usage falls, and a request computed from per-pod usage falls
// again (the feedback loop of KRR's PR #80). Two ways out, chosen per namespace:
//   leave-alone (default): the request of an HPA-scaled resource stays what it is;
//   retarget: the request moves and averageUtilization moves with it so that the absolute scale
//   point (utilisation x request) stays put, within RETARGET_BOUNDS (StormForge's approach).
// Pure; the cluster sync stores what it observed (HpaObservation), services apply the plan.
import { z } from "zod";

export const HPA_MODES = ["leave-alone", "retarget"] as const;
export type HpaMode = (typeof HPA_MODES)[number];

/**
 * leave-alone: an HPA usually belongs to a team's deployment pipeline (Helm, GitOps); a second
 * writer on it gets reverted or fights it, and a moved target changes how the service scales under
 * load. Leaving the scaled resource's request alone cannot start the spiral and changes nothing
 * the user did not ask for; memory (or CPU) outside the HPA's metrics is still right-sized.
 */
export const DEFAULT_HPA_MODE: HpaMode = "leave-alone";

/** averageUtilization never leaves this range when Kubewise re-targets it (percent). */
export const RETARGET_BOUNDS = Object.freeze({ min: 50, max: 90 });

/** A re-target that moves the request by less than this share is not made (hysteresis). */
export const RETARGET_HYSTERESIS = 0.05;

/** The most a re-target may move the scale point through rounding (share of it). */
export const RETARGET_MAX_DRIFT = 0.01;

const HpaMetricSchema = z.object({
  /** The metric source type: Resource, ContainerResource, Pods, Object or External. */
  source: z.string().min(1),
  /** cpu / memory for Resource and ContainerResource sources. */
  resource: z.string().optional(),
  /** The container of a ContainerResource source. */
  container: z.string().optional(),
  /** Utilization, AverageValue or Value. */
  targetType: z.string().min(1),
  averageUtilization: z.number().int().positive().optional(),
  /** The metric's name for Pods / Object / External sources. */
  metricName: z.string().optional(),
});
export type HpaMetric = z.infer<typeof HpaMetricSchema>;

/** An autoscaling/v2 HPA as the cluster sync observed it. */
export const HpaObservationSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  targetKind: z.string().min(1),
  targetName: z.string().min(1),
  minReplicas: z.number().int().nonnegative(),
  maxReplicas: z.number().int().positive(),
  currentReplicas: z.number().int().nonnegative().nullable(),
  metrics: z.array(HpaMetricSchema),
});
export type HpaObservation = z.infer<typeof HpaObservationSchema>;

export type HpaResource = "cpu" | "memory";

export type HpaResourcePlan =
  /** The request stays at `requestFrom`: the HPA keeps its scale point. */
  | {
      resource: HpaResource;
      action: "keep-request";
      requestFrom: number;
      utilization: number;
      reason: string;
    }
  /** The request moves to `requestTo` and averageUtilization to `utilizationTo`; the scale point stays. */
  | {
      resource: HpaResource;
      action: "retarget";
      requestFrom: number;
      requestTo: number;
      utilizationFrom: number;
      utilizationTo: number;
      reason: string;
    };

export type HpaPlan = {
  hpa: string;
  mode: HpaMode;
  /** One entry per CPU/memory utilisation metric of the HPA that covers this container. */
  resources: HpaResourcePlan[];
  /** Set when the HPA scales on something Kubewise cannot see or keep: the recommendation's confidence stays low. */
  lowConfidence: string | null;
};

export type CoordinateWithHpaInput = {
  hpa: HpaObservation;
  mode: HpaMode;
  container: string;
  /** Containers in the pod: a Resource metric's utilisation is of the pod's summed request. */
  containersInPod: number;
  /** Requests the container runs with now (millicores, bytes; null = unset). */
  current: { cpu: number | null; memory: number | null };
  /** Requests the recommendation proposes. */
  proposed: { cpu: number; memory: number };
};

const UNIT: Record<HpaResource, string> = { cpu: "m", memory: " bytes" };

/** A utilisation metric of cpu/memory that covers this container, with its target. */
function utilizationMetric(
  metric: HpaMetric,
  container: string,
): { resource: HpaResource; utilization: number; podWide: boolean } | null {
  if (metric.targetType !== "Utilization") return null;
  if (metric.resource !== "cpu" && metric.resource !== "memory") return null;
  if (metric.averageUtilization === undefined) return null;
  if (metric.source === "Resource")
    return {
      resource: metric.resource,
      utilization: metric.averageUtilization,
      podWide: true,
    };
  if (metric.source === "ContainerResource" && metric.container === container)
    return {
      resource: metric.resource,
      utilization: metric.averageUtilization,
      podWide: false,
    };
  return null;
}

/** Metrics the request does not drive but per-pod usage follows: replica counts Kubewise cannot model. */
function opaqueMetrics(hpa: HpaObservation): string[] {
  return hpa.metrics
    .filter((m) => ["External", "Object", "Pods"].includes(m.source))
    .map((m) => `${m.source.toLowerCase()} metric ${m.metricName ?? "?"}`);
}

function keep(
  resource: HpaResource,
  requestFrom: number,
  utilization: number,
  why: string,
): HpaResourcePlan {
  return {
    resource,
    action: "keep-request",
    requestFrom,
    utilization,
    reason: `${resource} request kept at ${requestFrom}${UNIT[resource]}: ${why}`,
  };
}

/**
 * Re-targets so that utilizationTo x requestTo == utilizationFrom x requestFrom (the scale point),
 * with utilizationTo a whole percent (rounded down: the request never ends below the proposed one)
 * in RETARGET_BOUNDS; where the upper bound binds, the request
 * moves only as far as the bounded target allows (it stays above the proposed one). A proposal that
 * needs a target below the lower bound is not re-targeted (planResource keeps the request).
 */
export function retarget(input: {
  requestFrom: number;
  utilizationFrom: number;
  requestProposed: number;
}): { requestTo: number; utilizationTo: number } {
  // Integer arithmetic (request x percent): a re-target of a re-target is exactly itself.
  const scalePoint = input.requestFrom * input.utilizationFrom;
  const wanted = scalePoint / input.requestProposed;
  const utilizationTo = Math.min(
    RETARGET_BOUNDS.max,
    Math.max(RETARGET_BOUNDS.min, Math.floor(wanted)),
  );
  return { utilizationTo, requestTo: Math.ceil(scalePoint / utilizationTo) };
}

function planResource(
  input: CoordinateWithHpaInput,
  metric: { resource: HpaResource; utilization: number; podWide: boolean },
): HpaResourcePlan | string {
  const { resource, utilization } = metric;
  const from = input.current[resource];
  if (from === null || from <= 0)
    return `the HPA scales on ${resource} utilisation but the container has no ${resource} request (the HPA cannot compute it)`;
  const scaleAt = `the HPA ${input.hpa.name} scales at ${utilization} % of it`;
  if (input.mode === "leave-alone")
    return keep(
      resource,
      from,
      utilization,
      `${scaleAt} (namespace HPA mode leave-alone)`,
    );
  if (metric.podWide && input.containersInPod > 1)
    return keep(
      resource,
      from,
      utilization,
      `${scaleAt} of the pod's summed request; re-targeting a multi-container pod needs every container's change at once`,
    );
  if (input.proposed[resource] * RETARGET_BOUNDS.min > from * utilization)
    return keep(
      resource,
      from,
      utilization,
      `${scaleAt}; the proposed ${input.proposed[resource]}${UNIT[resource]} would need an averageUtilization below ${RETARGET_BOUNDS.min} % to keep that scale point`,
    );
  const to = retarget({
    requestFrom: from,
    utilizationFrom: utilization,
    requestProposed: input.proposed[resource],
  });
  if (Math.abs(to.requestTo - from) < from * RETARGET_HYSTERESIS)
    return keep(
      resource,
      from,
      utilization,
      `${scaleAt}; the re-targeted request ${to.requestTo}${UNIT[resource]} is within ${RETARGET_HYSTERESIS * 100} % of it, not worth moving the HPA`,
    );
  if (
    to.requestTo * to.utilizationTo - from * utilization >
    from * utilization * RETARGET_MAX_DRIFT
  )
    return keep(
      resource,
      from,
      utilization,
      `${scaleAt}; with whole-percent targets the request is too small to re-target without moving that scale point by more than ${RETARGET_MAX_DRIFT * 100} %`,
    );
  return {
    resource,
    action: "retarget",
    requestFrom: from,
    requestTo: to.requestTo,
    utilizationFrom: utilization,
    utilizationTo: to.utilizationTo,
    reason: `${resource} request ${from} -> ${to.requestTo}${UNIT[resource]} with the HPA ${input.hpa.name}'s averageUtilization ${utilization} -> ${to.utilizationTo} % (bounded ${RETARGET_BOUNDS.min}-${RETARGET_BOUNDS.max} %): its scale point stays at ${Math.round((from * utilization) / 100)}${UNIT[resource]} per pod`,
  };
}

/** What the recommendation may do to this container's requests under `hpa`, and why. */
export function coordinateWithHpa(input: CoordinateWithHpaInput): HpaPlan {
  const resources: HpaResourcePlan[] = [];
  const low: string[] = [];
  for (const metric of input.hpa.metrics) {
    const m = utilizationMetric(metric, input.container);
    if (m === null || resources.some((r) => r.resource === m.resource))
      continue;
    const plan = planResource(input, m);
    if (typeof plan === "string") low.push(plan);
    else resources.push(plan);
  }
  const opaque = opaqueMetrics(input.hpa);
  if (opaque.length > 0)
    low.push(
      `the HPA ${input.hpa.name} also scales on ${opaque.join(", ")}: the replica count, and so per-pod usage, follows a signal Kubewise does not see`,
    );
  return {
    hpa: input.hpa.name,
    mode: input.mode,
    resources,
    lowConfidence: low.length === 0 ? null : low.join("; "),
  };
}

/** The confidence a recommendation keeps at most when its HPA plan says it cannot be trusted. */
export const HPA_LOW_CONFIDENCE = 0.5;

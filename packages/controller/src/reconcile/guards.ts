// What must hold before a change starts, and before a rollout is promoted: the metric store
// answers (never decide on pod status alone), the step cap, and the working-set floor.
import {
  findStepViolations,
  formatCpuMillicores,
  formatMemoryBytes,
  fromResourceQuantities,
  type ContainerResources,
  type StepViolation,
} from "@kubewise/core";

import { isLive } from "./adoption";
import { setCondition } from "./conditions";
import {
  decideTransition,
  type Ctx,
  type ReconcileDecision,
  type WorkloadSnapshot,
} from "./decision-context";
import {
  findContainersWithoutSamples,
  type PodLike,
  type RolloutSignals,
} from "./signals";

export type Blocker = {
  type: "PodsRunning" | "MetricsAvailable" | "StepSize" | "WorkingSetFloor";
  reason: string;
  message: string;
};

/** The metric store could not be read, or has nothing on these containers in `window`. */
export function findMetricsBlocker(
  ctx: Ctx,
  window: "baseline" | "observation",
): Blocker | undefined {
  const { metrics } = ctx;
  if (metrics.status === "unreadable")
    return {
      type: "MetricsAvailable",
      reason: "MetricStoreUnreadable",
      message: `the metric store cannot be read (${metrics.reason}); holding until it answers`,
    };
  if (metrics.status === "idle")
    return {
      type: "MetricsAvailable",
      reason: "NoMetricStore",
      message:
        "no metric store is configured; Kubewise never acts on pod status alone",
    };
  const names = ctx.containers.map((c) => c.name);
  const missing = findContainersWithoutSamples(metrics.signals, names, window);
  if (missing.length === 0) return undefined;
  return {
    type: "MetricsAvailable",
    reason: "AwaitingMetrics",
    message:
      window === "baseline"
        ? `no metric samples for ${missing.join(", ")} in the baseline window; Kubewise changes only what it observes`
        : `no metric samples for ${missing.join(", ")} since the step began; holding`,
  };
}

function describeViolation(container: string, v: StepViolation): string {
  const format =
    v.resource === "cpuMillicores"
      ? formatCpuMillicores
      : (bytes: number) => formatMemoryBytes(bytes);
  const resource = v.resource === "cpuMillicores" ? "cpu" : "memory";
  return `${container} ${v.field}.${resource} ${format(v.currentValue)} -> ${format(v.recommendedValue)}`;
}

function currentResources(
  workload: WorkloadSnapshot,
  name: string,
): ContainerResources {
  const found = workload.template.spec?.containers.find((c) => c.name === name);
  return {
    requests: fromResourceQuantities(found?.resources?.requests),
    limits: fromResourceQuantities(found?.resources?.limits),
  };
}

/** Decreases beyond the namespace's step cap (kubewise.io/max-step-ratio, core capStep). */
function findStepBlocker(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): Blocker | undefined {
  const ratio = ctx.policy.maxStepRatio;
  const violations = ctx.containers.flatMap((c) =>
    findStepViolations(currentResources(workload, c.name), c, ratio).map((v) =>
      describeViolation(c.name, v),
    ),
  );
  if (violations.length === 0) return undefined;
  return {
    type: "StepSize",
    reason: "StepTooLarge",
    message: `one step may lower a resource to no less than 1/${ratio} of its value: ${violations.join("; ")}`,
  };
}

/**
 * The memory bound after the change (the limit, or the request where there is none) must stay
 * above the working set the pods were seen to use; a limit keeps `workingSetHeadroom` on top.
 */
function findWorkingSetBlocker(
  ctx: Ctx,
  signals: RolloutSignals,
): Blocker | undefined {
  const below = ctx.containers.flatMap((c) => {
    const peak = signals.containers.find((s) => s.name === c.name)?.baseline
      .workingSetPeakBytes;
    const limit = c.limits.memoryBytes;
    const bound = limit ?? c.requests.memoryBytes;
    if (peak === undefined || bound === undefined) return [];
    const floor = Math.ceil(
      peak * (limit === undefined ? 1 : ctx.policy.workingSetHeadroom),
    );
    return bound < floor
      ? [
          `${c.name} memory ${limit === undefined ? "request" : "limit"} ${formatMemoryBytes(bound)} < ${formatMemoryBytes(floor)} (observed working set ${formatMemoryBytes(peak)})`,
        ]
      : [];
  });
  if (below.length === 0) return undefined;
  return {
    type: "WorkingSetFloor",
    reason: "BelowWorkingSet",
    message: below.join("; "),
  };
}

/** Container waiting reasons the kubelet does not get past on its own. */
const CANNOT_START = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
]);

/**
 * Why a Pending pod cannot run: the scheduler cannot place it (PodScheduled=False), or a container
 * cannot start; undefined for a pod on its way (e.g. ContainerCreating, or no status yet).
 */
function whyCannotRun(pod: PodLike): string | undefined {
  if (pod.status?.phase !== "Pending") return undefined;
  const unscheduled = pod.status.conditions?.find(
    (c) => c.type === "PodScheduled" && c.status === "False",
  );
  if (unscheduled)
    return [unscheduled.reason ?? "Unschedulable", unscheduled.message]
      .filter(Boolean)
      .join(": ");
  const stuck = (pod.status.containerStatuses ?? []).flatMap((c) => {
    const reason = c.state?.waiting?.reason;
    return reason !== undefined && CANNOT_START.has(reason)
      ? [`${c.name}: ${reason}`]
      : [];
  });
  return stuck.length > 0 ? stuck.join(", ") : undefined;
}

/**
 * A pod of the workload stuck Pending (unschedulable, or a container that cannot start): no change
 * starts, so none is left half applied. The stuck pod can neither be resized and observed nor
 * replaced safely, and the workload is short of pods already; the change waits until it runs.
 */
function findPendingPodsBlocker(ctx: Ctx): Blocker | undefined {
  const stuck = ctx.pods.filter(isLive).flatMap((pod) => {
    const why = whyCannotRun(pod);
    return why === undefined
      ? []
      : [`${pod.metadata?.name ?? "?"} is Pending (${why})`];
  });
  if (stuck.length === 0) return undefined;
  return {
    type: "PodsRunning",
    reason: "PodsPending",
    message: `waiting until every pod can run before changing any: ${stuck.join("; ")}`,
  };
}

/**
 * A pod that turned Pending mid-rollout (unschedulable, or a container that cannot start) can be
 * neither resized nor observed: the rollout holds at its step, still Canary, the resized pods
 * recorded and observed (a regression rolls them back), nothing more written until every pod runs.
 */
export function decidePendingPodsHold(ctx: Ctx): ReconcileDecision | undefined {
  const pending = findPendingPodsBlocker(ctx);
  if (!pending) return undefined;
  return decideTransition(ctx, {
    phase: "Canary",
    condition: {
      type: "PodsRunning",
      status: "False",
      reason: pending.reason,
      message: `${pending.message}; holding the resized pods at this step`,
    },
    audit: "blocked",
  });
}

/** Everything that must hold before the first write of a change. */
export function findStartBlocker(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): Blocker | undefined {
  const pending = findPendingPodsBlocker(ctx);
  if (pending) return pending;
  const metrics = findMetricsBlocker(ctx, "baseline");
  if (metrics) return metrics;
  const step = findStepBlocker(ctx, workload);
  if (step) return step;
  return ctx.metrics.status === "read"
    ? findWorkingSetBlocker(ctx, ctx.metrics.signals)
    : undefined;
}

const START_GUARDS: Record<Blocker["type"], string> = {
  PodsRunning: "no pod of the workload is stuck Pending",
  MetricsAvailable: "the metric store has samples of every container",
  StepSize: "the change is within the step cap",
  WorkingSetFloor: "the memory bound is above the observed working set",
};

/**
 * The change starts: every start guard holds now, so a condition an earlier pass set False (e.g.
 * PodsRunning while a pod was Pending) turns True instead of still saying what held it. `only`
 * lifts just those guards (a running rollout lifts PodsRunning once its pods run again).
 */
export function withStartGuardsLifted(
  ctx: Ctx,
  only?: readonly Blocker["type"][],
): Ctx {
  const held = (ctx.base.conditions ?? []).filter(
    (c) =>
      c.type in START_GUARDS &&
      c.status === "False" &&
      (only === undefined || only.includes(c.type as Blocker["type"])),
  );
  if (held.length === 0) return ctx;
  const conditions = held.reduce(
    (list, c) =>
      setCondition(
        list,
        {
          type: c.type,
          status: "True",
          reason: "Satisfied",
          message: START_GUARDS[c.type as Blocker["type"]],
          observedGeneration: ctx.generation,
        },
        ctx.now,
      ),
    ctx.base.conditions,
  );
  return { ...ctx, base: { ...ctx.base, conditions } };
}

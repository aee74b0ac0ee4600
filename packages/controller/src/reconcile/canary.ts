import { buildPodResizePatch, serializePatch } from "@kubewise/core";
import {
  buildPodRestorePatch,
  extractContainerResources,
  inPlaceResizeBlocker,
  mergeAppliedResources,
  type CanaryRecord,
} from "@kubewise/k8s";

import {
  adoptUnrecordedResizes,
  findUnrecordedResizes,
  isLive,
  type PodWithSpec,
} from "./adoption";
import { toRfc3339Seconds } from "./conditions";
import {
  decideRolledBack,
  decideTransition,
  type Ctx,
  type ReconcileDecision,
  type WorkloadSnapshot,
} from "./decision-context";
import {
  decidePendingPodsHold,
  findMetricsBlocker,
  withStartGuardsLifted,
} from "./guards";
import {
  findInfeasibleResizes,
  findOomKills,
  findSignalRegression,
  type SignalRegression,
} from "./signals";

/**
 * Rollout steps from text such as "0.1,0.25,0.5,1": shares of pods, strictly ascending, in (0, 1],
 * ending with 1. Throws an Error naming the problem.
 */
export function parseRolloutSteps(text: string): number[] {
  const steps = text.split(",").map((part) => Number(part.trim()));
  const valid = steps.every((share) => share > 0 && share <= 1);
  if (!valid)
    throw new Error(`rollout steps must be numbers in (0, 1], got "${text}"`);
  if (steps.some((share, i) => i > 0 && share <= (steps[i - 1] ?? 0)))
    throw new Error(`rollout steps must be strictly ascending, got "${text}"`);
  if (steps.at(-1) !== 1)
    throw new Error(
      `the last rollout step must be 1 (all pods), got "${text}"`,
    );
  return steps;
}

/** Pods that should carry the change after `step`: ceil(share × total), at least one. */
export function stepTargetCount(
  steps: number[],
  step: number,
  total: number,
): number {
  const share = Math.min(1, Math.max(0, steps[step] ?? 1));
  return Math.min(total, Math.max(1, Math.ceil(share * total)));
}

/** The next step that changes more pods than `changed` (steps adding none are skipped); the last step at most. */
export function nextStep(
  steps: number[],
  options: { from: number; total: number; changed: number },
): number {
  let next = options.from + 1;
  while (
    next < steps.length - 1 &&
    stepTargetCount(steps, next, options.total) <= options.changed
  )
    next += 1;
  return next;
}

/** Up to `count` live pods still on the template's resources, by name, excluding `exclude`. */
export function selectCanaryPods(
  pods: PodWithSpec[],
  workload: WorkloadSnapshot,
  options: { count: number; exclude?: string[] },
): string[] {
  const expected = JSON.stringify(extractContainerResources(workload.template));
  const exclude = new Set(options.exclude ?? []);
  return pods
    .filter(isLive)
    .filter(
      (p) =>
        JSON.stringify(
          extractContainerResources({
            spec: { containers: p.spec?.containers ?? [] },
          }),
        ) === expected,
    )
    .map((p) => p.metadata?.name ?? "")
    .filter((name) => !exclude.has(name))
    .sort()
    .slice(0, Math.max(0, options.count));
}

function percent(share: number | undefined): string {
  return `${Math.round((share ?? 1) * 100)} %`;
}

/** The pods/resize body: the same container changes as the template patch. */
function resizeBody(ctx: Ctx): string {
  return serializePatch(buildPodResizePatch(ctx.containers));
}

/**
 * Why the workload's pods cannot take this change in place (pods/resize keeps the QoS class and
 * the set of requests and limits), or undefined when they can; the change then goes through the
 * pod template.
 */
export function findInPlaceBlocker(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): string | undefined {
  const names = ctx.containers.map((c) => c.name);
  const previous = extractContainerResources(workload.template, names);
  const others = extractContainerResources(workload.template).filter(
    (c) => !names.includes(c.name),
  );
  return inPlaceResizeBlocker(
    previous,
    mergeAppliedResources(previous, ctx.containers),
    others,
  );
}

function describeResized(fresh: string[], adopted: string[]): string {
  return [
    fresh.length > 0 || adopted.length === 0
      ? `resized ${fresh.length} pod(s) in place: ${fresh.join(", ")}`
      : "",
    adopted.length > 0
      ? `adopted ${adopted.length} pod(s) a previous leader resized: ${adopted.join(", ")}`
      : "",
  ]
    .filter((part) => part !== "")
    .join("; ");
}

/** First step of a gradual rollout: resize a few pods in place and observe them. */
export function decideCanaryStart(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ReconcileDecision | undefined {
  const { rolloutSteps, inPlaceResize } = ctx.policy;
  if (!inPlaceResize || rolloutSteps.length < 2 || workload.kind === "CronJob")
    return undefined;
  if (findInPlaceBlocker(ctx, workload) !== undefined) return undefined;
  const names = ctx.containers.map((c) => c.name);
  const previous = extractContainerResources(workload.template, names);
  const total = ctx.pods.filter(isLive).length;
  const count = stepTargetCount(rolloutSteps, 0, total);
  const adopted = findUnrecordedResizes(ctx.pods, {
    previous,
    applied: mergeAppliedResources(previous, ctx.containers),
  });
  const fresh = selectCanaryPods(ctx.pods, workload, {
    count: count - adopted.length,
  });
  const pods = [...adopted, ...fresh];
  if (pods.length === 0) return undefined;
  const at = toRfc3339Seconds(ctx.now);
  const canary: CanaryRecord = {
    at,
    generation: ctx.generation,
    method: "InPlaceResize",
    step: 0,
    stepStartedAt: at,
    pods,
    previous,
  };
  return decideTransition(ctx, {
    phase: "Canary",
    condition: {
      type: "Canary",
      status: "True",
      reason: "InPlaceResize",
      message: `step 1/${rolloutSteps.length} (${percent(rolloutSteps[0])}): ${describeResized(fresh, adopted)}`,
    },
    extra: { canary, rolledBack: undefined },
    ...(fresh.length > 0
      ? {
          workloadAction: {
            type: "resize" as const,
            pods: fresh,
            body: resizeBody(ctx),
          },
        }
      : {}),
    audit: "canary",
  });
}

function decideCanaryRollback(
  ctx: Ctx,
  canary: CanaryRecord,
  regression: SignalRegression,
): ReconcileDecision {
  const applied = mergeAppliedResources(canary.previous, ctx.containers);
  return decideRolledBack(
    ctx,
    {
      previous: canary.previous,
      action: {
        type: "resize",
        pods: canary.pods,
        body: JSON.stringify(buildPodRestorePatch(canary.previous, applied)),
      },
    },
    regression,
  );
}

/** OOM kills of the resized pods (pod status), then the metric store's signals for the step. */
export function findCanaryRegression(
  ctx: Ctx,
  options: { since: Date; pods: string[]; share: number },
): SignalRegression | undefined {
  const containerNames = ctx.containers.map((c) => c.name);
  const changed = ctx.pods.filter((p) =>
    options.pods.includes(p.metadata?.name ?? ""),
  );
  const infeasible = findInfeasibleResizes(changed);
  if (infeasible.length > 0)
    return {
      reason: "ResizeInfeasible",
      message: `the kubelet cannot resize ${infeasible.map((i) => `${i.podName} (${i.message || "Infeasible"})`).join(", ")}`,
    };
  const kills = findOomKills(changed, {
    since: options.since,
    containerNames,
  });
  if (kills.length > 0)
    return {
      reason: "OOMKilled",
      message: `${kills.length} OOM kill(s) in changed pod(s) ${[...new Set(kills.map((k) => k.podName))].join(", ")}`,
    };
  return findSignalRegression(ctx.metrics, {
    containerNames,
    share: options.share,
  });
}

/**
 * Never promote on missing data: while the metric store cannot be read, or a changed container
 * has no samples since the step began, the rollout holds with a condition saying why.
 */
export function decideMetricsHold(
  ctx: Ctx,
  condition: "Canary" | "Verified",
): ReconcileDecision | undefined {
  const blocker = findMetricsBlocker(ctx, "observation");
  if (!blocker) return undefined;
  return decideTransition(ctx, {
    phase: ctx.base.phase ?? "Canary",
    condition: {
      type: blocker.reason === "AwaitingMetrics" ? condition : blocker.type,
      status:
        blocker.reason === "AwaitingMetrics" && condition === "Canary"
          ? "True"
          : "False",
      reason: blocker.reason,
      message: blocker.message,
    },
    audit: "blocked",
  });
}

/** Whether the current step's observation window is over. */
export function isStepWindowOver(ctx: Ctx, canary: CanaryRecord): boolean {
  const startedMs = new Date(canary.stepStartedAt ?? canary.at).getTime();
  return (ctx.now.getTime() - startedMs) / 1000 >= ctx.policy.stepWindowSeconds;
}

/** The rollback of every resized pod when the changed pods regressed, else undefined. */
function decideOnRegression(ctx: Ctx, canary: CanaryRecord, total: number) {
  const share = total > 0 ? canary.pods.length / total : 1;
  const since = new Date(canary.at);
  const regression = findCanaryRegression(ctx, {
    since,
    pods: canary.pods,
    share,
  });
  return regression ? decideCanaryRollback(ctx, canary, regression) : undefined;
}

/**
 * During an in-place rollout: roll the resized pods back on a regression (held while a pod is
 * stuck Pending); after each quiet
 * step window resize more pods; the last step widens to the pod template (`widen`).
 */
export function decideCanaryProgress(
  observed: Ctx,
  recorded: CanaryRecord,
  widen: () => ReconcileDecision,
): ReconcileDecision {
  const { workload } = observed;
  if (observed.base.phase !== "Canary" || !workload)
    return { status: observed.base };
  const adopted = adoptUnrecordedResizes(observed, recorded);
  const { canary } = adopted;
  const total = adopted.ctx.pods.filter(isLive).length;
  const stop =
    decideOnRegression(adopted.ctx, canary, total) ??
    decidePendingPodsHold(adopted.ctx);
  if (stop) return stop;
  const ctx = withStartGuardsLifted(adopted.ctx, ["PodsRunning"]);
  if (!isStepWindowOver(ctx, canary)) return { status: ctx.base };
  const hold = decideMetricsHold(ctx, "Canary");
  if (hold) return hold;
  const steps = ctx.policy.rolloutSteps;
  const next = nextStep(steps, {
    from: canary.step ?? 0,
    total,
    changed: canary.pods.length,
  });
  if (next >= steps.length - 1) return widen();
  const more = selectCanaryPods(ctx.pods, workload, {
    count: stepTargetCount(steps, next, total) - canary.pods.length,
    exclude: canary.pods,
  });
  if (more.length === 0) return widen();
  const at = toRfc3339Seconds(ctx.now);
  const pods = [...canary.pods, ...more];
  return decideTransition(ctx, {
    phase: "Canary",
    condition: {
      type: "Canary",
      status: "True",
      reason: "InPlaceResize",
      message: `step ${next + 1}/${steps.length} (${percent(steps[next])}): resized ${more.length} more pod(s) in place: ${more.join(", ")}`,
    },
    extra: { canary: { ...canary, step: next, stepStartedAt: at, pods } },
    workloadAction: { type: "resize", pods: more, body: resizeBody(ctx) },
    audit: "rollout-step",
  });
}

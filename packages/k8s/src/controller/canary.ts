import {
  buildPodResizePatch,
  buildPodRestorePatch,
  buildResourcesPatch,
  extractContainerResources,
  mergeAppliedResources,
} from "../builders/workload-patch";
import type { CanaryRecord } from "../crd/resource-recommendation";
import { toRfc3339Seconds } from "./conditions";
import {
  audit,
  memoryFloors,
  withPhase,
  type Ctx,
  type ReconcileDecision,
  type WorkloadSnapshot,
} from "./decision-context";
import { findOomKills, type PodLike } from "./signals";

type PodWithSpec = PodLike & {
  metadata?: { name?: string; deletionTimestamp?: Date | string };
  spec?: {
    containers?: {
      name: string;
      resources?: {
        requests?: Record<string, string>;
        limits?: Record<string, string>;
      };
    }[];
  };
};

/** Pods still on the current template's resources, oldest name first, capped to the canary share. */
export function selectCanaryPods(
  pods: PodWithSpec[],
  workload: WorkloadSnapshot,
  fraction: number,
): string[] {
  const expected = JSON.stringify(extractContainerResources(workload.template));
  const candidates = pods
    .filter((p) => !p.metadata?.deletionTimestamp && p.metadata?.name)
    .filter(
      (p) =>
        JSON.stringify(
          extractContainerResources({
            spec: { containers: p.spec?.containers ?? [] },
          }),
        ) === expected,
    )
    .map((p) => p.metadata?.name ?? "")
    .sort();
  if (candidates.length === 0 || fraction <= 0) return [];
  return candidates.slice(
    0,
    Math.max(1, Math.floor(candidates.length * fraction)),
  );
}

/** First step of a gradual rollout: resize a few pods in place and observe them. */
export function decideCanaryStart(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ReconcileDecision | undefined {
  const pods = selectCanaryPods(ctx.pods, workload, ctx.policy.canaryFraction);
  if (pods.length === 0) return undefined;
  const names = ctx.recommendation.spec.containers.map((c) => c.name);
  const canary: CanaryRecord = {
    at: toRfc3339Seconds(ctx.now),
    generation: ctx.generation,
    pods,
    previous: extractContainerResources(workload.template, names),
  };
  const message = `resized ${pods.length} pod(s) in place: ${pods.join(", ")}`;
  return {
    status: withPhase(
      ctx,
      "Canary",
      { type: "Canary", status: "True", reason: "InPlaceResize", message },
      { canary, rolledBack: undefined },
    ),
    workloadAction: {
      type: "resize",
      pods,
      patch: buildPodResizePatch(ctx.recommendation.spec),
    },
    audit: audit(ctx, "canary", "InPlaceResize", message),
  };
}

/** During the canary window: roll the canary pods back on an OOM kill, widen once the window passed. */
export function decideCanaryProgress(
  ctx: Ctx,
  canary: CanaryRecord,
  widen: () => ReconcileDecision,
): ReconcileDecision {
  if (ctx.base.phase !== "Canary") return { status: ctx.base };
  const applied = mergeAppliedResources(
    canary.previous,
    buildResourcesPatch(ctx.recommendation.spec),
  );
  const kills = findOomKills(
    ctx.pods.filter((p) => canary.pods.includes(p.metadata?.name ?? "")),
    { since: new Date(canary.at), containerNames: applied.map((c) => c.name) },
  );
  if (kills.length > 0) {
    const message = `${kills.length} OOM kill(s) in canary pod(s) ${[...new Set(kills.map((k) => k.podName))].join(", ")}`;
    const rolledBack = {
      at: toRfc3339Seconds(ctx.now),
      reason: "OOMKilled" as const,
      message,
      restored: canary.previous,
      nextMinimumMemoryBytes: memoryFloors(canary.previous),
    };
    return {
      status: withPhase(
        ctx,
        "RolledBack",
        { type: "RolledBack", status: "True", reason: "OOMKilled", message },
        { rolledBack },
      ),
      workloadAction: {
        type: "resize",
        pods: canary.pods,
        patch: buildPodRestorePatch(canary.previous, applied),
      },
      audit: audit(ctx, "rollback", "OOMKilled", message),
    };
  }
  const elapsedSeconds =
    (ctx.now.getTime() - new Date(canary.at).getTime()) / 1000;
  return elapsedSeconds >= ctx.policy.canaryWindowSeconds
    ? widen()
    : { status: ctx.base };
}

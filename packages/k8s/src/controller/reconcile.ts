import {
  buildResourcesPatch,
  hashRecommendedResources,
} from "../builders/workload-patch";
import type {
  CanaryRecord,
  ResourceRecommendationStatus,
} from "../crd/resource-recommendation";
import { decideCanaryProgress, decideCanaryStart } from "./canary";
import {
  buildTemplateApply,
  decideTransition,
  findPreviousResources,
  type Ctx,
  type ReconcileDecision,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./decision-context";
import { decideObservation } from "./observation";
import { decidePartitionProgress, decidePartitionStart } from "./partition";
import { findBlockingPdbs } from "./signals";

export { parseRolloutSteps } from "./canary";
export {
  DEFAULT_CONTROLLER_POLICY,
  DEFAULT_ROLLOUT_STEPS,
  type PartitionPatch,
  type AuditEvent,
  type ControllerPolicy,
  type ReconcileDecision,
  type ReconcileInput,
  type WorkloadAction,
  type WorkloadSnapshot,
} from "./decision-context";

function decideGate(
  ctx: Ctx,
): { allowed: true } | { allowed: false; reason: string; message: string } {
  const { spec } = ctx.recommendation;
  if (spec.confidence < ctx.policy.minConfidence) {
    return {
      allowed: false,
      reason: "ConfidenceBelowThreshold",
      message: `confidence ${spec.confidence} < ${ctx.policy.minConfidence}`,
    };
  }
  if (spec.approval?.state === "Approved") {
    if (
      !spec.approval.specHash ||
      spec.approval.specHash === hashRecommendedResources(spec)
    )
      return { allowed: true };
    return {
      allowed: false,
      reason: "ApprovalStale",
      message: "the recommendation changed after it was approved",
    };
  }
  if (spec.autoApply && ctx.policy.allowAutoApply) return { allowed: true };
  if (spec.autoApply)
    return {
      allowed: false,
      reason: "AutoApplyNotAllowed",
      message: "namespace safety rules forbid auto-apply",
    };
  return {
    allowed: false,
    reason: "AwaitingApproval",
    message: "waiting for an approval",
  };
}

function decideDisruption(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): { reason: string; message: string } | undefined {
  if (workload.replicas < ctx.policy.minReplicasForRestart) {
    return {
      reason: "TooFewReplicas",
      message: `${workload.replicas} replica(s) < ${ctx.policy.minReplicasForRestart}; a restart would cause downtime`,
    };
  }
  const blocking = findBlockingPdbs(
    ctx.pdbs,
    workload.template.metadata?.labels ?? {},
  );
  if (blocking.length > 0) {
    return {
      reason: "PodDisruptionBudget",
      message: `PodDisruptionBudget ${blocking.join(", ")} allows no disruption`,
    };
  }
  return undefined;
}

function decideApply(ctx: Ctx, workload: WorkloadSnapshot): ReconcileDecision {
  const missing = ctx.recommendation.spec.containers
    .map((c) => c.name)
    .filter(
      (n) => !workload.template.spec?.containers.some((c) => c.name === n),
    );
  if (missing.length > 0) {
    return decideTransition(ctx, {
      phase: "Failed",
      condition: {
        type: "Applied",
        status: "False",
        reason: "UnknownContainer",
        message: `containers not in the pod template: ${missing.join(", ")}`,
      },
    });
  }
  const { patch, applied } = buildTemplateApply(
    ctx,
    findPreviousResources(ctx, workload),
  );
  return decideTransition(ctx, {
    phase: "Applied",
    condition: {
      type: "Applied",
      status: "True",
      reason: "TemplatePatched",
      message: `patched the ${workload.kind} pod template`,
    },
    extra: { applied, rolledBack: undefined },
    workloadAction: { type: "apply", patch },
    audit: "apply",
  });
}

/** Rejected, dry-run or not (yet) approved: the spec alone says not to touch the workload. */
function decideSpecHold(ctx: Ctx): ReconcileDecision | undefined {
  const { spec } = ctx.recommendation;
  if (spec.approval?.state === "Rejected") {
    return decideTransition(ctx, {
      phase: "Rejected",
      condition: {
        type: "Approved",
        status: "False",
        reason: "Rejected",
        message: `rejected${spec.approval.by ? ` by ${spec.approval.by}` : ""}`,
      },
      audit: "reject",
    });
  }
  if (spec.dryRun) {
    return decideTransition(ctx, {
      phase: "DryRun",
      condition: {
        type: "DryRun",
        status: "True",
        reason: "DryRun",
        message: "generated the patch; the workload is untouched",
      },
      audit: "dry-run",
    });
  }
  const gate = decideGate(ctx);
  if (!gate.allowed) {
    return decideTransition(ctx, {
      phase: "Pending",
      condition: {
        type: "Approved",
        status: "False",
        reason: gate.reason,
        message: gate.message,
      },
      audit: "await-approval",
    });
  }
  return undefined;
}

function decideBeforeApply(
  ctx: Ctx,
  options: { canary: boolean },
): ReconcileDecision {
  const held = decideSpecHold(ctx);
  if (held) return held;
  const { spec } = ctx.recommendation;
  const { workload } = ctx;
  if (!workload) {
    return decideTransition(ctx, {
      phase: "Blocked",
      condition: {
        type: "TargetFound",
        status: "False",
        reason: "NotFound",
        message: `${spec.targetRef.kind} ${spec.targetRef.name} not found`,
      },
      audit: "blocked",
    });
  }
  const blocked = decideDisruption(ctx, workload);
  if (blocked) {
    return decideTransition(ctx, {
      phase: "Blocked",
      condition: { type: "DisruptionAllowed", status: "False", ...blocked },
      audit: "blocked",
    });
  }
  const stepped = options.canary
    ? (decideCanaryStart(ctx, workload) ?? decidePartitionStart(ctx, workload))
    : undefined;
  return stepped ?? decideApply(ctx, workload);
}

/**
 * One reconcile step for a recommendation, as a pure function of what the controller observed.
 * The caller writes `workloadAction` first, then `status`; repeated calls with unchanged inputs
 * return an identical status and no action (see isStatusEqual).
 */
export function decideReconcile(input: ReconcileInput): ReconcileDecision {
  const { recommendation } = input;
  const generation = recommendation.metadata.generation ?? 0;
  const current = recommendation.status ?? {};
  const generatedPatch = JSON.stringify(
    buildResourcesPatch(recommendation.spec),
  );
  const base: ResourceRecommendationStatus = {
    ...current,
    observedGeneration: generation,
    generatedPatch,
  };
  const ctx: Ctx = { ...input, generation, base };
  if (current.applied?.generation === generation)
    return decideObservation(ctx, current.applied, input.workload);
  // terminal for this generation: a new recommendation (spec change) starts over
  if (
    current.phase === "RolledBack" &&
    current.observedGeneration === generation
  )
    return { status: base };
  if (current.phase === "Canary" && current.canary?.generation === generation)
    return decideRunningCanary(ctx, current.canary);
  return decideBeforeApply(ctx, { canary: true });
}

function decideRunningCanary(
  ctx: Ctx,
  canary: CanaryRecord,
): ReconcileDecision {
  if (canary.method === "StatefulSetPartition")
    return decidePartitionProgress(ctx, canary);
  return decideCanaryProgress(ctx, canary, () =>
    decideBeforeApply(ctx, { canary: false }),
  );
}

/** Structural equality of two statuses, used to skip no-op writes. */
export function isStatusEqual(
  a: ResourceRecommendationStatus | undefined,
  b: ResourceRecommendationStatus | undefined,
): boolean {
  return (
    JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b ?? {}))
  );
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
}

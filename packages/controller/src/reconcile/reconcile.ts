import { buildResourcesPatch, serializePatch } from "@kubewise/core";
import {
  hashPatch,
  toContainerResources,
  type CanaryRecord,
  type ResourceRecommendationStatus,
} from "@kubewise/k8s";

import {
  decideCanaryProgress,
  decideCanaryStart,
  findInPlaceBlocker,
} from "./canary";
import {
  buildTemplateApply,
  decideTransition,
  findPreviousResources,
  withDisruptionAllowed,
  type Ctx,
  type ReconcileDecision,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./decision-context";
import { findStartBlocker, withStartGuardsLifted } from "./guards";
import { decideObservation } from "./observation";
import { decidePartitionProgress, decidePartitionStart } from "./partition";
import { findBlockingPdbs } from "./signals";

export { parseRolloutSteps } from "./canary";
export {
  DEFAULT_CONTROLLER_POLICY,
  DEFAULT_ROLLOUT_STEPS,
  type AuditEvent,
  type ControllerPolicy,
  type ReconcileDecision,
  type ReconcileInput,
  type WorkloadAction,
  type WorkloadSnapshot,
} from "./decision-context";

type Gate =
  { allowed: true } | { allowed: false; reason: string; message: string };

/** An approval counts only for the exact spec it names (status.specHash): no standing approvals. */
function decideApprovalGate(ctx: Ctx, specHash: string | undefined): Gate {
  const current = ctx.base.specHash ?? "";
  if (!specHash)
    return {
      allowed: false,
      reason: "ApprovalWithoutSpecHash",
      message: `an approval must name the spec it approves: set spec.approval.specHash to status.specHash (${current})`,
    };
  if (specHash === current) return { allowed: true };
  return {
    allowed: false,
    reason: "ApprovalStale",
    message: `the approval names spec ${specHash}, the spec is now ${current}: approve again`,
  };
}

function decideGate(ctx: Ctx): Gate {
  const { spec } = ctx.recommendation;
  if (spec.confidence < ctx.policy.minConfidence) {
    return {
      allowed: false,
      reason: "ConfidenceBelowThreshold",
      message: `confidence ${spec.confidence} < ${ctx.policy.minConfidence}`,
    };
  }
  if (spec.approval?.state === "Approved")
    return decideApprovalGate(ctx, spec.approval.specHash);
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
  // a CronJob's template reaches only the Jobs it creates later: nothing running restarts
  if (workload.kind === "CronJob") return undefined;
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

/** A recommended container the pod template does not have: the spec is wrong, nothing is touched. */
function decideUnknownContainers(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ReconcileDecision | undefined {
  const missing = ctx.containers
    .map((c) => c.name)
    .filter(
      (n) => !workload.template.spec?.containers.some((c) => c.name === n),
    );
  if (missing.length === 0) return undefined;
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

/** Patches the pod template; `notInPlace` says why pods could not be resized in place instead. */
function decideApply(
  ctx: Ctx,
  workload: WorkloadSnapshot,
  notInPlace?: string,
): ReconcileDecision {
  const { action, applied } = buildTemplateApply(
    ctx,
    findPreviousResources(ctx, workload),
  );
  return decideTransition(ctx, {
    phase: "Applied",
    condition: {
      type: "Applied",
      status: "True",
      reason: "TemplatePatched",
      message: `patched the ${workload.kind} pod template${notInPlace ? ` (not in place: ${notInPlace})` : ""}`,
    },
    extra: { applied, rolledBack: undefined },
    workloadAction: action,
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
  const unknown = decideUnknownContainers(ctx, workload);
  if (unknown) return unknown;
  const blocked = decideDisruption(ctx, workload);
  if (blocked) {
    return decideTransition(ctx, {
      phase: "Blocked",
      condition: { type: "DisruptionAllowed", status: "False", ...blocked },
      audit: "blocked",
    });
  }
  return decideStart(withDisruptionAllowed(ctx), workload, options);
}

/** Nothing holds the change: start the gradual rollout, or patch the template in one step. */
function decideStart(
  ctx: Ctx,
  workload: WorkloadSnapshot,
  options: { canary: boolean },
): ReconcileDecision {
  if (!options.canary) return decideApply(ctx, workload);
  const blocker = findStartBlocker(ctx, workload);
  if (blocker) {
    return decideTransition(ctx, {
      phase: "Blocked",
      condition: {
        type: blocker.type,
        status: "False",
        reason: blocker.reason,
        message: blocker.message,
      },
      audit: "blocked",
    });
  }
  const started = withStartGuardsLifted(ctx);
  return (
    decideCanaryStart(started, workload) ??
    decidePartitionStart(started, workload) ??
    decideApply(
      started,
      workload,
      ctx.policy.inPlaceResize ? findInPlaceBlocker(ctx, workload) : undefined,
    )
  );
}

/** What every decision starts from: the spec's patch and hash, and the status carried over. */
export function buildCtx(input: ReconcileInput): Ctx {
  const { recommendation } = input;
  const generation = recommendation.metadata.generation ?? 0;
  const { spec } = recommendation;
  const containers = toContainerResources(spec);
  const patch = serializePatch(
    buildResourcesPatch(spec.targetRef.kind, containers),
  );
  const base: ResourceRecommendationStatus = {
    ...(recommendation.status ?? {}),
    observedGeneration: generation,
    generatedPatch: patch,
    specHash: hashPatch(patch),
  };
  return { ...input, generation, base, containers, patch };
}

/**
 * One reconcile step for a recommendation, as a pure function of what the controller observed.
 * The caller writes `workloadAction` first, then `status`; repeated calls with unchanged inputs
 * return an identical status and no action (see isStatusEqual).
 */
export function decideReconcile(input: ReconcileInput): ReconcileDecision {
  const ctx = buildCtx(input);
  const { generation } = ctx;
  const current = input.recommendation.status ?? {};
  if (current.applied?.generation === generation)
    return decideObservation(ctx, current.applied, input.workload);
  // terminal for this generation: a new recommendation (spec change) starts over
  if (
    current.phase === "RolledBack" &&
    current.observedGeneration === generation
  )
    return { status: ctx.base };
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
  return decideCanaryProgress(ctx, canary, () => decideWiden(ctx));
}

/**
 * The last in-place step patches the pod template, which restarts every pod. While a
 * PodDisruptionBudget allows no disruption (or too few replicas remain) the rollout holds at its
 * step, still Canary: the resized pods stay recorded and observed (a regression rolls them back),
 * never left half done under Blocked. It widens once the budget allows it.
 */
function decideWiden(ctx: Ctx): ReconcileDecision {
  const { workload } = ctx;
  const blocked =
    workload && !decideSpecHold(ctx)
      ? decideDisruption(ctx, workload)
      : undefined;
  if (blocked) {
    return decideTransition(ctx, {
      phase: "Canary",
      condition: {
        type: "DisruptionAllowed",
        status: "False",
        reason: blocked.reason,
        message: `${blocked.message}; holding the resized pods at this step`,
      },
      audit: "blocked",
    });
  }
  return decideBeforeApply(ctx, { canary: false });
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

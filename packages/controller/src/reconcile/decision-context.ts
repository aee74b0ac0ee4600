// Shared types and helpers of the pure reconcile decisions (reconcile.ts, canary.ts, partition.ts).
import {
  DEFAULT_MAX_STEP_RATIO,
  nextMemoryFloorBytes,
  type ApplicableWorkloadKind,
  type NamedContainerResources,
} from "@kubewise/core";
import {
  buildApplyRecordPatch,
  extractContainerResources,
  mergeAppliedResources,
  readApplyAnnotation,
  type AppliedRecord,
  type ApplyAnnotation,
  type ContainerResourcesSnapshot,
  type JsonPatchOperation,
  type Phase,
  type PodTemplateLike,
  type ResourceRecommendation,
  type ResourceRecommendationStatus,
} from "@kubewise/k8s";

import {
  setCondition,
  toRfc3339Seconds,
  type ConditionInput,
} from "./conditions";
import type { MetricsView, PdbLike, PodLike } from "./signals";

export type WorkloadSnapshot = {
  kind: ApplicableWorkloadKind;
  name: string;
  /** Desired replicas (Deployment/StatefulSet), desired scheduled pods (DaemonSet); 0 for a CronJob. */
  replicas: number;
  annotations?: Record<string, string>;
  /** StatefulSet with a RollingUpdate strategy: its current partition (0 when unset). */
  partition?: number;
  template: PodTemplateLike & {
    metadata?: { labels?: Record<string, string> };
  };
};

export type ControllerPolicy = {
  minConfidence: number;
  /** Namespace safety rules allow applying without a human approval. */
  allowAutoApply: boolean;
  /** Restart-based changes need at least this many replicas (VPA's min-replicas). */
  minReplicasForRestart: number;
  /** After the last rollout step: how long OOM kills / throttling are watched before Verified. */
  observationWindowSeconds: number;
  /**
   * Gradual rollout: the share of pods carrying the change after each step, ascending, ending
   * with 1 (at least one pod per step). In-place resize steps pick pods; StatefulSets without
   * in-place resize step through `partition`; other template patches are a single step.
   */
  rolloutSteps: number[];
  /** Observation window after each step before the next one. */
  stepWindowSeconds: number;
  /** Resize pods in place (pods/resize, Kubernetes >= 1.33) during the steps before the last. */
  inPlaceResize: boolean;
  /** One change may lower a request or limit to no less than 1/ratio of its value (core capStep). */
  maxStepRatio: number;
  /** A memory limit must keep this factor above the observed working-set peak (1.15: +15 %). */
  workingSetHeadroom: number;
};

export const DEFAULT_ROLLOUT_STEPS = [0.1, 0.25, 0.5, 1];

export const DEFAULT_CONTROLLER_POLICY: ControllerPolicy = {
  minConfidence: 0.8,
  allowAutoApply: false,
  minReplicasForRestart: 2,
  observationWindowSeconds: 600,
  rolloutSteps: DEFAULT_ROLLOUT_STEPS,
  stepWindowSeconds: 300,
  inPlaceResize: true,
  maxStepRatio: DEFAULT_MAX_STEP_RATIO,
  workingSetHeadroom: 1.15,
};

export type ReconcileInput = {
  recommendation: ResourceRecommendation;
  workload: WorkloadSnapshot | undefined;
  pods: PodLike[];
  pdbs: PdbLike[];
  /** Throttling, OOM kills and working set from the metric store: baseline vs the current step. */
  metrics: MetricsView;
  policy: ControllerPolicy;
  now: Date;
};

/**
 * What the controller writes to the workload, in this order. `apply`: the apply record (workload
 * annotations), then for a StatefulSet rollout the partition, then the resources patch, sent as
 * exactly these bytes (status.generatedPatch). `resize`: pods/resize with exactly `body`.
 */
export type WorkloadAction =
  | { type: "resize"; pods: string[]; body: string }
  | {
      type: "apply";
      annotations: Record<string, string>;
      partition?: number;
      patch: string;
    }
  | { type: "partition"; partition: number }
  | { type: "rollback"; patch: JsonPatchOperation[] };

export type AuditEvent = {
  action:
    | "dry-run"
    | "blocked"
    | "canary"
    | "rollout-step"
    | "apply"
    | "verify"
    | "rollback"
    | "reject"
    | "await-approval";
  recommendation: string;
  namespace: string;
  reason: string;
  message: string;
};

export type ReconcileDecision = {
  status: ResourceRecommendationStatus;
  workloadAction?: WorkloadAction;
  audit?: AuditEvent;
};

export type Ctx = ReconcileInput & {
  generation: number;
  base: ResourceRecommendationStatus;
  /** The recommended resources of this generation, read once from the spec. */
  containers: NamedContainerResources[];
  /** The resources patch of this generation, as the bytes sent (status.generatedPatch). */
  patch: string;
};

type Transition = {
  phase: Phase;
  condition: ConditionInput;
  extra?: Partial<ResourceRecommendationStatus>;
  workloadAction?: WorkloadAction;
  /** Audited under the condition's reason and message; omit for transitions that are not audited. */
  audit?: AuditEvent["action"];
};

function withPhase(
  ctx: Ctx,
  {
    phase,
    condition,
    extra,
  }: Pick<Transition, "phase" | "condition" | "extra">,
): ResourceRecommendationStatus {
  const conditions = setCondition(
    ctx.base.conditions,
    { ...condition, observedGeneration: ctx.generation },
    ctx.now,
  );
  return { ...ctx.base, ...extra, phase, conditions };
}

/**
 * After a disruption hold (a PodDisruptionBudget, too few replicas) lets go: DisruptionAllowed
 * turns True, so the status never keeps saying a budget blocks a change that went ahead.
 */
export function withDisruptionAllowed(ctx: Ctx): Ctx {
  const held = ctx.base.conditions?.some(
    (c) => c.type === "DisruptionAllowed" && c.status === "False",
  );
  if (!held) return ctx;
  const conditions = setCondition(
    ctx.base.conditions,
    {
      type: "DisruptionAllowed",
      status: "True",
      reason: "DisruptionAllowed",
      message: "no PodDisruptionBudget or replica count holds the change",
      observedGeneration: ctx.generation,
    },
    ctx.now,
  );
  return { ...ctx, base: { ...ctx.base, conditions } };
}

/** The decision for a phase change: status with the condition set, the workload action and the audit event. */
export function decideTransition(
  ctx: Ctx,
  transition: Transition,
): ReconcileDecision {
  const { condition, workloadAction } = transition;
  const { name, namespace } = ctx.recommendation.metadata;
  return {
    status: withPhase(ctx, transition),
    ...(workloadAction ? { workloadAction } : {}),
    ...(transition.audit
      ? {
          audit: {
            action: transition.audit,
            recommendation: name,
            namespace,
            reason: condition.reason,
            message: condition.message,
          },
        }
      : {}),
  };
}

/**
 * Resources the template patch replaces. A crash between the workload patch and the status write
 * leaves the true previous state in the annotation, so this generation's annotation wins.
 */
export function findApplyRecord(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ApplyAnnotation | undefined {
  const recorded = readApplyAnnotation(workload.annotations);
  return recorded?.recommendation === ctx.recommendation.metadata.name &&
    recorded.generation === ctx.generation
    ? recorded
    : undefined;
}

export function findPreviousResources(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ContainerResourcesSnapshot[] {
  return (
    findApplyRecord(ctx, workload)?.previous ??
    extractContainerResources(
      workload.template,
      ctx.containers.map((c) => c.name),
    )
  );
}

/** The apply action for this generation (record, then resources patch) and its AppliedRecord. */
export function buildTemplateApply(
  ctx: Ctx,
  previous: ContainerResourcesSnapshot[],
): {
  action: Extract<WorkloadAction, { type: "apply" }>;
  applied: AppliedRecord;
} {
  const record = buildApplyRecordPatch({
    recommendation: ctx.recommendation.metadata.name,
    generation: ctx.generation,
    previous,
  });
  const applied: AppliedRecord = {
    at: toRfc3339Seconds(ctx.now),
    generation: ctx.generation,
    method: "TemplatePatch",
    previous,
    applied: mergeAppliedResources(previous, ctx.containers),
  };
  return {
    action: {
      type: "apply",
      annotations: record.metadata.annotations,
      patch: ctx.patch,
    },
    applied,
  };
}

/** VPA's OOM bump of the memory request that was in force when the change was rolled back. */
function memoryFloors(
  containers: NamedContainerResources[],
): { name: string; memoryBytes: number }[] {
  return containers.flatMap((c) =>
    c.requests.memoryBytes === undefined
      ? []
      : [
          {
            name: c.name,
            memoryBytes: nextMemoryFloorBytes(c.requests.memoryBytes),
          },
        ],
  );
}

export type RollbackCause = {
  reason: "OOMKilled" | "CPUThrottling" | "ResizeInfeasible" | "PatchRejected";
  message: string;
};

/** RolledBack status, audit and the action restoring `previous` (OOM bump floor after an OOM kill). */
export function decideRolledBack(
  ctx: Ctx,
  restore: { previous: ContainerResourcesSnapshot[]; action: WorkloadAction },
  cause: RollbackCause,
): ReconcileDecision {
  const { reason, message } = cause;
  const rolledBack = {
    at: toRfc3339Seconds(ctx.now),
    reason,
    message,
    restored: restore.previous,
    ...(reason === "OOMKilled"
      ? { nextMinimumMemoryBytes: memoryFloors(ctx.containers) }
      : {}),
  };
  return decideTransition(ctx, {
    phase: "RolledBack",
    condition: { type: "RolledBack", status: "True", reason, message },
    extra: { rolledBack },
    workloadAction: restore.action,
    audit: "rollback",
  });
}

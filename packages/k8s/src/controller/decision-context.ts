// Shared types and helpers of the pure reconcile decisions (reconcile.ts, canary.ts, partition.ts).
import {
  buildApplyPatch,
  extractContainerResources,
  mergeAppliedResources,
  readApplyAnnotation,
  type JsonPatchOperation,
  type PodResizePatch,
  type PodTemplateLike,
  type StrategicMergePatch,
} from "../builders/workload-patch";
import type {
  AppliedRecord,
  ContainerResources,
  Phase,
  ResourceRecommendation,
  ResourceRecommendationStatus,
  WorkloadKind,
} from "../crd/resource-recommendation";
import { nextMemoryFloorBytes, parseMemoryBytes } from "../quantity";
import {
  setCondition,
  toRfc3339Seconds,
  type ConditionInput,
} from "./conditions";
import type { PdbLike, PodLike, RolloutSignals } from "./signals";

export type WorkloadSnapshot = {
  kind: WorkloadKind;
  name: string;
  /** Desired replicas (Deployment/StatefulSet) or desired scheduled pods (DaemonSet). */
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
};

export type ReconcileInput = {
  recommendation: ResourceRecommendation;
  workload: WorkloadSnapshot | undefined;
  pods: PodLike[];
  pdbs: PdbLike[];
  /** Throttling and OOM kills from the metric store: baseline vs the current step. */
  signals?: RolloutSignals;
  policy: ControllerPolicy;
  now: Date;
};

export type PartitionPatch = {
  spec: {
    updateStrategy: {
      type: "RollingUpdate";
      rollingUpdate: { partition: number };
    };
  };
};

export type WorkloadAction =
  | { type: "resize"; pods: string[]; patch: PodResizePatch }
  | { type: "apply"; patch: StrategicMergePatch }
  | { type: "partition"; patch: PartitionPatch }
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
export function findPreviousResources(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ContainerResources[] {
  const { spec, metadata } = ctx.recommendation;
  const recorded = readApplyAnnotation(workload.annotations);
  return recorded?.recommendation === metadata.name &&
    recorded.generation === ctx.generation
    ? recorded.previous
    : extractContainerResources(
        workload.template,
        spec.containers.map((c) => c.name),
      );
}

/** The pod template patch for this generation and the AppliedRecord it results in. */
export function buildTemplateApply(
  ctx: Ctx,
  previous: ContainerResources[],
): { patch: StrategicMergePatch; applied: AppliedRecord } {
  const patch = buildApplyPatch(ctx.recommendation.spec, {
    recommendation: ctx.recommendation.metadata.name,
    generation: ctx.generation,
    previous,
  });
  const applied: AppliedRecord = {
    at: toRfc3339Seconds(ctx.now),
    generation: ctx.generation,
    method: "TemplatePatch",
    previous,
    applied: mergeAppliedResources(previous, patch),
  };
  return { patch, applied };
}

function memoryFloors(
  previous: ContainerResources[],
): { name: string; memoryBytes: number }[] {
  return previous.flatMap((p) => {
    const memory = p.requests?.memory;
    return memory
      ? [
          {
            name: p.name,
            memoryBytes: nextMemoryFloorBytes(parseMemoryBytes(memory)),
          },
        ]
      : [];
  });
}

export type RollbackCause = {
  reason: "OOMKilled" | "CPUThrottling";
  message: string;
};

/** RolledBack status, audit and the action restoring `previous` (x1.2 / +100Mi floor after an OOM kill). */
export function decideRolledBack(
  ctx: Ctx,
  restore: { previous: ContainerResources[]; action: WorkloadAction },
  cause: RollbackCause,
): ReconcileDecision {
  const { reason, message } = cause;
  const rolledBack = {
    at: toRfc3339Seconds(ctx.now),
    reason,
    message,
    restored: restore.previous,
    ...(reason === "OOMKilled"
      ? { nextMinimumMemoryBytes: memoryFloors(restore.previous) }
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

// Shared types and helpers of the pure reconcile decisions (reconcile.ts, canary.ts).
import type {
  JsonPatchOperation,
  PodResizePatch,
  PodTemplateLike,
  StrategicMergePatch,
} from "../builders/workload-patch";
import type {
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

export function withPhase(
  ctx: Ctx,
  phase: Phase,
  condition: ConditionInput,
  extra?: Partial<ResourceRecommendationStatus>,
): ResourceRecommendationStatus {
  const conditions = setCondition(
    ctx.base.conditions,
    { ...condition, observedGeneration: ctx.generation },
    ctx.now,
  );
  return { ...ctx.base, ...extra, phase, conditions };
}

export function audit(
  ctx: Ctx,
  action: AuditEvent["action"],
  reason: string,
  message: string,
): AuditEvent {
  const { name, namespace } = ctx.recommendation.metadata;
  return { action, recommendation: name, namespace, reason, message };
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
  return {
    status: withPhase(
      ctx,
      "RolledBack",
      { type: "RolledBack", status: "True", reason, message },
      { rolledBack },
    ),
    workloadAction: restore.action,
    audit: audit(ctx, "rollback", reason, message),
  };
}

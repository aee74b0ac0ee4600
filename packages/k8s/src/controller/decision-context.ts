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
import { setCondition, type ConditionInput } from "./conditions";
import type { PdbLike, PodLike, ThrottlingSample } from "./signals";

export type WorkloadSnapshot = {
  kind: WorkloadKind;
  name: string;
  /** Desired replicas (Deployment/StatefulSet) or desired scheduled pods (DaemonSet). */
  replicas: number;
  annotations?: Record<string, string>;
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
  observationWindowSeconds: number;
  /** Share of pods resized in place first (pods/resize, Kubernetes >= 1.33); 0 disables the canary. */
  canaryFraction: number;
  canaryWindowSeconds: number;
};

export const DEFAULT_CONTROLLER_POLICY: ControllerPolicy = {
  minConfidence: 0.8,
  allowAutoApply: false,
  minReplicasForRestart: 2,
  observationWindowSeconds: 600,
  canaryFraction: 0.1,
  canaryWindowSeconds: 300,
};

export type ReconcileInput = {
  recommendation: ResourceRecommendation;
  workload: WorkloadSnapshot | undefined;
  pods: PodLike[];
  pdbs: PdbLike[];
  throttling?: ThrottlingSample;
  policy: ControllerPolicy;
  now: Date;
};

export type WorkloadAction =
  | { type: "resize"; pods: string[]; patch: PodResizePatch }
  | { type: "apply"; patch: StrategicMergePatch }
  | { type: "rollback"; patch: JsonPatchOperation[] };

export type AuditEvent = {
  action:
    | "dry-run"
    | "blocked"
    | "canary"
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

export function memoryFloors(
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

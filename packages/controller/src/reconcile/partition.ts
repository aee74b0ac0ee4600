// StatefulSet rollouts without in-place resize: the template changes once, and the RollingUpdate
// `partition` lets the StatefulSet controller replace only ordinals >= partition per step.
import {
  buildApplyRecordPatch,
  buildRollbackPatch,
  type CanaryRecord,
} from "@kubewise/k8s";

import {
  decideMetricsHold,
  findCanaryRegression,
  isStepWindowOver,
  nextStep,
  stepTargetCount,
} from "./canary";
import { toRfc3339Seconds } from "./conditions";
import {
  buildTemplateApply,
  decideRolledBack,
  decideTransition,
  findApplyRecord,
  findPreviousResources,
  withDisruptionAllowed,
  type Ctx,
  type ReconcileDecision,
  type RollbackCause,
  type WorkloadSnapshot,
} from "./decision-context";
import { findBlockingPdbs } from "./signals";

/** Ordinal of a StatefulSet pod (`<name>-<ordinal>`), or -1. */
function ordinalOf(podName: string, setName: string): number {
  const suffix = podName.slice(setName.length + 1);
  return podName.startsWith(`${setName}-`) && /^\d+$/.test(suffix)
    ? Number(suffix)
    : -1;
}

/** Step 1 for a StatefulSet: patch the template and hold all but the top ordinals back. */
export function decidePartitionStart(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ReconcileDecision | undefined {
  const steps = ctx.policy.rolloutSteps;
  const total = workload.replicas;
  if (workload.kind !== "StatefulSet" || workload.partition === undefined)
    return undefined;
  const count = stepTargetCount(steps, 0, total);
  if (steps.length < 2 || count >= total) return undefined;
  const previous = findPreviousResources(ctx, workload);
  // after a crash between the partition write and the status write, the record knows the original
  const previousPartition =
    findApplyRecord(ctx, workload)?.previousPartition ?? workload.partition;
  const partition = total - count;
  const at = toRfc3339Seconds(ctx.now);
  const canary: CanaryRecord = {
    at,
    generation: ctx.generation,
    method: "StatefulSetPartition",
    step: 0,
    stepStartedAt: at,
    pods: [],
    partition,
    previousPartition,
    previous,
  };
  const { action } = buildTemplateApply(ctx, previous);
  const record = buildApplyRecordPatch({
    recommendation: ctx.recommendation.metadata.name,
    generation: ctx.generation,
    previous,
    previousPartition,
  });
  return decideTransition(ctx, {
    phase: "Canary",
    condition: {
      type: "Canary",
      status: "True",
      reason: "Partition",
      message: `step 1/${steps.length}: patched the StatefulSet pod template with partition ${partition} (${count} of ${total} pod(s) updated)`,
    },
    extra: { canary, rolledBack: undefined },
    // partition first: a template change with the old partition would roll every pod at once
    workloadAction: {
      ...action,
      annotations: record.metadata.annotations,
      partition,
    },
    audit: "canary",
  });
}

export function decidePartitionRollback(
  ctx: Ctx,
  target: PartitionTarget,
  regression: RollbackCause,
): ReconcileDecision {
  const { canary, workload } = target;
  const patch = [
    ...buildRollbackPatch(workload.kind, {
      template: workload.template,
      previous: canary.previous,
    }),
    {
      op: "add" as const,
      path: "/spec/updateStrategy/rollingUpdate/partition",
      value: canary.previousPartition ?? 0,
    },
  ];
  return decideRolledBack(
    ctx,
    { previous: canary.previous, action: { type: "rollback", patch } },
    regression,
  );
}

export type PartitionTarget = {
  canary: CanaryRecord;
  workload: WorkloadSnapshot;
};

/** Lower the partition after each quiet step; the last step restores it and the change is Applied. */
export function decidePartitionProgress(
  ctx: Ctx,
  canary: CanaryRecord,
): ReconcileDecision {
  const { workload } = ctx;
  if (ctx.base.phase !== "Canary" || !workload) return { status: ctx.base };
  const target = { canary, workload };
  const regression = findPartitionRegression(ctx, target);
  if (regression) return decidePartitionRollback(ctx, target, regression);
  if (!isStepWindowOver(ctx, canary)) return { status: ctx.base };
  return (
    decideMetricsHold(ctx, "Canary") ??
    decidePdbHold(ctx, workload) ??
    decidePartitionStep(withDisruptionAllowed(ctx), target)
  );
}

/** A regression on the pods already updated (ordinals >= partition). */
function findPartitionRegression(
  ctx: Ctx,
  { canary, workload }: PartitionTarget,
): RollbackCause | undefined {
  const total = workload.replicas;
  const partition = canary.partition ?? 0;
  const updated = ctx.pods
    .map((p) => p.metadata?.name ?? "")
    .filter((name) => ordinalOf(name, workload.name) >= partition);
  return findCanaryRegression(ctx, {
    since: new Date(canary.at),
    pods: updated,
    share: total > 0 ? (total - partition) / total : 1,
  });
}

// Lowering the partition restarts pods, and rolling updates ignore PDBs: check them ourselves.
function decidePdbHold(
  ctx: Ctx,
  workload: WorkloadSnapshot,
): ReconcileDecision | undefined {
  const blocking = findBlockingPdbs(
    ctx.pdbs,
    workload.template.metadata?.labels ?? {},
  );
  if (blocking.length === 0) return undefined;
  return decideTransition(ctx, {
    phase: "Canary",
    condition: {
      type: "DisruptionAllowed",
      status: "False",
      reason: "PodDisruptionBudget",
      message: `PodDisruptionBudget ${blocking.join(", ")} allows no disruption; holding the next step`,
    },
    audit: "blocked",
  });
}

function decidePartitionStep(
  ctx: Ctx,
  { canary, workload }: PartitionTarget,
): ReconcileDecision {
  const total = workload.replicas;
  const partition = canary.partition ?? 0;
  const steps = ctx.policy.rolloutSteps;
  const next = nextStep(steps, {
    from: canary.step ?? 0,
    total,
    changed: total - partition,
  });
  if (next >= steps.length - 1) {
    const restored = canary.previousPartition ?? 0;
    return decideTransition(ctx, {
      phase: "Applied",
      condition: {
        type: "Applied",
        status: "True",
        reason: "TemplatePatched",
        message: `step ${steps.length}/${steps.length}: partition back to ${restored}, all ${total} pod(s) updated`,
      },
      extra: { applied: buildTemplateApply(ctx, canary.previous).applied },
      workloadAction: { type: "partition", partition: restored },
      audit: "apply",
    });
  }
  const lowered = total - stepTargetCount(steps, next, total);
  return decideTransition(ctx, {
    phase: "Canary",
    condition: {
      type: "Canary",
      status: "True",
      reason: "Partition",
      message: `step ${next + 1}/${steps.length}: partition ${lowered} (${total - lowered} of ${total} pod(s) updated)`,
    },
    extra: {
      canary: {
        ...canary,
        step: next,
        stepStartedAt: toRfc3339Seconds(ctx.now),
        partition: lowered,
      },
    },
    workloadAction: { type: "partition", partition: lowered },
    audit: "rollout-step",
  });
}

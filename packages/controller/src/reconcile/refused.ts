// A write the API server refused for good (invalid, or denied by admission or RBAC) ends the
// rollout in a consistent state: what this recommendation changed is restored (rolled back,
// never half), or, when the refused write was itself the rollback, the rollout holds and retries.
import {
  buildPodRestorePatch,
  mergeAppliedResources,
  type CanaryRecord,
  type ContainerResourcesSnapshot,
} from "@kubewise/k8s";

import { findUnrecordedResizes } from "./adoption";
import {
  decideRolledBack,
  decideTransition,
  findPreviousResources,
  type Ctx,
  type ReconcileDecision,
  type ReconcileInput,
  type WorkloadAction,
} from "./decision-context";
import { decidePartitionRollback } from "./partition";
import { buildCtx } from "./reconcile";

export type RefusedWrite = {
  /** HTTP status of the refusal (400, 403, 422). */
  code: number;
  /** The API server's Status.message, e.g. the admission policy's message. */
  reason: string;
  /** Pods the refused action had already resized when the refusal came. */
  resized: string[];
};

function describeAction(action: WorkloadAction | undefined): string {
  switch (action?.type) {
    case "resize":
      return `the in-place resize of ${action.pods.join(", ")}`;
    case "apply":
      return "the pod template patch";
    case "partition":
      return "the StatefulSet partition";
    case "rollback":
      return "the template patch";
    case undefined:
      return "no write";
  }
}

/** A refused rollback is decided again on the next pass: its cause is still observed. */
function decideRollbackRefused(ctx: Ctx, message: string): ReconcileDecision {
  return decideTransition(ctx, {
    phase: ctx.base.phase ?? "Canary",
    condition: {
      type: "RolledBack",
      status: "False",
      reason: "RollbackRefused",
      message: `${message}; trying again on the next pass`,
    },
    audit: "blocked",
  });
}

/** Resources before this rollout: its canary record, or the template's (with its apply record). */
function findRolloutPrevious(
  ctx: Ctx,
  canary: CanaryRecord | undefined,
): ContainerResourcesSnapshot[] {
  if (canary?.generation === ctx.generation) return canary.previous;
  return ctx.workload ? findPreviousResources(ctx, ctx.workload) : [];
}

/**
 * The decision after `attempted.workloadAction` was refused. Forward steps roll back: pods that
 * carry the change (this step's and earlier ones, also a killed leader's) are resized back, a
 * StatefulSet gets its template and partition back; terminal for this spec like any rollback.
 * A refused rollback keeps the phase with a condition, and the next pass tries it again.
 */
export function decideRefusedWrite(
  input: ReconcileInput,
  attempted: ReconcileDecision,
  refused: RefusedWrite,
): ReconcileDecision {
  const ctx = buildCtx(input);
  const rollingBack =
    attempted.status.phase === "RolledBack" ||
    attempted.workloadAction?.type === "rollback";
  const what = describeAction(attempted.workloadAction);
  const message = `the API server refused ${rollingBack ? `the rollback (${what})` : what} (${refused.code}: ${refused.reason})`;
  if (rollingBack) return decideRollbackRefused(ctx, message);
  const cause = { reason: "PatchRejected" as const, message };
  const canary = attempted.status.canary ?? ctx.base.canary;
  const { workload } = ctx;
  if (canary?.method === "StatefulSetPartition" && workload)
    return decidePartitionRollback(ctx, { canary, workload }, cause);
  const previous = findRolloutPrevious(ctx, canary);
  const applied = mergeAppliedResources(previous, ctx.containers);
  const pods = [
    ...new Set([
      ...findUnrecordedResizes(ctx.pods, { previous, applied }),
      ...refused.resized,
    ]),
  ].sort();
  return decideRolledBack(
    ctx,
    {
      previous,
      action: {
        type: "resize",
        pods,
        body: JSON.stringify(buildPodRestorePatch(previous, applied)),
      },
    },
    cause,
  );
}

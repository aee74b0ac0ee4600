// After an apply: watch the workload for OOM kills and throttling regressions, then verify.
import { buildRollbackPatch, type AppliedRecord } from "@kubewise/k8s";

import { decideMetricsHold } from "./canary";
import {
  decideRolledBack,
  decideTransition,
  type Ctx,
  type ReconcileDecision,
  type RollbackCause,
  type WorkloadSnapshot,
} from "./decision-context";
import { findOomKills, findSignalRegression } from "./signals";

function decideRollback(
  ctx: Ctx,
  target: { applied: AppliedRecord; workload: WorkloadSnapshot },
  cause: RollbackCause,
): ReconcileDecision {
  const { applied, workload } = target;
  return decideRolledBack(
    ctx,
    {
      previous: applied.previous,
      action: {
        type: "rollback",
        patch: buildRollbackPatch(workload.kind, {
          template: workload.template,
          previous: applied.previous,
        }),
      },
    },
    cause,
  );
}

/** After an apply: roll back on OOM kills or a throttling regression, else verify after the window. */
export function decideObservation(
  ctx: Ctx,
  applied: AppliedRecord,
  workload: WorkloadSnapshot | undefined,
): ReconcileDecision {
  if (ctx.base.phase === "RolledBack" || !workload) return { status: ctx.base };
  const containerNames = applied.applied.map((c) => c.name);
  const kills = findOomKills(ctx.pods, {
    since: new Date(applied.at),
    containerNames,
  });
  if (kills.length > 0) {
    const first = kills[0];
    const message = `${kills.length} OOM kill(s) after apply, first ${first?.podName}/${first?.containerName}`;
    return decideRollback(
      ctx,
      { applied, workload },
      { reason: "OOMKilled", message },
    );
  }
  const regression = findSignalRegression(ctx.metrics, {
    containerNames,
    share: 1,
  });
  if (regression) return decideRollback(ctx, { applied, workload }, regression);
  const elapsedSeconds =
    (ctx.now.getTime() - new Date(applied.at).getTime()) / 1000;
  if (
    ctx.base.phase === "Applied" &&
    elapsedSeconds >= ctx.policy.observationWindowSeconds
  ) {
    const hold = decideMetricsHold(ctx, "Verified");
    if (hold) return hold;
    return decideTransition(ctx, {
      phase: "Verified",
      condition: {
        type: "Verified",
        status: "True",
        reason: "ObservationPassed",
        message: `no OOM kill or throttling regression for ${ctx.policy.observationWindowSeconds}s`,
      },
      audit: "verify",
    });
  }
  return { status: ctx.base };
}

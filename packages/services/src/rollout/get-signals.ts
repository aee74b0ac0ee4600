import { queryRolloutSignals, type WindowSignals } from "@kubewise/db";

import { assertNamespaceAccess, authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import {
  GetRolloutSignalsInputSchema,
  type GetRolloutSignalsInput,
} from "./schemas";

export type WindowSignalsView = Omit<WindowSignals, "throttledPeriods"> & {
  windowSeconds: number;
};

export type RolloutSignalsView = {
  containers: {
    name: string;
    baseline: WindowSignalsView;
    observation: WindowSignalsView;
  }[];
};

/**
 * CPU throttling and OOM kills of a workload's containers before a change (baseline) and since
 * the current rollout step (observation), for the lifecycle controller's rollback decision.
 * An observation window that has not started yet is empty (0 samples); the baseline still counts.
 */
export async function getRolloutSignals({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetRolloutSignalsInput;
}): Promise<RolloutSignalsView> {
  authorize(ctx, "getRolloutSignals");
  const parsed = parseInput(GetRolloutSignalsInputSchema, input);
  assertNamespaceAccess(ctx.actor, parsed);
  const now = ctx.clock.now();
  const baseline = {
    from: new Date(parsed.changedAt.getTime() - parsed.baselineSeconds * 1000),
    to: parsed.changedAt,
  };
  // before the current step starts its window is empty: the baseline alone is still answered
  const observation = {
    from: parsed.observedFrom,
    to: new Date(Math.max(now.getTime(), parsed.observedFrom.getTime())),
  };
  const seconds = (w: { from: Date; to: Date }) =>
    (w.to.getTime() - w.from.getTime()) / 1000;
  const view = (w: WindowSignals, windowSeconds: number) => ({
    sampleCount: w.sampleCount,
    throttlingRatio: w.throttlingRatio,
    oomKills: w.oomKills,
    windowSeconds,
    workingSetPeakBytes: w.workingSetPeakBytes,
  });
  const rows = await queryRolloutSignals(ctx.db, {
    ...parsed,
    baseline,
    observation,
  });
  return {
    containers: rows.map((r) => ({
      name: r.containerName,
      baseline: view(r.baseline, seconds(baseline)),
      observation: view(r.observation, seconds(observation)),
    })),
  };
}

// Hysteresis: a new recommendation replaces the one in force only when it differs materially. The
// memory limit rises as soon as the values in force fall below the confidence the new ones offer by
// more than a margin (safety first), and falls only for a large saving; CPU requests move only for a
// large change. Otherwise the values in force stay, restated with today's confidence for them.
import type { Recommendation, ResourceValues } from "../recommender";
import type { Evidence } from "./evidence";
import type { ConfidenceModel } from "./memory-risk";
import { confidenceAtLimit } from "./memory-risk";

const STABILITY = {
  /** Raise memory when the limit in force is this much less likely to hold than the new one. */
  memRaiseConfidenceDrop: 0.01,
  /** Lower memory only when the new limit saves at least this share. */
  memLowerShare: 0.25,
  /** Move the CPU request only when it changes by at least this share (either way). */
  cpuShare: 0.35,
} as const;

const share = (from: number, to: number): number =>
  from > 0 ? (to - from) / from : Number.POSITIVE_INFINITY;

function memoryMoves(
  inForce: ResourceValues,
  next: ResourceValues,
  stillHolds: number,
  nextConfidence: number,
): boolean {
  const from = inForce.memLimitBytes ?? inForce.memRequestBytes;
  const to = next.memLimitBytes ?? next.memRequestBytes;
  if (to > from)
    return nextConfidence - stillHolds > STABILITY.memRaiseConfidenceDrop;
  return share(from, to) <= -STABILITY.memLowerShare;
}

function cpuMoves(inForce: ResourceValues, next: ResourceValues): boolean {
  return (
    Math.abs(share(inForce.cpuRequestCores, next.cpuRequestCores)) >=
    STABILITY.cpuShare
  );
}

/**
 * The recommendation to state, given the one in force: `next` where it moves materially (per
 * resource), else the values in force with today's confidence for them.
 */
export function stabilize(
  inForce: Recommendation | null,
  next: Recommendation,
  context: { evidence: Evidence; model: ConfidenceModel },
): Recommendation {
  if (inForce === null) return next;
  const keptConfidence = confidenceAtLimit(
    context.evidence,
    context.model,
    inForce.base.memLimitBytes ?? inForce.base.memRequestBytes,
  );
  const memory = memoryMoves(
    inForce.base,
    next.base,
    keptConfidence,
    next.confidence ?? 0,
  );
  const cpu =
    cpuMoves(inForce.base, next.base) ||
    inForce.windows.length !== next.windows.length;
  if (memory && cpu) return next;
  const memSource = memory ? next.base : inForce.base;
  const withMemory = (v: ResourceValues): ResourceValues => ({
    ...v,
    memRequestBytes: memSource.memRequestBytes,
    memLimitBytes: memSource.memLimitBytes,
  });
  const cpuSource = cpu ? next : inForce;
  return {
    ...next,
    base: withMemory(cpuSource.base),
    windows: cpuSource.windows.map((w) => ({
      window: w.window,
      values: withMemory(w.values),
    })),
    confidence: memory ? next.confidence : keptConfidence,
    reasons: [
      ...(next.reasons ?? []),
      ...(memory
        ? []
        : ["memory kept: the new value is not a material change"]),
      ...(cpu ? [] : ["CPU kept: the new value is not a material change"]),
    ],
  };
}

import type { agentV1 } from "@kubewise/proto";

/**
 * A valid batch whose newest timestamp is further ahead of the aggregator's clock than
 * maxFutureSkewMs: the node's clock is ahead. Not invalid, only early: the agent resends it later.
 */
export class TimestampsAheadError extends Error {
  constructor(readonly aheadMs: number) {
    super(
      `timestamps are up to ${Math.round(aheadMs / 1000)} s ahead of the aggregator's clock`,
    );
    this.name = "TimestampsAheadError";
  }
}

/** Newest finite sample or flag time, for the ahead-of-the-clock check. */
export function newestTimeMs(b: agentV1.MetricBatch): number {
  let newest = -Infinity;
  for (const t of b.timestampMs)
    if (Number.isFinite(t) && t > newest) newest = t;
  for (const flag of b.anomalyReport?.flags ?? [])
    if (Number.isFinite(flag.detectedAtMs) && flag.detectedAtMs > newest)
      newest = flag.detectedAtMs;
  return newest;
}

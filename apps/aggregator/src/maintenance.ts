import type { Logger } from "pino";

import type { AggregatorMetrics } from "./metrics";
import { startPeriodic } from "./periodic";

export type MaintenanceOptions = {
  intervalMs: number;
  takeDirtyRange: () => { fromMs: number; toMs: number } | undefined;
  refreshRollups: (window: {
    fromMs: number;
    toMs: number;
  }) => Promise<unknown>;
  /** Partitions ahead, retention and late-sample rollups (the db package's maintainMetricStorage). */
  maintainStorage: () => Promise<unknown>;
  countSequenceGaps: () => Promise<number>;
  metrics: AggregatorMetrics;
  logger: Logger;
};

/** Every interval: recompute rollups for the sample time range ingested since the last run, keep
 * partitions ahead of time, export seq gaps. */
export function startMaintenanceLoop(options: MaintenanceOptions): {
  runOnce: () => Promise<void>;
  stop: () => void;
} {
  const { metrics, logger } = options;
  let pending: { fromMs: number; toMs: number } | undefined;
  const runOnce = async () => {
    const fresh = options.takeDirtyRange();
    if (fresh)
      pending = pending
        ? {
            fromMs: Math.min(pending.fromMs, fresh.fromMs),
            toMs: Math.max(pending.toMs, fresh.toMs),
          }
        : fresh;
    try {
      if (pending) {
        await options.refreshRollups(pending);
        pending = undefined;
      }
      await options.maintainStorage();
      metrics.rollupRefreshes.inc({ result: "ok" });
      metrics.sequenceGaps.set(await options.countSequenceGaps());
    } catch (error) {
      // The range stays pending and is retried on the next tick.
      metrics.rollupRefreshes.inc({ result: "error" });
      logger.error(
        { err: error },
        "rollup maintenance failed, retrying next interval",
      );
    }
  };
  const periodic = startPeriodic(options.intervalMs, runOnce);
  return { runOnce, stop: periodic.stop };
}

import type { Logger } from "pino";

import { startPeriodic } from "./periodic";

/** Returns counts for the log line (created, superseded, opened, ...). */
type RecommendPass = (now: Date) => Promise<Record<string, number>>;

export type RecommendLoopOptions = {
  intervalMs: number;
  runPass: RecommendPass;
  now: () => Date;
  logger: Logger;
  onResult?: (result: "ok" | "error") => void;
};

/** The aggregator's recommender: every interval, re-recommend and re-check anomalies for the cluster. */
export function startRecommendLoop(options: RecommendLoopOptions): {
  runOnce: () => Promise<void>;
  stop: () => void;
} {
  const runOnce = async (): Promise<void> => {
    const started = Date.now();
    try {
      const result = await options.runPass(options.now());
      options.onResult?.("ok");
      options.logger.info(
        { ...result, durationMs: Date.now() - started },
        "recommendation pass done",
      );
    } catch (error) {
      // One failed pass must not stop the loop: the next interval retries from the stored history.
      options.onResult?.("error");
      options.logger.error(
        { err: error },
        "recommendation pass failed, retrying next interval",
      );
    }
  };
  const periodic = startPeriodic(options.intervalMs, runOnce);
  return { runOnce, stop: periodic.stop };
}

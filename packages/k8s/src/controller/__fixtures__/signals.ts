import type { RolloutSignals } from "../signals";

/** Metric-store signals for container `app`: throttling ratios before and since the change. */
export const appSignals = (
  baselineRatio: number,
  observedRatio: number | undefined,
): RolloutSignals => ({
  containers: [
    {
      name: "app",
      baseline: {
        throttlingRatio: baselineRatio,
        oomKills: 0,
        windowSeconds: 3600,
      },
      observation: {
        throttlingRatio: observedRatio,
        oomKills: 0,
        windowSeconds: 300,
      },
    },
  ],
});

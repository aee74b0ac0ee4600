import type { MetricsView, RolloutSignals, WindowSignals } from "../signals";

const MI = 2 ** 20;

const window = (
  windowSeconds: number,
  throttlingRatio: number | undefined,
): WindowSignals => ({
  sampleCount: throttlingRatio === undefined ? 0 : 10,
  throttlingRatio,
  oomKills: 0,
  windowSeconds,
  workingSetPeakBytes: throttlingRatio === undefined ? undefined : 100 * MI,
});

/** Metric-store signals for container `app`: throttling ratios before and since the change. */
export const appSignals = (
  baselineRatio: number,
  observedRatio: number | undefined,
): RolloutSignals => ({
  containers: [
    {
      name: "app",
      baseline: window(3600, baselineRatio),
      observation: window(300, observedRatio),
    },
  ],
});

/** A metric store that answers: samples for every container in both windows, nothing wrong. */
export const healthyMetrics = (names: string[] = ["app"]): MetricsView => ({
  status: "read",
  signals: {
    containers: names.map((name) => ({
      name,
      baseline: window(3600, 0),
      observation: window(300, 0),
    })),
  },
});

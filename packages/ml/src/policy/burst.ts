// A batch workload (Job, CronJob) idles between runs: a quantile over all its samples sizes it for
// the idle time (a job that bursts to 2.2 vCPU got a 4 m request). Its CPU request comes from the
// samples while it runs instead: those above a share of its peak.
import { maxFinite, quantileOf } from "../stats/quantile";

export type BurstProfile = {
  /** The CPU request for a run: `quantile` of the busy samples, in cores. */
  cores: number;
  /** Share of samples that were busy (the duty cycle). */
  busyShare: number;
  /** The highest sample, in cores. */
  peakCores: number;
};

const BURST_DEFAULTS = {
  /** A sample is busy when it is at least this share of the peak. */
  busyShareOfPeak: 0.1,
  quantile: 0.9,
} as const;

/** The CPU burst profile of a batch workload's history; null without a positive finite sample. */
export function burstProfile(
  cpuCores: ArrayLike<number>,
  options: { busyShareOfPeak?: number; quantile?: number } = {},
): BurstProfile | null {
  const share = options.busyShareOfPeak ?? BURST_DEFAULTS.busyShareOfPeak;
  const q = options.quantile ?? BURST_DEFAULTS.quantile;
  const peak = maxFinite(cpuCores);
  if (!(peak > 0)) return null;
  const finite = Array.from(cpuCores).filter((v) => Number.isFinite(v));
  const busy = finite.filter((v) => v >= share * peak);
  return {
    cores: quantileOf(busy, q),
    busyShare: busy.length / finite.length,
    peakCores: peak,
  };
}

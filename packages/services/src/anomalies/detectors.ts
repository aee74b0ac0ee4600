import type { NewAnomalyRow, UsageHistoryColumns } from "@kubewise/db";
import {
  assessOomRisk,
  CpuSpikeDetector,
  detectMemoryLeak,
} from "@kubewise/ml";

export type AnomalyFinding = Pick<
  NewAnomalyRow,
  "kind" | "severity" | "timeToLimitSeconds" | "details"
>;
type Series = {
  timestampsS: Float64Array;
  memBytes: Float64Array;
  nowS: number;
};

const DAY_SECONDS = 86_400;
const RECENT_SPIKE_SECONDS = 3600;

export function toSeries(history: UsageHistoryColumns, now: Date): Series {
  const n = history.length;
  const series = {
    timestampsS: new Float64Array(n),
    memBytes: history.memoryWorkingSetBytesMax.slice(0, n),
    nowS: now.getTime() / 1000,
  };
  for (let i = 0; i < n; i++)
    series.timestampsS[i] = (history.bucketMs[i] ?? Number.NaN) / 1000;
  return series;
}

export function findLeak(
  series: Series,
  memLimitBytes: number | null,
): AnomalyFinding | undefined {
  const result = detectMemoryLeak({ ...series, memLimitBytes });
  if (result.kind !== "ok" || !result.leak) return undefined;
  const ttl =
    result.timeToLimitS === null ? null : Math.round(result.timeToLimitS);
  return {
    kind: "leak",
    severity: ttl !== null && ttl < DAY_SECONDS ? "critical" : "warning",
    timeToLimitSeconds: ttl,
    details: {
      slopeBytesPerSecond: result.slopeBytesPerS,
      trendZ: result.trendZ,
      relativeGrowth: result.relativeGrowth,
    },
  };
}

export function findOomRisk(
  series: Series,
  memLimitBytes: number | null,
): AnomalyFinding | undefined {
  if (memLimitBytes === null || memLimitBytes <= 0) return undefined;
  const result = assessOomRisk({ ...series, memLimitBytes });
  if (result.kind !== "ok" || !result.atRisk) return undefined;
  const ttl =
    result.crossingInS === null ? null : Math.round(result.crossingInS);
  return {
    kind: "oom_risk",
    severity: ttl === 0 ? "critical" : "warning",
    timeToLimitSeconds: ttl,
    details: {
      forecastPeakBytes: Math.round(result.forecastPeakBytes),
      limitBytes: memLimitBytes,
    },
  };
}

/** Replays the series through the seasonal detector and reports a spike within the last hour. */
export function findCpuSpike(
  history: UsageHistoryColumns,
  now: Date,
): AnomalyFinding | undefined {
  const detector = new CpuSpikeDetector();
  let latest:
    | { timestampS: number; z: number; baseline: number; cores: number }
    | undefined;
  const judgeFromS = now.getTime() / 1000 - RECENT_SPIKE_SECONDS;
  const { bucketMs, cpuUsageCoresMax } = history;
  for (let i = 0; i < history.length; i++) {
    const timestampS = (bucketMs[i] ?? Number.NaN) / 1000;
    const cores = cpuUsageCoresMax[i] ?? Number.NaN;
    // Only a recent spike is reported: older readings only build the baseline (judging each of
    // three days of readings was most of a pass's anomaly detection).
    if (timestampS < judgeFromS) {
      detector.observe(timestampS, cores);
      continue;
    }
    const verdict = detector.check(timestampS, cores);
    if (verdict.spike)
      latest = {
        timestampS,
        z: verdict.z,
        baseline: verdict.baseline,
        cores,
      };
  }
  if (
    !latest ||
    now.getTime() / 1000 - latest.timestampS > RECENT_SPIKE_SECONDS
  )
    return undefined;
  return {
    kind: "cpu_spike",
    severity: latest.z >= 12 ? "warning" : "info",
    timeToLimitSeconds: null,
    details: {
      peakCores: latest.cores,
      baselineCores: latest.baseline,
      z: latest.z,
      atS: latest.timestampS,
    },
  };
}

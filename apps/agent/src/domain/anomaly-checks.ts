// Local anomaly checks over one container's 48 h slot window, with @kubewise/ml's detectors and the
// shipped forecaster's memory quantiles. Pure: the window and the model output come in as data.
import {
  assessOomRisk,
  CpuSpikeDetector,
  detectMemoryLeak,
  OUTPUT_SIZE,
  QUANTILE_LEVELS,
  SLOT_SECONDS,
  type SlotView,
} from "@kubewise/ml";

import type { AnomalyFlag } from "./types";

export type Finding = Omit<AnomalyFlag, "meta">;
export type ContainerWindow = {
  view: SlotView & { cpuMax: Float64Array };
  /** 0 = unlimited. */
  memoryLimitBytes: number;
  nowMs: number;
};

const DAY_SLOTS = 86_400 / SLOT_SECONDS;
const HOUR_SLOTS = 3600 / SLOT_SECONDS;
const DAY_SECONDS = 86_400;
/** The forecast quantile that counts as "likely" for an OOM flag. */
const OOM_FORECAST_LEVEL = 0.95;

function memorySeries(view: SlotView): {
  timestampsS: Float64Array;
  memBytes: Float64Array;
} {
  const timestampsS: number[] = [];
  const memBytes: number[] = [];
  view.memBytes.forEach((bytes, i) => {
    if (!Number.isFinite(bytes)) return;
    timestampsS.push((view.firstSlot + i + 0.5) * SLOT_SECONDS);
    memBytes.push(bytes);
  });
  return {
    timestampsS: Float64Array.from(timestampsS),
    memBytes: Float64Array.from(memBytes),
  };
}

export function checkMemoryLeak(window: ContainerWindow): Finding | undefined {
  const result = detectMemoryLeak({
    ...memorySeries(window.view),
    memLimitBytes: window.memoryLimitBytes > 0 ? window.memoryLimitBytes : null,
    nowS: window.nowMs / 1000,
  });
  if (result.kind !== "ok" || !result.leak) return undefined;
  const ttl = result.timeToLimitS ?? undefined;
  return {
    kind: "leak",
    severity: ttl !== undefined && ttl < DAY_SECONDS ? "critical" : "warning",
    detectedAtMs: window.nowMs,
    timeToLimitSeconds: ttl === undefined ? undefined : Math.round(ttl),
    details: {
      slope_bytes_per_second: result.slopeBytesPerS,
      trend_z: result.trendZ,
      relative_growth: result.relativeGrowth,
    },
  };
}

/** Forecast peak memory of the next 24 h at OOM_FORECAST_LEVEL, from one model output row. */
export function forecastPeakBytes(
  output: Float32Array,
  row: number,
  memRefBytes: number,
): number {
  // Quantile heads can cross: take the running maximum up to the level (targetQuantiles does the same).
  let logRatio = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < QUANTILE_LEVELS.length; k++) {
    logRatio = Math.max(logRatio, output[row * OUTPUT_SIZE + k] ?? Number.NaN);
    if ((QUANTILE_LEVELS[k] ?? 1) >= OOM_FORECAST_LEVEL) break;
  }
  return memRefBytes * Math.exp(logRatio);
}

/** Trend check (6 h ahead) and, when the model ran, its 24 h peak forecast against the limit. */
export function checkOomRisk(
  window: ContainerWindow,
  modelPeakBytes: number | undefined,
): Finding | undefined {
  const limit = window.memoryLimitBytes;
  if (!(limit > 0)) return undefined;
  const trend = assessOomRisk({
    ...memorySeries(window.view),
    memLimitBytes: limit,
    nowS: window.nowMs / 1000,
  });
  const trendAtRisk = trend.kind === "ok" && trend.atRisk;
  const modelAtRisk = modelPeakBytes !== undefined && modelPeakBytes >= limit;
  if (!trendAtRisk && !modelAtRisk) return undefined;
  const crossingInS = trendCrossingSeconds(trend);
  return {
    kind: "oom_risk",
    severity:
      crossingInS === 0 || (trendAtRisk && modelAtRisk)
        ? "critical"
        : "warning",
    detectedAtMs: window.nowMs,
    timeToLimitSeconds: crossingInS,
    details: oomDetails({ limit, trend, modelPeakBytes }),
  };
}

function trendCrossingSeconds(
  trend: ReturnType<typeof assessOomRisk>,
): number | undefined {
  if (trend.kind !== "ok" || trend.crossingInS === null) return undefined;
  return Math.round(trend.crossingInS);
}

function oomDetails(input: {
  limit: number;
  trend: ReturnType<typeof assessOomRisk>;
  modelPeakBytes: number | undefined;
}): Record<string, number> {
  const details: Record<string, number> = { limit_bytes: input.limit };
  if (input.trend.kind === "ok")
    details.trend_forecast_peak_bytes = Math.round(
      input.trend.forecastPeakBytes,
    );
  if (input.modelPeakBytes !== undefined)
    details.model_forecast_peak_bytes_p95 = Math.round(input.modelPeakBytes);
  return details;
}

/**
 * The slots whose replay through the streaming detector judges the last hour exactly as a full
 * replay would: the last 7 h (its 6 h fallback baseline) and the same hour +-1 slot 1 and 2 days back.
 */
function replaySlots(length: number): number[] {
  const slots = new Set<number>();
  const lastHour = length - HOUR_SLOTS;
  for (let i = Math.max(0, lastHour - 6 * HOUR_SLOTS); i < length; i++)
    slots.add(i);
  for (const days of [1, 2])
    for (
      let i = lastHour - days * DAY_SLOTS - 1;
      i <= length - days * DAY_SLOTS;
      i++
    )
      if (i >= 0) slots.add(i);
  return [...slots].sort((a, b) => a - b);
}

/** A spike of the per-slot CPU maximum within the last hour, against the seasonal baseline. */
export function checkCpuSpike(window: ContainerWindow): Finding | undefined {
  const { view } = window;
  const detector = new CpuSpikeDetector();
  const lastHour = view.cpuMax.length - HOUR_SLOTS;
  let latest: Finding | undefined;
  for (const i of replaySlots(view.cpuMax.length)) {
    const cores = view.cpuMax[i] ?? Number.NaN;
    const timestampS = (view.firstSlot + i) * SLOT_SECONDS;
    const verdict = detector.check(timestampS, cores);
    if (i < lastHour || !verdict.spike || !("z" in verdict)) continue;
    latest = {
      kind: "cpu_spike",
      severity: verdict.z >= 12 ? "warning" : "info",
      detectedAtMs: timestampS * 1000,
      timeToLimitSeconds: undefined,
      details: {
        peak_cores: cores,
        baseline_cores: verdict.baseline,
        z: verdict.z,
      },
    };
  }
  return latest;
}

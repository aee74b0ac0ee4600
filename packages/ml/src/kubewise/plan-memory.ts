import {
  INPUT_SLOTS,
  inputMemReference,
  TARGET_CLIP,
} from "../features/model-input";
import { SLOTS_PER_DAY, SLOTS_PER_HOUR } from "../features/slot-history";
import type { SlotHistory } from "../features/slot-history";
import {
  interpolateQuantile,
  pinballLoss,
  targetQuantiles,
} from "../forecast/quantile-heads";
import { maxFinite, quantileSorted } from "../stats/quantile";
import type { DayForecast } from "./forecasts";

const MEMORY_MODELS = ["peak-hold", "lstm", "empirical"] as const;
export type MemoryModel = (typeof MEMORY_MODELS)[number];

/**
 * Increasingly conservative settings; the calibrated score is the index. Each step raises the memory
 * limit (forecast quantile level plus margin) and the CPU limit's headroom, the two things "holds"
 * judges. CPU requests are not on the ladder: they come from the validated cost choice (cpu-choice.ts).
 */
export const RISK_LADDER: readonly {
  level: number;
  margin: number;
  /** CPU limit = 7-day peak times this: headroom before throttling, which costs nothing billed. */
  cpuLimitFactor: number;
}[] = [
  { level: 0.5, margin: 0, cpuLimitFactor: 1.2 },
  { level: 0.8, margin: 0, cpuLimitFactor: 1.2 },
  { level: 0.9, margin: 0, cpuLimitFactor: 1.3 },
  { level: 0.95, margin: 0, cpuLimitFactor: 1.5 },
  { level: 0.965, margin: 0, cpuLimitFactor: 1.6 },
  { level: 0.98, margin: 0, cpuLimitFactor: 1.75 },
  { level: 0.99, margin: 0, cpuLimitFactor: 1.9 },
  { level: 0.995, margin: 0, cpuLimitFactor: 2 },
  { level: 0.995, margin: 0.03, cpuLimitFactor: 2.5 },
  { level: 0.995, margin: 0.07, cpuLimitFactor: 3 },
  { level: 0.995, margin: 0.12, cpuLimitFactor: 4 },
  { level: 0.995, margin: 0.2, cpuLimitFactor: 5 },
  { level: 0.995, margin: 0.35, cpuLimitFactor: 6 },
  { level: 0.995, margin: 0.6, cpuLimitFactor: 8 },
];
const SELECTION_LEVELS = [0.5, 0.9, 0.98] as const;
const PEAK_HOLD_DAYS = 7;
/**
 * Quantiles (at QUANTILE_LEVELS) of log(next 24 h memory peak / peak of the previous 7 days), pooled
 * over the 13,463 series-days of the dev traces (Bitbrains + Google, tuned there only). Pooled
 * multipliers beat per-series adaptive ones on these traces: a series' own 1-2 weeks of ratios are
 * too few to estimate a tail.
 */
const PEAK_HOLD_LOG_QUANTILES = [
  -0.1911, -0.0211, 0.0339, 0.1318, 0.3706, 1.1542,
] as const;
const MAX_PAST_DAYS = 13;
const VALIDATION_DAYS = 7;
const MIN_EMPIRICAL_RATIOS = 3;

export type MemoryPlan = {
  model: MemoryModel;
  refBytes: number;
  /** Peak of the last hour: a limit below it would OOM at once. */
  recentPeakBytes: number;
  medianBytes: number;
  validationDays: number;
  limitBytes(ladderIndex: number): number;
};

type PastDay = {
  ratio: number;
  forecast: DayForecast | undefined;
  /** log(peak of the 7 days before this day / the input reference), for the peak-hold model. */
  peakHoldLogRef: number;
};

/** Days of daily memory peaks pastDays reads: 13 past days, each with the 7 days before it. */
const PEAK_DAYS = MAX_PAST_DAYS + PEAK_HOLD_DAYS;

/**
 * Memory peak of each day d = 1 (yesterday) ... PEAK_DAYS before `nowSlot` (index d; NaN without
 * a reading), from one view: the peak of any run of whole days is the largest of their peaks.
 */
function dailyMemoryPeaks(history: SlotHistory, nowSlot: number): Float64Array {
  const mem = history.view(
    nowSlot - PEAK_DAYS * SLOTS_PER_DAY,
    nowSlot,
  ).memBytes;
  const peaks = new Float64Array(PEAK_DAYS + 1).fill(Number.NaN);
  for (let d = 1; d <= PEAK_DAYS; d++)
    peaks[d] = maxFinite(
      mem,
      (PEAK_DAYS - d) * SLOTS_PER_DAY,
      (PEAK_DAYS - d + 1) * SLOTS_PER_DAY,
    );
  return peaks;
}

/** log(peak of days k+1 ... k+7 / the input reference): the peak-hold model's reference at day k's start. */
function peakHoldLogRef(
  peaks: Float64Array,
  k: number,
  refBytes: number,
): number {
  const held = maxFinite(peaks, k + 1, k + 1 + PEAK_HOLD_DAYS);
  return Number.isFinite(held) && held > 0 && refBytes > 0
    ? Math.log(held / refBytes)
    : 0;
}

/** Past day k (1 = yesterday): its peak relative to the input reference; the forecast only for validation days. */
function pastDays(
  history: SlotHistory,
  nowSlot: number,
  forecastAt: (slot: number) => DayForecast | undefined,
  peaks: Float64Array,
): (PastDay | undefined)[] {
  const days: (PastDay | undefined)[] = [];
  for (let k = 1; k <= MAX_PAST_DAYS; k++) {
    const start = nowSlot - k * SLOTS_PER_DAY;
    const forecast = k <= VALIDATION_DAYS ? forecastAt(start) : undefined;
    const memRef =
      k <= VALIDATION_DAYS
        ? forecast?.input.memRefBytes
        : inputMemReference(history.view(start - INPUT_SLOTS, start));
    const peak = memRef === undefined ? Number.NaN : (peaks[k] ?? Number.NaN);
    days.push(
      memRef !== undefined && Number.isFinite(peak)
        ? {
            ratio: Math.log(peak / memRef),
            forecast,
            peakHoldLogRef: peakHoldLogRef(peaks, k, memRef),
          }
        : undefined,
    );
  }
  return days;
}

function empiricalQuantile(ratios: number[], level: number): number {
  return ratios.length >= MIN_EMPIRICAL_RATIOS
    ? quantileSorted(ratios, level)
    : Number.NaN;
}

function sortedRatios(
  days: (PastDay | undefined)[],
  fromIndex: number,
): number[] {
  return days
    .slice(fromIndex)
    .flatMap((d) => (d ? [d.ratio] : []))
    .sort((a, b) => a - b);
}

/** Mean pinball loss of each model on the last VALIDATION_DAYS days, predicting from data before each. */
function validate(days: (PastDay | undefined)[]): {
  lstm: number;
  empirical: number;
  peakHold: number;
  n: number;
} {
  let lstm = 0;
  let empirical = 0;
  let peakHold = 0;
  let n = 0;
  for (let j = 0; j < Math.min(VALIDATION_DAYS, days.length); j++) {
    const day = days[j];
    const before = sortedRatios(days, j + 1);
    if (!day?.forecast || before.length < MIN_EMPIRICAL_RATIOS) continue;
    const q = targetQuantiles(day.forecast.output(), 0);
    for (const level of SELECTION_LEVELS) {
      lstm += pinballLoss(day.ratio, interpolateQuantile(q, level), level);
      empirical += pinballLoss(
        day.ratio,
        empiricalQuantile(before, level),
        level,
      );
      peakHold += pinballLoss(
        day.ratio,
        day.peakHoldLogRef +
          interpolateQuantile(PEAK_HOLD_LOG_QUANTILES, level),
        level,
      );
    }
    n++;
  }
  return { lstm, empirical, peakHold, n };
}

/** Lowest validated loss wins (challengers handicapped); without two validation days the pooled peak-hold statistic. */
function selectModel(
  scores: ReturnType<typeof validate>,
  candidates: readonly MemoryModel[],
  handicap: number,
): MemoryModel {
  const fallback = candidates.includes("peak-hold")
    ? "peak-hold"
    : (candidates[0] ?? "peak-hold");
  if (scores.n < 2) return fallback;
  const loss: Record<MemoryModel, number> = {
    "peak-hold": scores.peakHold,
    lstm: scores.lstm * handicap,
    empirical: scores.empirical * handicap,
  };
  const ranked = candidates.map((m): [MemoryModel, number] => [m, loss[m]]);
  ranked.sort((a, b) => a[1] - b[1]);
  return ranked[0]?.[0] ?? fallback;
}

export function planMemory(
  history: SlotHistory,
  nowSlot: number,
  options: {
    forecastAt: (slot: number) => DayForecast | undefined;
    candidates?: readonly MemoryModel[];
    /** Challengers' validated loss is multiplied by this before comparing with peak-hold. */
    handicap?: number;
  },
): MemoryPlan | undefined {
  const { forecastAt } = options;
  const now = forecastAt(nowSlot);
  if (!now) return undefined;
  const peaks = dailyMemoryPeaks(history, nowSlot);
  const days = pastDays(history, nowSlot, forecastAt, peaks);
  const ratios = sortedRatios(days, 0);
  const scores = validate(days);
  const model = selectModel(
    scores,
    options.candidates ?? MEMORY_MODELS,
    options.handicap ?? 1,
  );
  const ref = now.input.memRefBytes;
  const heldLogRef = peakHoldLogRef(peaks, 0, ref);
  const logRatioAt = (level: number): number => {
    const r =
      model === "empirical"
        ? empiricalQuantile(ratios, level)
        : model === "peak-hold"
          ? heldLogRef + interpolateQuantile(PEAK_HOLD_LOG_QUANTILES, level)
          : interpolateQuantile(targetQuantiles(now.output(), 0), level);
    return Math.min(Math.max(r, -TARGET_CLIP), TARGET_CLIP);
  };
  const recentPeakBytes = maxFinite(
    history.view(nowSlot - SLOTS_PER_HOUR, nowSlot).memBytes,
  );
  return {
    model,
    refBytes: ref,
    recentPeakBytes: Number.isFinite(recentPeakBytes) ? recentPeakBytes : 0,
    medianBytes: ref * Math.exp(logRatioAt(0.5)),
    validationDays: scores.n,
    limitBytes(ladderIndex) {
      const step = RISK_LADDER[
        Math.min(Math.max(ladderIndex, 0), RISK_LADDER.length - 1)
      ] ?? { level: 0.95, margin: 0 };
      return ref * Math.exp(logRatioAt(step.level)) * (1 + step.margin);
    },
  };
}

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

export type MemoryModel = "lstm" | "empirical";

/**
 * Increasingly conservative settings; the calibrated score is the index. "Holds" needs both memory
 * under its limit and CPU mostly under its request, so each step raises both: memory quantile level
 * plus margin, and a CPU request factor.
 */
export const RISK_LADDER: readonly {
  level: number;
  margin: number;
  cpuFactor: number;
}[] = [
  { level: 0.5, margin: 0, cpuFactor: 0.9 },
  { level: 0.8, margin: 0, cpuFactor: 0.95 },
  { level: 0.9, margin: 0, cpuFactor: 1 },
  { level: 0.95, margin: 0, cpuFactor: 1 },
  { level: 0.98, margin: 0, cpuFactor: 1.05 },
  { level: 0.995, margin: 0, cpuFactor: 1.1 },
  { level: 0.995, margin: 0.03, cpuFactor: 1.15 },
  { level: 0.995, margin: 0.07, cpuFactor: 1.2 },
  { level: 0.995, margin: 0.12, cpuFactor: 1.3 },
  { level: 0.995, margin: 0.2, cpuFactor: 1.45 },
  { level: 0.995, margin: 0.35, cpuFactor: 1.7 },
  { level: 0.995, margin: 0.6, cpuFactor: 2 },
];
const SELECTION_LEVELS = [0.5, 0.9, 0.98] as const;
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

type PastDay = { ratio: number; forecast: DayForecast | undefined };

/** Past day k (1 = yesterday): its peak relative to the input reference; the forecast only for validation days. */
function pastDays(
  history: SlotHistory,
  nowSlot: number,
  forecastAt: (slot: number) => DayForecast | undefined,
): (PastDay | undefined)[] {
  const days: (PastDay | undefined)[] = [];
  for (let k = 1; k <= MAX_PAST_DAYS; k++) {
    const start = nowSlot - k * SLOTS_PER_DAY;
    const forecast = k <= VALIDATION_DAYS ? forecastAt(start) : undefined;
    const memRef =
      k <= VALIDATION_DAYS
        ? forecast?.input.memRefBytes
        : inputMemReference(history.view(start - INPUT_SLOTS, start));
    const peak =
      memRef === undefined
        ? Number.NaN
        : maxFinite(history.view(start, start + SLOTS_PER_DAY).memBytes);
    days.push(
      memRef !== undefined && Number.isFinite(peak)
        ? { ratio: Math.log(peak / memRef), forecast }
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
  n: number;
} {
  let lstm = 0;
  let empirical = 0;
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
    }
    n++;
  }
  return { lstm, empirical, n };
}

export function planMemory(
  history: SlotHistory,
  nowSlot: number,
  forecastAt: (slot: number) => DayForecast | undefined,
): MemoryPlan | undefined {
  const now = forecastAt(nowSlot);
  if (!now) return undefined;
  const days = pastDays(history, nowSlot, forecastAt);
  const ratios = sortedRatios(days, 0);
  const scores = validate(days);
  const model: MemoryModel =
    scores.n >= 2 && scores.empirical < scores.lstm ? "empirical" : "lstm";
  const q = targetQuantiles(now.output(), 0);
  const ref = now.input.memRefBytes;
  const logRatioAt = (level: number): number => {
    const r =
      model === "empirical"
        ? empiricalQuantile(ratios, level)
        : interpolateQuantile(q, level);
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

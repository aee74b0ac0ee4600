import { quantileBySelection as quantileOf } from "../features/select-quantile";
import { SLOTS_PER_DAY } from "../features/slot-history";
import type { SlotHistory } from "../features/slot-history";
import {
  interpolateQuantile,
  pinballLoss,
  targetQuantiles,
} from "../forecast/quantile-heads";
import { detectPeriodicity } from "../policy/periodicity";
import type { Periodicity } from "../policy/periodicity";
import { planCpuWindows } from "../policy/windows";
import type { CpuWindowPlan } from "../policy/windows";
import { maxFinite } from "../stats/quantile";
import type { DayForecast } from "./forecasts";

export type CpuModel = "lstm" | "recent-p95";

export type CpuPlan = {
  /** Pooled (1 - exceedance) quantile of every sample in the profile window. */
  allCores: number;
  /** Peak / off-peak / weekend split, computed on first use (block windows usually make it moot). */
  windowPlan(): CpuWindowPlan;
  model: CpuModel;
  periodicity: Periodicity;
  /** Multiplier from the history profile to the forecast level of the next day. */
  levelFactor: number;
  peakCores: number;
};

export type CpuPlanOptions = {
  /** Target fraction of samples above the request. */
  exceedance: number;
  /** Quantile of the forecast distribution of tomorrow's p95 used as the level. */
  forecastLevel: number;
  /** Windows must cut the time-weighted request by at least this fraction. */
  windowMinGain: number;
};

const PROFILE_DAYS = 7;
const VALIDATION_DAYS = 7;

function recentP95LogRatio(
  history: SlotHistory,
  atSlot: number,
  refCores: number,
): number {
  const p95 = quantileOf(
    history.view(atSlot - PROFILE_DAYS * SLOTS_PER_DAY, atSlot).cpuCores,
    0.95,
  );
  return Math.log(Math.max(p95, 1e-12) / refCores);
}

/** LSTM vs the plain 7-day p95, by pinball loss on tomorrow's log p95 over the last days. */
function selectCpuModel(
  history: SlotHistory,
  nowSlot: number,
  forecastAt: (slot: number) => DayForecast | undefined,
  level: number,
): CpuModel {
  let lstm = 0;
  let recent = 0;
  let n = 0;
  for (let j = 1; j <= VALIDATION_DAYS; j++) {
    const at = nowSlot - j * SLOTS_PER_DAY;
    const f = forecastAt(at);
    if (!f) continue;
    const actualP95 = quantileOf(
      history.view(at, at + SLOTS_PER_DAY).cpuCores,
      0.95,
    );
    if (!Number.isFinite(actualP95)) continue;
    const actual = Math.log(Math.max(actualP95, 1e-12) / f.input.cpuRefCores);
    lstm += pinballLoss(
      actual,
      interpolateQuantile(targetQuantiles(f.output(), 1), level),
      level,
    );
    recent += pinballLoss(
      actual,
      recentP95LogRatio(history, at, f.input.cpuRefCores),
      level,
    );
    n++;
  }
  return n >= 2 && recent < lstm ? "recent-p95" : "lstm";
}

export function planCpu(
  history: SlotHistory,
  nowSlot: number,
  now: DayForecast,
  options: CpuPlanOptions & {
    forecastAt: (slot: number) => DayForecast | undefined;
  },
): CpuPlan {
  const periodicity = detectPeriodicity(
    history.view(nowSlot - 2 * PROFILE_DAYS * SLOTS_PER_DAY, nowSlot).cpuCores,
  );
  const profileDays = periodicity.weekly ? 2 * PROFILE_DAYS : PROFILE_DAYS;
  const view = history.view(nowSlot - profileDays * SLOTS_PER_DAY, nowSlot);
  let windows: CpuWindowPlan | undefined;
  const windowPlan = (): CpuWindowPlan =>
    (windows ??= planCpuWindows(view, {
      exceedance: options.exceedance,
      minGain: periodicity.daily
        ? options.windowMinGain
        : Number.POSITIVE_INFINITY,
      weekly: periodicity.daily && periodicity.weekly,
    }));
  const model = selectCpuModel(
    history,
    nowSlot,
    options.forecastAt,
    options.forecastLevel,
  );
  const historyP95 = quantileOf(view.cpuCores, 0.95);
  const forecastP95 =
    now.input.cpuRefCores *
    Math.exp(
      interpolateQuantile(
        targetQuantiles(now.output(), 1),
        options.forecastLevel,
      ),
    );
  const raw = model === "lstm" && historyP95 > 0 ? forecastP95 / historyP95 : 1;
  const levelFactor = Number.isFinite(raw)
    ? Math.min(Math.max(raw, 0.5), 2)
    : 1;
  const peakCores = maxFinite(view.cpuCores);
  return {
    allCores: quantileOf(view.cpuCores, 1 - options.exceedance),
    windowPlan,
    model,
    periodicity,
    levelFactor,
    peakCores: Number.isFinite(peakCores) ? peakCores : 0,
  };
}

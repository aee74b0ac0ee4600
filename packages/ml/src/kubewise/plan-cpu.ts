import { quantileBySelection as quantileOf } from "../features/select-quantile";
import { SLOTS_PER_DAY } from "../features/slot-history";
import type { SlotHistory } from "../features/slot-history";
import { detectPeriodicity } from "../policy/periodicity";
import type { Periodicity } from "../policy/periodicity";
import { planCpuWindows } from "../policy/windows";
import type { CpuWindowPlan } from "../policy/windows";
import { maxFinite } from "../stats/quantile";
import {
  chooseCpuRequest,
  chooseCpuRequests,
  cpuRequestRegret,
} from "./cpu-choice";
import type { CpuSource } from "./cpu-choice";
import type { DayForecast } from "./forecasts";

export type CpuModel = CpuSource;

export type CpuPlan = {
  /** Pooled (1 - exceedance) quantile of every sample in the profile window. */
  allCores: number;
  /** Peak / off-peak / weekend split, computed on first use. */
  windowPlan(): CpuWindowPlan;
  model: CpuModel;
  periodicity: Periodicity;
  /** Multiplier from `allCores` (and each window's level) to the validated request of the next day. */
  levelFactor: number;
  /** The level factor under other exceedance penalties (bench:frontier's sweep). */
  levelFactors(penalties: readonly number[]): number[];
  /** What keeping `publishedCores` costs over `freshCores` on the last days (cpuRequestRegret). */
  regret(input: {
    publishedCores: number;
    freshCores: number;
    penalty: number;
  }): number | undefined;
  peakCores: number;
};

export type CpuPlanOptions = {
  /** Target fraction of samples above the request. */
  exceedance: number;
  /** Windows must cut the time-weighted request by at least this fraction. */
  windowMinGain: number;
  /** Weight of the fraction of samples above the request against relative slack (cpu-choice.ts). */
  cpuPenalty?: number;
  /** Where CPU request candidates may come from (default: history quantiles and the LSTM). */
  cpuSources?: readonly CpuSource[];
  challengerHandicap?: number;
};

const PROFILE_DAYS = 7;

export function planCpu(
  history: SlotHistory,
  nowSlot: number,
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
  const allCores = quantileOf(view.cpuCores, 1 - options.exceedance);
  const choice = chooseCpuRequest(history, nowSlot, {
    forecastAt: options.forecastAt,
    penalty: options.cpuPenalty,
    sources: options.cpuSources,
    lstmHandicap: options.challengerHandicap,
  });
  const factorOf = (cores: number | undefined): number => {
    const raw = cores !== undefined && allCores > 0 ? cores / allCores : 1;
    return Number.isFinite(raw) && raw > 0 ? raw : 1;
  };
  const levelFactor = factorOf(choice?.cores);
  const levelFactors = (penalties: readonly number[]): number[] => {
    const choices = chooseCpuRequests(history, nowSlot, {
      forecastAt: options.forecastAt,
      penalties,
      sources: options.cpuSources,
      lstmHandicap: options.challengerHandicap,
    });
    return penalties.map((_, i) => factorOf(choices?.[i]?.cores));
  };
  const peakCores = maxFinite(view.cpuCores);
  return {
    allCores,
    windowPlan,
    model: choice?.source ?? "history",
    periodicity,
    levelFactor,
    levelFactors,
    regret: (input) => cpuRequestRegret(history, nowSlot, input),
    peakCores: Number.isFinite(peakCores) ? peakCores : 0,
  };
}

import { quantilesBySelection } from "../features/select-quantile";
import { SLOTS_PER_DAY } from "../features/slot-history";
import type { SlotHistory } from "../features/slot-history";
import {
  interpolateQuantile,
  targetQuantiles,
} from "../forecast/quantile-heads";
import { quantileSorted } from "../stats/quantile";
import type { DayForecast } from "./forecasts";

/** Where the chosen CPU request comes from: a quantile of the last 7 days, or the LSTM's forecast. */
const CPU_SOURCES = ["history", "lstm"] as const;
export type CpuSource = (typeof CPU_SOURCES)[number];

export type CpuChoice = {
  cores: number;
  source: CpuSource;
  /** Quantile level of the history profile, or of the forecast distribution of tomorrow's p95. */
  level: number;
  factor: number;
  validationDays: number;
};

const PROFILE_DAYS = 7;
const VALIDATION_DAYS = 7;
const MIN_VALIDATION_DAYS = 2;
const HISTORY_LEVELS = [0.95, 0.98, 0.99, 0.995, 1] as const;
const LSTM_LEVELS = [0.5, 0.9, 0.98] as const;
const FACTORS = [1, 1.1, 1.2, 1.35, 1.5, 1.75, 2] as const;
const DEFAULT = { source: "history", level: 0.99, factor: 1.2 } as const;

/**
 * Cost of one unit of "fraction of samples above the request" in units of relative slack. Tuned
 * on the dev traces (walk-forward, 170 series): 38 puts pooled CPU under-provisioning at 0.94 %,
 * at or below every baseline's, for 0.446 mean slack (35: 0.99 % and 0.437).
 */
export const CPU_EXCEEDANCE_PENALTY = 38;

function sortedFinite(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) out[n++] = v;
  return out.subarray(0, n).sort();
}

/** Number of sorted values strictly above `x`. */
function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

type Candidate = { source: CpuSource; level: number; factor: number };

const CANDIDATES: Candidate[] = [
  ...HISTORY_LEVELS.map((level) => ({ source: "history" as const, level })),
  ...LSTM_LEVELS.map((level) => ({ source: "lstm" as const, level })),
].flatMap((c) => FACTORS.map((factor) => ({ ...c, factor })));

/** HISTORY_LEVELS quantiles of a profile window (selection, not a sort: windows are 7 days long). */
type Profile = { count: number; quantiles: Float64Array };

function profileOf(cpuCores: Float64Array): Profile {
  let count = 0;
  for (const v of cpuCores) if (Number.isFinite(v)) count++;
  return { count, quantiles: quantilesBySelection(cpuCores, HISTORY_LEVELS) };
}

/** Reference cores a candidate scales, as seen at `atSlot` (before the day it would govern). */
function referenceCores(
  candidate: Candidate,
  profile: Profile,
  forecast: DayForecast | undefined,
): number {
  if (candidate.source === "history")
    return (
      profile.quantiles[
        (HISTORY_LEVELS as readonly number[]).indexOf(candidate.level)
      ] ?? Number.NaN
    );
  if (!forecast) return Number.NaN;
  const logRatio = interpolateQuantile(
    targetQuantiles(forecast.output(), 1),
    candidate.level,
  );
  return forecast.input.cpuRefCores * Math.exp(logRatio);
}

/**
 * The CPU request with the lowest validated cost over the last days: for every candidate (a
 * history quantile or the LSTM forecast, times a factor) replay each past day from the data before
 * it and add its slack, max(0, R - p95) / R, to the penalty times its fraction of samples above R.
 * Bursty series end up near their p95 (covering the tail costs more than it saves), smooth ones
 * near their peak.
 */
export function chooseCpuRequest(
  history: SlotHistory,
  nowSlot: number,
  options: {
    forecastAt: (slot: number) => DayForecast | undefined;
    penalty?: number;
    sources?: readonly CpuSource[];
    /** The LSTM's validated cost is multiplied by this before comparing (guards against luck). */
    lstmHandicap?: number;
  },
): CpuChoice | undefined {
  return chooseCpuRequests(history, nowSlot, {
    ...options,
    penalties: [options.penalty ?? CPU_EXCEEDANCE_PENALTY],
  })?.[0];
}

/** Each candidate's reference cores (before its factor), one per source and level (CANDIDATES order). */
function referenceTable(
  profile: Profile,
  forecast: DayForecast | undefined,
): Float64Array {
  const table = new Float64Array(CANDIDATES.length / FACTORS.length);
  // The forecast's quantiles once per day, not once per LSTM candidate.
  const lstm = forecast ? targetQuantiles(forecast.output(), 1) : undefined;
  let k = 0;
  for (const level of HISTORY_LEVELS)
    table[k++] =
      profile.quantiles[(HISTORY_LEVELS as readonly number[]).indexOf(level)] ??
      Number.NaN;
  for (const level of LSTM_LEVELS)
    table[k++] =
      forecast && lstm
        ? forecast.input.cpuRefCores *
          Math.exp(interpolateQuantile(lstm, level))
        : Number.NaN;
  return table;
}

/** Validated slack and exceedance sums of every candidate over the last days (penalty-free). */
function validateCandidates(
  history: SlotHistory,
  nowSlot: number,
  forecastAt: (slot: number) => DayForecast | undefined,
): { slack: Float64Array; above: Float64Array; days: number } {
  const slack = new Float64Array(CANDIDATES.length);
  const above = new Float64Array(CANDIDATES.length);
  let days = 0;
  // One view of the validation days and the profile window before each (subarrays below).
  const spanDays = VALIDATION_DAYS + PROFILE_DAYS;
  const span = history.view(
    nowSlot - spanDays * SLOTS_PER_DAY,
    nowSlot,
  ).cpuCores;
  for (let j = 1; j <= VALIDATION_DAYS; j++) {
    const at = nowSlot - j * SLOTS_PER_DAY;
    const dayStart = (spanDays - j) * SLOTS_PER_DAY;
    const day = sortedFinite(span.subarray(dayStart, dayStart + SLOTS_PER_DAY));
    const profile = profileOf(
      span.subarray(dayStart - PROFILE_DAYS * SLOTS_PER_DAY, dayStart),
    );
    if (day.length < 12 || profile.count < 12) continue;
    const p95 = quantileSorted(day, 0.95);
    const references = referenceTable(profile, forecastAt(at));
    CANDIDATES.forEach((c, i) => {
      const r =
        (references[Math.floor(i / FACTORS.length)] ?? Number.NaN) * c.factor;
      if (r > 0) {
        slack[i] = (slack[i] ?? 0) + Math.max(0, r - p95) / r;
        above[i] = (above[i] ?? 0) + countAbove(day, r) / day.length;
      } else {
        slack[i] = Number.POSITIVE_INFINITY;
      }
    });
    days++;
  }
  return { slack, above, days };
}

/**
 * What keeping a published CPU request costs over the fresh one in the choice's own objective: over
 * the last validation days, the mean of (relative slack over the day's p95 + penalty x fraction of
 * samples above) for the published request minus the same for the fresh one. Positive: the fresh
 * request is cheaper (or safer) on the days just seen. Undefined with fewer than two usable days.
 */
export function cpuRequestRegret(
  history: SlotHistory,
  nowSlot: number,
  input: { publishedCores: number; freshCores: number; penalty: number },
): number | undefined {
  const { publishedCores, freshCores, penalty } = input;
  if (!(publishedCores > 0) || !(freshCores > 0)) return undefined;
  const cost = (day: Float64Array, r: number): number =>
    Math.max(0, r - quantileSorted(day, 0.95)) / r +
    (penalty * countAbove(day, r)) / day.length;
  let sum = 0;
  let days = 0;
  for (let j = 1; j <= VALIDATION_DAYS; j++) {
    const at = nowSlot - j * SLOTS_PER_DAY;
    const day = sortedFinite(history.view(at, at + SLOTS_PER_DAY).cpuCores);
    if (day.length < 12) continue;
    sum += cost(day, publishedCores) - cost(day, freshCores);
    days++;
  }
  return days >= MIN_VALIDATION_DAYS ? sum / days : undefined;
}

/** chooseCpuRequest for several penalties at once (one validation pass; bench:frontier's sweep). */
export function chooseCpuRequests(
  history: SlotHistory,
  nowSlot: number,
  options: {
    forecastAt: (slot: number) => DayForecast | undefined;
    penalties: readonly number[];
    sources?: readonly CpuSource[];
    lstmHandicap?: number;
  },
): CpuChoice[] | undefined {
  const handicap = options.lstmHandicap ?? 1;
  const allowed = options.sources ?? CPU_SOURCES;
  const profile = profileOf(
    history.view(nowSlot - PROFILE_DAYS * SLOTS_PER_DAY, nowSlot).cpuCores,
  );
  if (profile.count === 0) return undefined;
  const { slack, above, days } = validateCandidates(
    history,
    nowSlot,
    options.forecastAt,
  );
  return options.penalties.map((penalty) => {
    let best: Candidate = DEFAULT;
    if (days >= MIN_VALIDATION_DAYS) {
      let bestCost = Number.POSITIVE_INFINITY;
      CANDIDATES.forEach((c, i) => {
        const cost = (slack[i] ?? 0) + penalty * (above[i] ?? 0);
        const weighted = cost * (c.source === "lstm" ? handicap : 1);
        if (allowed.includes(c.source) && weighted < bestCost) {
          bestCost = weighted;
          best = c;
        }
      });
    }
    let cores =
      referenceCores(best, profile, options.forecastAt(nowSlot)) * best.factor;
    if (!(cores > 0)) {
      best = DEFAULT;
      cores = referenceCores(DEFAULT, profile, undefined) * DEFAULT.factor;
    }
    return { cores, ...best, validationDays: days };
  });
}

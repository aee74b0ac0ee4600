// What a recommendation is computed from, per container: the evidence the confidence model reads and
// the reviewer sees. Memory figures are relative to the 7-day peak (the reference the limit is set
// against), CPU figures relative to the 7-day CPU peak; everything from the history before `nowSlot`.
import { SLOTS_PER_DAY, SLOTS_PER_HOUR } from "../features/slot-history";
import type { SlotHistory, SlotView } from "../features/slot-history";
import {
  interpolateQuantile,
  targetQuantiles,
} from "../forecast/quantile-heads";
import { maxFinite, quantileSorted, sortedFinite } from "../stats/quantile";
import type { DayForecast } from "./forecasts";

const DAYS = 14;

export type Evidence = {
  /** Days (of the last 14) with at least one memory reading. */
  historyDays: number;
  /** Share of the last 7 days' 5-minute slots without a memory reading. */
  gapFraction: number;
  /** Peak memory of the last 7 days: the reference of every memory ratio below. */
  memPeak7dBytes: number;
  memPeak1dBytes: number;
  memPeak14dBytes: number;
  memP95_1dBytes: number;
  /** Standard deviation of log(daily peak) over the last 7 days. */
  memVolatility: number;
  /** Days of the last 7 whose peak exceeded every earlier peak of the window (new highs). */
  memNewHighDays: number;
  /** Days of the last 7 whose peak came within 3 % of the 7-day peak before them (near misses). */
  memNearMissDays: number;
  /** Least-squares slope of log(daily peak) per day over the last 7 days (a leak shows here). */
  memTrendPerDay: number;
  /** 7-day peak / 7-day p95 of 5-minute memory peaks. */
  memPeakToP95: number;
  /** Largest rise between consecutive 5-minute memory readings over the last 14 days. */
  memMaxStepBytes: number;
  /** Largest amount an hour's memory peak rose above every earlier hour of the last 14 days. */
  memMaxHourJumpBytes: number;
  /** Standard deviation and p99 of the 5-minute memory peaks of the last 7 days. */
  memStd7dBytes: number;
  memP99_7dBytes: number;
  cpuPeak7dCores: number;
  cpuP95_7dCores: number;
  /** Standard deviation of log(daily CPU peak) over the last 7 days. */
  cpuVolatility: number;
  /** The LSTM's next-day memory peak quantiles (0.5, 0.9, 0.98) relative to memPeak7dBytes; NaN without a forecast. */
  lstmMemQ50: number;
  lstmMemQ90: number;
  lstmMemQ98: number;
};

type Daily = { peaks: number[]; p95Yesterday: number; present: number[] };

/**
 * Per day k = 1 (yesterday) ... DAYS of `fourteen` (the DAYS days before now, oldest first): memory
 * peak and present slots, CPU peak; the memory p95 of yesterday only (the one read).
 */
function dailyFigures(fourteen: SlotView): { mem: Daily; cpuPeaks: number[] } {
  const mem: Daily = { peaks: [], p95Yesterday: Number.NaN, present: [] };
  const cpuPeaks: number[] = [];
  for (let k = 1; k <= DAYS; k++) {
    const from = (DAYS - k) * SLOTS_PER_DAY;
    const to = from + SLOTS_PER_DAY;
    let present = 0;
    for (let i = from; i < to; i++)
      if (Number.isFinite(fourteen.memBytes[i] ?? Number.NaN)) present++;
    mem.peaks.push(maxFinite(fourteen.memBytes, from, to));
    mem.present.push(present);
    cpuPeaks.push(maxFinite(fourteen.cpuCores, from, to));
  }
  mem.p95Yesterday = quantileSorted(
    sortedFinite(
      fourteen.memBytes,
      (DAYS - 1) * SLOTS_PER_DAY,
      DAYS * SLOTS_PER_DAY,
    ),
    0.95,
  );
  return { mem, cpuPeaks };
}

function logStd(values: number[]): number {
  const logs = values.filter((v) => v > 0).map(Math.log);
  if (logs.length < 2) return 0;
  const mean = logs.reduce((a, v) => a + v, 0) / logs.length;
  return Math.sqrt(
    logs.reduce((a, v) => a + (v - mean) ** 2, 0) / (logs.length - 1),
  );
}

/** Slope of log(value) against the day index (oldest first), per day; 0 below 3 points. */
function logTrend(newestFirst: number[]): number {
  const pts = newestFirst
    .map((v, k) => ({ x: -k, y: v > 0 ? Math.log(v) : Number.NaN }))
    .filter((p) => Number.isFinite(p.y));
  if (pts.length < 3) return 0;
  const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
  const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const p of pts) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/** New highs and near misses among the last 7 days, each judged against the 7 days before it. */
function exceedanceDays(peaks: number[]): {
  newHighs: number;
  nearMisses: number;
} {
  let newHighs = 0;
  let nearMisses = 0;
  for (let k = 0; k < 7; k++) {
    const day = peaks[k] ?? Number.NaN;
    const before = maxFinite(peaks, k + 1, k + 8);
    if (!(day > 0) || !(before > 0)) continue;
    if (day > before) newHighs++;
    else if (day >= 0.97 * before) nearMisses++;
  }
  return { newHighs, nearMisses };
}

/** The steps and jumps of the 14-day memory history (slot peaks, NaN where missing). */
function memoryJumps(mem: ArrayLike<number>): {
  maxStep: number;
  maxHourJump: number;
} {
  let maxStep = 0;
  let previous = Number.NaN;
  let maxHourJump = 0;
  let running = Number.NaN;
  let hourPeak = Number.NaN;
  for (let i = 0; i < mem.length; i++) {
    const v = mem[i] ?? Number.NaN;
    if (Number.isFinite(v)) {
      if (Number.isFinite(previous)) maxStep = Math.max(maxStep, v - previous);
      previous = v;
      if (!(hourPeak >= v)) hourPeak = v;
    }
    if ((i + 1) % SLOTS_PER_HOUR === 0 || i === mem.length - 1) {
      if (Number.isFinite(hourPeak)) {
        if (Number.isFinite(running))
          maxHourJump = Math.max(maxHourJump, hourPeak - running);
        running = Number.isFinite(running)
          ? Math.max(running, hourPeak)
          : hourPeak;
      }
      hourPeak = Number.NaN;
    }
  }
  return { maxStep, maxHourJump };
}

function std(values: readonly number[] | Float64Array): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

function lstmQuantiles(
  forecast: DayForecast | undefined,
  refBytes: number,
): [number, number, number] {
  if (!forecast || !(refBytes > 0)) return [Number.NaN, Number.NaN, Number.NaN];
  const q = targetQuantiles(forecast.output(), 0);
  const shift = Math.log(forecast.input.memRefBytes / refBytes);
  return [0.5, 0.9, 0.98].map(
    (level) => interpolateQuantile(q, level) + shift,
  ) as [number, number, number];
}

/** Evidence at `nowSlot`; undefined without a memory reading in the last 7 days. */
export function gatherEvidence(
  history: SlotHistory,
  nowSlot: number,
  forecast: DayForecast | undefined,
): Evidence | undefined {
  // One view of the 14 days serves the daily figures, the 7-day figures and the jumps.
  const fourteen = history.view(nowSlot - DAYS * SLOTS_PER_DAY, nowSlot);
  const { mem, cpuPeaks } = dailyFigures(fourteen);
  const week = mem.peaks.slice(0, 7);
  const memPeak7dBytes = maxFinite(week);
  if (!(memPeak7dBytes > 0)) return undefined;
  const weekFrom = (DAYS - 7) * SLOTS_PER_DAY;
  const memSorted = sortedFinite(fourteen.memBytes, weekFrom);
  const cpuSorted = sortedFinite(fourteen.cpuCores, weekFrom);
  const { newHighs, nearMisses } = exceedanceDays(mem.peaks);
  const [lstmMemQ50, lstmMemQ90, lstmMemQ98] = lstmQuantiles(
    forecast,
    memPeak7dBytes,
  );
  const memP95 = quantileSorted(memSorted, 0.95);
  const jumps = memoryJumps(fourteen.memBytes);
  return {
    historyDays: mem.present.filter((n) => n > 0).length,
    gapFraction: 1 - memSorted.length / (7 * SLOTS_PER_DAY),
    memPeak7dBytes,
    memPeak1dBytes: mem.peaks[0] ?? Number.NaN,
    memPeak14dBytes: maxFinite(mem.peaks),
    memP95_1dBytes: mem.p95Yesterday,
    memVolatility: logStd(week),
    memNewHighDays: newHighs,
    memNearMissDays: nearMisses,
    memTrendPerDay: logTrend(week),
    memPeakToP95: memP95 > 0 ? memPeak7dBytes / memP95 : 1,
    memMaxStepBytes: jumps.maxStep,
    memMaxHourJumpBytes: jumps.maxHourJump,
    memStd7dBytes: std(memSorted),
    memP99_7dBytes: quantileSorted(memSorted, 0.99),
    cpuPeak7dCores: cpuSorted[cpuSorted.length - 1] ?? Number.NaN,
    cpuP95_7dCores: quantileSorted(cpuSorted, 0.95),
    cpuVolatility: logStd(cpuPeaks.slice(0, 7)),
    lstmMemQ50,
    lstmMemQ90,
    lstmMemQ98,
  };
}

const logRatio = (a: number, b: number, fallback: number): number =>
  a > 0 && b > 0 ? Math.log(a / b) : fallback;

/** The model's inputs, in MEMORY_FEATURES order (missing values replaced by neutral ones). */
export const MEMORY_FEATURES = [
  "log(peak_1d/peak_7d)",
  "log(peak_14d/peak_7d)",
  "log(p95_1d/peak_7d)",
  "mem_volatility",
  "new_high_days",
  "near_miss_days",
  "mem_trend_per_day",
  "log(peak/p95)",
  "history_days",
  "gap_fraction",
  "lstm_q50",
  "lstm_q98-q50",
] as const;

export function memoryFeatures(e: Evidence): number[] {
  const q50 = Number.isFinite(e.lstmMemQ50) ? e.lstmMemQ50 : 0;
  const spread = Number.isFinite(e.lstmMemQ98 - e.lstmMemQ50)
    ? e.lstmMemQ98 - e.lstmMemQ50
    : 0;
  return [
    logRatio(e.memPeak1dBytes, e.memPeak7dBytes, 0),
    logRatio(e.memPeak14dBytes, e.memPeak7dBytes, 0),
    logRatio(e.memP95_1dBytes, e.memPeak7dBytes, 0),
    e.memVolatility,
    e.memNewHighDays,
    e.memNearMissDays,
    e.memTrendPerDay,
    Math.log(Math.max(e.memPeakToP95, 1)),
    e.historyDays / DAYS,
    e.gapFraction,
    Math.max(-3, Math.min(3, q50)),
    Math.max(0, Math.min(3, spread)),
  ];
}

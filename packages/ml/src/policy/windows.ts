import { SLOT_SECONDS } from "../features/slot-history";
import type { SlotView } from "../features/slot-history";
import type { TimeWindow } from "../recommender";
import { quantileSorted } from "../stats/quantile";

export type CpuWindowPlan = {
  /** Pooled (1 - exceedance) quantile of every sample: the value without windows. */
  allCores: number;
  /** Value in force outside every window (weekday off-peak when windows exist). */
  baseCores: number;
  windows: { window: TimeWindow; cpuCores: number }[];
};

const MIN_SAMPLES_PER_HOUR = 6;

function hourOfSlot(slot: number): number {
  return Math.floor(((slot * SLOT_SECONDS) % 86_400) / 3600);
}

function isWeekendSlot(slot: number): boolean {
  const dayOfWeek = (Math.floor((slot * SLOT_SECONDS) / 86_400) + 4) % 7;
  return dayOfWeek === 0 || dayOfWeek === 6;
}

function pooledQuantile(samples: number[], q: number): number {
  return quantileSorted(Float64Array.from(samples).sort(), q);
}

function runsOf(peak: boolean[]): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let h = 0; h <= 24; h++) {
    const on = h < 24 && peak[h] === true;
    if (on && start < 0) start = h;
    if (!on && start >= 0) {
      runs.push([start, h]);
      start = -1;
    }
  }
  return runs;
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length)
    out[k++] = (a[i] ?? 0) <= (b[j] ?? 0) ? (a[i++] ?? 0) : (b[j++] ?? 0);
  // One side is used up: the rest of the other is already sorted.
  out.set(a.subarray(i), k);
  out.set(b.subarray(j), k + a.length - i);
  return out;
}

/** Quantile of the union of the first k groups, for every k (incremental merges: O(24 n), not O(24 n log n)). */
function prefixQuantiles(groups: Float64Array[], q: number): number[] {
  const out: number[] = [];
  let merged: Float64Array = new Float64Array(0);
  for (const g of groups) {
    merged = mergeSorted(merged, g);
    out.push(quantileSorted(merged, q));
  }
  return out;
}

type PeakSplit = {
  peak: boolean[];
  peakCores: number;
  offCores: number;
  cost: number;
};

function bestPeakSplit(byHour: number[][], q: number): PeakSplit | undefined {
  const sorted = byHour.map((samples) => Float64Array.from(samples).sort());
  const order = sorted
    .map((samples, hour) => ({
      hour,
      samples,
      level: quantileSorted(samples, q),
    }))
    .sort((a, b) => b.level - a.level);
  const peakQ = prefixQuantiles(
    order.map((o) => o.samples),
    q,
  );
  const offQ = prefixQuantiles(
    [...order].reverse().map((o) => o.samples),
    q,
  );
  let best: PeakSplit | undefined;
  for (let k = 1; k < 24; k++) {
    const peakCores = peakQ[k - 1] ?? Number.NaN;
    const offCores = offQ[24 - k - 1] ?? Number.NaN;
    const cost = peakCores * k + offCores * (24 - k);
    if (!best || cost < best.cost) {
      const peak = Array.from({ length: 24 }, () => false);
      for (const { hour } of order.slice(0, k)) peak[hour] = true;
      best = { peak, peakCores, offCores, cost };
    }
  }
  return best;
}

type WeekendPart = { use: boolean; cores: number };

/** 5-min samples by weekday hour (all days unless `weekly`), the weekend's, and all of them. */
function bucketCpuSamples(
  view: SlotView,
  weekly: boolean,
): { weekday: number[][]; weekend: number[]; all: number[] } {
  const weekday: number[][] = Array.from({ length: 24 }, () => []);
  const weekend: number[] = [];
  const all: number[] = [];
  for (let k = 0; k < view.cpuCores.length; k++) {
    const v = view.cpuCores[k] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    const slot = view.firstSlot + k;
    all.push(v);
    if (weekly && isWeekendSlot(slot)) weekend.push(v);
    else weekday[hourOfSlot(slot)]?.push(v);
  }
  return { weekday, weekend, all };
}

/** Request-hours per week with the peak split (and the weekend window, when used). */
function splitWeekCost(split: PeakSplit, weekend: WeekendPart): number {
  const weekdayHours = weekend.use ? 120 : 168;
  return (
    split.cost * (weekdayHours / 24) + (weekend.use ? weekend.cores * 48 : 0)
  );
}

function toWindows(
  split: PeakSplit,
  weekend: WeekendPart,
): CpuWindowPlan["windows"] {
  const days = weekend.use ? "mon-fri" : "all";
  const windows: CpuWindowPlan["windows"] = [];
  if (weekend.use)
    windows.push({
      window: {
        name: "weekend",
        days: "sat-sun",
        startHourUtc: 0,
        endHourUtc: 24,
      },
      cpuCores: weekend.cores,
    });
  for (const [startHourUtc, endHourUtc] of runsOf(split.peak)) {
    windows.push({
      window: { name: "peak", days, startHourUtc, endHourUtc },
      cpuCores: split.peakCores,
    });
  }
  return windows;
}

/**
 * CPU request levels by time window: each class of hours gets the (1 - exceedance) quantile of its
 * own samples, so the fraction of samples above the request stays near `exceedance` overall.
 * Windows are used only when they cut the time-weighted request by at least `minGain`.
 */
export function planCpuWindows(
  view: SlotView,
  options: { exceedance: number; minGain: number; weekly: boolean },
): CpuWindowPlan {
  const q = 1 - options.exceedance;
  const { weekday, weekend, all } = bucketCpuSamples(view, options.weekly);
  const allCores = pooledQuantile(all, q);
  const none: CpuWindowPlan = { allCores, baseCores: allCores, windows: [] };
  // Not periodic (no gain can qualify): skip the split search, a third of a recommendation's time.
  if (
    !(options.minGain < 1) ||
    weekday.some((samples) => samples.length < MIN_SAMPLES_PER_HOUR)
  )
    return none;
  const split = bestPeakSplit(weekday, q);
  if (!split) return none;
  const useWeekend = options.weekly && weekend.length >= 144;
  const weekendPart = {
    use: useWeekend,
    cores: useWeekend ? pooledQuantile(weekend, q) : Number.NaN,
  };
  const singleCost = allCores * 168;
  if (
    !(splitWeekCost(split, weekendPart) <= (1 - options.minGain) * singleCost)
  )
    return none;
  return {
    allCores,
    baseCores: split.offCores,
    windows: toWindows(split, weekendPart),
  };
}

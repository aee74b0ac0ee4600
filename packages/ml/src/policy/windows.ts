import { quantileBySelection } from "../features/select-quantile";
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

/**
 * Merges the ascending arrays `a` (its first `aLength` values) and `b` into `out` keeping only
 * the largest `keep` values, ascending; returns how many were written.
 */
function mergeTopInto(
  out: Float64Array,
  a: Float64Array,
  aLength: number,
  b: Float64Array,
  keep: number,
): number {
  const n = Math.min(keep, aLength + b.length);
  let i = aLength - 1;
  let j = b.length - 1;
  for (let k = n - 1; k >= 0; k--) {
    const x = i >= 0 ? (a[i] ?? 0) : Number.NEGATIVE_INFINITY;
    const y = j >= 0 ? (b[j] ?? 0) : Number.NEGATIVE_INFINITY;
    if (j < 0 || (i >= 0 && x > y)) {
      out[k] = x;
      i--;
    } else {
      out[k] = y;
      j--;
    }
  }
  return n;
}

/**
 * Quantile of the union of the first k groups, for every k: the values of quantileSorted over
 * the merged prefix, bit for bit. A quantile at q needs only the values from rank floor(q (n-1))
 * up, and that count never exceeds its value at the whole union's size, so each merge keeps just
 * that many of the largest values (about 2 % of the samples at q = 0.98) instead of the prefix.
 */
export function prefixQuantiles(groups: Float64Array[], q: number): number[] {
  let total = 0;
  for (const g of groups) total += g.length;
  const keep = total === 0 ? 0 : total - Math.floor(q * (total - 1));
  let top = new Float64Array(keep);
  let next = new Float64Array(keep);
  let kept = 0;
  let n = 0;
  const out: number[] = [];
  for (const g of groups) {
    kept = mergeTopInto(next, top, kept, g, keep);
    [top, next] = [next, top];
    n += g.length;
    if (n === 0) {
      out.push(Number.NaN);
      continue;
    }
    // quantileSorted over the whole prefix, reading its values from the kept top.
    const rank = q * (n - 1);
    const lo = Math.floor(rank);
    const hi = Math.min(lo + 1, n - 1);
    const skipped = n - kept;
    const loValue = top[lo - skipped] ?? Number.NaN;
    const hiValue = top[hi - skipped] ?? Number.NaN;
    out.push(loValue + (hiValue - loValue) * (rank - lo));
  }
  return out;
}

type PeakSplit = {
  peak: boolean[];
  peakCores: number;
  offCores: number;
  cost: number;
};

function bestPeakSplit(
  byHour: Float64Array[],
  q: number,
): PeakSplit | undefined {
  const sorted = byHour.map((samples) => samples.sort());
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

/**
 * 5-min samples by weekday hour (all days unless `weekly`) and the weekend's, in view order, as
 * typed arrays filled by indexed loops (Float64Array.from over a number[] walks the iterator).
 */
function bucketCpuSamples(
  view: SlotView,
  weekly: boolean,
): { weekday: Float64Array[]; weekend: Float64Array } {
  const counts = new Int32Array(25);
  const hours = new Int8Array(view.cpuCores.length).fill(-1);
  for (let k = 0; k < view.cpuCores.length; k++) {
    if (!Number.isFinite(view.cpuCores[k] ?? Number.NaN)) continue;
    const slot = view.firstSlot + k;
    const h = weekly && isWeekendSlot(slot) ? 24 : hourOfSlot(slot);
    hours[k] = h;
    counts[h] = (counts[h] ?? 0) + 1;
  }
  const groups = Array.from(counts, (n) => new Float64Array(n));
  const filled = new Int32Array(25);
  for (let k = 0; k < view.cpuCores.length; k++) {
    const h = hours[k] ?? -1;
    if (h < 0) continue;
    const group = groups[h];
    const at = filled[h] ?? 0;
    if (group !== undefined) group[at] = view.cpuCores[k] ?? 0;
    filled[h] = at + 1;
  }
  return {
    weekday: groups.slice(0, 24),
    weekend: groups[24] ?? new Float64Array(0),
  };
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
  const { weekday, weekend } = bucketCpuSamples(view, options.weekly);
  // quantileSorted of every finite sample, bit for bit, by selection (no sort).
  const allCores = quantileBySelection(view.cpuCores, q);
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
    cores: useWeekend ? quantileBySelection(weekend, q) : Number.NaN,
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

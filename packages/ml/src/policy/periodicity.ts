import { SLOTS_PER_HOUR } from "../features/slot-history";

export type Periodicity = {
  daily: boolean;
  weekly: boolean;
  acfDay: number;
  acfWeek: number;
};

const PERIODIC_ACF_THRESHOLD = 0.4;

/** Hourly means of 5-min values (NaN where the hour has no reading). */
export function toHourlyMeans(slots: Float64Array): Float64Array {
  const hours = Math.floor(slots.length / SLOTS_PER_HOUR);
  const out = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    let sum = 0;
    let n = 0;
    for (let k = h * SLOTS_PER_HOUR; k < (h + 1) * SLOTS_PER_HOUR; k++) {
      const v = slots[k] ?? Number.NaN;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    out[h] = n > 0 ? sum / n : Number.NaN;
  }
  return out;
}

/** Mean and (population) variance of the finite values; undefined with fewer than two. */
function finiteMoments(
  values: Float64Array,
): { mean: number; variance: number } | undefined {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  if (n < 2) return undefined;
  const mean = sum / n;
  let variance = 0;
  for (const v of values) if (Number.isFinite(v)) variance += (v - mean) ** 2;
  variance /= n;
  return { mean, variance };
}

/** Autocorrelation at `lag` over pairs where both values exist; NaN with fewer than `lag` pairs. */
export function autocorrelation(values: Float64Array, lag: number): number {
  const moments = finiteMoments(values);
  if (!moments || !(moments.variance > 0)) return Number.NaN;
  const { mean, variance } = moments;
  let cov = 0;
  let pairs = 0;
  for (let i = lag; i < values.length; i++) {
    const a = values[i] ?? Number.NaN;
    const b = values[i - lag] ?? Number.NaN;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      cov += (a - mean) * (b - mean);
      pairs++;
    }
  }
  return pairs >= lag ? cov / pairs / variance : Number.NaN;
}

/** Daily / weekly seasonality of a 5-min series by autocorrelation of hourly means at 24 h and 168 h. */
export function detectPeriodicity(
  slots: Float64Array,
  threshold = PERIODIC_ACF_THRESHOLD,
): Periodicity {
  const hourly = toHourlyMeans(slots);
  const acfDay = autocorrelation(hourly, 24);
  const acfWeek = autocorrelation(hourly, 168);
  return {
    daily: acfDay >= threshold,
    weekly: acfWeek >= threshold,
    acfDay,
    acfWeek,
  };
}

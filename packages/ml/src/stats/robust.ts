// Robust trend statistics: Theil-Sen slope and the Mann-Kendall trend test.
import { quantileSorted } from "./quantile";

export type Points = { x: ArrayLike<number>; y: ArrayLike<number> };

function finitePairs(points: Points): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < points.x.length; i++) {
    const xi = points.x[i] ?? Number.NaN;
    const yi = points.y[i] ?? Number.NaN;
    if (Number.isFinite(xi) && Number.isFinite(yi)) {
      x.push(xi);
      y.push(yi);
    }
  }
  return { x, y };
}

/** Median of pairwise slopes and the median intercept; NaN with fewer than 2 distinct x. O(n^2): pass <= a few hundred points. */
export function theilSen(points: Points): { slope: number; intercept: number } {
  const { x, y } = finitePairs(points);
  const n = x.length;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] ?? 0;
    const yi = y[i] ?? 0;
    for (let j = i + 1; j < n; j++) {
      const dx = (x[j] ?? 0) - xi;
      if (dx !== 0) slopes[count++] = ((y[j] ?? 0) - yi) / dx;
    }
  }
  if (count === 0) return { slope: Number.NaN, intercept: Number.NaN };
  const slope = medianInPlace(slopes.subarray(0, count));
  const intercepts = Float64Array.from(x, (xi, i) => (y[i] ?? 0) - slope * xi);
  return { slope, intercept: medianInPlace(intercepts) };
}

/**
 * quantileSorted(sorted, 0.5) without sorting (Hoare selection, reorders `values`): the same value,
 * in O(n) instead of O(n log n), for Theil-Sen's n^2 / 2 slopes.
 */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const rank = 0.5 * (n - 1);
  const lo = Math.floor(rank);
  const loValue = selectInPlace(values, lo);
  if (lo + 1 >= n || rank === lo) return loValue;
  // After selecting lo, everything right of it is >= it: the next order statistic is their minimum.
  let hiValue = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++)
    hiValue = Math.min(hiValue, values[i] ?? hiValue);
  return loValue + (hiValue - loValue) * (rank - lo);
}

/** The k-th smallest of `values` (0-based), placed at index k with smaller ones left of it. */
function selectInPlace(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = values[(left + right) >>> 1] ?? 0;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] ?? 0) < pivot) i++;
      while ((values[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const t = values[i] ?? 0;
        values[i] = values[j] ?? 0;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] ?? Number.NaN;
}

/** Mann-Kendall S statistic and its normal-approximation z (continuity-corrected, no tie correction). */
export function mannKendall(values: ArrayLike<number>): {
  s: number;
  z: number;
  n: number;
} {
  const y = Array.from(values).filter((v) => Number.isFinite(v));
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) s += Math.sign((y[j] ?? 0) - (y[i] ?? 0));
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  if (n < 3 || variance === 0) return { s, z: 0, n };
  const z =
    s > 0
      ? (s - 1) / Math.sqrt(variance)
      : s < 0
        ? (s + 1) / Math.sqrt(variance)
        : 0;
  return { s, z, n };
}

/** Medians of `buckets` equal-count groups: keeps O(n^2) statistics cheap on long, fine-grained windows. */
export function downsampleMedians(
  points: Points,
  buckets: number,
): { x: Float64Array; y: Float64Array } {
  const { x, y } = finitePairs(points);
  if (x.length <= buckets)
    return { x: Float64Array.from(x), y: Float64Array.from(y) };
  const outX = new Float64Array(buckets);
  const outY = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * x.length) / buckets);
    const to = Math.floor(((b + 1) * x.length) / buckets);
    outX[b] = quantileSorted(Float64Array.from(x.slice(from, to)).sort(), 0.5);
    outY[b] = quantileSorted(Float64Array.from(y.slice(from, to)).sort(), 0.5);
  }
  return { x: outX, y: outY };
}

/** The finite (t, value) readings with fromS < t <= toS. */
export function pointsInWindow(
  series: { timestampsS: ArrayLike<number>; values: ArrayLike<number> },
  window: { fromS: number; toS: number },
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < series.timestampsS.length; i++) {
    const t = series.timestampsS[i] ?? Number.NaN;
    const v = series.values[i] ?? Number.NaN;
    if (t > window.fromS && t <= window.toS && Number.isFinite(v)) {
      x.push(t);
      y.push(v);
    }
  }
  return { x, y };
}

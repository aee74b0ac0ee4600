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
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = (x[j] ?? 0) - (x[i] ?? 0);
      if (dx !== 0) slopes.push(((y[j] ?? 0) - (y[i] ?? 0)) / dx);
    }
  }
  if (slopes.length === 0) return { slope: Number.NaN, intercept: Number.NaN };
  const slope = quantileSorted(Float64Array.from(slopes).sort(), 0.5);
  const intercepts = Float64Array.from(
    x,
    (xi, i) => (y[i] ?? 0) - slope * xi,
  ).sort();
  return { slope, intercept: quantileSorted(intercepts, 0.5) };
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

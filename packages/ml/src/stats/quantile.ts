/** Linear-interpolation quantile (numpy default, Prometheus quantile_over_time) of ascending values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1))
    throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  const loValue = sorted[lo] ?? Number.NaN;
  const hiValue = sorted[hi] ?? Number.NaN;
  return loValue + (hiValue - loValue) * (rank - lo);
}

/** Finite values of `values[start, end)` sorted ascending (NaN marks a missing reading). */
export function sortedFinite(
  values: ArrayLike<number>,
  start = 0,
  end = values.length,
): Float64Array {
  const out = new Float64Array(Math.max(0, end - start));
  let n = 0;
  for (let i = start; i < end; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** Quantile of the finite values of `values[start, end)`; NaN when there are none. */
export function quantileOf(
  values: ArrayLike<number>,
  q: number,
  range?: { start: number; end: number },
): number {
  return quantileSorted(sortedFinite(values, range?.start, range?.end), q);
}

export function maxFinite(
  values: ArrayLike<number>,
  start = 0,
  end = values.length,
): number {
  let best = Number.NaN;
  for (let i = start; i < end; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isFinite(v) && !(v <= best)) best = v;
  }
  return best;
}

function median(values: ArrayLike<number>): number {
  return quantileOf(values, 0.5);
}

/** Median absolute deviation (unscaled); NaN when there are no finite values. */
export function medianAbsoluteDeviation(
  values: ArrayLike<number>,
  center = median(values),
): number {
  const deviations: number[] = [];
  for (const v of Array.from(values))
    if (Number.isFinite(v)) deviations.push(Math.abs(v - center));
  return quantileOf(deviations, 0.5);
}

/** k-th smallest of a[lo..hi] (inclusive) by Hoare quickselect; reorders `a`. */
function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const t = a[i] ?? 0;
        a[i++] = a[j] ?? 0;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] ?? Number.NaN;
}

// Reused across calls (synchronous, never re-entered): the recommender takes ~30 quantiles per call.
let scratch = new Float64Array(4096);

/** The finite values, copied into the shared scratch buffer (valid until the next call). */
function finiteInScratch(values: Float64Array): Float64Array {
  if (scratch.length < values.length)
    scratch = new Float64Array(Math.max(values.length, 2 * scratch.length));
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) scratch[n++] = v;
  return scratch.subarray(0, n);
}

/**
 * Same value as the linear-interpolated quantile of the finite values (numpy default) but in
 * O(n) by selection instead of a full sort: the recommender takes many quantiles per call.
 */
export function quantileBySelection(values: Float64Array, q: number): number {
  if (!(q >= 0 && q <= 1))
    throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const a = finiteInScratch(values);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const loValue = selectKth(a, lo);
  if (lo + 1 >= n || rank === lo) return loValue;
  let hiValue = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++)
    hiValue = Math.min(hiValue, a[i] ?? Number.POSITIVE_INFINITY);
  return loValue + (hiValue - loValue) * (rank - lo);
}

/**
 * `quantileSorted(sortedFinite(values), q)` for every q in `levels`, bit for bit, without sorting
 * everything: one selection at the lowest level, then a sort of only the values from there up
 * (the top few percent when every level is high, as for CPU request candidates).
 */
export function quantilesBySelection(
  values: Float64Array,
  levels: readonly number[],
): Float64Array {
  for (const q of levels)
    if (!(q >= 0 && q <= 1))
      throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const out = new Float64Array(levels.length).fill(Number.NaN);
  const a = finiteInScratch(values);
  const n = a.length;
  if (n === 0 || levels.length === 0) return out;
  const minRank = Math.floor(Math.min(...levels) * (n - 1));
  selectKth(a, minRank);
  const tail = a.subarray(minRank).sort();
  levels.forEach((q, i) => {
    const rank = q * (n - 1);
    const lo = Math.floor(rank);
    const loValue = tail[lo - minRank] ?? Number.NaN;
    const hiValue = tail[Math.min(lo + 1, n - 1) - minRank] ?? Number.NaN;
    out[i] = loValue + (hiValue - loValue) * (rank - lo);
  });
  return out;
}

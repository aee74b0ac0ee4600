/** Quantile levels each target is predicted at; output j = target * LEVELS + level. */
export const QUANTILE_LEVELS = [0.5, 0.8, 0.9, 0.95, 0.98, 0.995] as const;
export const TARGET_COUNT = 2;
export const OUTPUT_SIZE = TARGET_COUNT * QUANTILE_LEVELS.length;

export function pinballLoss(
  actual: number,
  predicted: number,
  level: number,
): number {
  const e = actual - predicted;
  return Math.max(level * e, (level - 1) * e);
}

/** Quantiles of one target from a model output row, made non-decreasing (heads can cross). */
export function targetQuantiles(
  output: ArrayLike<number>,
  target: number,
  row = 0,
): Float64Array {
  const n = QUANTILE_LEVELS.length;
  const q = new Float64Array(n);
  let running = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) {
    running = Math.max(
      running,
      output[row * OUTPUT_SIZE + target * n + k] ?? Number.NaN,
    );
    q[k] = running;
  }
  return q;
}

/** Value at `level` by linear interpolation between the predicted levels (clamped at the ends). */
export function interpolateQuantile(
  quantiles: ArrayLike<number>,
  level: number,
): number {
  const levels = QUANTILE_LEVELS;
  const last = levels.length - 1;
  if (level <= levels[0]) return quantiles[0] ?? Number.NaN;
  if (level >= (levels[last] ?? 1)) return quantiles[last] ?? Number.NaN;
  for (let k = 1; k <= last; k++)
    if (level <= (levels[k] ?? 1)) return interpolateBelow(quantiles, k, level);
  return quantiles[last] ?? Number.NaN;
}

/** Linear interpolation between predicted levels k - 1 and k. */
function interpolateBelow(
  quantiles: ArrayLike<number>,
  k: number,
  level: number,
): number {
  const lo = QUANTILE_LEVELS[k - 1] ?? 0;
  const hi = QUANTILE_LEVELS[k] ?? 1;
  const a = quantiles[k - 1] ?? Number.NaN;
  const b = quantiles[k] ?? Number.NaN;
  return a + ((b - a) * (level - lo)) / (hi - lo);
}

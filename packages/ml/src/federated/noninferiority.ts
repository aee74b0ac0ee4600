import { createRng } from "../stats/rng";

/** One unit of a paired comparison (a container, or an agent's scalars): summed losses of both models. */
export type PairedLoss = { candidate: number; baseline: number };

export type RatioInterval = {
  /** sum(candidate) / sum(baseline) over all units. */
  ratio: number;
  /** Percentile bootstrap bound of the ratio at `level` (e.g. the 95 % upper bound). */
  upper: number;
  units: number;
};

/**
 * Paired percentile bootstrap over units of the pooled loss ratio candidate / baseline: resampling
 * whole units keeps each unit's examples together (they are correlated in time).
 */
export function pairedRatioUpperBound(
  pairs: readonly PairedLoss[],
  options: { resamples: number; level: number; seed: number },
): RatioInterval {
  const usable = pairs.filter(
    (p) => Number.isFinite(p.candidate) && Number.isFinite(p.baseline),
  );
  const total = (key: keyof PairedLoss) =>
    usable.reduce((a, p) => a + p[key], 0);
  const ratio = total("candidate") / total("baseline");
  if (usable.length < 2) return { ratio, upper: ratio, units: usable.length };
  const rng = createRng(options.seed);
  const ratios = new Float64Array(options.resamples);
  const units = usable.length;
  for (let r = 0; r < options.resamples; r++) {
    let c = 0;
    let b = 0;
    for (let draw = 0; draw < units; draw++) {
      const pick = usable[Math.floor(rng() * usable.length)];
      c += pick?.candidate ?? 0;
      b += pick?.baseline ?? 0;
    }
    ratios[r] = b > 0 ? c / b : Number.POSITIVE_INFINITY;
  }
  ratios.sort();
  const at = Math.min(
    ratios.length - 1,
    Math.ceil(options.level * ratios.length) - 1,
  );
  return { ratio, upper: ratios[at] ?? ratio, units: usable.length };
}

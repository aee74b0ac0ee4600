// Matched-safety comparison (bench:frontier): every policy's knob sweep is a set of points; Kubewise's
// Pareto frontier is interpolated at each baseline point's own safety (never extrapolated), so slack
// and cost are compared at equal OOM-free days (memory, cost) or equal under-provisioning (CPU).
import type { PolicyMetrics } from "./aggregate";

export type FrontierPoint = {
  family: string;
  name: string;
  knob: string;
  isDefault: boolean;
  metrics: PolicyMetrics;
};

/** x: the safety axis, y: the cost axis (lower is better); `higherXIsSafer` orients the safety axis. */
export type Curve = { x: number; y: number }[];

export type Axis = {
  x: keyof PolicyMetrics;
  y: keyof PolicyMetrics;
  higherXIsSafer: boolean;
};

export const MEMORY_AXIS: Axis = {
  x: "oom_free_days",
  y: "mem_slack",
  higherXIsSafer: true,
};
export const CPU_AXIS: Axis = {
  x: "cpu_under",
  y: "cpu_slack",
  higherXIsSafer: false,
};
export const COST_AXIS: Axis = {
  x: "oom_free_days",
  y: "cost_ratio",
  higherXIsSafer: true,
};

function curveOf(points: readonly FrontierPoint[], axis: Axis): Curve {
  return points.flatMap((p) => {
    const x = p.metrics[axis.x];
    const y = p.metrics[axis.y];
    return x === null || y === null ? [] : [{ x, y }];
  });
}

/**
 * The points no other point beats on both axes (as safe or safer, and no more costly), sorted from the
 * least to the most safe. Along it the cost never falls as safety rises.
 */
export function paretoFrontier(curve: Curve, higherXIsSafer: boolean): Curve {
  const safety = (p: { x: number }): number => (higherXIsSafer ? p.x : -p.x);
  const sorted = [...curve].sort((a, b) => safety(b) - safety(a) || a.y - b.y);
  const kept: Curve = [];
  let best = Number.POSITIVE_INFINITY;
  for (const p of sorted) {
    if (p.y < best) {
      kept.push(p);
      best = p.y;
    }
  }
  return kept.reverse();
}

/**
 * The frontier's cost at safety `x`, linearly between its two neighbouring points (a mix of two
 * settings reaches any point between them); null outside the frontier's safety range.
 */
export function interpolateFrontier(frontier: Curve, x: number): number | null {
  if (frontier.length === 0 || !Number.isFinite(x)) return null;
  const xs = frontier.map((p) => p.x);
  if (x < Math.min(...xs) - EPS || x > Math.max(...xs) + EPS) return null;
  const candidates = frontier.flatMap((a, i) => {
    const exact = Math.abs(a.x - x) <= EPS ? [a.y] : [];
    const b = frontier[i + 1];
    return b === undefined ? exact : [...exact, ...between(a, b, x)];
  });
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

const EPS = 1e-12;

/** The segment's value at x when x lies strictly inside it. */
function between(
  a: { x: number; y: number },
  b: { x: number; y: number },
  x: number,
): number[] {
  const [l, r] = a.x <= b.x ? [a, b] : [b, a];
  return x > l.x && x < r.x
    ? [l.y + ((x - l.x) / (r.x - l.x)) * (r.y - l.y)]
    : [];
}

export type MatchedComparison = {
  baseline: string;
  family: string;
  knob: string;
  isDefault: boolean;
  safety: number;
  baselineValue: number;
  kubewiseValue: number | null;
  boundValue: number | null;
  /** kubewiseValue <= baselineValue (null when Kubewise's curve does not reach this safety). */
  kubewiseOnOrBelow: boolean | null;
};

/** Every baseline point against Kubewise's (and optionally a bound's) frontier at the point's own safety. */
export function compareAtMatchedSafety(input: {
  baselines: readonly FrontierPoint[];
  kubewise: readonly FrontierPoint[];
  bound?: readonly FrontierPoint[];
  axis: Axis;
}): MatchedComparison[] {
  const { axis } = input;
  const kw = paretoFrontier(curveOf(input.kubewise, axis), axis.higherXIsSafer);
  const bound = input.bound
    ? paretoFrontier(curveOf(input.bound, axis), axis.higherXIsSafer)
    : null;
  return input.baselines.flatMap((p) => {
    const safety = p.metrics[axis.x];
    const value = p.metrics[axis.y];
    if (safety === null || value === null) return [];
    const kubewiseValue = interpolateFrontier(kw, safety);
    return [
      {
        baseline: p.name,
        family: p.family,
        knob: p.knob,
        isDefault: p.isDefault,
        safety,
        baselineValue: value,
        kubewiseValue,
        boundValue: bound ? interpolateFrontier(bound, safety) : null,
        kubewiseOnOrBelow:
          kubewiseValue === null ? null : kubewiseValue <= value + 1e-9,
      },
    ];
  });
}

// OOM risk: a robust trend of recent memory plus its upper residual band, projected over a horizon,
// crosses the memory limit.
import { quantileSorted } from "../stats/quantile";
import { downsampleMedians, pointsInWindow, theilSen } from "../stats/robust";

export type OomRiskConfig = {
  windowS: number;
  horizonS: number;
  residualQuantile: number;
  minSamples: number;
  maxPoints: number;
};

export const OOM_RISK_DEFAULTS: OomRiskConfig = {
  windowS: 6 * 3600,
  horizonS: 6 * 3600,
  residualQuantile: 0.95,
  minSamples: 12,
  maxPoints: 120,
};

export type OomRiskResult =
  | { kind: "insufficient-history"; reason: string }
  | {
      kind: "ok";
      atRisk: boolean;
      forecastPeakBytes: number;
      crossingInS: number | null;
    };

export function assessOomRisk(
  input: {
    timestampsS: ArrayLike<number>;
    memBytes: ArrayLike<number>;
    memLimitBytes: number;
    nowS: number;
  },
  config: OomRiskConfig = OOM_RISK_DEFAULTS,
): OomRiskResult {
  if (!(input.memLimitBytes > 0))
    throw new RangeError(
      `oom-risk needs a positive memory limit, got ${input.memLimitBytes}`,
    );
  const { x, y } = pointsInWindow(
    { timestampsS: input.timestampsS, values: input.memBytes },
    { fromS: input.nowS - config.windowS, toS: input.nowS },
  );
  if (x.length < config.minSamples) {
    return {
      kind: "insufficient-history",
      reason: `oom-risk needs >= ${config.minSamples} memory readings in the last ${config.windowS / 3600} h (has ${x.length})`,
    };
  }
  const { slope, intercept } = theilSen(
    downsampleMedians({ x, y }, config.maxPoints),
  );
  const residuals = Float64Array.from(
    x,
    (t, i) => (y[i] ?? 0) - (intercept + slope * t),
  ).sort();
  const band = Math.max(0, quantileSorted(residuals, config.residualQuantile));
  const trendAt = (t: number): number => intercept + slope * t + band;
  const upperNow = trendAt(input.nowS);
  const forecastPeakBytes = Math.max(
    upperNow,
    trendAt(input.nowS + config.horizonS),
  );
  const crossingInS = crossingWithin({
    limit: input.memLimitBytes,
    upperNow,
    slope,
    horizonS: config.horizonS,
  });
  return {
    kind: "ok",
    atRisk: crossingInS !== null,
    forecastPeakBytes,
    crossingInS,
  };
}

function crossingWithin(input: {
  limit: number;
  upperNow: number;
  slope: number;
  horizonS: number;
}): number | null {
  if (input.upperNow >= input.limit) return 0;
  if (!(input.slope > 0)) return null;
  const dt = (input.limit - input.upperNow) / input.slope;
  return dt <= input.horizonS ? dt : null;
}

// Memory leak: sustained growth over a trailing window (Mann-Kendall significance + Theil-Sen slope),
// reported with the time until the trend reaches the memory limit.
import {
  downsampleMedians,
  mannKendall,
  pointsInWindow,
  theilSen,
} from "../stats/robust";

export type MemoryLeakConfig = {
  windowS: number;
  /** Minimum Mann-Kendall z (one-sided; 3.1 ~ p < 0.001). */
  minTrendZ: number;
  /** Minimum growth over the window relative to its starting level (filters slow, harmless drift). */
  minRelativeGrowth: number;
  /** Alarm only when the limit would be reached within this horizon (when a limit is known). */
  horizonS: number;
  minSamples: number;
  maxPoints: number;
};

export const MEMORY_LEAK_DEFAULTS: MemoryLeakConfig = {
  windowS: 12 * 3600,
  minTrendZ: 4,
  minRelativeGrowth: 0.1,
  horizonS: 7 * 86400,
  minSamples: 24,
  maxPoints: 144,
};

export type MemoryLeakResult =
  | { kind: "insufficient-history"; reason: string }
  | {
      kind: "ok";
      leak: boolean;
      slopeBytesPerS: number;
      trendZ: number;
      relativeGrowth: number;
      /** Seconds until the trend line reaches the limit; null without a limit or without growth. */
      timeToLimitS: number | null;
    };

export function detectMemoryLeak(
  input: {
    timestampsS: ArrayLike<number>;
    memBytes: ArrayLike<number>;
    memLimitBytes: number | null;
    nowS: number;
  },
  config: MemoryLeakConfig = MEMORY_LEAK_DEFAULTS,
): MemoryLeakResult {
  const { x, y } = pointsInWindow(
    { timestampsS: input.timestampsS, values: input.memBytes },
    { fromS: input.nowS - config.windowS, toS: input.nowS },
  );
  if (isTooShort(x, config)) {
    return {
      kind: "insufficient-history",
      reason: `memory-leak needs >= ${config.minSamples} readings over >= ${config.windowS / 7200} h (has ${x.length})`,
    };
  }
  const points = downsampleMedians({ x, y }, config.maxPoints);
  const { slope, intercept } = theilSen(points);
  const { z } = mannKendall(points.y);
  const startLevel = intercept + slope * (x[0] ?? 0);
  const endLevel = intercept + slope * input.nowS;
  const relativeGrowth =
    startLevel > 0 ? (endLevel - startLevel) / startLevel : 0;
  const timeToLimitS = timeToLimit({
    limit: input.memLimitBytes,
    level: endLevel,
    slope,
  });
  const growing =
    z >= config.minTrendZ &&
    slope > 0 &&
    relativeGrowth >= config.minRelativeGrowth;
  const soon = timeToLimitS === null || timeToLimitS <= config.horizonS;
  return {
    kind: "ok",
    leak: growing && soon,
    slopeBytesPerS: slope,
    trendZ: z,
    relativeGrowth,
    timeToLimitS,
  };
}

/** Too few readings, or spanning less than half the window. */
function isTooShort(
  x: ArrayLike<number>,
  config: Pick<MemoryLeakConfig, "minSamples" | "windowS">,
): boolean {
  return (
    x.length < config.minSamples ||
    (x[x.length - 1] ?? 0) - (x[0] ?? 0) < config.windowS / 2
  );
}

function timeToLimit(input: {
  limit: number | null;
  level: number;
  slope: number;
}): number | null {
  if (input.limit === null || !(input.slope > 0)) return null;
  return Math.max(0, (input.limit - input.level) / input.slope);
}

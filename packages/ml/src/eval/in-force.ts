import type {
  Recommendation,
  ResourceValues,
  TimeWindow,
} from "../recommender";

const DAY_S = 86400;

/** UTC weekday (0 = Sunday) and fractional hour of a Unix timestamp. */
export function utcDayAndHour(timestampS: number): {
  weekday: number;
  hour: number;
} {
  const daysSinceEpoch = Math.floor(timestampS / DAY_S);
  // 1970-01-01 was a Thursday (4).
  const weekday = (((daysSinceEpoch + 4) % 7) + 7) % 7;
  const hour = (timestampS - daysSinceEpoch * DAY_S) / 3600;
  return { weekday, hour };
}

export function isInWindow(window: TimeWindow, timestampS: number): boolean {
  const { weekday, hour } = utcDayAndHour(timestampS);
  const weekend = weekday === 0 || weekday === 6;
  if (window.days === "mon-fri" && weekend) return false;
  if (window.days === "sat-sun" && !weekend) return false;
  if (window.startHourUtc <= window.endHourUtc)
    return hour >= window.startHourUtc && hour < window.endHourUtc;
  // A window across midnight, e.g. 22 -> 6.
  return hour >= window.startHourUtc || hour < window.endHourUtc;
}

/** Index of the first matching window, or -1 when the base values are in force. */
export function windowIndexAt(
  recommendation: Recommendation,
  timestampS: number,
): number {
  return recommendation.windows.findIndex((w) =>
    isInWindow(w.window, timestampS),
  );
}

export function valuesInForce(
  recommendation: Recommendation,
  timestampS: number,
): ResourceValues {
  const i = windowIndexAt(recommendation, timestampS);
  return i < 0
    ? recommendation.base
    : (recommendation.windows[i]?.values ?? recommendation.base);
}

/** The memory value an OOM is judged against: the limit, or the request when no limit is set. */
export function effectiveMemLimit(values: ResourceValues): number {
  return values.memLimitBytes ?? values.memRequestBytes;
}

/** True when any value moved by more than `threshold` (relative) between two recommendations. */
export function hasChangedBeyond(
  previous: Recommendation,
  next: Recommendation,
  threshold = 0.1,
): boolean {
  if (previous.windows.length !== next.windows.length) return true;
  const pairs: [ResourceValues, ResourceValues][] = [
    [previous.base, next.base],
  ];
  previous.windows.forEach((w, i) =>
    pairs.push([w.values, next.windows[i]?.values ?? next.base]),
  );
  return pairs.some(([a, b]) => valuesDiffer(a, b, threshold));
}

function valuesDiffer(
  a: ResourceValues,
  b: ResourceValues,
  threshold: number,
): boolean {
  const fields = [
    [a.cpuRequestCores, b.cpuRequestCores],
    [a.cpuLimitCores, b.cpuLimitCores],
    [a.memRequestBytes, b.memRequestBytes],
    [a.memLimitBytes, b.memLimitBytes],
  ] as const;
  return fields.some(([x, y]) => relativeChange(x, y) > threshold);
}

function relativeChange(x: number | null, y: number | null): number {
  if (x === null || y === null) return x === y ? 0 : Number.POSITIVE_INFINITY;
  if (x === 0) return y === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(y - x) / Math.abs(x);
}

import { ValidationError } from "@kubewise/core";
import type { AllocationResolution } from "@kubewise/db";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_WINDOW_MS = 400 * DAY_MS;
/** Up to this length a window is read from hourly rows, beyond it from daily rows. */
const HOURLY_UP_TO_MS = 2 * DAY_MS;

export type AllocationWindow = {
  /** Inclusive, aligned to the resolution. */
  from: Date;
  /** Exclusive: `now` for windows that end now. */
  to: Date;
  resolution: AllocationResolution;
};

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

function invalid(window: string): ValidationError {
  return new ValidationError(
    `window ${JSON.stringify(window)} is not understood`,
    {
      fieldErrors: {
        window: [
          "expected 24h, 7d, 30d (any <n>h or <n>d), today, yesterday, week, month, lastweek, lastmonth, or <RFC3339>,<RFC3339>",
        ],
      },
    },
  );
}

function startOfUtcDay(ms: number): number {
  return floorTo(ms, DAY_MS);
}

function startOfUtcWeek(ms: number): number {
  const day = new Date(startOfUtcDay(ms));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return day.getTime() - sinceMonday * DAY_MS;
}

function startOfUtcMonth(ms: number, monthsBack = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 1);
}

function namedRange(name: string, nowMs: number): [number, number] | undefined {
  switch (name) {
    case "today":
      return [startOfUtcDay(nowMs), nowMs];
    case "yesterday":
      return [startOfUtcDay(nowMs) - DAY_MS, startOfUtcDay(nowMs)];
    case "week":
      return [startOfUtcWeek(nowMs), nowMs];
    case "lastweek":
      return [startOfUtcWeek(nowMs) - 7 * DAY_MS, startOfUtcWeek(nowMs)];
    case "month":
      return [startOfUtcMonth(nowMs), nowMs];
    case "lastmonth":
      return [startOfUtcMonth(nowMs, 1), startOfUtcMonth(nowMs)];
    default:
      return undefined;
  }
}

/** [from, to]; a named period that has just begun ("today" at 00:00 UTC) is empty, not an error. */
function rawRange(window: string, nowMs: number): [number, number] {
  const trimmed = window.trim().toLowerCase();
  const relative = /^(\d{1,4})([hd])$/.exec(trimmed);
  if (relative) {
    const amount = Number(relative[1]);
    const unit = relative[2] === "h" ? HOUR_MS : DAY_MS;
    if (amount < 1) throw invalid(window);
    return [nowMs - amount * unit, nowMs];
  }
  const named = namedRange(trimmed, nowMs);
  if (named) return named;
  const parts = window.split(",");
  if (parts.length === 2) {
    const from = Date.parse(parts[0] ?? "");
    const to = Date.parse(parts[1] ?? "");
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
      // A range that starts after now has nothing to show yet.
      if (from >= nowMs) throw invalid(window);
      return [from, Math.min(to, nowMs)];
    }
  }
  throw invalid(window);
}

/**
 * An OpenCost-style `window` -> the range actually read: whole hours for windows up to two days,
 * whole UTC days beyond (the start is moved back to the boundary; the answer reports it).
 */
export function resolveAllocationWindow(
  window: string,
  now: Date,
): AllocationWindow {
  const nowMs = now.getTime();
  const [fromMs, toMs] = rawRange(window, nowMs);
  if (toMs < fromMs || toMs - fromMs > MAX_WINDOW_MS) throw invalid(window);
  const resolution: AllocationResolution =
    toMs - fromMs <= HOURLY_UP_TO_MS ? "1h" : "1d";
  const step = resolution === "1h" ? HOUR_MS : DAY_MS;
  return {
    from: new Date(floorTo(fromMs, step)),
    to: new Date(toMs),
    resolution,
  };
}

/** The end used in bucket queries: the start of the bucket after `to` (includes a partial bucket). */
export function bucketQueryEnd(window: AllocationWindow): Date {
  const step = window.resolution === "1h" ? HOUR_MS : DAY_MS;
  return new Date(Math.ceil(window.to.getTime() / step) * step);
}

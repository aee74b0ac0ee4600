import { ValidationError } from "@kubewise/core";

export const ROLLUP_BUCKET_SECONDS = 300;
const DAY_MS = 86_400_000;

export type TimeRange = { from: Date; to: Date };

export function assertTimeRange({ from, to }: TimeRange): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new ValidationError("time range has an invalid date");
  }
  if (from.getTime() >= to.getTime()) {
    throw new ValidationError(
      `time range is empty: from ${from.toISOString()} is not before to ${to.toISOString()}`,
    );
  }
}

// Widens [from, to) outward to whole buckets so a refresh never rewrites a partial bucket.
export function alignToBuckets(
  { from, to }: TimeRange,
  bucketSeconds: number,
): TimeRange {
  const bucketMs = bucketSeconds * 1000;
  return {
    from: new Date(Math.floor(from.getTime() / bucketMs) * bucketMs),
    to: new Date(Math.ceil(to.getTime() / bucketMs) * bucketMs),
  };
}

export function toUtcDays({ from, to }: TimeRange): {
  fromDay: string;
  toDay: string;
} {
  const toDay = new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS);
  return {
    fromDay: from.toISOString().slice(0, 10),
    toDay: toDay.toISOString().slice(0, 10),
  };
}

import { ValidationError } from "@kubewise/core";

import type { Sql } from "../client";
import {
  assertTimeRange,
  ROLLUP_BUCKET_SECONDS,
  type TimeRange,
} from "./time-range";

export type UsageSeriesQuery = TimeRange & {
  containerId: string;
  stepSeconds: number;
};

export type UsageSeriesPoint = {
  bucketStart: Date;
  sampleCount: number;
  cpuUsageCoresAvg: number;
  cpuUsageCoresMax: number;
  cpuThrottledSecondsSum: number;
  memoryWorkingSetBytesAvg: number;
  memoryWorkingSetBytesMax: number;
  oomKillCountSum: number;
};

const MAX_POINTS = 10_000;
const ORIGIN = "timestamptz '2000-01-01 00:00:00+00'";

// Steps that are whole multiples of 5 minutes read the rollups (the plain table or the TimescaleDB
// continuous aggregate, same name and columns); finer steps read raw samples.
const FROM_ROLLUPS = `
  select date_bin(make_interval(secs => $4), bucket, ${ORIGIN}) as "bucketStart",
    sum(sample_count)::integer as "sampleCount",
    sum(cpu_usage_cores_avg * sample_count) / sum(sample_count) as "cpuUsageCoresAvg",
    max(cpu_usage_cores_max) as "cpuUsageCoresMax",
    sum(cpu_throttled_seconds_sum)::double precision as "cpuThrottledSecondsSum",
    sum(memory_working_set_bytes_avg * sample_count) / sum(sample_count) as "memoryWorkingSetBytesAvg",
    max(memory_working_set_bytes_max)::double precision as "memoryWorkingSetBytesMax",
    sum(oom_kill_count_sum)::integer as "oomKillCountSum"
  from metric_rollups_5m
  where container_id = $1 and bucket >= $2 and bucket < $3
  group by 1 order by 1`;

const FROM_SAMPLES = `
  select date_bin(make_interval(secs => $4), ts, ${ORIGIN}) as "bucketStart",
    count(*)::integer as "sampleCount",
    avg(cpu_usage_cores) as "cpuUsageCoresAvg",
    max(cpu_usage_cores) as "cpuUsageCoresMax",
    sum(cpu_throttled_seconds)::double precision as "cpuThrottledSecondsSum",
    avg(memory_working_set_bytes)::double precision as "memoryWorkingSetBytesAvg",
    max(memory_working_set_bytes)::double precision as "memoryWorkingSetBytesMax",
    sum(oom_kill_count)::integer as "oomKillCountSum"
  from metric_samples
  where container_id = $1 and ts >= $2 and ts < $3
  group by 1 order by 1`;

/** The SQL text and parameters of queryUsageSeries, for any PostgreSQL driver. */
export function buildUsageSeriesQuery(query: UsageSeriesQuery): {
  text: string;
  values: [string, Date, Date, number];
} {
  assertTimeRange(query);
  const { stepSeconds } = query;
  if (!Number.isInteger(stepSeconds) || stepSeconds <= 0) {
    throw new ValidationError(
      `stepSeconds must be a positive integer, got ${stepSeconds}`,
    );
  }
  const points =
    (query.to.getTime() - query.from.getTime()) / 1000 / stepSeconds;
  if (points > MAX_POINTS) {
    throw new ValidationError(
      `usage series would have ${Math.ceil(points)} points (max ${MAX_POINTS}): use a larger stepSeconds`,
    );
  }
  const text =
    stepSeconds % ROLLUP_BUCKET_SECONDS === 0 ? FROM_ROLLUPS : FROM_SAMPLES;
  return {
    text,
    values: [query.containerId, query.from, query.to, stepSeconds],
  };
}

/** One usage series per container over either storage path; points are step-aligned to UTC. */
export async function queryUsageSeries(
  sql: Sql,
  query: UsageSeriesQuery,
): Promise<UsageSeriesPoint[]> {
  const { text, values } = buildUsageSeriesQuery(query);
  return sql.unsafe<UsageSeriesPoint[]>(text, values);
}

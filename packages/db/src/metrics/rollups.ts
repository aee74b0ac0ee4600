import { RAW_SAMPLE_RETENTION_DAYS } from "@kubewise/core";

import type { Sql } from "../client";
import { getMetricStorageMode, type MetricStorageMode } from "./storage-mode";
import {
  alignToBuckets,
  assertTimeRange,
  ROLLUP_BUCKET_SECONDS,
  type TimeRange,
} from "./time-range";

const DAY_MS = 86_400_000;

// Must produce the same columns as the continuous aggregate in drizzle/0001_metric_storage.sql.
// Rows go in (container_id, bucket) order, so concurrent refreshes lock rows in the same order.
const ROLLUP_UPSERT = `
  insert into metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg,
    cpu_usage_cores_max, cpu_throttled_periods_sum, cpu_throttled_seconds_sum,
    memory_working_set_bytes_avg, memory_working_set_bytes_max, memory_rss_bytes_max, oom_kill_count_sum)
  select
    date_bin(interval '${ROLLUP_BUCKET_SECONDS} seconds', ts, timestamptz '2000-01-01 00:00:00+00') as bucket,
    container_id,
    count(*)::integer,
    avg(cpu_usage_cores),
    max(cpu_usage_cores),
    sum(cpu_throttled_periods)::bigint,
    sum(cpu_throttled_seconds),
    avg(memory_working_set_bytes)::double precision,
    max(memory_working_set_bytes),
    max(memory_rss_bytes),
    sum(oom_kill_count)::integer
  from metric_samples
  where ts >= $1 and ts < $2
  group by 2, 1
  order by 2, 1
  on conflict (container_id, bucket) do update set
    sample_count = excluded.sample_count,
    cpu_usage_cores_avg = excluded.cpu_usage_cores_avg,
    cpu_usage_cores_max = excluded.cpu_usage_cores_max,
    cpu_throttled_periods_sum = excluded.cpu_throttled_periods_sum,
    cpu_throttled_seconds_sum = excluded.cpu_throttled_seconds_sum,
    memory_working_set_bytes_avg = excluded.memory_working_set_bytes_avg,
    memory_working_set_bytes_max = excluded.memory_working_set_bytes_max,
    memory_rss_bytes_max = excluded.memory_rss_bytes_max,
    oom_kill_count_sum = excluded.oom_kill_count_sum`;

export type RefreshRollupsOptions = {
  now: Date;
  /** The plain path's raw retention (TimescaleDB reads its retention policy). */
  rawRetentionDays?: number;
};

export type RefreshRollupsResult = {
  mode: MetricStorageMode;
  /** The bucket-aligned range that was recomputed; undefined when all of it is past the raw horizon. */
  range: TimeRange | undefined;
};

/**
 * Start of the oldest whole UTC day whose raw samples are still complete: rollups before it are
 * never recomputed (their samples are gone or about to go, and recomputing would lose them).
 */
export async function getRawSampleHorizon(
  sql: Sql,
  { now, rawRetentionDays = RAW_SAMPLE_RETENTION_DAYS }: RefreshRollupsOptions,
  mode: MetricStorageMode,
): Promise<Date> {
  let retentionMs = rawRetentionDays * DAY_MS;
  if (mode === "timescaledb") {
    const [policy] = await sql<{ ms: number | null }[]>`
      select extract(epoch from (config->>'drop_after')::interval) * 1000 as ms
      from timescaledb_information.jobs
      where proc_name = 'policy_retention' and hypertable_name = 'metric_samples'`;
    if (policy?.ms != null) retentionMs = Number(policy.ms);
  }
  const cutoffDay = Math.floor((now.getTime() - retentionMs) / DAY_MS) * DAY_MS;
  return new Date(cutoffDay + DAY_MS);
}

// Any fixed key works: the same for every process that refreshes the continuous aggregate.
const CAGG_REFRESH_LOCK_KEY = 0x6b77_7266;

/**
 * TimescaleDB refuses a refresh while another one runs ("due to a concurrent refresh"), so
 * refreshes from several replicas queue on a session advisory lock, taken on the connection that
 * runs the refresh (a procedure that commits by itself, so no transaction can hold the lock).
 */
async function refreshContinuousAggregate(
  sql: Sql,
  range: TimeRange,
): Promise<void> {
  const connection = await sql.reserve();
  try {
    await connection`select pg_advisory_lock(${CAGG_REFRESH_LOCK_KEY})`;
    try {
      await connection`call refresh_continuous_aggregate('metric_rollups_5m', ${range.from}, ${range.to})`;
    } finally {
      await connection`select pg_advisory_unlock(${CAGG_REFRESH_LOCK_KEY})`;
    }
  } finally {
    connection.release();
  }
}

/**
 * Recomputes the 5-minute rollups of [from, to), widened to whole buckets and clamped to the raw
 * horizon. Idempotent and safe to run concurrently: the plain path upserts each bucket (a bucket
 * with no samples left is never deleted); TimescaleDB refreshes its continuous aggregate.
 */
export async function refreshRollups(
  sql: Sql,
  range: TimeRange,
  options: RefreshRollupsOptions,
): Promise<RefreshRollupsResult> {
  assertTimeRange(range);
  const mode = await getMetricStorageMode(sql);
  const horizon = await getRawSampleHorizon(sql, options, mode);
  const aligned = alignToBuckets(
    { from: range.from < horizon ? horizon : range.from, to: range.to },
    ROLLUP_BUCKET_SECONDS,
  );
  if (aligned.from >= aligned.to) return { mode, range: undefined };
  if (mode === "timescaledb") await refreshContinuousAggregate(sql, aligned);
  else await sql.unsafe(ROLLUP_UPSERT, [aligned.from, aligned.to]);
  return { mode, range: aligned };
}

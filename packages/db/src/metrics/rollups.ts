import type { Sql } from "../client";
import { getMetricStorageMode, type MetricStorageMode } from "./storage-mode";
import {
  alignToBuckets,
  assertTimeRange,
  ROLLUP_BUCKET_SECONDS,
  type TimeRange,
} from "./time-range";

// Must produce the same columns as the continuous aggregate in drizzle/0001_metric_storage.sql.
const ROLLUP_SELECT = `
  select
    date_bin(interval '${ROLLUP_BUCKET_SECONDS} seconds', ts, timestamptz '2000-01-01 00:00:00+00') as bucket,
    container_id,
    count(*)::integer as sample_count,
    avg(cpu_usage_cores) as cpu_usage_cores_avg,
    max(cpu_usage_cores) as cpu_usage_cores_max,
    sum(cpu_throttled_periods)::bigint as cpu_throttled_periods_sum,
    sum(cpu_throttled_seconds) as cpu_throttled_seconds_sum,
    avg(memory_working_set_bytes)::double precision as memory_working_set_bytes_avg,
    max(memory_working_set_bytes) as memory_working_set_bytes_max,
    max(memory_rss_bytes) as memory_rss_bytes_max,
    sum(oom_kill_count)::integer as oom_kill_count_sum
  from metric_samples
  where ts >= $1 and ts < $2
  group by 1, 2`;

export type RefreshRollupsResult = {
  mode: MetricStorageMode;
  /** The bucket-aligned range that was recomputed. */
  range: TimeRange;
};

/**
 * Recomputes the 5-minute rollups of [from, to), widened to whole buckets. Idempotent: the plain
 * path replaces the buckets in one transaction; TimescaleDB refreshes its continuous aggregate.
 */
export async function refreshRollups(
  sql: Sql,
  range: TimeRange,
): Promise<RefreshRollupsResult> {
  assertTimeRange(range);
  const aligned = alignToBuckets(range, ROLLUP_BUCKET_SECONDS);
  const mode = await getMetricStorageMode(sql);
  if (mode === "timescaledb") {
    await sql`call refresh_continuous_aggregate('metric_rollups_5m', ${aligned.from}, ${aligned.to})`;
    return { mode, range: aligned };
  }
  await sql.begin(async (tx) => {
    await tx`delete from metric_rollups_5m where bucket >= ${aligned.from} and bucket < ${aligned.to}`;
    await tx.unsafe(`insert into metric_rollups_5m ${ROLLUP_SELECT}`, [
      aligned.from,
      aligned.to,
    ]);
  });
  return { mode, range: aligned };
}

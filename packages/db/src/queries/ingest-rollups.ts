import type { Sql } from "../client";

const BUCKET_MS = 300_000;

export type RollupRefresh = {
  path: "plain" | "timescaledb";
  fromBucket: Date;
  toBucket: Date;
  rows: number;
};

/**
 * Recomputes the 5-minute rollups of buckets overlapping [fromMs, toMs). Plain PostgreSQL: an
 * idempotent upsert from metric_samples. TimescaleDB: refresh of the continuous aggregate.
 */
export async function refreshMetricRollups(
  sql: Sql,
  window: { fromMs: number; toMs: number },
): Promise<RollupRefresh> {
  const fromBucket = new Date(
    Math.floor(window.fromMs / BUCKET_MS) * BUCKET_MS,
  );
  const toBucket = new Date(Math.ceil(window.toMs / BUCKET_MS) * BUCKET_MS);
  const [kind] = await sql<
    { relkind: string }[]
  >`select relkind from pg_class where oid = 'metric_rollups_5m'::regclass`;
  if (kind?.relkind !== "r") {
    await sql`call refresh_continuous_aggregate('metric_rollups_5m', ${fromBucket.toISOString()}::timestamptz, ${toBucket.toISOString()}::timestamptz)`;
    return { path: "timescaledb", fromBucket, toBucket, rows: 0 };
  }
  const result = await sql`
    insert into metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg, cpu_usage_cores_max,
      cpu_throttled_periods_sum, cpu_throttled_seconds_sum, memory_working_set_bytes_avg, memory_working_set_bytes_max,
      memory_rss_bytes_max, oom_kill_count_sum)
    select date_bin('5 minutes', ts, timestamptz '2000-01-01') as bucket, container_id, count(*)::int,
      avg(cpu_usage_cores), max(cpu_usage_cores), sum(cpu_throttled_periods)::bigint, sum(cpu_throttled_seconds),
      avg(memory_working_set_bytes)::double precision, max(memory_working_set_bytes), max(memory_rss_bytes),
      sum(oom_kill_count)::int
    from metric_samples
    where ts >= ${fromBucket.toISOString()}::timestamptz and ts < ${toBucket.toISOString()}::timestamptz
    group by 1, 2
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
  return { path: "plain", fromBucket, toBucket, rows: result.count };
}

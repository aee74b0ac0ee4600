import type { Sql } from "../client";

export type MetricStorageMode = "timescaledb" | "partitioned";

export const METRIC_STORAGE_MODE_QUERY = `
  select case c.relkind when 'p' then 'partitioned' else 'timescaledb' end as mode
  from pg_class c where c.oid = 'metric_samples'::regclass`;

/** Which structure migration 0001 built: native partitions or a TimescaleDB hypertable. */
export async function getMetricStorageMode(
  sql: Sql,
): Promise<MetricStorageMode> {
  const rows = await sql.unsafe<{ mode: MetricStorageMode }[]>(
    METRIC_STORAGE_MODE_QUERY,
  );
  const mode = rows[0]?.mode;
  if (mode === undefined)
    throw new Error("metric_samples is missing: run the migrations");
  return mode;
}

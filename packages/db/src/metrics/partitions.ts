import type { Sql } from "../client";
import { assertTimeRange, toUtcDays, type TimeRange } from "./time-range";

/**
 * Plain path: creates the daily (UTC) partitions of metric_samples covering [from, to), moving any
 * rows already in the default partition. Returns how many were created; 0 on TimescaleDB.
 */
export async function ensureMetricPartitions(
  sql: Sql,
  range: TimeRange,
): Promise<number> {
  assertTimeRange(range);
  const { fromDay, toDay } = toUtcDays(range);
  const rows = await sql<{ created: number }[]>`
    select kubewise_ensure_metric_partitions(${fromDay}::date, ${toDay}::date) as created`;
  return rows[0]?.created ?? 0;
}

/** Plain path retention: drops whole daily partitions that end on or before `before`. */
export async function dropMetricPartitionsBefore(
  sql: Sql,
  before: Date,
): Promise<string[]> {
  const cutoff = before.toISOString().slice(0, 10).replaceAll("-", "");
  const partitions = await sql<{ name: string }[]>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'metric_samples'::regclass and c.relname ~ '^metric_samples_p[0-9]{8}$'`;
  const expired = partitions
    .map((p) => p.name)
    .filter((name) => name.slice("metric_samples_p".length) < cutoff)
    .sort();
  for (const name of expired) await sql.unsafe(`drop table "${name}"`);
  return expired;
}

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

/**
 * Plain path: keeps the default partition bounded. Rows older than `cutoff`'s day (which no
 * retention would ever drop there) are deleted; the others move into daily partitions created for
 * their days. Returns the rows deleted and the partitions created.
 */
export async function partitionDefaultRows(
  sql: Sql,
  { cutoff }: { cutoff: Date },
): Promise<{ rowsExpired: number; partitionsCreated: number }> {
  const cutoffDay = cutoff.toISOString().slice(0, 10);
  const [expired] = await sql<{ n: number }[]>`
    with gone as (
      delete from metric_samples_default where ts < ${cutoffDay}::date::timestamp at time zone 'UTC'
      returning 1)
    select count(*)::integer as n from gone`;
  const days = await sql<{ day: string }[]>`
    select distinct to_char((ts at time zone 'UTC')::date, 'YYYY-MM-DD') as day
    from metric_samples_default order by 1`;
  let partitionsCreated = 0;
  for (const { day } of days) {
    const [row] = await sql<{ created: number }[]>`
      select kubewise_ensure_metric_partitions(${day}::date, ${day}::date + 1) as created`;
    partitionsCreated += row?.created ?? 0;
  }
  return { rowsExpired: expired?.n ?? 0, partitionsCreated };
}

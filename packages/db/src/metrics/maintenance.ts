import {
  RAW_SAMPLE_RETENTION_DAYS,
  ROLLUP_RETENTION_DAYS,
} from "@kubewise/core";

import type { Sql } from "../client";
import {
  dropMetricPartitionsBefore,
  ensureMetricPartitions,
  partitionDefaultRows,
} from "./partitions";
import { refreshRollups } from "./rollups";
import { getMetricStorageMode, type MetricStorageMode } from "./storage-mode";

const DAY_MS = 86_400_000;

export type MetricMaintenanceOptions = {
  now: Date;
  /** Raw samples older than this are dropped (whole days); TimescaleDB uses its own policy. */
  retentionDays?: number;
  /** Rollups older than this are deleted; TimescaleDB uses its own policy. */
  rollupRetentionDays?: number;
  /** Partitions are created this many days ahead of `now`. */
  daysAhead?: number;
  /** Rollups are recomputed for this window before `now`, to absorb late samples. */
  rollupLookbackSeconds?: number;
};

export type MetricMaintenanceResult = {
  mode: MetricStorageMode;
  partitionsCreated: number;
  partitionsDropped: string[];
  /** Rows the default partition held past retention (deleted) or for a day now partitioned (moved). */
  defaultRowsExpired: number;
  rollupsExpired: number;
};

/**
 * One call for the aggregator's leader loop (every few minutes): on plain PostgreSQL it creates
 * upcoming partitions, drains the default partition into daily ones (so it stays bounded), drops
 * expired partitions and rollups and refreshes recent rollups; on TimescaleDB the background
 * policies do all of that, so it only reports the mode. Not inside a transaction.
 */
export async function maintainMetricStorage(
  sql: Sql,
  {
    now,
    retentionDays = RAW_SAMPLE_RETENTION_DAYS,
    rollupRetentionDays = ROLLUP_RETENTION_DAYS,
    daysAhead = 7,
    rollupLookbackSeconds = 900,
  }: MetricMaintenanceOptions,
): Promise<MetricMaintenanceResult> {
  const mode = await getMetricStorageMode(sql);
  if (mode === "timescaledb")
    return {
      mode,
      partitionsCreated: 0,
      partitionsDropped: [],
      defaultRowsExpired: 0,
      rollupsExpired: 0,
    };
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const drained = await partitionDefaultRows(sql, { cutoff });
  const partitionsCreated =
    drained.partitionsCreated +
    (await ensureMetricPartitions(sql, {
      from: new Date(now.getTime() - DAY_MS),
      to: new Date(now.getTime() + daysAhead * DAY_MS),
    }));
  const partitionsDropped = await dropMetricPartitionsBefore(sql, cutoff);
  const [expired] = await sql<{ n: number }[]>`
    with gone as (
      delete from metric_rollups_5m
      where bucket < ${new Date(now.getTime() - rollupRetentionDays * DAY_MS)}
      returning 1)
    select count(*)::integer as n from gone`;
  await refreshRollups(
    sql,
    { from: new Date(now.getTime() - rollupLookbackSeconds * 1000), to: now },
    { now, rawRetentionDays: retentionDays },
  );
  return {
    mode,
    partitionsCreated,
    partitionsDropped,
    defaultRowsExpired: drained.rowsExpired,
    rollupsExpired: expired?.n ?? 0,
  };
}

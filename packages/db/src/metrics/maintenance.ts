import type { Sql } from "../client";
import {
  dropMetricPartitionsBefore,
  ensureMetricPartitions,
} from "./partitions";
import { refreshRollups } from "./rollups";
import { getMetricStorageMode, type MetricStorageMode } from "./storage-mode";

const DAY_MS = 86_400_000;

export type MetricMaintenanceOptions = {
  now: Date;
  /** Raw samples older than this are dropped (whole days); TimescaleDB uses its own policy. */
  retentionDays?: number;
  /** Partitions are created this many days ahead of `now`. */
  daysAhead?: number;
  /** Rollups are recomputed for this window before `now`, to absorb late samples. */
  rollupLookbackSeconds?: number;
};

export type MetricMaintenanceResult = {
  mode: MetricStorageMode;
  partitionsCreated: number;
  partitionsDropped: string[];
};

/**
 * One call for the aggregator's leader loop (every few minutes): on plain PostgreSQL it creates
 * upcoming partitions, drops expired ones and refreshes recent rollups; on TimescaleDB the
 * background policies do all of that, so it only reports the mode. Not inside a transaction.
 */
export async function maintainMetricStorage(
  sql: Sql,
  {
    now,
    retentionDays = 90,
    daysAhead = 7,
    rollupLookbackSeconds = 900,
  }: MetricMaintenanceOptions,
): Promise<MetricMaintenanceResult> {
  const mode = await getMetricStorageMode(sql);
  if (mode === "timescaledb")
    return { mode, partitionsCreated: 0, partitionsDropped: [] };
  const partitionsCreated = await ensureMetricPartitions(sql, {
    from: new Date(now.getTime() - DAY_MS),
    to: new Date(now.getTime() + daysAhead * DAY_MS),
  });
  const partitionsDropped = await dropMetricPartitionsBefore(
    sql,
    new Date(now.getTime() - retentionDays * DAY_MS),
  );
  await refreshRollups(sql, {
    from: new Date(now.getTime() - rollupLookbackSeconds * 1000),
    to: now,
  });
  return { mode, partitionsCreated, partitionsDropped };
}

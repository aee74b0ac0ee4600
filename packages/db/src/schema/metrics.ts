import {
  bigint,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

import { timestamptz } from "./columns";

// Counters (throttled periods/seconds, OOM kills) are per-sample deltas, not cumulative totals.
// No foreign key on container_id: it would cost a lookup per ingested row, and partitioned
// tables and hypertables are built by a guarded migration (see docs/adr/0003-database-paths.md).
export const metricSamples = pgTable(
  "metric_samples",
  {
    ts: timestamp(timestamptz).notNull(),
    containerId: uuid().notNull(),
    cpuUsageCores: doublePrecision().notNull(),
    cpuThrottledPeriods: bigint({ mode: "number" }).notNull().default(0),
    /** Elapsed CFS periods (nr_periods delta); NULL when the source does not know them. */
    cpuPeriods: bigint({ mode: "number" }),
    cpuThrottledSeconds: doublePrecision().notNull().default(0),
    memoryWorkingSetBytes: bigint({ mode: "number" }).notNull(),
    memoryRssBytes: bigint({ mode: "number" }).notNull(),
    memoryLimitBytes: bigint({ mode: "number" }),
    oomKillCount: integer().notNull().default(0),
  },
  (t) => [
    index("metric_samples_container_ts_idx").on(t.containerId, t.ts),
    index("metric_samples_ts_brin").using("brin", t.ts),
  ],
);

// Plain path: a table refreshed by refreshRollups(). TimescaleDB path: a continuous aggregate
// with the same name and columns, so queries read one relation on both paths. On the plain path and
// Citus the primary key's index also INCLUDEs the four columns the recommendation pass reads
// (drizzle/0014, a custom migration: Drizzle cannot declare INCLUDE).
export const metricRollups5m = pgTable(
  "metric_rollups_5m",
  {
    bucket: timestamp(timestamptz).notNull(),
    containerId: uuid().notNull(),
    sampleCount: integer().notNull(),
    cpuUsageCoresAvg: doublePrecision().notNull(),
    cpuUsageCoresMax: doublePrecision().notNull(),
    cpuThrottledPeriodsSum: bigint({ mode: "number" }).notNull(),
    cpuThrottledSecondsSum: doublePrecision().notNull(),
    memoryWorkingSetBytesAvg: doublePrecision().notNull(),
    memoryWorkingSetBytesMax: bigint({ mode: "number" }).notNull(),
    memoryRssBytesMax: bigint({ mode: "number" }).notNull(),
    oomKillCountSum: integer().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.containerId, t.bucket] }),
    index("metric_rollups_5m_bucket_idx").on(t.bucket),
  ],
);

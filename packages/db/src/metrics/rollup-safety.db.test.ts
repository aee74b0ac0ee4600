import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Sql } from "../client";
import { insertRollups } from "../queries/workloads";
import { createTestDatabase, type TestDatabase } from "../testing";
import { maintainMetricStorage } from "./maintenance";
import {
  dropMetricPartitionsBefore,
  ensureMetricPartitions,
} from "./partitions";
import { refreshRollups } from "./rollups";
import { getMetricStorageMode, type MetricStorageMode } from "./storage-mode";

// Issue 16's loss paths, on whatever server the db project runs against (embedded/plain,
// TimescaleDB, Citus): rollups recomputed past the raw horizon, overlapping refreshes, an
// unbounded default partition, rollups without retention.
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

async function insertSample(
  sql: Sql,
  containerId: string,
  ts: Date,
  cpuUsageCores = 1,
): Promise<void> {
  await sql`insert into metric_samples (ts, container_id, cpu_usage_cores, memory_working_set_bytes, memory_rss_bytes)
    values (${ts}, ${containerId}, ${cpuUsageCores}, 100, 100)`;
}

async function rollupCounts(
  sql: Sql,
  containerId: string,
): Promise<{ bucket: Date; sampleCount: number }[]> {
  return sql<{ bucket: Date; sampleCount: number }[]>`
    select bucket, sample_count as "sampleCount" from metric_rollups_5m
    where container_id = ${containerId} order by bucket`;
}

/** Retention as production runs it: TimescaleDB's policy job, or the plain path's partition drop. */
async function runRawRetention(
  sql: Sql,
  mode: MetricStorageMode,
  now: Date,
): Promise<void> {
  if (mode === "timescaledb") {
    const [job] = await sql<{ id: number }[]>`
      select job_id as id from timescaledb_information.jobs
      where proc_name = 'policy_retention' and hypertable_name = 'metric_samples'`;
    await sql.unsafe(`call run_job(${job?.id ?? -1})`);
  } else
    await dropMetricPartitionsBefore(
      sql,
      new Date(now.getTime() - 90 * DAY_MS),
    );
}

describe("rollups never lose data", () => {
  let test: TestDatabase;
  let mode: MetricStorageMode;
  let now: Date;

  beforeAll(async () => {
    test = await createTestDatabase();
    mode = await getMetricStorageMode(test.sql);
    // TimescaleDB's retention job reads the server clock, so the test's "now" is the server's.
    const [row] = await test.sql<
      { now: Date }[]
    >`select date_bin('5 minutes', now(), timestamptz '2000-01-01 00:00:00+00') as now`;
    now = row?.now ?? new Date();
  });
  afterAll(async () => {
    await test.close();
  });

  it("keeps a rollup whose raw samples retention dropped when a 99-day-old sample arrives", async () => {
    const containerId = randomUUID();
    const old = new Date(now.getTime() - 95 * DAY_MS);
    await ensureMetricPartitions(test.sql, {
      from: old,
      to: new Date(old.getTime() + MINUTE_MS),
    });
    await insertSample(test.sql, containerId, old);
    // Refreshed back when the sample was recent.
    await refreshRollups(
      test.sql,
      { from: old, to: new Date(old.getTime() + MINUTE_MS) },
      { now: new Date(old.getTime() + 3600_000) },
    );
    expect(await rollupCounts(test.sql, containerId)).toEqual([
      { bucket: old, sampleCount: 1 },
    ]);
    await runRawRetention(test.sql, mode, now);
    expect(
      await test.sql`select 1 from metric_samples where container_id = ${containerId}`,
    ).toHaveLength(0);

    const late = new Date(now.getTime() - 99 * DAY_MS);
    await insertSample(test.sql, containerId, late);
    const result = await refreshRollups(
      test.sql,
      { from: late, to: now },
      { now },
    );

    expect(result.range?.from.getTime()).toBeGreaterThan(
      now.getTime() - 90 * DAY_MS,
    );
    expect(await rollupCounts(test.sql, containerId)).toEqual([
      { bucket: old, sampleCount: 1 },
    ]);
  });

  it("runs overlapping refreshes concurrently without a unique violation", async () => {
    for (let round = 0; round < 5; round++) {
      const containerIds = [randomUUID(), randomUUID(), randomUUID()];
      const start = new Date(
        now.getTime() - 2 * 3600_000 + round * 10 * MINUTE_MS,
      );
      for (const [c, containerId] of containerIds.entries())
        for (let m = 0; m < 30; m++)
          await insertSample(
            test.sql,
            containerId,
            new Date(start.getTime() + m * MINUTE_MS),
            c + m / 10,
          );
      const window = (offsetMinutes: number) => ({
        from: new Date(start.getTime() + offsetMinutes * MINUTE_MS),
        to: new Date(start.getTime() + (offsetMinutes + 25) * MINUTE_MS),
      });
      await Promise.all([
        refreshRollups(test.sql, window(0), { now }),
        refreshRollups(test.sql, window(5), { now }),
        refreshRollups(test.sql, window(0), { now }),
      ]);
      await refreshRollups(test.sql, window(5), { now });
      for (const containerId of containerIds)
        expect(
          (await rollupCounts(test.sql, containerId)).map((r) => r.sampleCount),
        ).toEqual([5, 5, 5, 5, 5, 5]);
    }
  });

  it("seeds history with insertRollups that reads back as the same rollups (raw samples on TimescaleDB)", async () => {
    const containerId = randomUUID();
    const rows = Array.from({ length: 24 }, (_, i) => {
      const sampleCount = 1 + (i % 30);
      // Exactly representable by raw samples: avg >= max / sampleCount.
      const cpuUsageCoresAvg = 0.5 + (i % 7) / 10;
      const cpuUsageCoresMax =
        sampleCount === 1 ? cpuUsageCoresAvg : cpuUsageCoresAvg * 1.4;
      const memoryWorkingSetBytesMax = 4e8 + i * 1e6;
      // One sample per bucket can only have avg = max.
      return {
        bucket: new Date(now.getTime() - (30 - i) * 5 * MINUTE_MS),
        containerId,
        sampleCount,
        cpuUsageCoresAvg,
        cpuUsageCoresMax,
        cpuThrottledPeriodsSum: i % 4,
        cpuThrottledSecondsSum: (i % 4) / 8,
        memoryWorkingSetBytesAvg:
          sampleCount === 1 ? memoryWorkingSetBytesMax : 3e8 + i * 1e6,
        memoryWorkingSetBytesMax,
        memoryRssBytesMax: 3.5e8,
        oomKillCountSum: i === 5 ? 1 : 0,
      };
    });
    await insertRollups(test.db, rows);
    const stored = await test.sql<Record<string, number | Date>[]>`
      select bucket, sample_count, cpu_usage_cores_avg, cpu_usage_cores_max,
        cpu_throttled_periods_sum::float8 as cpu_throttled_periods_sum, cpu_throttled_seconds_sum,
        memory_working_set_bytes_avg, memory_working_set_bytes_max::float8 as memory_working_set_bytes_max,
        memory_rss_bytes_max::float8 as memory_rss_bytes_max, oom_kill_count_sum
      from metric_rollups_5m where container_id = ${containerId} order by bucket`;
    expect(stored).toHaveLength(rows.length);
    stored.forEach((got, i) => {
      const want = rows[i]!;
      expect(got.bucket).toEqual(want.bucket);
      expect(got.sample_count).toBe(want.sampleCount);
      expect(got.cpu_usage_cores_avg).toBeCloseTo(want.cpuUsageCoresAvg, 9);
      expect(got.cpu_usage_cores_max).toBeCloseTo(want.cpuUsageCoresMax, 9);
      expect(got.cpu_throttled_periods_sum).toBe(want.cpuThrottledPeriodsSum);
      expect(got.cpu_throttled_seconds_sum).toBeCloseTo(
        want.cpuThrottledSecondsSum,
        9,
      );
      expect(
        Math.abs(
          Number(got.memory_working_set_bytes_avg) -
            want.memoryWorkingSetBytesAvg,
        ),
      ).toBeLessThanOrEqual(1);
      expect(got.memory_working_set_bytes_max).toBe(
        want.memoryWorkingSetBytesMax,
      );
      expect(got.memory_rss_bytes_max).toBe(want.memoryRssBytesMax);
      expect(got.oom_kill_count_sum).toBe(want.oomKillCountSum);
    });
  });

  it("keeps the default partition bounded: expired rows are deleted, the rest move to daily partitions", async (ctx) => {
    // TimescaleDB has no default partition; its policies keep chunks and rollups.
    if (mode === "timescaledb") ctx.skip();
    const containerId = randomUUID();
    const at = new Date("2031-03-01T12:00:00Z");
    await insertSample(
      test.sql,
      containerId,
      new Date(at.getTime() - 100 * DAY_MS),
    );
    await insertSample(
      test.sql,
      containerId,
      new Date(at.getTime() - 3 * DAY_MS),
    );
    const inDefault = async () =>
      (
        await test.sql<{ n: number }[]>`
            select count(*)::integer as n from metric_samples_default where container_id = ${containerId}`
      )[0]?.n;
    expect(await inDefault()).toBe(2);

    const result = await maintainMetricStorage(test.sql, { now: at });

    expect(await inDefault()).toBe(0);
    expect(result.defaultRowsExpired).toBeGreaterThanOrEqual(1);
    const [kept] = await test.sql<{ part: string }[]>`
        select tableoid::regclass::text as part from metric_samples where container_id = ${containerId}`;
    // On Citus a row's tableoid names its shard on the worker: "<partition>_<shard id>".
    expect(kept?.part.replace(/_\d+$/, "")).toBe("metric_samples_p20310226");
  });

  it("deletes rollups older than the rollup retention and keeps younger ones", async (ctx) => {
    if (mode === "timescaledb") ctx.skip();
    const containerId = randomUUID();
    const at = new Date("2032-06-01T00:00:00Z");
    const rollup = (daysAgo: number) => ({
      bucket: new Date(at.getTime() - daysAgo * DAY_MS),
      containerId,
      sampleCount: 1,
      cpuUsageCoresAvg: 1,
      cpuUsageCoresMax: 1,
      cpuThrottledPeriodsSum: 0,
      cpuThrottledSecondsSum: 0,
      memoryWorkingSetBytesAvg: 1,
      memoryWorkingSetBytesMax: 1,
      memoryRssBytesMax: 1,
      oomKillCountSum: 0,
    });
    await insertRollups(test.db, [rollup(401), rollup(399)]);

    const result = await maintainMetricStorage(test.sql, { now: at });

    expect(result.rollupsExpired).toBeGreaterThanOrEqual(1);
    expect(
      (await rollupCounts(test.sql, containerId)).map((r) => r.bucket),
    ).toEqual([rollup(399).bucket]);
  });
});

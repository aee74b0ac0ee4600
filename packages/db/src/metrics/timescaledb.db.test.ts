import { randomUUID } from "node:crypto";

import { readMigrationFiles } from "drizzle-orm/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MIGRATIONS_FOLDER } from "../migrate";
import { insertIngestBatch, registerAgent } from "../queries/ingest";
import {
  createTestCluster,
  createTestDatabase,
  getTestServerKind,
  type TestDatabase,
} from "../testing";
import { refreshRollups } from "./rollups";
import { getMetricStorageMode } from "./storage-mode";
import { queryUsageSeries } from "./usage-series";

// The TimescaleDB path on a real TimescaleDB 2.28 server (`npm run test:db:timescaledb`, built from
// ../shared/vendor). The test server runs no background workers: the tests run the policy jobs.
const DAY_MS = 86_400_000;
const ON_TIMESCALEDB = getTestServerKind() === "timescaledb";
if (!ON_TIMESCALEDB)
  console.log(
    "timescaledb.db.test.ts: skipped (KUBEWISE_TEST_DB is not timescaledb; run npm run test:db:timescaledb)",
  );

describe.runIf(ON_TIMESCALEDB)("TimescaleDB metric storage", () => {
  let test: TestDatabase;
  const jobId = async (proc: string, relation: string) => {
    const [job] = await test.sql<{ job_id: number }[]>`
      select job_id from timescaledb_information.jobs where proc_name = ${proc} and hypertable_name = ${relation}`;
    if (job === undefined) throw new Error(`no ${proc} job on ${relation}`);
    return job.job_id;
  };
  const runJob = async (proc: string, relation: string) =>
    test.sql.unsafe(`call run_job(${await jobId(proc, relation)})`);
  const insertSample = (
    containerId: string,
    ts: Date,
    cpu: number,
    memory: number,
  ) =>
    test.sql`insert into metric_samples (ts, container_id, cpu_usage_cores, memory_working_set_bytes, memory_rss_bytes)
      values (${ts}, ${containerId}, ${cpu}, ${memory}, ${memory})`;

  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => {
    await test.close();
  });

  it("builds metric_samples as a hypertable with daily chunks, compression and retention", async () => {
    expect(await getMetricStorageMode(test.sql)).toBe("timescaledb");
    const [version] = await test.sql<{ v: string }[]>`
      select extversion as v from pg_extension where extname = 'timescaledb'`;
    expect(version?.v).toBe("2.28.3");
    expect(
      await test.sql`select hypertable_name, column_name, time_interval::text as interval
        from timescaledb_information.dimensions where hypertable_name = 'metric_samples'`,
    ).toEqual([
      {
        hypertable_name: "metric_samples",
        column_name: "ts",
        interval: "1 day",
      },
    ]);
    expect(
      await test.sql`select attname, segmentby_column_index, orderby_asc
        from timescaledb_information.compression_settings
        where hypertable_name = 'metric_samples' order by attname`,
    ).toEqual([
      { attname: "container_id", segmentby_column_index: 1, orderby_asc: null },
      { attname: "ts", segmentby_column_index: null, orderby_asc: false },
    ]);
    const jobs = await test.sql<
      {
        proc_name: string;
        hypertable_name: string;
        config: Record<string, unknown>;
      }[]
    >`select proc_name, hypertable_name, config from timescaledb_information.jobs
      where hypertable_name is not null order by hypertable_name, proc_name`;
    expect(
      jobs.map((job) => [
        job.hypertable_name,
        job.proc_name,
        job.config.compress_after ??
          job.config.drop_after ??
          job.config.start_offset,
      ]),
    ).toEqual([
      ["metric_rollups_5m", "policy_refresh_continuous_aggregate", "3 days"],
      ["metric_rollups_5m", "policy_retention", "400 days"],
      ["metric_samples", "policy_compression", "7 days"],
      ["metric_samples", "policy_retention", "90 days"],
    ]);
    expect(
      await test.sql`select 1 from kubewise_ensure_metric_partitions(current_date, current_date + 3) as n where n = 0`,
    ).toHaveLength(1);
  });

  it("serves usage series from a real-time continuous aggregate, refreshed or not", async () => {
    const containerId = randomUUID();
    const base =
      Date.now() - 2 * 3600_000 - ((Date.now() - 2 * 3600_000) % 900_000);
    for (let i = 0; i < 12; i++)
      await insertSample(containerId, new Date(base + i * 60_000), i, 1000 + i);
    const query = {
      containerId,
      from: new Date(base),
      to: new Date(base + 15 * 60_000),
      stepSeconds: 300,
    };
    const expected = [
      [new Date(base).toISOString(), 5, 2, 1004],
      [new Date(base + 300_000).toISOString(), 5, 7, 1009],
      [new Date(base + 600_000).toISOString(), 2, 10.5, 1011],
    ];
    const shape = (points: Awaited<ReturnType<typeof queryUsageSeries>>) =>
      points.map((p) => [
        p.bucketStart.toISOString(),
        p.sampleCount,
        p.cpuUsageCoresAvg,
        p.memoryWorkingSetBytesMax,
      ]);
    // Real time: buckets not yet materialized come from the raw hypertable.
    expect(shape(await queryUsageSeries(test.sql, query))).toEqual(expected);
    const refreshed = await refreshRollups(test.sql, query, {
      now: new Date(),
    });
    expect(refreshed.mode).toBe("timescaledb");
    const [cagg] = await test.sql<{ schema: string; table: string }[]>`
      select materialization_hypertable_schema as schema, materialization_hypertable_name as table
      from timescaledb_information.continuous_aggregates where view_name = 'metric_rollups_5m'`;
    const [materialized] = await test.sql<{ n: number }[]>`
      select count(*)::integer as n from ${test.sql(`${cagg?.schema}.${cagg?.table}`)}
      where container_id = ${containerId}`;
    expect(materialized?.n).toBe(3);
    expect(shape(await queryUsageSeries(test.sql, query))).toEqual(expected);
    expect(
      shape(await queryUsageSeries(test.sql, { ...query, stepSeconds: 900 })),
    ).toEqual([[new Date(base).toISOString(), 12, 5.5, 1011]]);
  });

  it("compresses chunks older than 7 days, still accepts and reads late samples there, and drops chunks older than 90 days", async () => {
    const containerId = randomUUID();
    const now = Date.now();
    const tenDaysAgo = new Date(now - 10 * DAY_MS);
    const hundredDaysAgo = new Date(now - 100 * DAY_MS);
    await insertSample(containerId, tenDaysAgo, 1, 1);
    await insertSample(containerId, hundredDaysAgo, 1, 1);

    await runJob("policy_compression", "metric_samples");
    await runJob("policy_retention", "metric_samples");

    const chunks = await test.sql<
      { range_end: Date; is_compressed: boolean }[]
    >`
      select range_end, is_compressed from timescaledb_information.chunks where hypertable_name = 'metric_samples'`;
    const older = (days: number) =>
      chunks.filter((c) => c.range_end.getTime() <= now - days * DAY_MS);
    expect(older(90)).toEqual([]);
    expect(older(7).length).toBeGreaterThan(0);
    expect(older(7).every((c) => c.is_compressed)).toBe(true);

    // An agent's backlog landing in a compressed chunk goes through the product's own COPY path.
    const cluster = await createTestCluster(test.db);
    await registerAgent(test.sql, {
      agentId: "ts-agent",
      clusterId: cluster.id,
      bootId: "b",
    });
    const lateMs = tenDaysAgo.getTime() + 60_000;
    const stored = await insertIngestBatch(test.sql, {
      clusterId: cluster.id,
      agentId: "ts-agent",
      bootId: "b",
      seq: 1,
      containerIds: [containerId],
      samples: {
        containerIndex: [0],
        timestampMs: [lateMs],
        cpuUsageCores: [2],
        cpuThrottledPeriods: [3],
        cpuThrottledSeconds: [0],
        cpuPeriods: [90],
        memoryWorkingSetBytes: [5],
        memoryRssBytes: [5],
        memoryLimitBytes: [0],
        oomKillCount: [0],
      },
    });
    expect(stored).toEqual({ duplicate: false, storedSamples: 1 });
    expect(
      (
        await test.sql<{ ts: Date }[]>`
          select ts from metric_samples where container_id = ${containerId} order by ts`
      ).map((r) => r.ts),
    ).toEqual([tenDaysAgo, new Date(lateMs)]);
  });
});

describe.runIf(ON_TIMESCALEDB)("migration 0003 on compressed chunks", () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await test.close();
  });

  it("adds cpu_periods without decompressing: old rows read NULL, new rows keep their periods", async () => {
    const migrations = readMigrationFiles({
      migrationsFolder: MIGRATIONS_FOLDER,
    });
    const cpuPeriods = migrations.findIndex((m) =>
      m.sql.some((s) => s.includes('"cpu_periods"')),
    );
    for (const m of migrations.slice(0, cpuPeriods))
      for (const statement of m.sql) await test.sql.unsafe(statement);
    const containerId = randomUUID();
    const oldTs = new Date(Date.now() - 10 * DAY_MS);
    await test.sql`insert into metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods, memory_working_set_bytes, memory_rss_bytes)
      values (${oldTs}, ${containerId}, 1, 7, 1, 1)`;
    const [job] = await test.sql<{ id: number }[]>`
      select job_id as id from timescaledb_information.jobs
      where proc_name = 'policy_compression' and hypertable_name = 'metric_samples'`;
    await test.sql.unsafe(`call run_job(${job?.id ?? -1})`);
    for (const m of migrations.slice(cpuPeriods))
      for (const statement of m.sql) await test.sql.unsafe(statement);

    expect(
      await test.sql`select is_compressed from timescaledb_information.chunks where hypertable_name = 'metric_samples'`,
    ).toEqual([{ is_compressed: true }]);
    const newTs = new Date(oldTs.getTime() + 60_000);
    await test.sql`insert into metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods, cpu_periods, memory_working_set_bytes, memory_rss_bytes)
      values (${newTs}, ${containerId}, 1, 3, 90, 1, 1)`;
    expect(
      await test.sql`select ts, cpu_throttled_periods::integer as throttled, cpu_periods::integer as periods
        from metric_samples order by ts`,
    ).toEqual([
      { ts: oldTs, throttled: 7, periods: null },
      { ts: newTs, throttled: 3, periods: 90 },
    ]);
  });
});

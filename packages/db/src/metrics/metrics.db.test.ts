import { randomUUID } from "node:crypto";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDb, type Sql } from "../client";
import {
  createTestDatabase,
  getTestServerKind,
  type TestDatabase,
} from "../testing";
import { maintainMetricStorage } from "./maintenance";
import {
  dropMetricPartitionsBefore,
  ensureMetricPartitions,
} from "./partitions";
import { refreshRollups } from "./rollups";
import { getMetricStorageMode } from "./storage-mode";
import { queryUsageSeries } from "./usage-series";

type Sample = {
  ts: Date;
  cpuUsageCores: number;
  memoryWorkingSetBytes: number;
  cpuThrottledSeconds: number;
  oomKillCount: number;
};

async function insertSamples(
  sql: Sql,
  containerId: string,
  samples: Sample[],
): Promise<void> {
  if (samples.length === 0) return;
  const rows = samples.map((s) => ({
    ts: s.ts,
    container_id: containerId,
    cpu_usage_cores: s.cpuUsageCores,
    cpu_throttled_periods: s.cpuThrottledSeconds > 0 ? 1 : 0,
    cpu_throttled_seconds: s.cpuThrottledSeconds,
    memory_working_set_bytes: s.memoryWorkingSetBytes,
    memory_rss_bytes: s.memoryWorkingSetBytes,
    oom_kill_count: s.oomKillCount,
  }));
  await sql`insert into metric_samples ${sql(rows)}`;
}

// Independent reference: group by 5-minute bucket in TypeScript.
function expectedRollups(samples: Sample[]) {
  const buckets = new Map<number, Sample[]>();
  for (const s of samples) {
    const bucket = Math.floor(s.ts.getTime() / 300_000) * 300_000;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), s]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, group]) => ({
      bucket: new Date(bucket),
      sampleCount: group.length,
      cpuUsageCoresAvg:
        group.reduce((sum, s) => sum + s.cpuUsageCores, 0) / group.length,
      cpuUsageCoresMax: Math.max(...group.map((s) => s.cpuUsageCores)),
      memoryWorkingSetBytesMax: Math.max(
        ...group.map((s) => s.memoryWorkingSetBytes),
      ),
      oomKillCountSum: group.reduce((sum, s) => sum + s.oomKillCount, 0),
    }));
}

async function readRollups(sql: Sql, containerId: string) {
  return sql<
    {
      bucket: Date;
      sampleCount: number;
      cpuUsageCoresAvg: number;
      cpuUsageCoresMax: number;
      memoryWorkingSetBytesMax: number;
      oomKillCountSum: number;
    }[]
  >`select bucket, sample_count as "sampleCount", cpu_usage_cores_avg as "cpuUsageCoresAvg",
      cpu_usage_cores_max as "cpuUsageCoresMax",
      memory_working_set_bytes_max::float8 as "memoryWorkingSetBytesMax",
      oom_kill_count_sum as "oomKillCountSum"
    from metric_rollups_5m where container_id = ${containerId} order by bucket`;
}

const BASE = Date.parse("2025-05-01T10:00:00Z");
const NOW = new Date(BASE + 86_400_000);
const sampleArb = fc.record({
  ts: fc
    .integer({ min: 0, max: 3 * 3600 - 1 })
    .map((s) => new Date(BASE + s * 1000)),
  cpuUsageCores: fc.double({ min: 0, max: 64, noNaN: true }),
  memoryWorkingSetBytes: fc.integer({ min: 0, max: 2 ** 40 }),
  cpuThrottledSeconds: fc.double({ min: 0, max: 10, noNaN: true }),
  oomKillCount: fc.integer({ min: 0, max: 3 }),
});

// The plain path (native partitions, application rollups); on Citus the same tables are distributed.
const KIND = getTestServerKind();
// On Citus a row's tableoid names its shard on the worker: "<partition>_<shard id>".
const SHARD_SUFFIX = /_\d+$/;

describe.runIf(KIND !== "timescaledb")(
  "plain PostgreSQL metric storage",
  () => {
    let test: TestDatabase;

    beforeAll(async () => {
      test = await createTestDatabase();
    });
    afterAll(async () => {
      await test.close();
    });

    it("reports the partitioned storage mode", async () => {
      expect(await getMetricStorageMode(test.sql)).toBe("partitioned");
    });

    it("creates daily partitions idempotently and moves rows out of the default partition", async () => {
      const containerId = randomUUID();
      const ts = new Date("2025-06-10T12:00:00Z");
      await insertSamples(test.sql, containerId, [
        {
          ts,
          cpuUsageCores: 1,
          memoryWorkingSetBytes: 1,
          cpuThrottledSeconds: 0,
          oomKillCount: 0,
        },
      ]);
      const where = async () =>
        (
          await test.sql<{ part: string }[]>`
        select tableoid::regclass::text as part from metric_samples where container_id = ${containerId}`
        )[0]?.part.replace(SHARD_SUFFIX, "");
      expect(await where()).toBe("metric_samples_default");

      const range = {
        from: new Date("2025-06-09T00:00:00Z"),
        to: new Date("2025-06-11T06:00:00Z"),
      };
      expect(await ensureMetricPartitions(test.sql, range)).toBe(3);
      expect(await ensureMetricPartitions(test.sql, range)).toBe(0);
      expect(await where()).toBe("metric_samples_p20250610");

      const dropped = await dropMetricPartitionsBefore(
        test.sql,
        new Date("2025-06-11T00:00:00Z"),
      );
      expect(dropped).toEqual([
        "metric_samples_p20250609",
        "metric_samples_p20250610",
      ]);
      expect(await where()).toBeUndefined();
    });

    it("lets the kubewise_app role create partitions, write samples and refresh rollups", async () => {
      const containerId = randomUUID();
      const ts = new Date("2025-08-15T10:01:00Z");
      // A login role that is a member of kubewise_app, as deployments grant it (no SET ROLE:
      // on Citus the workers are reached as the current role, and kubewise_app cannot log in).
      const login = `kw_app_login_${randomUUID().slice(0, 8)}`;
      const password = randomUUID();
      await test.sql.unsafe(
        `create role ${login} login password '${password}' in role kubewise_app`,
      );
      const url = new URL(test.url);
      url.username = login;
      url.password = password;
      const app = createDb({ url: url.toString(), max: 1 });
      try {
        const [row] = await app.sql<{ created: number }[]>`
          select kubewise_ensure_metric_partitions('2025-08-15', '2025-08-16') as created`;
        expect(row?.created).toBe(1);
        await app.sql`insert into metric_samples (ts, container_id, cpu_usage_cores, memory_working_set_bytes, memory_rss_bytes)
          values (${ts}, ${containerId}, 0.5, 10, 10)`;
        await app.sql`delete from metric_rollups_5m where container_id = ${containerId}`;
        await refreshRollups(
          app.sql,
          { from: ts, to: new Date(ts.getTime() + 1) },
          { now: ts },
        );
      } finally {
        await app.close();
        await test.sql.unsafe(`drop role ${login}`);
      }
      expect(await readRollups(test.sql, containerId)).toHaveLength(1);
    });

    it("maintains partitions ahead, drops expired ones and refreshes recent rollups in one call", async () => {
      const now = new Date("2025-10-20T12:07:00Z");
      const containerId = randomUUID();
      await ensureMetricPartitions(test.sql, {
        from: new Date("2025-07-10T00:00:00Z"),
        to: new Date("2025-07-11T00:00:00Z"),
      });
      await insertSamples(test.sql, containerId, [
        {
          ts: new Date("2025-10-20T12:01:00Z"),
          cpuUsageCores: 2,
          memoryWorkingSetBytes: 5,
          cpuThrottledSeconds: 0,
          oomKillCount: 0,
        },
      ]);

      const result = await maintainMetricStorage(test.sql, {
        now,
        retentionDays: 90,
        daysAhead: 3,
      });
      const again = await maintainMetricStorage(test.sql, {
        now,
        retentionDays: 90,
        daysAhead: 3,
      });

      expect(result.mode).toBe("partitioned");
      expect(result.partitionsCreated).toBe(5); // UTC days 10-19 .. 10-23
      expect(result.partitionsDropped).toContain("metric_samples_p20250710");
      expect(
        result.partitionsDropped.every(
          (name) => name < "metric_samples_p20250722",
        ),
      ).toBe(true);
      expect(again).toEqual({
        mode: "partitioned",
        partitionsCreated: 0,
        partitionsDropped: [],
        defaultRowsExpired: 0,
        rollupsExpired: 0,
      });
      expect(
        (await readRollups(test.sql, containerId)).map((r) => r.sampleCount),
      ).toEqual([1]);
    });

    it.runIf(KIND !== "citus")(
      "prunes to one partition for a query within one day",
      async () => {
        await ensureMetricPartitions(test.sql, {
          from: new Date("2025-07-01T00:00:00Z"),
          to: new Date("2025-07-04T00:00:00Z"),
        });
        const plan = await test.sql.unsafe<{ "QUERY PLAN": string }[]>(`
      explain select count(*) from metric_samples
      where ts >= '2025-07-02T01:00:00Z' and ts < '2025-07-02T02:00:00Z'`);
        const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
        expect(text).toContain("metric_samples_p20250702");
        expect(text).not.toMatch(
          /metric_samples_p20250701|metric_samples_p20250703|metric_samples_default/,
        );
      },
    );

    it("computes rollups equal to a reference aggregation, for any samples", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(sampleArb, { minLength: 1, maxLength: 60 }),
          async (samples) => {
            const containerId = randomUUID();
            await insertSamples(test.sql, containerId, samples);
            await refreshRollups(
              test.sql,
              { from: new Date(BASE), to: new Date(BASE + 3 * 3600_000) },
              { now: NOW },
            );
            const rows = await readRollups(test.sql, containerId);
            const expected = expectedRollups(samples);
            expect(
              rows.map((r) => ({ ...r, cpuUsageCoresAvg: undefined })),
            ).toEqual(
              expected.map((r) => ({ ...r, cpuUsageCoresAvg: undefined })),
            );
            rows.forEach((row, i) =>
              expect(row.cpuUsageCoresAvg).toBeCloseTo(
                expected[i]!.cpuUsageCoresAvg,
                9,
              ),
            );
          },
        ),
        { numRuns: 15 },
      );
    });

    it("is idempotent, widens a partial range to whole buckets and picks up late samples", async () => {
      const containerId = randomUUID();
      const at = (minute: number, cpuUsageCores: number): Sample => ({
        ts: new Date(BASE + minute * 60_000),
        cpuUsageCores,
        memoryWorkingSetBytes: 100,
        cpuThrottledSeconds: 0,
        oomKillCount: 0,
      });
      await insertSamples(test.sql, containerId, [
        at(0, 1),
        at(1, 3),
        at(6, 5),
      ]);
      const partial = {
        from: new Date(BASE + 2 * 60_000),
        to: new Date(BASE + 7 * 60_000),
      };

      const result = await refreshRollups(test.sql, partial, { now: NOW });
      await refreshRollups(test.sql, partial, { now: NOW });
      expect(result.range).toEqual({
        from: new Date(BASE),
        to: new Date(BASE + 10 * 60_000),
      });
      expect(
        (await readRollups(test.sql, containerId)).map((r) => [
          r.sampleCount,
          r.cpuUsageCoresAvg,
        ]),
      ).toEqual([
        [2, 2],
        [1, 5],
      ]);

      await insertSamples(test.sql, containerId, [at(2, 8)]);
      await refreshRollups(test.sql, partial, { now: NOW });
      expect(
        (await readRollups(test.sql, containerId)).map((r) => [
          r.sampleCount,
          r.cpuUsageCoresAvg,
        ]),
      ).toEqual([
        [3, 4],
        [1, 5],
      ]);
    });

    it("serves the same usage series from rollups (5-minute multiples) and raw samples", async () => {
      const containerId = randomUUID();
      const samples = Array.from({ length: 90 }, (_, i) => ({
        ts: new Date(BASE + i * 20_000),
        cpuUsageCores: (i % 7) / 2,
        memoryWorkingSetBytes: 1000 + i,
        cpuThrottledSeconds: i % 3 === 0 ? 0.5 : 0,
        oomKillCount: i === 42 ? 1 : 0,
      }));
      await insertSamples(test.sql, containerId, samples);
      const range = {
        containerId,
        from: new Date(BASE),
        to: new Date(BASE + 3600_000),
      };
      await refreshRollups(test.sql, range, { now: NOW });

      const fromRollups = await queryUsageSeries(test.sql, {
        ...range,
        stepSeconds: 900,
      });
      const fromSamples = await queryUsageSeries(test.sql, {
        ...range,
        stepSeconds: 450,
      });

      expect(fromRollups.map((p) => p.bucketStart.toISOString())).toEqual([
        "2025-05-01T10:00:00.000Z",
        "2025-05-01T10:15:00.000Z",
      ]);
      expect(fromRollups.map((p) => p.sampleCount)).toEqual([45, 45]);
      const merged = [0, 1].map((k) => {
        const pair = fromSamples.slice(2 * k, 2 * k + 2);
        const count = pair.reduce((n, p) => n + p.sampleCount, 0);
        return (
          pair.reduce((sum, p) => sum + p.cpuUsageCoresAvg * p.sampleCount, 0) /
          count
        );
      });
      fromRollups.forEach((p, k) =>
        expect(p.cpuUsageCoresAvg).toBeCloseTo(merged[k]!, 9),
      );
      expect(fromRollups.map((p) => p.oomKillCountSum)).toEqual([1, 0]);
      expect(fromRollups[1]?.memoryWorkingSetBytesMax).toBe(1089);
    });
  },
);

import { createHash } from "node:crypto";

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getMetricStorageMode } from "../metrics/storage-mode";
import {
  createTestContainer,
  createTestContainerChain,
  createTestDatabase,
  getTestServerKind,
  TEST_NOW,
  type TestDatabase,
} from "../testing";
import {
  buildUsageHistoriesQuery,
  getUsageHistories,
  getUsageHistory,
  getUsageHistoryColumns,
  insertRollups,
  usageHistoryColumnsOf,
  usageHistoryRowsOf,
} from "./workloads";

const HOUR = 3_600_000;

/** Hourly-spaced 5-minute rollups at now - k hours, cpu k/10 cores. */
function rollups(containerId: string, hoursAgo: number[]) {
  return hoursAgo.map((k) => ({
    bucket: new Date(TEST_NOW.getTime() - k * HOUR),
    containerId,
    sampleCount: 30,
    cpuUsageCoresAvg: k / 10,
    cpuUsageCoresMax: k / 10,
    cpuThrottledPeriodsSum: 0,
    cpuThrottledSecondsSum: 0,
    memoryWorkingSetBytesAvg: 1000 * k,
    memoryWorkingSetBytesMax: 1000 * k,
    memoryRssBytesMax: 1000 * k,
    oomKillCountSum: 0,
  }));
}

describe("getUsageHistories (one query for a chunk of containers)", () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("returns each container's rollups in [from, to) in bucket order, and an empty history for a silent one", async () => {
    const { workload, container: a } = await createTestContainerChain(t.db);
    const b = await createTestContainer(t.db, {
      workloadId: workload.id,
      name: "b",
    });
    const silent = await createTestContainer(t.db, {
      workloadId: workload.id,
      name: "silent",
    });
    await insertRollups(t.db, [
      ...rollups(a.id, [1, 5, 3, 30]),
      ...rollups(b.id, [2, 4]),
    ]);
    const window = {
      from: new Date(TEST_NOW.getTime() - 24 * HOUR),
      to: new Date(TEST_NOW.getTime() - 1 * HOUR),
    };

    const histories = await getUsageHistories(t.db, {
      containerIds: [a.id, b.id, silent.id],
      ...window,
    });
    // Hours ago, from the memory maxima (exact on every storage path).
    const hours = (id: string) =>
      histories.get(id)?.map((h) => h.memoryWorkingSetBytesMax / 1000);
    expect(hours(a.id)).toEqual([5, 3]);
    expect(hours(b.id)).toEqual([4, 2]);
    expect(hours(silent.id)).toEqual([]);
    const first = histories.get(a.id)?.[0];
    expect(first?.bucket).toEqual(new Date(TEST_NOW.getTime() - 5 * HOUR));
    expect(first?.cpuUsageCoresAvg).toBeCloseTo(0.5, 9);
    expect(first?.oomKillCountSum).toBe(0);
    expect(
      await getUsageHistory(t.db, { containerId: b.id, ...window }),
    ).toEqual(histories.get(b.id));
    expect(
      await getUsageHistories(t.db, { containerIds: [], ...window }),
    ).toEqual(new Map());
    // The pass's columns hold the same values as the rows, bit for bit (Object.is per value).
    const columns = await getUsageHistoryColumns(t.db, {
      containerIds: [a.id, b.id, silent.id],
      ...window,
    });
    for (const id of [a.id, b.id, silent.id]) {
      const rows = histories.get(id) ?? [];
      const got = columns.get(id);
      expect(got?.length).toBe(rows.length);
      const want = usageHistoryColumnsOf(rows);
      for (const key of [
        "bucketMs",
        "cpuUsageCoresAvg",
        "cpuUsageCoresMax",
        "memoryWorkingSetBytesMax",
        "oomKillCountSum",
      ] as const)
        want[key].forEach((v, i) =>
          expect(Object.is(got?.[key][i], v)).toBe(true),
        );
      if (got !== undefined) expect(usageHistoryRowsOf(got)).toEqual(rows);
    }
  });
});

type PlanNode = {
  "Node Type"?: string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Heap Fetches"?: number;
};

/** Every plan node in an EXPLAIN (FORMAT JSON) document, Citus' remote plans of its tasks included. */
function planNodes(value: unknown): PlanNode[] {
  if (Array.isArray(value)) return value.flatMap(planNodes);
  if (value === null || typeof value !== "object") return [];
  const node = value as Record<string, unknown>;
  return [
    ...(typeof node["Node Type"] === "string" ? [node as PlanNode] : []),
    ...Object.values(node).flatMap(planNodes),
  ];
}

describe("the pass's history read (drizzle/0014: the rollups' primary key covers it)", () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("is an index-only scan of the primary key without heap fetches once the rollups are vacuumed", async (ctx) => {
    // TimescaleDB's rollups are a continuous aggregate; the migration leaves them as they are.
    if ((await getMetricStorageMode(t.sql)) === "timescaledb")
      ctx.skip(
        "rollups are a continuous aggregate on TimescaleDB (drizzle/0014 leaves it as it is)",
      );
    // 200 containers x one day, written bucket by bucket as the rollup refresh writes them (one
    // container's rows on a page per bucket), so only the index keeps a container's rows together.
    const to = new Date(TEST_NOW.getTime() - (TEST_NOW.getTime() % 300_000));
    const from = new Date(to.getTime() - 86_400_000);
    // The test server commits asynchronously (synchronous_commit = off). VACUUM cannot mark a page
    // all-visible while its rows' inserting commit is not flushed yet (PostgreSQL sets no hint bit
    // on such rows, and all-visible needs the xmin-committed hint): right after an asynchronous
    // insert it left relallvisible = 0 and the planner chose a bitmap heap scan. A
    // synchronous commit, as production's, makes the rows vacuumable at once. On Citus the rows
    // are committed by the workers' own (two-phase) transactions, under the workers' setting: a
    // CHECKPOINT on each worker flushes their commits before the VACUUM (without it the test
    // failed there once in a loaded CI run).
    await t.sql.begin(async (tx) => {
      await tx`set local synchronous_commit = on`;
      await tx`
        insert into metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg,
          cpu_usage_cores_max, cpu_throttled_periods_sum, cpu_throttled_seconds_sum,
          memory_working_set_bytes_avg, memory_working_set_bytes_max, memory_rss_bytes_max, oom_kill_count_sum)
        select b, c.id, 30, c.k / 100.0, c.k / 50.0, 0, 0, 1e6 * c.k, 2e6 * c.k, 1e6 * c.k, 0
        from (select k, md5('c' || k)::uuid as id from generate_series(1, 200) k) c
        cross join generate_series(${from}::timestamptz, ${to}::timestamptz - interval '5 minutes', interval '5 minutes') b
        order by b, c.k`;
    });
    // Production's 8-day-old rollups have long been vacuumed: the visibility map lets the scan
    // skip the heap.
    if (getTestServerKind() === "citus") {
      const flushed = await t.sql<{ success: boolean; result: string }[]>`
        select success, result from run_command_on_workers('checkpoint')`;
      expect(flushed.map((r) => [r.success, r.result])).toEqual([
        [true, "CHECKPOINT"],
        [true, "CHECKPOINT"],
      ]);
    }
    await t.sql`vacuum (analyze) metric_rollups_5m`;
    const ids = ["c7", "c42", "c199"].map((c) =>
      createHash("md5")
        .update(c)
        .digest("hex")
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5"),
    );
    const query = { containerIds: ids, from, to };

    const [explained] = await t.db.execute<{ "QUERY PLAN": unknown }>(
      sql`explain (analyze, format json) ${buildUsageHistoriesQuery(query)}`,
    );
    const scans = planNodes(explained?.["QUERY PLAN"]).filter(
      (n) =>
        n["Node Type"]?.endsWith("Scan") && n["Node Type"] !== "Custom Scan",
    );
    // On Citus the scan runs on the shards, whose index names carry the shard id.
    expect(scans.map((n) => n["Node Type"])).toEqual(["Index Only Scan"]);
    expect(scans[0]?.["Index Name"]).toMatch(
      /^metric_rollups_5m_container_id_bucket_pk/,
    );
    expect(scans[0]?.["Heap Fetches"]).toBe(0);
    const histories = await getUsageHistoryColumns(t.db, query);
    expect(ids.map((id) => histories.get(id)?.length)).toEqual([288, 288, 288]);
    expect(histories.get(ids[1] ?? "")?.memoryWorkingSetBytesMax[0]).toBe(84e6);
  });
});

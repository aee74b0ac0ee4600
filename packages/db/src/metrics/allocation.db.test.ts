import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MIGRATIONS_FOLDER } from "../migrate";
import {
  queryAllocationSeries,
  queryContainerAllocation,
  queryNamespaceAllocation,
  type AllocationResolution,
} from "../queries/allocation";
import { insertRollups } from "../queries/workloads";
import {
  createTestCluster,
  createTestContainer,
  createTestDatabase,
  createTestWorkload,
  TEST_NOW,
  type TestDatabase,
} from "../testing";
import { refreshAllocation } from "./allocation";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Seven whole days of history ending at the start of TEST_NOW's day.
const END = new Date(Math.floor(TEST_NOW.getTime() / DAY) * DAY);
const START = new Date(END.getTime() - 7 * DAY);

let test: TestDatabase;
let clusterId: string;
const ids: Record<string, string> = {};

/** Which hours (since START) each container runs; the rest has no rollups. */
const ACTIVE: Record<string, (hour: number) => boolean> = {
  // Every hour.
  steady: () => true,
  // Day 1, then silent for 3 days (longer than the hourly carry: its hourly chain restarts), then back.
  gap: (h) => h < 24 || h >= 96,
  // A batch job: two hours a day.
  batch: (h) => h % 24 < 2,
  // Only the first six hours.
  gone: (h) => h < 6,
};

async function seedRollups(): Promise<void> {
  const cluster = await createTestCluster(test.db);
  clusterId = cluster.id;
  for (const [name, active] of Object.entries(ACTIVE)) {
    const workload = await createTestWorkload(test.db, {
      clusterId,
      namespace: name === "steady" ? "web" : "jobs",
      name,
    });
    const container = await createTestContainer(test.db, {
      workloadId: workload.id,
      name: "app",
      cpuRequestMillicores: 500,
      memoryRequestBytes: 2 ** 30,
    });
    ids[name] = container.id;
    const rows = [];
    for (let h = 0; h < 7 * 24; h += 1) {
      if (!active(h)) continue;
      for (let m = 0; m < 12; m += 1) {
        const bucket = new Date(START.getTime() + h * HOUR + m * 300_000);
        rows.push({
          bucket,
          containerId: container.id,
          sampleCount: 30,
          cpuUsageCoresAvg: 0.1 + ((h * 7 + m) % 11) / 10,
          cpuUsageCoresMax: 2,
          cpuThrottledPeriodsSum: 0,
          cpuThrottledSecondsSum: 0,
          memoryWorkingSetBytesAvg: (0.5 + ((h + m) % 5) / 5) * 2 ** 30,
          memoryWorkingSetBytesMax: 2 ** 31,
          memoryRssBytesMax: 2 ** 31,
          oomKillCountSum: 0,
        });
      }
    }
    await insertRollups(test.db, rows);
  }
}

beforeAll(async () => {
  test = await createTestDatabase();
  await seedRollups();
  // As the aggregator does, every four hours; an outage skips two rounds (the next one catches up).
  for (let h = 4; h <= 7 * 24; h += 4) {
    if (h > 60 && h < 72) continue;
    await refreshAllocation(test.db, {
      from: new Date(START.getTime() + (h - 4) * HOUR),
      to: new Date(START.getTime() + h * HOUR),
    });
  }
}, 120_000);
afterAll(async () => {
  await test.close();
});

/** The reference: the window's hourly/daily value rows summed directly. */
async function directSums(
  resolution: AllocationResolution,
  from: Date,
  to: Date,
): Promise<Map<string, number[]>> {
  const table = sql.raw(`container_allocation_${resolution}`);
  const rows = await test.db.execute<Record<string, number | string>>(sql`
    select container_id, sum(covered_seconds)::float8 as covered, sum(cpu_allocated_core_seconds) as cpu,
      sum(memory_usage_byte_seconds) as memory
    from ${table} where cluster_id = ${clusterId}::uuid
      and bucket >= ${from.toISOString()}::timestamptz and bucket < ${to.toISOString()}::timestamptz
    group by container_id having sum(covered_seconds) > 0`);
  return new Map(
    rows.map((r) => [
      String(r.container_id),
      [Number(r.covered), Number(r.cpu), Number(r.memory)],
    ]),
  );
}

async function fromTotals(
  resolution: AllocationResolution,
  from: Date,
  to: Date,
): Promise<Map<string, number[]>> {
  const rows = await queryContainerAllocation(
    test.db,
    { clusterId, from, to, resolution },
    { container: true },
  );
  return new Map(
    rows.map((r) => [
      r.containerId ?? "",
      [r.coveredSeconds, r.cpuAllocatedCoreSeconds, r.memoryUsageByteSeconds],
    ]),
  );
}

function expectSameSums(
  actual: Map<string, number[]>,
  expected: Map<string, number[]>,
): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, values] of expected) {
    const got = actual.get(id) ?? [];
    // Running totals subtract large sums: equal to the direct sum within float rounding.
    values.forEach((v, i) =>
      expect(Math.abs((got[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(v)),
      ),
    );
  }
}

describe("refreshAllocation running totals", () => {
  it("writes hourly values for every active hour, including the outage caught up", async () => {
    const [row] = await test.db.execute<{ n: number }>(sql`
      select count(*)::int as n from container_allocation_1h
      where container_id = ${ids.steady}::uuid and covered_seconds > 0`);
    expect(row?.n).toBe(7 * 24);
  });

  it("answers any hourly window up to two days like summing its rows", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 7 * 24 - 1 }),
        fc.integer({ min: 1, max: 48 }),
        async (startHour, length) => {
          const from = new Date(START.getTime() + startHour * HOUR);
          const to = new Date(from.getTime() + length * HOUR);
          expectSameSums(
            await fromTotals("1h", from, to),
            await directSums("1h", from, to),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("answers any daily window like summing its rows", async () => {
    for (let first = 0; first < 7; first += 1)
      for (let last = first + 1; last <= 8; last += 1) {
        const from = new Date(START.getTime() + first * DAY);
        const to = new Date(START.getTime() + last * DAY);
        expectSameSums(
          await fromTotals("1d", from, to),
          await directSums("1d", from, to),
        );
      }
  });

  it("restarts a chain after a silence longer than the carry, and stops carrying a container that left", async () => {
    const rows = await test.db.execute<{ bucket: string; chain_start: string }>(
      sql`select bucket::text, chain_start::text from container_allocation_1h
          where container_id = ${ids.gap}::uuid order by bucket`,
    );
    expect(new Set(rows.map((r) => r.chain_start)).size).toBe(2);
    const [gone] = await test.db.execute<{ last: Date }>(sql`
      select max(bucket) as last from container_allocation_1h where container_id = ${ids.gone}::uuid`);
    expect(new Date(String(gone?.last)).getTime()).toBe(
      START.getTime() + (5 + 50) * HOUR,
    );
  });

  it("keeps namespace sums equal to their containers' rows, per bucket", async () => {
    const from = new Date(START.getTime() + 2 * DAY);
    const to = new Date(START.getTime() + 5 * DAY);
    const byNamespace = await queryNamespaceAllocation(test.db, {
      clusterId,
      from,
      to,
      resolution: "1d",
    });
    const containers = await fromTotals("1d", from, to);
    const jobs = ["gap", "batch", "gone"]
      .map((name) => containers.get(ids[name] ?? "")?.[1] ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(
      byNamespace.find((n) => n.namespace === "jobs")?.cpuAllocatedCoreSeconds,
    ).toBeCloseTo(jobs, 3);
    const series = await queryAllocationSeries(test.db, {
      clusterId,
      from,
      to,
      resolution: "1d",
      namespace: "web",
    });
    expect(series).toHaveLength(3);
    expect(
      series.reduce((sum, p) => sum + p.cpuAllocatedCoreSeconds, 0),
    ).toBeCloseTo(containers.get(ids.steady ?? "")?.[1] ?? 0, 3);
  });
});

describe("migration 0008", () => {
  it("gives rows written before running totals the totals and namespace sums a refresh writes", async () => {
    const snapshot = () =>
      test.db.execute<Record<string, unknown>>(sql`
        select '1h' as resolution, container_id, bucket::text, cum_covered_seconds, cum_cpu_allocated_core_seconds,
          cum_memory_usage_byte_seconds, chain_start::text, last_active::text
        from container_allocation_1h where cluster_id = ${clusterId}::uuid
        union all
        select '1d', container_id, bucket::text, cum_covered_seconds, cum_cpu_allocated_core_seconds,
          cum_memory_usage_byte_seconds, chain_start::text, last_active::text
        from container_allocation_1d where cluster_id = ${clusterId}::uuid
        order by 1, 2, 3`);
    const namespaces = () =>
      test.db.execute<Record<string, unknown>>(sql`
        select namespace, bucket::text, round(cpu_allocated_core_seconds::numeric, 3)::text as cpu
        from namespace_allocation_1d where cluster_id = ${clusterId}::uuid order by 1, 2`);
    const refreshed = await snapshot();
    const refreshedNamespaces = await namespaces();
    const backfill = await readFile(
      join(MIGRATIONS_FOLDER, "0008_allocation_backfill.sql"),
      "utf8",
    );
    await test.db.transaction(async (tx) => {
      for (const table of [
        "container_allocation_1h",
        "container_allocation_1d",
      ]) {
        const t = sql.raw(table);
        await tx.execute(
          sql`delete from ${t} where cluster_id = ${clusterId}::uuid and covered_seconds = 0`,
        );
        await tx.execute(sql`update ${t} set cum_covered_seconds = 0, cum_cpu_usage_core_seconds = 0,
          cum_cpu_request_core_seconds = 0, cum_cpu_allocated_core_seconds = 0,
          cum_memory_usage_byte_seconds = 0, cum_memory_request_byte_seconds = 0,
          cum_memory_allocated_byte_seconds = 0, chain_start = null, last_active = null
          where cluster_id = ${clusterId}::uuid`);
      }
      await tx.execute(
        sql`delete from namespace_allocation_1d where cluster_id = ${clusterId}::uuid`,
      );
      for (const statement of backfill.split("--> statement-breakpoint"))
        await tx.execute(sql.raw(statement));
    });
    const backfilled = await snapshot();
    expect(backfilled.length).toBe(refreshed.length);
    backfilled.forEach((row, i) => {
      const want = refreshed[i] ?? {};
      expect(row).toMatchObject({
        container_id: want.container_id,
        bucket: want.bucket,
        chain_start: want.chain_start,
        last_active: want.last_active,
      });
      expect(Number(row.cum_cpu_allocated_core_seconds)).toBeCloseTo(
        Number(want.cum_cpu_allocated_core_seconds),
        3,
      );
    });
    expect(await namespaces()).toEqual(refreshedNamespaces);
  });
});

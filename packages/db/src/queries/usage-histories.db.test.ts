import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestContainer,
  createTestContainerChain,
  createTestDatabase,
  TEST_NOW,
  type TestDatabase,
} from "../testing";
import {
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

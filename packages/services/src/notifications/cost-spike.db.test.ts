import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { insertRollups, refreshAllocation } from "@kubewise/db";
import {
  createTestCluster,
  createTestContainer,
  createTestDatabase,
  createTestUser,
  createTestWorkload,
  type TestDatabase,
} from "@kubewise/db/testing";

import type { Actor } from "../context";
import { createTestContext, TEST_NOW } from "../testing";
import { evaluateAlerts } from "./evaluate";

// The cost-spike alert against the last 7 days, on allocation the maintenance round derives from
// 5-minute rollups (refreshAllocation), at noon UTC of the pinned day (half a day to compare, whatever
// instant E2E_NOW pins).

const DAY_MS = 86_400_000;
const BUCKET_MS = 300_000;
const MIDNIGHT = Math.floor(TEST_NOW.getTime() / DAY_MS) * DAY_MS;
const NOW = new Date(MIDNIGHT + DAY_MS / 2);

let test: TestDatabase;
let admin: Actor;
beforeAll(async () => {
  test = await createTestDatabase();
  const user = await createTestUser(test.db, { role: "admin" });
  admin = { userId: user.id, role: "admin", scopes: "all" };
});
afterAll(() => test.close());

/** A cluster whose one container (no requests: allocation = usage) used `baseline` cores for 9 days, then `today` cores since midnight. */
async function clusterWithUsage(baseline: number, today: number) {
  const cluster = await createTestCluster(test.db);
  const workload = await createTestWorkload(test.db, {
    clusterId: cluster.id,
    namespace: "shop",
  });
  const container = await createTestContainer(test.db, {
    workloadId: workload.id,
    cpuRequestMillicores: null,
    memoryRequestBytes: null,
  });
  const from = MIDNIGHT - 9 * DAY_MS;
  const buckets = (NOW.getTime() - from) / BUCKET_MS;
  await insertRollups(
    test.db,
    Array.from({ length: buckets }, (_, i) => {
      const bucket = new Date(from + i * BUCKET_MS);
      const cores = bucket.getTime() >= MIDNIGHT ? today : baseline;
      return {
        bucket,
        containerId: container.id,
        sampleCount: 30,
        cpuUsageCoresAvg: cores,
        cpuUsageCoresMax: cores,
        cpuThrottledPeriodsSum: 0,
        cpuThrottledSecondsSum: 0,
        memoryWorkingSetBytesAvg: 2 ** 28,
        memoryWorkingSetBytesMax: 2 ** 28,
        memoryRssBytesMax: 2 ** 28,
        oomKillCountSum: 0,
      };
    }),
  );
  await refreshAllocation(test.db, { from: new Date(from), to: NOW });
  return cluster.id;
}

const alertsOf = (clusterId: string) =>
  test.sql<{ kind: string; title: string; dedup_key: string }[]>`
    select kind, title, dedup_key from alerts where cluster_id = ${clusterId}`;

describe("cost spike alert", () => {
  it("opens once when today runs above 1.5x the last 7 days' daily cost", async () => {
    const clusterId = await clusterWithUsage(1, 3);
    const ctx = createTestContext(test.db, admin, NOW);
    expect(await evaluateAlerts({ ctx, input: { clusterId } })).toMatchObject({
      opened: 1,
    });
    expect(await evaluateAlerts({ ctx, input: { clusterId } })).toMatchObject({
      opened: 0,
    });
    const alerts = await alertsOf(clusterId);
    expect(alerts.map((a) => [a.kind, a.dedup_key])).toEqual([
      ["cost_spike", `spike:${clusterId}:${NOW.toISOString().slice(0, 10)}`],
    ]);
    // CPU tripled, memory stayed flat: between 1.5x and 3x in all.
    const ratio = Number(
      /, (\d+\.\d)x the last 7 days'/.exec(alerts[0]?.title ?? "")?.[1],
    );
    expect(ratio).toBeGreaterThan(1.5);
    expect(ratio).toBeLessThanOrEqual(3);
  });

  it("stays quiet for a steady cluster and for a rise below the factor", async () => {
    const steady = await clusterWithUsage(1, 1);
    const ctx = createTestContext(test.db, admin, NOW);
    expect(
      await evaluateAlerts({ ctx, input: { clusterId: steady } }),
    ).toMatchObject({ opened: 0 });
    const rising = await clusterWithUsage(1, 3);
    expect(
      await evaluateAlerts({
        ctx,
        input: { clusterId: rising, spikeFactor: 5 },
      }),
    ).toMatchObject({ opened: 0 });
    expect(await alertsOf(steady)).toEqual([]);
    expect(await alertsOf(rising)).toEqual([]);
  });
});

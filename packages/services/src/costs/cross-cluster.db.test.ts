// Many clusters, one install: every cost query answers one cluster (by name or id) or all of them,
// and the all-cluster totals are the exact sums of the clusters' own numbers, each cluster priced
// with its own cost settings. Both clusters use the same namespace, workload, container and node
// names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { NotFoundError, ValidationError } from "@kubewise/core";
import { refreshAllocation, registerAgent } from "@kubewise/db";
import {
  createTestCluster,
  createTestDatabase,
  type TestDatabase,
} from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import { listRecommendations } from "../recommendations/list";
import {
  createAppContainer,
  createPendingRecommendation,
  createTestContext,
  seedFlatUsage,
  TEST_NOW,
} from "../testing";
import { getCostSettings, putCostSettings } from "./cost-settings";
import { exportAllocationCsv } from "./exports";
import { getAllocation } from "./get-allocation";
import { getCosts } from "./get-costs";
import { getSavings } from "./get-savings";

const GIB = 2 ** 30;
let test: TestDatabase;
const ids: Record<"east" | "west", string> = { east: "", west: "" };

beforeAll(async () => {
  test = await createTestDatabase();
  const ctx = createTestContext(test.db, SYSTEM_ACTOR);
  // east: 0.5 GiB used of 2 GiB requested; west: 3 GiB used (above the request), its own prices.
  for (const [name, memoryBytes, savings, nodeCores] of [
    ["east", GIB / 2, 20_000_000, 4],
    ["west", 3 * GIB, 30_000_000, 16],
  ] as const) {
    const cluster = await createTestCluster(test.db, { name });
    ids[name] = cluster.id;
    await registerAgent(test.sql, {
      clusterId: cluster.id,
      agentId: "node-1",
      bootId: "boot-1",
      node: {
        name: "node-1",
        cpuMillicores: nodeCores * 1000,
        memoryBytes: 2 ** 35,
      },
    });
    await test.sql`
      insert into cluster_capacity_1h (cluster_id, bucket, covered_seconds, cpu_core_seconds, memory_byte_seconds, node_count)
      select ${cluster.id}::uuid, h, 3600, ${nodeCores} * 3600, 8 * 2^30 * 3600, 1
      from generate_series(0, 23) i,
        lateral (select date_trunc('hour', ${TEST_NOW}::timestamptz - interval '24 hours') + i * interval '1 hour' as h) hours`;
    const { container } = await createAppContainer(test.db, {
      clusterId: cluster.id,
      namespace: "shop",
      name: "shop-api",
    });
    await seedFlatUsage(test.db, container.id, TEST_NOW, memoryBytes);
    await createPendingRecommendation(test.db, {
      clusterId: cluster.id,
      containerId: container.id,
      savings,
    });
  }
  await refreshAllocation(test.db, {
    from: new Date(TEST_NOW.getTime() - 86_400_000),
    to: TEST_NOW,
  });
  const { settings } = await getCostSettings({
    ctx,
    input: { cluster: "west" },
  });
  await putCostSettings({
    ctx,
    input: {
      cluster: "west",
      settings: {
        ...settings,
        pricing: {
          source: "custom",
          name: "west sheet",
          cpuCoreHourMicroUsd: 50_000,
          memoryGibHourMicroUsd: 5_000,
        },
      },
    },
  });
});
afterAll(async () => {
  await test.close();
});

// One container-day, hand-computed: max(request, usage) x the cluster's price.
const EAST_DAY = 24 * (31_611 + 2 * 4_237); // 1 core, 2 GiB requested: 962,040
const WEST_DAY = 24 * (50_000 + 3 * 5_000); // 1 core, 3 GiB used > 2 GiB requested: 1,560,000

describe("cross-cluster cost queries", () => {
  const ctx = () => createTestContext(test.db, SYSTEM_ACTOR);

  it("answers each cluster by name at its own prices, and all clusters as the exact sum", async () => {
    const east = await getCosts({ ctx: ctx(), input: { cluster: "east" } });
    const west = await getCosts({ ctx: ctx(), input: { cluster: "west" } });
    const byId = await getCosts({ ctx: ctx(), input: { clusterId: ids.west } });
    const all = await getCosts({ ctx: ctx(), input: {} });
    expect(east).toMatchObject({
      clusterId: ids.east,
      clusterName: "east",
      windowCostMicroUsd: EAST_DAY,
      projectedMonthlySavingsMicroUsd: 20_000_000,
      price: { cpuCoreHourMicroUsd: 31_611 },
    });
    expect(west).toMatchObject({
      clusterId: ids.west,
      clusterName: "west",
      windowCostMicroUsd: WEST_DAY,
      projectedMonthlySavingsMicroUsd: 30_000_000,
      price: { cpuCoreHourMicroUsd: 50_000, source: "custom pricing sheet" },
    });
    expect(byId).toEqual(west);

    expect(all.clusterId).toBeNull();
    expect(all.clusters.map((c) => c.clusterName).sort()).toEqual([
      "east",
      "west",
    ]);
    // Prices differ: no single price for the total, each cluster keeps its own.
    expect(all.price).toBeNull();
    expect(all.windowCostMicroUsd).toBe(EAST_DAY + WEST_DAY);
    expect(all.monthlyNowMicroUsd).toBe(
      east.monthlyNowMicroUsd + west.monthlyNowMicroUsd,
    );
    expect(all.monthlyAfterMicroUsd).toBe(
      east.monthlyAfterMicroUsd + west.monthlyAfterMicroUsd,
    );
    expect(all.projectedMonthlySavingsMicroUsd).toBe(50_000_000);
    expect(east.monthlyIdleMicroUsd).not.toBeNull();
    expect(all.monthlyIdleMicroUsd).toBe(
      (east.monthlyIdleMicroUsd ?? 0) + (west.monthlyIdleMicroUsd ?? 0),
    );
    // Namespace "shop" in both clusters stays two lines, one per cluster.
    expect(
      all.byNamespace.map((n) => [n.clusterName, n.namespace]).sort(),
    ).toEqual([
      ["east", "shop"],
      ["west", "shop"],
    ]);
    expect(all.topWasteful.map((w) => w.clusterName).sort()).toEqual([
      "east",
      "west",
    ]);
  });

  it("sums savings and allocation over the clusters", async () => {
    const all = await getSavings({ ctx: ctx(), input: {} });
    const west = await getSavings({ ctx: ctx(), input: { cluster: "west" } });
    expect(west).toMatchObject({
      clusterName: "west",
      projectedMonthlyMicroUsd: 30_000_000,
    });
    expect(all).toMatchObject({
      clusterId: null,
      projectedMonthlyMicroUsd: 50_000_000,
    });
    expect(all.byNamespace.map((n) => n.clusterName).sort()).toEqual([
      "east",
      "west",
    ]);

    const input = { window: "24h", aggregate: "namespace", idle: false };
    const allocation = await getAllocation({ ctx: ctx(), input });
    expect(allocation.totalCostMicroUsd).toBe(EAST_DAY + WEST_DAY);
    expect(
      allocation.lines.map((l) => [l.properties.cluster, l.name]).sort(),
    ).toEqual([
      ["east", "shop"],
      ["west", "shop"],
    ]);
    const eastAllocation = await getAllocation({
      ctx: ctx(),
      input: { ...input, cluster: "east" },
    });
    expect(eastAllocation.totalCostMicroUsd).toBe(EAST_DAY);
    const byCluster = await getAllocation({
      ctx: ctx(),
      input: { ...input, aggregate: "cluster" },
    });
    expect(
      byCluster.lines.map((l) => [l.name, l.totalCostMicroUsd]).sort(),
    ).toEqual([
      ["east", EAST_DAY],
      ["west", WEST_DAY],
    ]);
    const csv = await exportAllocationCsv({ ctx: ctx(), input });
    expect(
      csv
        .trim()
        .split("\r\n")
        .slice(1)
        .map((row) => row.split(",")[3])
        .sort(),
    ).toEqual(["east", "west"]);
  });

  it("filters lists by cluster name and refuses unknown or contradictory clusters", async () => {
    const west = await listRecommendations({
      ctx: ctx(),
      input: { cluster: "west" },
    });
    expect(west.items.map((r) => r.clusterId)).toEqual([ids.west]);
    const all = await listRecommendations({ ctx: ctx(), input: {} });
    expect(all.total).toBe(2);

    await expect(
      getCosts({ ctx: ctx(), input: { cluster: "north" } }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      listRecommendations({ ctx: ctx(), input: { cluster: "north" } }),
    ).rejects.toThrow('no cluster named "north"');
    await expect(
      getCosts({ ctx: ctx(), input: { clusterId: ids.east, cluster: "west" } }),
    ).rejects.toThrow(ValidationError);
    await expect(
      getCosts({ ctx: ctx(), input: { cluster: "bad name!" } }),
    ).rejects.toThrow(ValidationError);
    // Settings belong to one cluster: all-clusters is refused with a clear message.
    await expect(getCostSettings({ ctx: ctx(), input: {} })).rejects.toThrow(
      "choose one (cluster name or clusterId)",
    );
  });
});

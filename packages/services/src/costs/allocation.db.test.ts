import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ForbiddenError } from "@kubewise/core";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { createServiceFixture, createTestContext, TEST_NOW } from "../testing";
import { getCostSettings, putCostSettings } from "./cost-settings";
import { exportAllocationCsv, exportRecommendationsCsv } from "./exports";
import { getAllocation } from "./get-allocation";
import { getCostDrilldown } from "./get-drilldown";

let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;

beforeAll(async () => {
  test = await createTestDatabase();
  fx = await createServiceFixture(test.db);
  await test.sql`update workloads set labels = ${test.sql.json({ team: "web" })} where namespace = 'shop'`;
  await test.sql`
    insert into cluster_capacity_1h (cluster_id, bucket, covered_seconds, cpu_core_seconds, memory_byte_seconds, node_count)
    select ${fx.cluster.id}::uuid, h, 3600, 4 * 3600, 8 * 2^30 * 3600, 1
    from generate_series(0, 23) i,
      lateral (select date_trunc('hour', ${TEST_NOW}::timestamptz - interval '24 hours') + i * interval '1 hour' as h) hours`;
});
afterAll(async () => {
  await test.close();
});

// One container-day at OpenCost defaults: 24 h x (1 core x 31,611 + 2 GiB x 4,237) micro-USD.
const PER_CONTAINER_DAY = 962_040;

describe("getAllocation", () => {
  it("allocates by namespace with idle capacity as its own line", async () => {
    const report = await getAllocation({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { window: "24h", aggregate: "namespace" },
    });
    expect(report.lines.map((l) => [l.name, l.totalCostMicroUsd])).toEqual([
      ["payments", PER_CONTAINER_DAY],
      ["shop", PER_CONTAINER_DAY],
      // 4 cores + 8 GiB for 24 h minus 2 cores + 4 GiB allocated.
      ["__idle__", 24 * (2 * 31_611 + 4 * 4_237)],
    ]);
    expect(report.totalCostMicroUsd).toBe(
      2 * PER_CONTAINER_DAY + 24 * (2 * 31_611 + 4 * 4_237),
    );
  });

  it("groups by label (unlabelled workloads are __unallocated__) and splits shared namespaces", async () => {
    const ctx = createTestContext(test.db, fx.actors.admin);
    const byTeam = await getAllocation({
      ctx,
      input: { window: "24h", aggregate: "label:team", idle: false },
    });
    expect(byTeam.lines.map((l) => l.name).sort()).toEqual([
      "__unallocated__",
      "web",
    ]);
    const shared = await getAllocation({
      ctx,
      input: {
        window: "24h",
        aggregate: "namespace",
        idle: false,
        shareNamespaces: ["payments"],
      },
    });
    expect(shared.lines).toHaveLength(1);
    expect(shared.lines[0]).toMatchObject({
      name: "shop",
      sharedCostMicroUsd: PER_CONTAINER_DAY,
      totalCostMicroUsd: 2 * PER_CONTAINER_DAY,
    });
  });

  it("allocates by controller and by controller kind", async () => {
    const ctx = createTestContext(test.db, fx.actors.admin);
    const byController = await getAllocation({
      ctx,
      input: { window: "24h", aggregate: "controller", idle: false },
    });
    expect(
      byController.lines.map((l) => [
        l.name,
        l.properties,
        l.totalCostMicroUsd,
      ]),
    ).toEqual([
      [
        "payments/Deployment/payments-api",
        {
          namespace: "payments",
          controllerKind: "Deployment",
          controller: "payments-api",
          workloadId: fx.payments.workload.id,
        },
        PER_CONTAINER_DAY,
      ],
      [
        "shop/Deployment/shop-api",
        {
          namespace: "shop",
          controllerKind: "Deployment",
          controller: "shop-api",
          workloadId: fx.shop.workload.id,
        },
        PER_CONTAINER_DAY,
      ],
    ]);
    const byKind = await getAllocation({
      ctx,
      input: { window: "24h", aggregate: "controllerKind", idle: false },
    });
    expect(byKind.lines.map((l) => [l.name, l.totalCostMicroUsd])).toEqual([
      ["Deployment", 2 * PER_CONTAINER_DAY],
    ]);
  });

  it("spreads idle when asked, and hides idle from a viewer who sees part of the cluster", async () => {
    const spread = await getAllocation({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { window: "24h", aggregate: "cluster", shareIdle: true },
    });
    expect(spread.lines).toHaveLength(1);
    expect(spread.lines[0]?.idleCostMicroUsd).toBe(
      24 * (2 * 31_611 + 4 * 4_237),
    );
    const viewer = await getAllocation({
      ctx: createTestContext(test.db, fx.actors.viewer),
      input: { window: "24h" },
    });
    expect(viewer.idle).toBeNull();
    expect(viewer.lines.map((l) => l.name)).toEqual(["shop"]);
  });

  it("exports the same lines as CSV, and the recommendations on screen as CSV", async () => {
    const ctx = createTestContext(test.db, fx.actors.viewer);
    const csv = await exportAllocationCsv({ ctx, input: { window: "24h" } });
    const rows = csv.trim().split("\r\n");
    expect(rows[0]).toBe(
      "window_start,window_end,aggregate,cluster,name,cpu_core_hours,ram_gib_hours,cpu_cost_usd,ram_cost_usd,shared_cost_usd,idle_cost_usd,total_cost_usd,efficiency",
    );
    expect(rows[1]).toContain(",shop,24.0000,48.0000,");
    const recommendations = await exportRecommendationsCsv({
      ctx,
      input: { phase: ["Pending"] },
    });
    expect(recommendations.trim().split("\r\n")).toHaveLength(2);
  });
});

describe("cost settings", () => {
  it("an admin saves a custom pricing sheet from CSV; prices apply to every total", async () => {
    const admin = createTestContext(test.db, fx.actors.admin);
    const { settings } = await getCostSettings({ ctx: admin, input: {} });
    await putCostSettings({
      ctx: admin,
      input: {
        settings,
        pricingCsv:
          "resource,unit,hourly_usd\ncpu,core,0.05\nmemory,GiB,0.01\n",
      },
    });
    const report = await getAllocation({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { window: "24h", aggregate: "cluster", idle: false },
    });
    expect(report.totalCostMicroUsd).toBe(2 * 24 * (50_000 + 2 * 10_000));
    await expect(
      putCostSettings({
        ctx: createTestContext(test.db, fx.actors.approver),
        input: { settings },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      putCostSettings({
        ctx: admin,
        input: { settings, pricingCsv: "cpu,0.05" },
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: { pricingCsv: [expect.any(String)] },
    });
    await putCostSettings({ ctx: admin, input: { settings } });
  });
});

describe("stored cost settings", () => {
  it("label keys, shared namespaces, idle sharing and a price sheet by values or a cloud list price apply to every total", async () => {
    const admin = createTestContext(test.db, fx.actors.admin);
    const { settings: saved, listPrices } = await getCostSettings({
      ctx: admin,
      input: {},
    });
    expect(listPrices.length).toBeGreaterThan(1);
    const IDLE_DAY = 24 * (2 * 31_611 + 4 * 4_237);
    try {
      await putCostSettings({
        ctx: admin,
        input: {
          settings: {
            labelKeys: ["team", "cost-center"],
            sharedNamespaces: ["payments"],
            sharedSplit: "even",
            shareIdle: true,
            pricing: {
              source: "custom",
              name: "negotiated",
              cpuCoreHourMicroUsd: 31_611,
              memoryGibHourMicroUsd: 4_237,
            },
          },
        },
      });
      expect(
        (await getCostSettings({ ctx: admin, input: {} })).settings.labelKeys,
      ).toEqual(["team", "cost-center"]);
      // payments is shared onto the one tenant left, and idle is spread over it.
      const report = await getAllocation({
        ctx: admin,
        input: { window: "24h", aggregate: "namespace" },
      });
      expect(report.lines).toHaveLength(1);
      expect(report.lines[0]).toMatchObject({
        name: "shop",
        sharedCostMicroUsd: PER_CONTAINER_DAY,
        idleCostMicroUsd: IDLE_DAY,
        totalCostMicroUsd: 2 * PER_CONTAINER_DAY + IDLE_DAY,
      });
      // A cloud list price instead: every container-hour at that price.
      const list = listPrices.find((p) => p.provider !== "custom");
      if (!list) throw new Error("no cloud list price");
      await putCostSettings({
        ctx: admin,
        input: {
          settings: {
            ...saved,
            pricing: {
              source: "list",
              provider: list.provider,
              family: list.family,
            },
          },
        },
      });
      const listed = await getAllocation({
        ctx: admin,
        input: { window: "24h", aggregate: "cluster", idle: false },
      });
      expect(listed.price?.cpuCoreHourMicroUsd).toBe(list.cpuCoreHourMicroUsd);
      expect(listed.totalCostMicroUsd).toBe(
        Math.round(
          2 * 24 * (list.cpuCoreHourMicroUsd + 2 * list.memoryGibHourMicroUsd),
        ),
      );
      // Every change is audited with before and after.
      const [audit] = await test.sql<
        { payload: { after: { labelKeys: string[] } } }[]
      >`
        select payload from audit_log where action = 'costs.put_settings'
        order by id desc limit 1 offset 1`;
      expect(audit?.payload.after.labelKeys).toEqual(["team", "cost-center"]);
      await expect(
        putCostSettings({
          ctx: admin,
          input: { settings: { ...saved, labelKeys: ["not a key!"] } },
        }),
      ).rejects.toMatchObject({ code: "VALIDATION" });
    } finally {
      await putCostSettings({ ctx: admin, input: { settings: saved } });
    }
  });
});

describe("getCostDrilldown", () => {
  it("walks cluster -> namespace -> workload -> container and answers out-of-scope like missing", async () => {
    const ctx = createTestContext(test.db, fx.actors.admin);
    const cluster = await getCostDrilldown({ ctx, input: { window: "24h" } });
    expect(cluster.scope.level).toBe("cluster");
    expect(cluster.children.map((c) => c.id).sort()).toEqual([
      "payments",
      "shop",
    ]);
    // Each namespace's (and below, each workload's) open recommendations: one Pending each.
    expect(cluster.children.map((c) => c.openRecommendations)).toEqual([1, 1]);
    expect(cluster.idleCostMicroUsd).toBeGreaterThan(0);
    // One point per hour holding the fixture's 24 h of 5-minute rollups: 24, or 25 when they
    // start and end inside an hour (E2E_NOW=...T23:58:00Z).
    const hour = (ms: number) => Math.floor(ms / 3_600_000);
    const rollupsEnd = Math.floor(TEST_NOW.getTime() / 300_000) * 300_000;
    expect(cluster.series).toHaveLength(
      hour(rollupsEnd - 300_000) - hour(rollupsEnd - 86_400_000) + 1,
    );
    const ns = await getCostDrilldown({
      ctx,
      input: { window: "24h", namespace: "shop" },
    });
    expect(ns.children[0]?.id).toBe(fx.shop.workload.id);
    expect(ns.children[0]?.openRecommendations).toBe(1);
    expect(ns.recommendations.map((r) => r.id)).toEqual([
      fx.shop.recommendation.id,
    ]);
    const workload = await getCostDrilldown({
      ctx,
      input: { window: "24h", workloadId: fx.shop.workload.id },
    });
    expect(workload.children[0]?.id).toBe(fx.shop.container.id);
    const container = await getCostDrilldown({
      ctx,
      input: { window: "24h", containerId: fx.shop.container.id },
    });
    expect(container.total?.totalCostMicroUsd).toBe(PER_CONTAINER_DAY);
    expect(container.usage.length).toBeGreaterThan(0);
    const viewer = createTestContext(test.db, fx.actors.viewer);
    const outOfScope = await getCostDrilldown({
      ctx: viewer,
      input: { workloadId: fx.payments.workload.id },
    }).catch((e: unknown) => e);
    const missing = await getCostDrilldown({
      ctx: viewer,
      input: { workloadId: "00000000-0000-4000-8000-00000000abcd" },
    }).catch((e: unknown) => e);
    expect((outOfScope as Error).name).toBe((missing as Error).name);
    expect((outOfScope as { code: string }).code).toBe("NOT_FOUND");
  });

  it("splits each point into CPU, memory and idle; shows usage against request and limit, efficiency, a custom range and the open anomalies", async () => {
    const ctx = createTestContext(test.db, fx.actors.admin);
    const cluster = await getCostDrilldown({ ctx, input: { window: "24h" } });
    const sum = (f: (p: (typeof cluster.series)[number]) => number) =>
      cluster.series.reduce((total, p) => total + f(p), 0);
    // Points are rounded one by one: their sum is the page's total within a micro-USD a point.
    expect(
      Math.abs(
        sum((p) => p.cpuCostMicroUsd) - (cluster.total?.cpuCostMicroUsd ?? 0),
      ),
    ).toBeLessThanOrEqual(cluster.series.length);
    expect(
      Math.abs(
        sum((p) => p.memoryCostMicroUsd) -
          (cluster.total?.ramCostMicroUsd ?? 0),
      ),
    ).toBeLessThanOrEqual(cluster.series.length);
    expect(sum((p) => p.idleCostMicroUsd)).toBeGreaterThan(0);

    const container = await getCostDrilldown({
      ctx,
      input: { window: "24h", containerId: fx.shop.container.id },
    });
    expect(container.scope.container).toMatchObject({
      cpuRequestMillicores: 1000,
      cpuLimitMillicores: 2000,
      memoryRequestBytes: 2 * 2 ** 30,
      memoryLimitBytes: 2 * 2 ** 30,
    });
    // Below the cluster there is no idle; a whole hour of the fixture: 0.2 of 1 core used.
    expect(container.series.every((p) => p.idleCostMicroUsd === 0)).toBe(true);
    const whole = container.series[Math.floor(container.series.length / 2)];
    expect(whole?.cpuUsageAvgCores).toBeCloseTo(0.2, 9);
    expect(whole?.cpuRequestAvgCores).toBeCloseTo(1, 9);
    expect(whole?.memoryUsageAvgBytes).toBeCloseTo(2 ** 29, 3);
    expect(container.usage[0]?.cpuP95Cores).toBeCloseTo(0.2, 9);
    // Efficiency = usage cost / allocated cost: (0.2 core + 0.5 GiB) / (1 core + 2 GiB).
    expect(container.total?.efficiency).toBeCloseTo(
      (0.2 * 31_611 + 0.5 * 4_237) / (31_611 + 2 * 4_237),
      6,
    );

    // A custom range: five whole hours inside the fixture's day.
    const hourMs = 3_600_000;
    const top = Math.floor(TEST_NOW.getTime() / hourMs) * hourMs;
    const from = new Date(top - 6 * hourMs).toISOString();
    const to = new Date(top - hourMs).toISOString();
    const custom = await getCostDrilldown({
      ctx,
      input: { window: `${from},${to}`, workloadId: fx.shop.workload.id },
    });
    expect(custom.window).toMatchObject({
      from: new Date(from),
      to: new Date(to),
      resolution: "1h",
    });
    expect(custom.series).toHaveLength(5);
    expect(custom.total?.totalCostMicroUsd).toBe(
      Math.round((5 * PER_CONTAINER_DAY) / 24),
    );

    // Open anomalies of the scope, and only those.
    await test.sql`
      insert into anomalies (cluster_id, container_id, kind, severity, detected_at, time_to_limit_seconds, details)
      values (${fx.cluster.id}, ${fx.shop.container.id}, 'leak', 'warning', ${TEST_NOW}, 7200, '{}'),
             (${fx.cluster.id}, ${fx.payments.container.id}, 'oom_risk', 'critical', ${TEST_NOW}, 600, '{}')`;
    const shop = await getCostDrilldown({
      ctx,
      input: { window: "24h", namespace: "shop" },
    });
    expect(shop.anomalies.map((a) => [a.namespace, a.kind])).toEqual([
      ["shop", "leak"],
    ]);
  });
});

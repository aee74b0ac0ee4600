import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { ForbiddenError, ValidationError } from "@kubewise/core";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import { approveRecommendation } from "../recommendations/approve";
import { recordApplyProgress } from "../recommendations/record-apply";
import { createServiceFixture, createTestContext, TEST_NOW } from "../testing";
import { getCosts } from "./get-costs";
import { getSavings } from "./get-savings";
import { parseSinceDays } from "./schemas";

let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});
beforeEach(async () => {
  fx = await createServiceFixture(test.db);
});

// Per container at OpenCost defaults: max(request, usage) x price (hand-computed): 24 h of
// allocation (1 core + 2 GiB requested, usage 0.2 core / 0.5 GiB).
const ALLOCATED_PER_CONTAINER_DAY = 24 * (31_611 + 2 * 4_237); // 962,040
const USAGE_PER_CONTAINER_DAY = 24 * (0.2 * 31_611 + 0.5 * 4_237); // 202,576.8
// The fixture's rollups end at the last 5-minute boundary before "now": the run rate observes
// 24 h plus the minutes since (none at the default instant, 3 at E2E_NOW=...T23:58:00Z).
const OBSERVED_HOURS = 24 + (TEST_NOW.getTime() % 300_000) / 3_600_000;
const monthly = (microUsd: number) =>
  Math.round((microUsd * 730) / OBSERVED_HOURS);
// 29,262,050 and 6,161,711 at the default instant.
const NOW_PER_CONTAINER = monthly(ALLOCATED_PER_CONTAINER_DAY);
const USAGE_PER_CONTAINER = monthly(USAGE_PER_CONTAINER_DAY);
const STORED_SAVINGS = { shop: 20_000_000, payments: 30_000_000 };

describe("getCosts", () => {
  it("prices every container at max(request, usage); after = now - the open recommendations' stored savings", async () => {
    const report = await getCosts({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { clusterId: fx.cluster.id },
    });
    expect(report).toMatchObject({
      monthlyNowMicroUsd: monthly(2 * ALLOCATED_PER_CONTAINER_DAY),
      monthlyAfterMicroUsd:
        monthly(2 * ALLOCATED_PER_CONTAINER_DAY) -
        STORED_SAVINGS.shop -
        STORED_SAVINGS.payments,
      projectedMonthlySavingsMicroUsd:
        STORED_SAVINGS.shop + STORED_SAVINGS.payments,
      price: {
        provider: "custom",
        cpuCoreHourMicroUsd: 31_611,
        memoryGibHourMicroUsd: 4_237,
      },
    });
    expect(report.observedHours).toBeCloseTo(OBSERVED_HOURS, 9);
    expect(report.byNamespace.map((n) => n.namespace).sort()).toEqual([
      "payments",
      "shop",
    ]);
    // Lines are rounded to whole micro-USD before the monthly scaling (x 30.4): a few micro-USD.
    expect(
      Math.abs(
        (report.topWasteful[0]?.monthlyUnusedMicroUsd ?? 0) -
          (NOW_PER_CONTAINER - USAGE_PER_CONTAINER),
      ),
    ).toBeLessThan(100);
  });

  it("counts only the viewer's namespaces and forbids unauthenticated callers", async () => {
    const report = await getCosts({
      ctx: createTestContext(test.db, fx.actors.viewer),
      input: { clusterId: fx.cluster.id },
    });
    expect(report.monthlyNowMicroUsd).toBe(NOW_PER_CONTAINER);
    expect(report.topWasteful.map((w) => w.namespace)).toEqual(["shop"]);
    await expect(
      getCosts({
        ctx: {
          ...createTestContext(test.db, fx.actors.viewer),
          actor: undefined as never,
        },
        input: {},
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("getSavings", () => {
  it("projects open recommendations and realizes applied ones pro rata", async () => {
    const id = fx.shop.recommendation.id;
    await approveRecommendation({
      ctx: createTestContext(test.db, fx.actors.approver),
      input: { id },
    });
    await recordApplyProgress({
      ctx: createTestContext(test.db, SYSTEM_ACTOR),
      input: { id, event: "startApply" },
    });
    await recordApplyProgress({
      ctx: createTestContext(test.db, SYSTEM_ACTOR),
      input: { id, event: "completeApply" },
    });
    const later = new Date(TEST_NOW.getTime() + 73 * 3_600_000);
    const report = await getSavings({
      ctx: createTestContext(test.db, fx.actors.admin, later),
      input: { clusterId: fx.cluster.id, sinceDays: 30 },
    });
    // shop saves 20 $/month: 73 h of 730 h is exactly 2 $.
    expect(report.realizedMicroUsd).toBe(2_000_000);
    expect(report.projectedMonthlyMicroUsd).toBe(30_000_000);
    expect(
      report.byNamespace.find((n) => n.namespace === "shop"),
    ).toMatchObject({ appliedCount: 1, realizedMicroUsd: 2_000_000 });
  });

  it("hides other namespaces from a scoped viewer", async () => {
    const report = await getSavings({
      ctx: createTestContext(test.db, fx.actors.viewer),
      input: { clusterId: fx.cluster.id },
    });
    expect(report.byNamespace.map((n) => n.namespace)).toEqual(["shop"]);
    expect(report.projectedMonthlyMicroUsd).toBe(20_000_000);
  });
});

describe("parseSinceDays", () => {
  it.each([
    ["30d", 30],
    ["7", 7],
    [" 365d ", 365],
  ])("parses %j as %d days", (since, days) => {
    expect(parseSinceDays(since)).toBe(days);
  });

  it.each(["0d", "30h", "-1d", "abc", "99999d"])("rejects %j", (since) => {
    expect(() => parseSinceDays(since)).toThrow(ValidationError);
  });
});

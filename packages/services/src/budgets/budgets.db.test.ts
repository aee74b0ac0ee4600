import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { refreshAllocation } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { getAllocation } from "../costs/get-allocation";
import { evaluateAlerts } from "../notifications/evaluate";
import {
  createAppContainer,
  createServiceFixture,
  createTestContext,
  seedFlatUsage,
  TEST_NOW,
} from "../testing";
import { createBudget, listBudgets } from "./budgets";

const DAY_MS = 86_400_000;
// One 1-core / 2 GiB container-day at OpenCost defaults: 24 h x (31,611 + 2 x 4,237) micro-USD.
const PER_CONTAINER_DAY = 962_040;

let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;
// The first instant of a month three months after the pinned "now" (any E2E_NOW): the ledger
// namespace runs one container for the day before it and the day after it, nothing else.
const monthStart = new Date(
  Date.UTC(TEST_NOW.getUTCFullYear(), TEST_NOW.getUTCMonth() + 3, 1),
);
const daysInMonth = new Date(
  Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 0),
).getUTCDate();

beforeAll(async () => {
  test = await createTestDatabase();
  fx = await createServiceFixture(test.db);
  const { container } = await createAppContainer(test.db, {
    clusterId: fx.cluster.id,
    namespace: "ledger",
    name: "ledger-api",
    labels: { team: "ledger" },
  });
  await seedFlatUsage(test.db, container.id, monthStart);
  await seedFlatUsage(
    test.db,
    container.id,
    new Date(monthStart.getTime() + DAY_MS),
  );
  await refreshAllocation(test.db, {
    from: new Date(monthStart.getTime() - DAY_MS),
    to: new Date(monthStart.getTime() + DAY_MS),
  });
});
afterAll(async () => {
  await test.close();
});

describe("budgets", () => {
  it("forecasts month to date + the last 7 days' daily rate for the rest of the month, per namespace and per label", async () => {
    const at = new Date(monthStart.getTime() + DAY_MS);
    const admin = createTestContext(test.db, fx.actors.admin, at);
    const byNamespace = await createBudget({
      ctx: admin,
      input: {
        clusterId: fx.cluster.id,
        name: "ledger namespace",
        scopeKind: "namespace",
        scopeValue: "ledger",
        monthlyLimitMicroUsd: 50_000_000,
      },
    });
    const byLabel = await createBudget({
      ctx: admin,
      input: {
        clusterId: fx.cluster.id,
        name: "team ledger",
        scopeKind: "label",
        scopeKey: "team",
        scopeValue: "ledger",
        monthlyLimitMicroUsd: 50_000_000,
      },
    });
    // One day into the month: one container-day so far; the last 7 days held two.
    const expected = Math.round(
      PER_CONTAINER_DAY + ((2 * PER_CONTAINER_DAY) / 7) * (daysInMonth - 1),
    );
    for (const budget of [byNamespace, byLabel])
      expect(budget).toMatchObject({
        clusterId: fx.cluster.id,
        monthToDateMicroUsd: PER_CONTAINER_DAY,
        forecastMicroUsd: expected,
        forecastRatio: expected / 50_000_000,
      });
    // The same numbers as the Costs page's allocation by label for the month.
    const costs = await getAllocation({
      ctx: admin,
      input: {
        clusterId: fx.cluster.id,
        window: "month",
        aggregate: "label:team",
      },
    });
    expect(
      costs.lines.find((l) => l.name === "ledger")?.totalCostMicroUsd,
    ).toBe(byLabel.monthToDateMicroUsd);
    // A label budget needs its key.
    await expect(
      createBudget({
        ctx: admin,
        input: {
          name: "x",
          scopeKind: "label",
          scopeValue: "ledger",
          monthlyLimitMicroUsd: 1,
        },
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: { scopeKey: [expect.stringContaining("label key")] },
    });

    // A viewer scoped to shop sees neither: not its namespace, and label budgets span namespaces.
    const seen = await listBudgets({
      ctx: createTestContext(test.db, fx.actors.viewer, at),
      input: { clusterId: fx.cluster.id },
    });
    expect(seen.map((b) => b.name)).toEqual([]);
  });

  it("at the first instant of a month the month to date is zero and the forecast still runs", async () => {
    const admin = createTestContext(test.db, fx.actors.admin, monthStart);
    const [ledger] = (
      await listBudgets({ ctx: admin, input: { clusterId: fx.cluster.id } })
    ).filter((b) => b.scopeKind === "namespace");
    expect(ledger).toMatchObject({
      monthToDateMicroUsd: 0,
      // the day before the month, spread over the whole month
      forecastMicroUsd: Math.round((PER_CONTAINER_DAY / 7) * daysInMonth),
    });
    await createBudget({
      ctx: admin,
      input: {
        clusterId: fx.cluster.id,
        name: "tight",
        scopeKind: "namespace",
        scopeValue: "ledger",
        monthlyLimitMicroUsd: 1_000,
      },
    });
    const result = await evaluateAlerts({
      ctx: admin,
      input: { clusterId: fx.cluster.id },
    });
    expect(result.opened).toBe(1);
    const titles = await test.sql<{ title: string }[]>`
      select title from alerts where kind = 'budget_forecast'`;
    expect(titles.map((t) => t.title)).toEqual([
      expect.stringContaining('Budget "tight" is forecast at'),
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";

// eslint-disable-next-line no-restricted-imports -- a database test builds its own database
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";
import { getCosts, getSavings } from "@kubewise/services";
import type { ServiceContext } from "@kubewise/services";
import {
  createServiceFixture,
  createTestContext,
  TEST_NOW,
} from "@kubewise/services/testing";

import { restGet } from "./test-client";

let test: TestDatabase;
let ctx: ServiceContext;

beforeAll(async () => {
  test = await createTestDatabase();
  const fx = await createServiceFixture(test.db);
  ctx = createTestContext(test.db, fx.actors.admin);
});
afterAll(async () => {
  await test.close();
});

async function rest(
  path: string,
  query: string,
): Promise<Record<string, unknown>> {
  const response = await restGet(ctx, path, query);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("one query layer: Overview = Savings = REST = SQL at one instant", () => {
  it("agrees on the window cost, the monthly run rate and the projected savings", async () => {
    const overview = await getCosts({ ctx, input: {} });
    const savings = await getSavings({ ctx, input: {} });
    const restCosts = await rest("/costs", "");
    const restSavings = await rest("/savings", "since=30d");
    const restAllocation = await rest(
      "/allocation",
      "window=7d&aggregate=namespace&idle=false",
    );

    // SQL straight from the 5-minute rollups and the requests (not via the allocation tables).
    const window = overview.window;
    const [direct] = await test.sql<{ cpu: number; memory: number }[]>`
      select sum(greatest(r.cpu_usage_cores_avg, c.cpu_request_millicores / 1000.0)) * 300 as cpu,
        sum(greatest(r.memory_working_set_bytes_avg, c.memory_request_bytes::float8)) * 300 as memory
      from metric_rollups_5m r join containers c on c.id = r.container_id
      join workloads w on w.id = c.workload_id
      join clusters k on k.id = w.cluster_id
      where k.id = ${overview.clusterId} and r.bucket >= ${window.from} and r.bucket < ${window.to}`;
    const sqlWindowCost = Math.round(
      (Number(direct?.cpu) / 3600) * overview.price!.cpuCoreHourMicroUsd +
        (Number(direct?.memory) / 2 ** 30 / 3600) *
          overview.price!.memoryGibHourMicroUsd,
    );
    const [open] = await test.sql<{ total: string }[]>`
      select sum(projected_monthly_savings_micro_usd)::text as total from recommendations
      where cluster_id = ${overview.clusterId} and phase in ('Pending', 'Approved')`;

    expect(overview.windowCostMicroUsd).toBe(sqlWindowCost);
    expect(restAllocation.totalCostMicroUsd).toBe(sqlWindowCost);
    expect(restCosts.monthlyNowMicroUsd).toBe(overview.monthlyNowMicroUsd);
    expect(overview.monthlyNowMicroUsd).toBe(
      Math.round((sqlWindowCost * 730) / overview.observedHours),
    );
    const projected = Number(open?.total);
    expect(overview.projectedMonthlySavingsMicroUsd).toBe(projected);
    expect(savings.projectedMonthlyMicroUsd).toBe(projected);
    expect(restSavings.projectedMonthlyMicroUsd).toBe(projected);
    expect(restCosts.projectedMonthlySavingsMicroUsd).toBe(projected);
    expect(overview.monthlyAfterMicroUsd).toBe(
      overview.monthlyNowMicroUsd - projected,
    );
    expect(TEST_NOW.getTime()).toBe(window.to.getTime());
  });
});

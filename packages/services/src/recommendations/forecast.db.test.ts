import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getUsageHistory, insertRollups } from "@kubewise/db";
import {
  createTestContainer,
  createTestDatabase,
  createTestRecommendation,
  createTestWorkload,
  type TestDatabase,
} from "@kubewise/db/testing";

import {
  createServiceFixture,
  createTestContext,
  rollupRow,
  TEST_NOW,
} from "../testing";
import { forecastUsage } from "./forecast";
import { getRecommendation } from "./get";

const GIB = 2 ** 30;
let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;

beforeAll(async () => {
  test = await createTestDatabase();
  fx = await createServiceFixture(test.db);
});
afterAll(async () => {
  await test.close();
});

/** A container in `shop` with 48 h of rollups: a daily CPU cycle and memory scaled by `memoryScale`. */
async function containerWithCycle(memoryScale: number) {
  const workload = await createTestWorkload(test.db, {
    clusterId: fx.cluster.id,
    namespace: "shop",
  });
  const container = await createTestContainer(test.db, {
    workloadId: workload.id,
  });
  await insertRollups(
    test.db,
    Array.from({ length: 576 }, (_, i) => {
      const bucket = new Date(TEST_NOW.getTime() - (576 - i) * 300_000);
      const level =
        1 + 0.5 * Math.sin((2 * Math.PI * bucket.getUTCHours()) / 24);
      const memoryBytes = Math.round(0.5 * GIB * memoryScale * level);
      return rollupRow(container.id, bucket, {
        cpu: 0.3 * level,
        cpuMax: 0.4 * level,
        memory: memoryBytes,
      });
    }),
  );
  const recommendation = await createTestRecommendation(test.db, {
    clusterId: fx.cluster.id,
    containerId: container.id,
  });
  return { container, recommendation };
}

describe("getRecommendation forecast", () => {
  it("forecasts the container's next 24 h from its own last 48 h of rollups", async () => {
    const small = await containerWithCycle(1);
    const large = await containerWithCycle(4);
    const ctx = createTestContext(test.db, fx.actors.viewer);
    const [smallDetail, largeDetail] = await Promise.all(
      [small, large].map((c) =>
        getRecommendation({ ctx, input: { id: c.recommendation.id } }),
      ),
    );
    const history = await getUsageHistory(test.db, {
      containerId: small.container.id,
      from: new Date(TEST_NOW.getTime() - 48 * 3_600_000),
      to: TEST_NOW,
    });
    expect(history).toHaveLength(576);
    expect(smallDetail?.forecast).toEqual(
      forecastUsage({ history, now: TEST_NOW }),
    );
    if (
      smallDetail?.forecast.kind !== "forecast" ||
      largeDetail?.forecast.kind !== "forecast"
    )
      throw new Error("expected forecasts for both containers");
    const s = smallDetail.forecast;
    const l = largeDetail.forecast;
    // Observed peak 0.75 GiB; the model normalizes per series, so 4x memory forecasts 4x.
    expect(s.memoryPeakBytes.p50 / (0.75 * GIB)).toBeGreaterThan(0.7);
    expect(s.memoryPeakBytes.p50 / (0.75 * GIB)).toBeLessThan(1.5);
    expect(s.memoryPeakBytes.p90).toBeGreaterThanOrEqual(s.memoryPeakBytes.p50);
    expect(l.memoryPeakBytes.p90 / s.memoryPeakBytes.p90).toBeCloseTo(4, 4);
    expect(l.cpuP95Millicores).toEqual(s.cpuP95Millicores);
  });

  it("says why there is no forecast when the last 48 h hold no rollups", async () => {
    const threeDaysLater = new Date(TEST_NOW.getTime() + 3 * 86_400_000);
    const detail = await getRecommendation({
      ctx: createTestContext(test.db, fx.actors.viewer, threeDaysLater),
      input: { id: fx.shop.recommendation.id },
    });
    expect(detail.forecast).toMatchObject({ kind: "unavailable" });
  });
});

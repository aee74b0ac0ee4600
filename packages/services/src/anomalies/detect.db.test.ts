import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ForbiddenError } from "@kubewise/core";
import { insertRollups } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import {
  createServiceFixture,
  createTestContext,
  leakingRollups,
  TEST_NOW,
} from "../testing";
import { detectAnomalies } from "./detect";
import { listAnomalies } from "./list";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

describe("detectAnomalies", () => {
  it("opens a leak and OOM risk for a growing container, once, and resolves them when growth stops", async () => {
    const fx = await createServiceFixture(test.db);
    const later = new Date(TEST_NOW.getTime() + 12 * 3_600_000);
    await insertRollups(
      test.db,
      leakingRollups(fx.payments.container.id, later),
    );
    const ctx = createTestContext(test.db, SYSTEM_ACTOR, later);
    const input = {
      clusterId: fx.cluster.id,
      now: later,
      historyWindowSeconds: 86_400,
    };

    const first = await detectAnomalies({ ctx, input });
    expect(first).toMatchObject({ opened: 2, containers: 2 });
    const open = await listAnomalies({
      ctx,
      input: { clusterId: fx.cluster.id },
    });
    expect(open.map((a) => [a.workloadName, a.kind]).sort()).toEqual([
      ["payments-api", "leak"],
      ["payments-api", "oom_risk"],
    ]);
    const leak = open.find((a) => a.kind === "leak");
    expect(leak?.timeToLimitSeconds).toBeGreaterThan(0);
    expect(leak?.timeToLimitSeconds).toBeLessThan(4 * 3600);

    expect(await detectAnomalies({ ctx, input })).toMatchObject({
      opened: 0,
      stillOpen: 2,
    });

    // Two silent days are no evidence: the anomalies stay open until data clears them.
    const muchLater = new Date(later.getTime() + 2 * 86_400_000);
    const silent = await detectAnomalies({
      ctx: createTestContext(test.db, SYSTEM_ACTOR, muchLater),
      input: { ...input, now: muchLater },
    });
    expect(silent).toMatchObject({ resolved: 0, stillOpen: 2 });

    await insertRollups(
      test.db,
      leakingRollups(fx.payments.container.id, muchLater, true),
    );
    const resolved = await detectAnomalies({
      ctx: createTestContext(test.db, SYSTEM_ACTOR, muchLater),
      input: { ...input, now: muchLater },
    });
    expect(resolved).toMatchObject({ resolved: 2, stillOpen: 0 });
  });

  it("is reserved for admins and the system", async () => {
    const fx = await createServiceFixture(test.db);
    await expect(
      detectAnomalies({
        ctx: createTestContext(test.db, fx.actors.approver),
        input: { clusterId: fx.cluster.id, now: TEST_NOW },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ForbiddenError } from "@kubewise/core";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import { createServiceFixture, createTestContext, TEST_NOW } from "../testing";
import { listAnomalies } from "./list";
import { recordAgentAnomalies } from "./record";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

describe("recordAgentAnomalies", () => {
  it("opens one anomaly per container and kind, and a resent flag opens nothing", async () => {
    const fx = await createServiceFixture(test.db);
    const ctx = createTestContext(test.db, SYSTEM_ACTOR, TEST_NOW);
    const input = {
      clusterId: fx.cluster.id,
      agentId: "node-a",
      anomalies: [
        {
          containerId: fx.payments.container.id,
          kind: "leak" as const,
          severity: "critical" as const,
          detectedAt: TEST_NOW,
          timeToLimitSeconds: 3600,
          details: { slope_bytes_per_second: 2048 },
        },
      ],
    };
    expect(await recordAgentAnomalies({ ctx, input })).toEqual({
      opened: 1,
      alreadyOpen: 0,
    });
    expect(await recordAgentAnomalies({ ctx, input })).toEqual({
      opened: 0,
      alreadyOpen: 1,
    });
    const open = await listAnomalies({
      ctx,
      input: { clusterId: fx.cluster.id, kind: "leak" },
    });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      kind: "leak",
      severity: "critical",
      timeToLimitSeconds: 3600,
      details: {
        slope_bytes_per_second: 2048,
        source: "agent",
        agentId: "node-a",
      },
    });
  });

  it("refuses a viewer", async () => {
    const fx = await createServiceFixture(test.db);
    const ctx = createTestContext(test.db, fx.actors.viewer, TEST_NOW);
    await expect(
      recordAgentAnomalies({
        ctx,
        input: { clusterId: fx.cluster.id, agentId: "a", anomalies: [] },
      }),
    ).rejects.toThrow(ForbiddenError);
  });
});

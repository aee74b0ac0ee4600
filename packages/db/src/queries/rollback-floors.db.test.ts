import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestCluster,
  createTestContainer,
  createTestDatabase,
  createTestRecommendation,
  createTestWorkload,
  type TestDatabase,
} from "../testing";
import { updateRecommendationPhase } from "./recommendations";
import {
  getRollbackMemoryFloor,
  setRollbackMemoryFloor,
} from "./rollback-floors";

describe("rollback memory floors (real PostgreSQL)", () => {
  let t: TestDatabase;
  let clusterId: string;
  let containerId: string;
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createTestCluster(t.db)).id;
    const workload = await createTestWorkload(t.db, { clusterId });
    containerId = (await createTestContainer(t.db, { workloadId: workload.id }))
      .id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const recommendation = async (
    version: number,
    phase: "Applied" | "RolledBack",
    s: number,
  ) => {
    const row = await createTestRecommendation(t.db, {
      clusterId,
      containerId,
      version,
    });
    await updateRecommendationPhase(t.db, {
      id: row.id,
      fromPhase: "Pending",
      toPhase: phase,
      at: at(s),
    });
    return row.id;
  };

  it("has no floor for a container that never rolled back", async () => {
    expect(await getRollbackMemoryFloor(t.db, containerId)).toBeUndefined();
  });

  it("returns the floor of the last rollback, and forgets it after a later apply", async () => {
    const rolled = await recommendation(1, "RolledBack", 10);
    await setRollbackMemoryFloor(t.db, {
      recommendationId: rolled,
      memoryBytes: 356 * 2 ** 20,
    });
    expect(await getRollbackMemoryFloor(t.db, containerId)).toBe(356 * 2 ** 20);
    await recommendation(2, "Applied", 20);
    expect(await getRollbackMemoryFloor(t.db, containerId)).toBeUndefined();
  });
});

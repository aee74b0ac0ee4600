import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getClusterByName, listAuditLog } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { detectAnomalies } from "../anomalies/detect";
import { listAnomalies } from "../anomalies/list";
import { verifyAuditChain } from "../audit/verify";
import { SYSTEM_ACTOR } from "../context";
import { listRecommendations } from "../recommendations/list";
import { createTestContext, TEST_NOW } from "../testing";
import { extendDemoHistory } from "./live";
import { createSeededRng } from "./rng";
import { seedDemoData } from "./seed";

const now = TEST_NOW;
let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

describe("seedDemoData", () => {
  it("creates a cluster with history, users, recommendations in several phases and anomalies", async () => {
    const result = await seedDemoData({
      db: test.db,
      now,
      rng: createSeededRng(42),
      historyDays: 4,
    });
    expect(result.created).toBe(true);
    expect(result.containers).toBe(21);
    expect(result.rollups).toBe(21 * 4 * 288);
    expect(result.users.map((u) => u.role).sort()).toEqual([
      "admin",
      "approver",
      "viewer",
    ]);
    const anomalies = await listAnomalies({
      ctx: createTestContext(test.db, SYSTEM_ACTOR, now),
      input: { clusterId: result.clusterId },
    });
    const kinds = anomalies.map((a) => a.kind);
    expect(kinds.filter((k) => k === "leak")).toHaveLength(2);
    expect(kinds.filter((k) => k === "oom_risk")).toHaveLength(1);
    expect(kinds).toContain("cpu_spike");
    expect(result.anomalies).toBe(anomalies.length);

    const ctx = createTestContext(test.db, SYSTEM_ACTOR, now);
    const page = await listRecommendations({
      ctx,
      input: {
        clusterId: result.clusterId,
        phase: ["Pending", "Approved", "Rejected", "Applied", "Superseded"],
        limit: 500,
      },
    });
    const phases = new Set(page.items.map((i) => i.phase));
    expect(phases).toContain("Pending");
    expect(phases).toContain("Applied");
    expect(phases).toContain("Rejected");
    expect(page.items.some((i) => i.projectedMonthlySavingsMicroUsd > 0)).toBe(
      true,
    );

    const audit = await listAuditLog(test.db, {
      clusterId: result.clusterId,
      limit: 1000,
      offset: 0,
    });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "recommendation.create",
        "recommendation.approve",
        "recommendation.reject",
        "recommendation.completeApply",
      ]),
    );
    expect((await verifyAuditChain({ ctx, input: {} })).ok).toBe(true);
  });

  it("is a no-op when the cluster already exists", async () => {
    const again = await seedDemoData({
      db: test.db,
      now,
      rng: createSeededRng(42),
      historyDays: 4,
    });
    expect(again.created).toBe(false);
  });

  it("keeps the seeded workloads live: history up to now, the leak and the OOM risk stay open, the spike passes", async () => {
    const later = new Date(now.getTime() + 3 * 3_600_000);
    const cluster = await getClusterByName(test.db, "demo");
    const clusterId = cluster?.id ?? "";
    const open = async (at: Date) =>
      listAnomalies({
        ctx: createTestContext(test.db, SYSTEM_ACTOR, at),
        input: { clusterId },
      });
    const seeded = await open(now);
    const live = { db: test.db, rng: createSeededRng(1), historyDays: 4 };
    const extended = await extendDemoHistory({
      ...live,
      now: later,
      refreshAllocation: true,
    });
    expect(extended.rollups).toBe(21 * 36);
    expect(await extendDemoHistory({ ...live, now: later })).toEqual({
      rollups: 0,
    });

    await detectAnomalies({
      ctx: createTestContext(test.db, SYSTEM_ACTOR, later),
      input: { clusterId, now: later },
    });
    const after = await open(later);
    const lasting = seeded.filter((a) => a.kind !== "cpu_spike");
    expect(lasting.map((a) => a.kind)).toEqual(
      expect.arrayContaining(["leak", "oom_risk"]),
    );
    expect(after.map((a) => a.id)).toEqual(
      expect.arrayContaining(lasting.map((a) => a.id)),
    );
    expect(after.filter((a) => a.kind === "cpu_spike")).toEqual([]);
  });

  it("is deterministic for a seed", async () => {
    const other = await createTestDatabase();
    try {
      const a = await seedDemoData({
        db: other.db,
        now,
        rng: createSeededRng(7),
        historyDays: 2,
        clusterName: "a",
      });
      const b = await seedDemoData({
        db: other.db,
        now,
        rng: createSeededRng(7),
        historyDays: 2,
        clusterName: "b",
      });
      const ctx = createTestContext(other.db, SYSTEM_ACTOR, now);
      const values = async (clusterId: string) =>
        (
          await listRecommendations({
            ctx,
            input: { clusterId, limit: 500, sort: "savings_desc" },
          })
        ).items.map((i) => [
          i.namespace,
          i.workloadName,
          i.containerName,
          i.phase,
          i.recommended,
          i.projectedMonthlySavingsMicroUsd,
        ]);
      const sorted = async (clusterId: string) =>
        (await values(clusterId)).map((v) => JSON.stringify(v)).sort();
      expect(await sorted(a.clusterId)).toEqual(await sorted(b.clusterId));
    } finally {
      await other.close();
    }
    // A hang guard, not a speed target: two seeds took 50 s on a loaded 2-core machine and
    // timed out at the project's 60 s once.
  }, 180_000);
});

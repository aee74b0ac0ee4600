import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { clusters } from "../schema";
import {
  createTestDatabase,
  withRollback,
  type TestDatabase,
} from "./database";
import {
  createTestCluster,
  createTestContainerChain,
  createTestRecommendation,
  createTestUser,
} from "./factories";

describe("@kubewise/db/testing", () => {
  let first: TestDatabase;
  let second: TestDatabase;

  beforeAll(async () => {
    [first, second] = await Promise.all([
      createTestDatabase(),
      createTestDatabase(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it("gives each suite its own migrated database", async () => {
    const cluster = await createTestCluster(first.db);
    expect(first.name).not.toBe(second.name);
    expect(
      await second.db
        .select()
        .from(clusters)
        .where(eq(clusters.id, cluster.id)),
    ).toEqual([]);
    expect(
      await first.db.select().from(clusters).where(eq(clusters.id, cluster.id)),
    ).toHaveLength(1);
  });

  it("builds a full cluster -> workload -> container -> recommendation chain with the factories", async () => {
    const { cluster, workload, container } = await createTestContainerChain(
      first.db,
    );
    const recommendation = await createTestRecommendation(first.db, {
      clusterId: cluster.id,
      containerId: container.id,
      phase: "Approved",
    });
    const user = await createTestUser(first.db, { role: "admin" });

    expect(workload.clusterId).toBe(cluster.id);
    expect(container.workloadId).toBe(workload.id);
    expect(recommendation).toMatchObject({
      phase: "Approved",
      version: 1,
      projectedMonthlySavingsMicroUsd: 12_340_000,
    });
    expect(user.role).toBe("admin");
  });

  it("withRollback returns the result and leaves nothing behind", async () => {
    const id = await withRollback(first.db, async (tx) => {
      const cluster = await createTestCluster(tx);
      expect(
        await tx.select().from(clusters).where(eq(clusters.id, cluster.id)),
      ).toHaveLength(1);
      return cluster.id;
    });
    expect(
      await first.db.select().from(clusters).where(eq(clusters.id, id)),
    ).toEqual([]);
  });

  it("withRollback rethrows the callback's own error", async () => {
    await expect(
      withRollback(first.db, () => Promise.reject(new Error("boom"))),
    ).rejects.toThrow("boom");
  });

  it("drops the database on close", async () => {
    const extra = await createTestDatabase();
    await extra.close();
    const rows =
      await first.sql`select 1 from pg_database where datname = ${extra.name}`;
    expect(rows).toHaveLength(0);
  });
});

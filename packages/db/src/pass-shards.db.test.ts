import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createPassShardLeases,
  passShardOf,
  type PassShardLeases,
} from "./pass-shards";
import { createTestDatabase, type TestDatabase } from "./testing";

const CLUSTER = "5b0c1e8e-8f4e-4c8a-9d55-0d6f3f1f0a01";
const OTHER_CLUSTER = "5b0c1e8e-8f4e-4c8a-9d55-0d6f3f1f0a02";
const ALL = Array.from({ length: 8 }, (_, s) => s);

describe("createPassShardLeases", () => {
  let database: TestDatabase;
  let replicaA: PassShardLeases;
  let replicaB: PassShardLeases;
  let otherCluster: PassShardLeases;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    const make = (clusterId: string) =>
      createPassShardLeases({ url: database.url, clusterId, count: 8 });
    replicaA = make(CLUSTER);
    replicaB = make(CLUSTER);
    otherCluster = make(OTHER_CLUSTER);
  });
  afterAll(async () => {
    await Promise.all([replicaB.close(), otherCluster.close()]);
    await database.close();
  });

  it("splits the shards between the live replicas of a cluster, leases each to one of them, and hands a leaving replica's shards over", async () => {
    await replicaA.join();
    await replicaB.join();
    await otherCluster.join();
    const a = await replicaA.assigned();
    const b = await replicaB.assigned();
    expect([a.members, b.members]).toEqual([2, 2]);
    expect(a.shards).toHaveLength(4);
    expect([...a.shards, ...b.shards].sort((x, y) => x - y)).toEqual(ALL);
    // Another cluster's replicas are not members of this one.
    expect(await otherCluster.assigned()).toEqual({ shards: ALL, members: 1 });

    let started = (): void => undefined;
    const holding = new Promise<void>((resolve) => (started = resolve));
    let release = (): void => undefined;
    const aWork = replicaA.withLease(3, async () => {
      started();
      await new Promise<void>((resolve) => (release = resolve));
      return "a ran";
    });
    await holding;
    expect(await replicaB.withLease(3, () => Promise.resolve("b ran"))).toEqual(
      { ran: false },
    );
    expect(await replicaB.withLease(4, () => Promise.resolve("b ran"))).toEqual(
      { ran: true, value: "b ran" },
    );
    // The same shard of another cluster is another lease.
    expect(
      await otherCluster.withLease(3, () => Promise.resolve("other ran")),
    ).toEqual({ ran: true, value: "other ran" });
    release();
    expect(await aWork).toEqual({ ran: true, value: "a ran" });
    expect(await replicaB.withLease(3, () => Promise.resolve("b ran"))).toEqual(
      { ran: true, value: "b ran" },
    );

    await replicaA.close();
    expect(await replicaB.assigned()).toEqual({ shards: ALL, members: 1 });
  });

  it("spreads containers over the shards and refuses a shard count without room in the lock key", () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) {
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
      counts[passShardOf(id, 8)] = (counts[passShardOf(id, 8)] ?? 0) + 1;
    }
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
    expect(() =>
      createPassShardLeases({
        url: database.url,
        clusterId: CLUSTER,
        count: 65,
      }),
    ).toThrow(/1\.\.64/);
  });
});

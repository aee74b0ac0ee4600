import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPassShardLeases, listContainersInCluster } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";
import { createServiceFixture, TEST_NOW } from "@kubewise/services/testing";

import { startPassWorkers } from "./pool";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

describe("recommendation pass workers (worker threads, PostgreSQL)", () => {
  it("run the real pass off the main thread: the main thread holds each shard's lease and answers the step cap", async () => {
    const fx = await createServiceFixture(test.db);
    const leases = createPassShardLeases({
      url: test.url,
      clusterId: fx.cluster.id,
      count: 8,
    });
    await leases.join();
    const leased: number[] = [];
    const askedCap: string[] = [];
    const workers = await startPassWorkers({
      count: 2,
      // The aggregator's entry runs runPassWorker() in a worker thread.
      entry: new URL("../main.ts", import.meta.url),
      config: {
        databaseUrl: test.url,
        clusterId: fx.cluster.id,
        shardCount: 8,
        dbPoolSize: 2,
        recommender: "kubewise",
        modelDir: undefined,
        logLevel: "silent",
        maxStepRatio: true,
      },
      shards: {
        assigned: () => leases.assigned(),
        withLease: (shard, work) => {
          leased.push(shard);
          return leases.withLease(shard, work);
        },
      },
      maxStepRatio: (namespace) => {
        askedCap.push(namespace);
        return Promise.resolve(0.5);
      },
      logger: pino({ level: "silent" }),
    });
    try {
      const progress: number[] = [];
      const result = await workers.runPass(TEST_NOW, (p) =>
        progress.push(p.done),
      );
      const containers = await listContainersInCluster(test.db, fx.cluster.id);
      expect(result).toMatchObject({
        containers: containers.length,
        insufficientHistory: 0,
        shardsRun: 8,
        shardsBusy: 0,
        replicas: 1,
      });
      expect(result.created).toBe(containers.length);
      expect(leased.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(progress.at(-1)).toBe(containers.length);
      expect(new Set(askedCap)).toEqual(
        new Set(containers.map((c) => c.workload.namespace)),
      );
      // Every lease was given back: another session can take each shard now.
      const other = createPassShardLeases({
        url: test.url,
        clusterId: fx.cluster.id,
        count: 8,
      });
      try {
        for (let shard = 0; shard < 8; shard++)
          expect(
            (await other.withLease(shard, () => Promise.resolve(shard))).ran,
          ).toBe(true);
      } finally {
        await other.close();
      }

      // A shard held elsewhere is skipped, not waited for.
      const holder = createPassShardLeases({
        url: test.url,
        clusterId: fx.cluster.id,
        count: 8,
      });
      try {
        let release: () => void = () => undefined;
        let held: () => void = () => undefined;
        const isHeld = new Promise<void>((r) => (held = r));
        const holding = holder.withLease(
          3,
          () =>
            new Promise<void>((r) => {
              release = r;
              held();
            }),
        );
        await isHeld;
        const second = await workers.runPass(TEST_NOW);
        expect(second).toMatchObject({ shardsRun: 7, shardsBusy: 1 });
        expect(second.created).toBe(0);
        release();
        await holding;
      } finally {
        await holder.close();
      }
    } finally {
      await workers.close();
      await leases.close();
    }
  });
});

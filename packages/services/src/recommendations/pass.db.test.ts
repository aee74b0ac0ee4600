import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ForbiddenError } from "@kubewise/core";
import { createPassShardLeases, insertRollups } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import {
  createServiceFixture,
  createTestContext,
  leakingRollups,
  TEST_NOW,
} from "../testing";
import { getRecommendation } from "./get";
import { listRecommendations } from "./list";
import { runRecommendationPass, type PassProgress } from "./pass";

const GIB = 2 ** 30;
let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

describe("runRecommendationPass", () => {
  it("detects anomalies and recommends from one read of each history, the anomalies found guarding the same pass's recommendation", async () => {
    const fx = await createServiceFixture(test.db);
    const later = new Date(TEST_NOW.getTime() + 12 * 3_600_000);
    await insertRollups(
      test.db,
      leakingRollups(fx.payments.container.id, later),
    );
    const ctx = createTestContext(test.db, SYSTEM_ACTOR, later);
    const progress: PassProgress[] = [];
    const input = {
      clusterId: fx.cluster.id,
      now: later,
      recommendWindowSeconds: 2 * 86_400,
      anomalyWindowSeconds: 86_400,
      chunkSize: 1,
    };

    const first = await runRecommendationPass({
      ctx,
      input,
      onProgress: (p) => progress.push(p),
    });
    expect(first).toMatchObject({
      containers: 2,
      opened: 2,
      insufficientHistory: 0,
    });
    expect(first.created + first.unchanged).toBe(2);
    expect(progress).toEqual([
      { done: 1, total: 2 },
      { done: 2, total: 2 },
    ]);
    const pending = await listRecommendations({
      ctx,
      input: { clusterId: fx.cluster.id, phase: ["Pending"] },
    });
    const paymentsId = pending.items.find(
      (r) => r.namespace === "payments",
    )?.id;
    const payments = await getRecommendation({
      ctx,
      input: { id: paymentsId ?? "" },
    });
    // The leak opened in this pass is already among the signals its recommendation was sized by.
    expect(payments.evidence.openAnomalies).toEqual(
      expect.arrayContaining([expect.stringMatching(/^leak /)]),
    );
    expect(payments.recommended.memoryRequestBytes).toBeGreaterThanOrEqual(
      2 * GIB,
    );

    const second = await runRecommendationPass({ ctx, input });
    expect(second).toMatchObject({
      containers: 2,
      opened: 0,
      stillOpen: 2,
      created: 0,
      unchanged: 2,
    });
  });

  it("splits a pass between two replicas by shard: each container once, by the replica its shard falls to", async () => {
    const fx = await createServiceFixture(test.db);
    const ctx = createTestContext(test.db, SYSTEM_ACTOR);
    const replicas = [0, 1].map(() =>
      createPassShardLeases({
        url: test.url,
        clusterId: fx.cluster.id,
        count: 8,
      }),
    );
    try {
      for (const r of replicas) await r.join();
      const input = {
        clusterId: fx.cluster.id,
        now: TEST_NOW,
        recommendWindowSeconds: 86_400,
        anomalyWindowSeconds: 86_400,
      };
      const [a, b] = await Promise.all(
        replicas.map((shards) => runRecommendationPass({ ctx, input, shards })),
      );
      expect(a).toMatchObject({ replicas: 2, shardsRun: 4, shardsBusy: 0 });
      expect(b).toMatchObject({ replicas: 2, shardsRun: 4, shardsBusy: 0 });
      expect((a?.containers ?? 0) + (b?.containers ?? 0)).toBe(2);
      expect(
        (a?.created ?? 0) +
          (a?.unchanged ?? 0) +
          (b?.created ?? 0) +
          (b?.unchanged ?? 0),
      ).toBe(2);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it("is an admin verb and refuses an anomaly window longer than the recommendation window", async () => {
    const fx = await createServiceFixture(test.db);
    const input = { clusterId: fx.cluster.id, now: TEST_NOW };
    await expect(
      runRecommendationPass({
        ctx: createTestContext(test.db, fx.actors.viewer),
        input,
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      runRecommendationPass({
        ctx: createTestContext(test.db, SYSTEM_ACTOR),
        input: {
          ...input,
          recommendWindowSeconds: 86_400,
          anomalyWindowSeconds: 2 * 86_400,
        },
      }),
    ).rejects.toMatchObject({
      fieldErrors: {
        anomalyWindowSeconds: ["must not exceed recommendWindowSeconds"],
      },
    });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { PreconditionFailedError } from "@kubewise/core";
import {
  getRecommendationWithContext,
  getRollbackMemoryFloor,
  listAuditLog,
} from "@kubewise/db";
import {
  createTestDatabase,
  createTestRecommendation,
  type TestDatabase,
} from "@kubewise/db/testing";
import { toRecommendationName } from "@kubewise/k8s";

import { verifyAuditChain } from "../audit/verify";
import { SYSTEM_ACTOR } from "../context";
import { approveRecommendation } from "../recommendations/approve";
import { rejectRecommendation } from "../recommendations/reject";
import { createServiceFixture, createTestContext, TEST_NOW } from "../testing";
import {
  CONTROLLER_CONNECTED_WITHIN_MS,
  getClusterConnection,
} from "./connection";
import { hashDesired } from "./desired";
import type {
  ClusterRecommendationState,
  RecommendationPublisher,
} from "./plan";
import { syncRecommendationsToCluster } from "./sync-cluster";

let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});
beforeEach(async () => {
  fx = await createServiceFixture(test.db);
});

/** In-memory cluster: what the real publisher would read back after its writes. */
function createFakePublisher() {
  const objects = new Map<
    string,
    ClusterRecommendationState & { dryRun: boolean }
  >();
  const key = (ref: { namespace: string; name: string }) =>
    `${ref.namespace}/${ref.name}`;
  const publisher: RecommendationPublisher = {
    publish(desired) {
      const ref = {
        namespace: desired.namespace,
        name: toRecommendationName(desired.target),
      };
      objects.set(key(ref), {
        dryRun: true,
        ...objects.get(key(ref)),
        ...ref,
        specHash: hashDesired(desired),
      });
      return Promise.resolve();
    },
    setApproval(ref, approval, options) {
      const object = objects.get(key(ref));
      if (!object) return Promise.reject(new Error(`${key(ref)} not found`));
      object.approval = approval;
      if (options?.dryRun !== undefined) object.dryRun = options.dryRun;
      return Promise.resolve();
    },
    listStatuses: () => Promise.resolve([...objects.values()]),
  };
  return { publisher, objects };
}

const systemCtx = (publisher: RecommendationPublisher) => ({
  ...createTestContext(test.db, SYSTEM_ACTOR),
  ports: { clusterPublisher: publisher },
});
const phaseOf = async (id: string) =>
  (await getRecommendationWithContext(test.db, id))?.recommendation.phase;
const auditActions = async (id: string) =>
  (
    await listAuditLog(test.db, {
      subject: `recommendation:${id}`,
      limit: 50,
      offset: 0,
    })
  ).map((a) => a.action);

describe("syncRecommendationsToCluster", () => {
  it("refuses to run without a cluster publisher", async () => {
    await expect(
      syncRecommendationsToCluster({
        ctx: createTestContext(test.db, SYSTEM_ACTOR),
        input: { clusterId: fx.cluster.id },
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it("marks the cluster connected while its controller syncs; without one, approvals wait", async () => {
    const input = { clusterId: fx.cluster.id };
    const viewerAt = (at: Date) =>
      createTestContext(test.db, fx.actors.viewer, at);
    await approveRecommendation({
      ctx: createTestContext(test.db, fx.actors.approver),
      input: { id: fx.shop.recommendation.id },
    });
    expect(
      await getClusterConnection({ ctx: viewerAt(TEST_NOW), input }),
    ).toEqual({
      clusterId: fx.cluster.id,
      connected: false,
      controllerSeenAt: null,
      approvalsWaiting: 1,
    });

    await syncRecommendationsToCluster({
      ctx: systemCtx(createFakePublisher().publisher),
      input,
    });
    expect(
      await getClusterConnection({ ctx: viewerAt(TEST_NOW), input }),
    ).toMatchObject({ connected: true, controllerSeenAt: TEST_NOW });
    const silent = new Date(
      TEST_NOW.getTime() + CONTROLLER_CONNECTED_WITHIN_MS + 1,
    );
    expect(
      await getClusterConnection({ ctx: viewerAt(silent), input }),
    ).toMatchObject({ connected: false, controllerSeenAt: TEST_NOW });
  });

  it("publishes, copies a dashboard approval, then records the controller's apply", async () => {
    const { publisher, objects } = createFakePublisher();
    const ctx = systemCtx(publisher);
    const input = { clusterId: fx.cluster.id };
    await approveRecommendation({
      ctx: createTestContext(test.db, fx.actors.approver),
      input: { id: fx.shop.recommendation.id },
    });

    const first = await syncRecommendationsToCluster({ ctx, input });
    expect(first).toMatchObject({
      published: 2,
      approvalsPushed: 1,
      dbPhaseChanges: 0,
    });
    const shop = objects.get("shop/deployment-shop-api")!;
    expect(shop.approval).toMatchObject({
      state: "Approved",
      specHash: shop.specHash,
    });
    // shop's safety rules turn dry-run off; payments keeps the default dry-run.
    expect(shop.dryRun).toBe(false);
    expect(objects.get("payments/deployment-payments-api")).toMatchObject({
      dryRun: true,
    });
    expect(
      objects.get("payments/deployment-payments-api")?.approval,
    ).toBeUndefined();

    const again = await syncRecommendationsToCluster({ ctx, input });
    expect(again).toEqual({
      published: 0,
      approvalsPushed: 0,
      dbPhaseChanges: 0,
      conflicts: [],
      // No HPA source in this context: nothing listed, nothing stored.
      hpas: { status: "skipped" },
    });

    shop.phase = "Applied";
    const applied = await syncRecommendationsToCluster({ ctx, input });
    expect(applied.dbPhaseChanges).toBe(1);
    expect(await phaseOf(fx.shop.recommendation.id)).toBe("Applied");
    expect(await auditActions(fx.shop.recommendation.id)).toEqual(
      expect.arrayContaining([
        "recommendation.approve",
        "recommendation.startApply",
        "recommendation.completeApply",
      ]),
    );
    expect(
      (
        await verifyAuditChain({
          ctx: createTestContext(test.db, fx.actors.admin),
          input: {},
        })
      ).ok,
    ).toBe(true);
  });

  it("copies a kubectl approval and a kubectl rejection into the DB with audit rows", async () => {
    const { publisher, objects } = createFakePublisher();
    const ctx = systemCtx(publisher);
    const input = { clusterId: fx.cluster.id };
    await syncRecommendationsToCluster({ ctx, input });
    const payments = objects.get("payments/deployment-payments-api")!;
    const shop = objects.get("shop/deployment-shop-api")!;
    payments.approval = {
      state: "Approved",
      by: "alice",
      specHash: payments.specHash,
    };
    shop.approval = { state: "Rejected", by: "bob" };

    const result = await syncRecommendationsToCluster({ ctx, input });
    expect(result.dbPhaseChanges).toBe(2);
    expect(await phaseOf(fx.payments.recommendation.id)).toBe("Approved");
    expect(await phaseOf(fx.shop.recommendation.id)).toBe("Rejected");
    const audit = await listAuditLog(test.db, {
      subject: `recommendation:${fx.payments.recommendation.id}`,
      limit: 10,
      offset: 0,
    });
    // The sync is the actor; the kubectl user is named in the payload.
    expect(audit.map((a) => [a.action, a.actor, a.payload])).toContainEqual([
      "recommendation.approve",
      "system:aggregator",
      expect.objectContaining({ source: "cluster", by: "kubernetes:alice" }),
    ]);
    // The cluster's decisions are settled: nothing to push back.
    expect(
      (await syncRecommendationsToCluster({ ctx, input })).approvalsPushed,
    ).toBe(0);
  });

  it("a dashboard rejection wins over a stale cluster approval", async () => {
    const { publisher, objects } = createFakePublisher();
    const ctx = systemCtx(publisher);
    const input = { clusterId: fx.cluster.id };
    await approveRecommendation({
      ctx: createTestContext(test.db, fx.actors.approver),
      input: { id: fx.shop.recommendation.id },
    });
    await syncRecommendationsToCluster({ ctx, input });
    await rejectRecommendation({
      ctx: createTestContext(test.db, fx.actors.approver),
      input: { id: fx.shop.recommendation.id, reason: "too aggressive" },
    });
    await syncRecommendationsToCluster({ ctx, input });
    expect(objects.get("shop/deployment-shop-api")?.approval?.state).toBe(
      "Rejected",
    );
    expect(await phaseOf(fx.shop.recommendation.id)).toBe("Rejected");
  });

  it("records an OOM rollback the recommender's memory bump overtook, then publishes the bump", async () => {
    const { publisher, objects } = createFakePublisher();
    const ctx = systemCtx(publisher);
    const input = { clusterId: fx.cluster.id };
    const applied = fx.shop.recommendation;
    await approveRecommendation({
      ctx: createTestContext(test.db, fx.actors.approver),
      input: { id: applied.id },
    });
    await syncRecommendationsToCluster({ ctx, input });
    const shop = objects.get("shop/deployment-shop-api")!;
    const appliedHash = shop.specHash;
    shop.phase = "Canary";
    await syncRecommendationsToCluster({ ctx, input });
    expect(await phaseOf(applied.id)).toBe("Applying");
    // the controller rolls back; the recommender's next pass (the OOM bump) comes before the sync
    shop.phase = "RolledBack";
    shop.rolledBack = {
      at: TEST_NOW.toISOString(),
      reason: "OOMKilled",
      message: "1 OOM kill(s) after apply",
      restored: [],
      nextMinimumMemoryBytes: [{ name: "app", memoryBytes: 1.5 * 2 ** 30 }],
    };
    const bump = await createTestRecommendation(test.db, {
      clusterId: fx.cluster.id,
      containerId: fx.shop.container.id,
      version: applied.version + 1,
      confidence: 0.92,
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 500,
      memoryRequestBytes: 1.5 * 2 ** 30,
      memoryLimitBytes: 1.5 * 2 ** 30,
      createdAt: TEST_NOW,
    });

    const result = await syncRecommendationsToCluster({ ctx, input });
    expect(result).toMatchObject({ dbPhaseChanges: 1, published: 1 });
    expect(await phaseOf(applied.id)).toBe("RolledBack");
    expect(await auditActions(applied.id)).toContain("recommendation.rollback");
    expect(await getRollbackMemoryFloor(test.db, fx.shop.container.id)).toBe(
      1.5 * 2 ** 30,
    );
    expect(await phaseOf(bump.id)).toBe("Pending");
    expect(objects.get("shop/deployment-shop-api")?.specHash).not.toBe(
      appliedHash,
    );
  });
});

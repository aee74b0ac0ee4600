import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PreconditionFailedError, type HpaObservation } from "@kubewise/core";
import { listClusterHpas } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { syncClusterHpas } from "../cluster-sync/hpas";
import { SYSTEM_ACTOR, type ServiceContext } from "../context";
import {
  createServiceFixture,
  createTestContext,
  setShopSafety,
  TEST_NOW,
} from "../testing";
import { approveRecommendation } from "./approve";
import { generateRecommendations } from "./generate";
import { getRecommendation } from "./get";
import { listRecommendations } from "./list";
import { runRecommendationPass } from "./pass";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

const hpa = (
  namespace: string,
  name: string,
  targetName: string,
  metrics: HpaObservation["metrics"],
): HpaObservation => ({
  namespace,
  name,
  targetKind: "Deployment",
  targetName,
  minReplicas: 2,
  maxReplicas: 10,
  currentReplicas: 3,
  metrics,
});
const cpu70 = {
  source: "Resource",
  resource: "cpu",
  targetType: "Utilization",
  averageUtilization: 70,
};

describe("HPA-aware recommendations", () => {
  it("stores the cluster's HPAs, keeps an HPA-scaled request (leave-alone) or re-targets it as advice, and reports missing targets and external metrics", async () => {
    const fx = await createServiceFixture(test.db);
    let listing: HpaObservation[] = [
      hpa("shop", "shop-api", "shop-api", [cpu70]),
      hpa("shop", "ghost", "deleted-deployment", [cpu70]),
      hpa("payments", "payments-api", "payments-api", [
        { ...cpu70, averageUtilization: 80 },
        {
          source: "External",
          targetType: "AverageValue",
          metricName: "queue_depth",
        },
      ]),
      // Not a shape Kubewise understands (maxReplicas 0): counted, not stored, no crash.
      { ...hpa("shop", "broken", "shop-api", [cpu70]), maxReplicas: 0 },
    ];
    const ctx: ServiceContext = {
      ...createTestContext(test.db, SYSTEM_ACTOR),
      ports: { hpaSource: { list: () => Promise.resolve(listing) } },
    };
    expect(await syncClusterHpas(ctx, fx.cluster.id)).toEqual({
      status: "synced",
      listed: 3,
      written: 3,
      refused: 1,
    });
    // An unchanged listing writes nothing.
    expect(await syncClusterHpas(ctx, fx.cluster.id)).toMatchObject({
      written: 0,
    });

    const input = {
      clusterId: fx.cluster.id,
      now: TEST_NOW,
      historyWindowSeconds: 86_400,
    };
    const first = await generateRecommendations({ ctx, input });
    expect(first).toMatchObject({ created: 2, hpasWithoutWorkload: 1 });
    const pending = async (namespace: string) => {
      const page = await listRecommendations({
        ctx,
        input: { clusterId: fx.cluster.id, phase: ["Pending"], namespace },
      });
      const [row] = page.items;
      if (!row) throw new Error(`no pending recommendation in ${namespace}`);
      return getRecommendation({ ctx, input: { id: row.id } });
    };

    // leave-alone (the default): CPU stays at 1000m under the CPU HPA; memory is still right-sized.
    const shop = await pending("shop");
    expect(shop.recommended.cpuRequestMillicores).toBe(1000);
    expect(shop.recommended.memoryRequestBytes).toBeLessThan(2 * 2 ** 30);
    expect(shop.reasons.join("\n")).toMatch(
      /cpu request kept at 1000m: the HPA shop-api scales at 70 % of it \(namespace HPA mode leave-alone\)/,
    );
    expect(shop.evidence).toMatchObject({
      hpa: "shop/shop-api (2-10 replicas, 3 now)",
      hpaMetrics: ["cpu: 70 % utilisation"],
      hpaMode: "leave-alone",
      hpaRetarget: [],
    });
    expect(shop.apply).toEqual({ supported: true });

    // An external metric: low confidence and the reason, CPU still kept.
    const payments = await pending("payments");
    expect(payments.confidence).toBeLessThanOrEqual(0.5);
    expect(payments.recommended.cpuRequestMillicores).toBe(1000);
    expect(payments.confidenceFactors).toContainEqual(
      expect.objectContaining({
        name: "hpa",
        effect: "lowers",
        text: expect.stringMatching(/external metric queue_depth/) as unknown,
      }),
    );

    // retarget: the request moves and the HPA's target with it (scale point 700m stays), as advice.
    await setShopSafety(test.db, fx.cluster.id, { hpaMode: "retarget" });
    // The aggregator's pass (anomalies, then recommendations) coordinates the same way.
    expect(
      await runRecommendationPass({
        ctx,
        input: { clusterId: fx.cluster.id, now: TEST_NOW },
      }),
    ).toMatchObject({ hpasWithoutWorkload: 1 });
    const retargeted = await pending("shop");
    expect(retargeted.recommended.cpuRequestMillicores).toBe(778);
    expect(retargeted.evidence.hpaRetarget).toEqual([
      "cpu averageUtilization 70 -> 90",
    ]);
    expect(retargeted.apply).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/does not write HPAs/) as unknown,
    });
    const approver = createTestContext(test.db, fx.actors.approver);
    await expect(
      approveRecommendation({ ctx: approver, input: { id: retargeted.id } }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);

    // HPAs no longer listed are removed.
    listing = [];
    expect(await syncClusterHpas(ctx, fx.cluster.id)).toMatchObject({
      written: 3,
    });
    expect(await listClusterHpas(test.db, fx.cluster.id)).toEqual([]);
  });
});

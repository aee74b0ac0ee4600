import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { listAuditLog, listRecommendationEvents } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";
import { createKrrRecommender } from "@kubewise/ml";

import { SYSTEM_ACTOR } from "../context";
import { createServiceFixture, createTestContext, TEST_NOW } from "../testing";
import { approveRecommendation } from "./approve";
import { generateRecommendations } from "./generate";
import { listRecommendations } from "./list";
import { rejectRecommendation } from "./reject";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

describe("generateRecommendations", () => {
  it("recommends from rollup history, is idempotent, and supersedes open recommendations when advice changes", async () => {
    const fx = await createServiceFixture(test.db);
    const ctx = createTestContext(test.db, SYSTEM_ACTOR);
    const input = {
      clusterId: fx.cluster.id,
      now: TEST_NOW,
      historyWindowSeconds: 86_400,
    };

    const first = await generateRecommendations({ ctx, input });
    expect(first).toEqual({
      created: 2,
      unchanged: 0,
      insufficientHistory: 0,
      superseded: 2,
      hpasWithoutWorkload: 0,
    });
    const page = await listRecommendations({
      ctx,
      input: { clusterId: fx.cluster.id, phase: ["Pending"] },
    });
    expect(page.items.map((i) => i.policy)).toEqual(["vpa", "vpa"]);
    const vpa = page.items[0];
    // Flat usage of 0.2 cores and 0.5 GiB: VPA's target sits above usage and far below the 1 core / 2 GiB requests.
    expect(vpa?.recommended.cpuRequestMillicores).toBeGreaterThan(200);
    expect(vpa?.recommended.cpuRequestMillicores).toBeLessThan(1000);
    expect(vpa?.projectedMonthlySavingsMicroUsd).toBeGreaterThan(0);

    expect(await generateRecommendations({ ctx, input })).toEqual({
      created: 0,
      unchanged: 2,
      insufficientHistory: 0,
      superseded: 0,
      hpasWithoutWorkload: 0,
    });

    const krr = await generateRecommendations({
      ctx: { ...ctx, ports: { recommender: createKrrRecommender() } },
      input,
    });
    expect(krr).toMatchObject({ created: 2, superseded: 2 });
    const superseded = await listRecommendations({
      ctx,
      input: { clusterId: fx.cluster.id, phase: ["Superseded"] },
    });
    expect(superseded.total).toBe(4);
    const audit = await listAuditLog(test.db, {
      clusterId: fx.cluster.id,
      limit: 100,
      offset: 0,
    });
    expect(
      audit.filter((a) => a.action === "recommendation.create"),
    ).toHaveLength(4);
  });

  it("keeps an Approved recommendation through passes, queues a material change beside it, and does not bring back a rejected one unchanged", async () => {
    const fx = await createServiceFixture(test.db);
    const ctx = createTestContext(test.db, SYSTEM_ACTOR);
    const approver = createTestContext(test.db, fx.actors.approver);
    const input = {
      clusterId: fx.cluster.id,
      now: TEST_NOW,
      historyWindowSeconds: 86_400,
    };
    const phase = async (p: "Pending" | "Approved" | "Rejected") =>
      (
        await listRecommendations({
          ctx,
          input: { clusterId: fx.cluster.id, phase: [p] },
        })
      ).items;
    await generateRecommendations({ ctx, input });
    const [a, b] = await phase("Pending");
    if (!a || !b) throw new Error("expected two pending recommendations");
    await approveRecommendation({ ctx: approver, input: { id: a.id } });
    await rejectRecommendation({
      ctx: approver,
      input: { id: b.id, reason: "not now" },
    });
    // Two more passes with the same advice: nothing new, the approval stands, the rejection too.
    for (let pass = 0; pass < 2; pass++)
      expect(await generateRecommendations({ ctx, input })).toMatchObject({
        created: 0,
        superseded: 0,
      });
    expect((await phase("Approved")).map((r) => r.id)).toEqual([a.id]);
    expect(await phase("Pending")).toEqual([]);
    expect((await phase("Rejected")).map((r) => r.id)).toContain(b.id);
    // A material change (another policy) queues as Pending beside the Approved one and says why.
    const krr = await generateRecommendations({
      ctx: { ...ctx, ports: { recommender: createKrrRecommender() } },
      input,
    });
    expect(krr).toMatchObject({ created: 2, superseded: 0 });
    expect((await phase("Approved")).map((r) => r.id)).toEqual([a.id]);
    const queued = await phase("Pending");
    expect(queued).toHaveLength(2);
    const events = await listRecommendationEvents(test.db, queued[0]?.id ?? "");
    expect(events[0]?.reason).toMatch(
      /policy vpa -> krr \(against v\d+, (Approved|Rejected)\)/,
    );
  });

  it("skips containers without enough history", async () => {
    const fx = await createServiceFixture(test.db);
    const ctx = createTestContext(
      test.db,
      SYSTEM_ACTOR,
      new Date(TEST_NOW.getTime() + 30 * 86_400_000),
    );
    const result = await generateRecommendations({
      ctx,
      input: {
        clusterId: fx.cluster.id,
        now: ctx.clock.now(),
        historyWindowSeconds: 3600,
      },
    });
    expect(result).toMatchObject({ created: 0, insufficientHistory: 2 });
  });
});

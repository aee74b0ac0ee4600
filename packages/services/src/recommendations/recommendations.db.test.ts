import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  renderPatchYaml,
  ValidationError,
  type ResourcesPatch,
} from "@kubewise/core";
import { listAuditLog } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { listAuditEntries } from "../audit/list";
import { verifyAuditChain } from "../audit/verify";
import { SYSTEM_ACTOR } from "../context";
import { createServiceFixture, createTestContext } from "../testing";
import { approveRecommendation } from "./approve";
import { bulkApproveRecommendations } from "./bulk-approve";
import { dryRunRecommendation } from "./dry-run";
import { getRecommendation } from "./get";
import { listRecommendations } from "./list";
import { recordApplyProgress } from "./record-apply";
import { rejectRecommendation } from "./reject";

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

const ctxOf = (actor: Parameters<typeof createTestContext>[1]) =>
  createTestContext(test.db, actor);
const auditActions = async (id: string) =>
  (
    await listAuditLog(test.db, {
      subject: `recommendation:${id}`,
      limit: 50,
      offset: 0,
    })
  ).map((a) => a.action);

describe("listRecommendations", () => {
  it("shows a namespace-scoped viewer only its namespaces", async () => {
    const page = await listRecommendations({
      ctx: ctxOf(fx.actors.viewer),
      input: { clusterId: fx.cluster.id },
    });
    expect(page.items.map((i) => i.namespace)).toEqual(["shop"]);
    expect(page.total).toBe(1);
  });

  it("sorts by savings, filters and paginates", async () => {
    const ctx = ctxOf(fx.actors.admin);
    const page = await listRecommendations({
      ctx,
      input: { clusterId: fx.cluster.id, limit: 1 },
    });
    expect(page.items.map((i) => i.namespace)).toEqual(["payments"]);
    expect(page).toMatchObject({ total: 2, nextOffset: 1 });
    const next = await listRecommendations({
      ctx,
      input: { clusterId: fx.cluster.id, limit: 1, offset: 1 },
    });
    expect(next.items.map((i) => i.namespace)).toEqual(["shop"]);
    expect(next.nextOffset).toBeNull();
    const filtered = await listRecommendations({
      ctx,
      input: {
        clusterId: fx.cluster.id,
        namespace: "shop",
        phase: ["Approved"],
      },
    });
    expect(filtered.items).toEqual([]);
    expect(
      (
        await listRecommendations({
          ctx,
          input: { clusterId: fx.cluster.id, minConfidence: 0.95 },
        })
      ).total,
    ).toBe(0);
  });

  it("rejects bad input with field errors", async () => {
    await expect(
      listRecommendations({
        ctx: ctxOf(fx.actors.admin),
        input: { minConfidence: 2 },
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: { minConfidence: [expect.any(String)] },
    });
  });
});

describe("getRecommendation and dryRunRecommendation", () => {
  it("returns detail with usage, patch, diff and safety decision", async () => {
    const detail = await getRecommendation({
      ctx: ctxOf(fx.actors.viewer),
      input: { id: fx.shop.recommendation.id, usageWindowSeconds: 86_400 },
    });
    expect(detail.usage.points.length).toBeGreaterThan(20);
    // Close, not equal: on TimescaleDB the 5-minute averages are recomputed from raw samples.
    expect(detail.usage.points[0]?.cpuP50Cores).toBeCloseTo(0.2, 12);
    expect(detail.usage.points[0]?.cpuMaxCores).toBeCloseTo(0.3, 12);
    expect(detail.preview.applicable).toBe(true);
    if (detail.preview.applicable) {
      expect(detail.preview.patchYaml).toContain("cpu: 250m");
      expect(detail.preview.patchYaml).toContain("memory: 1Gi");
      expect(detail.preview.patchYaml).toBe(
        renderPatchYaml(JSON.parse(detail.preview.patch) as ResourcesPatch),
      );
      expect(detail.preview.specHash).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(detail.apply).toEqual({ supported: true });
    expect(detail.diffText).toContain(
      "- app.resources.requests.cpu: 1\n+ app.resources.requests.cpu: 250m",
    );
    expect(detail.safety).toMatchObject({
      action: "await-approval",
      needsApproval: true,
    });
    expect(detail.events.map((e) => e.toPhase)).toEqual(["Pending"]);
  });

  it("answers another namespace exactly like an unknown id", async () => {
    const outOfScope = await getRecommendation({
      ctx: ctxOf(fx.actors.viewer),
      input: { id: fx.payments.recommendation.id },
    }).catch((error: unknown) => error);
    expect(outOfScope).toBeInstanceOf(NotFoundError);
    expect((outOfScope as Error).message).toBe(
      `recommendation ${fx.payments.recommendation.id} not found`,
    );
    await expect(
      getRecommendation({
        ctx: ctxOf(fx.actors.viewer),
        input: { id: "00000000-0000-4000-8000-00000000abcd" },
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      dryRunRecommendation({
        ctx: ctxOf(fx.actors.viewer),
        input: { id: fx.payments.recommendation.id },
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("dry-runs without changing the phase and leaves an audit row", async () => {
    const result = await dryRunRecommendation({
      ctx: ctxOf(fx.actors.admin),
      input: { id: fx.payments.recommendation.id },
    });
    expect(result.safety.action).toBe("dry-run-only");
    const detail = await getRecommendation({
      ctx: ctxOf(fx.actors.admin),
      input: { id: fx.payments.recommendation.id },
    });
    // the dashboard's preview and the dry-run show the same bytes
    expect(result.preview).toEqual(detail.preview);
    expect(
      result.diff.find(
        (d) => d.field === "requests" && d.resource === "memory",
      ),
    ).toMatchObject({ current: "2Gi", recommended: "1Gi", changeRatio: -0.5 });
    const after = await getRecommendation({
      ctx: ctxOf(fx.actors.admin),
      input: { id: fx.payments.recommendation.id },
    });
    expect(after.phase).toBe("Pending");
    expect(await auditActions(fx.payments.recommendation.id)).toEqual([
      "recommendation.dry_run",
    ]);
  });
});

describe("approve / reject", () => {
  it("approves once, records event, approval and a hash-chained audit row", async () => {
    const id = fx.shop.recommendation.id;
    const approved = await approveRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id, comment: "ok" },
    });
    expect(approved.phase).toBe("Approved");
    await expect(
      approveRecommendation({ ctx: ctxOf(fx.actors.approver), input: { id } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const [row] = await listAuditLog(test.db, {
      subject: `recommendation:${id}`,
      limit: 1,
      offset: 0,
    });
    expect(row).toMatchObject({
      action: "recommendation.approve",
      actor: fx.users.approver.id,
      payload: { from: "Pending", to: "Approved" },
    });
    expect(
      (row?.payload as { recommendationHash: string }).recommendationHash,
    ).toMatch(/^[0-9a-f]{64}$/);
    expect(
      (await verifyAuditChain({ ctx: ctxOf(fx.actors.admin), input: {} })).ok,
    ).toBe(true);
  });

  it("forbids viewers, out-of-scope approvers and approving your own request", async () => {
    await expect(
      approveRecommendation({
        ctx: ctxOf(fx.actors.viewer),
        input: { id: fx.shop.recommendation.id },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      approveRecommendation({
        ctx: ctxOf(fx.actors.shopApprover),
        input: { id: fx.payments.recommendation.id },
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const requester = { ...fx.actors.approver, userId: "system:aggregator" };
    await expect(
      approveRecommendation({
        ctx: ctxOf(requester),
        input: { id: fx.shop.recommendation.id },
      }),
    ).rejects.toThrow(/approver must differ/);
    await expect(
      rejectRecommendation({
        ctx: ctxOf(fx.actors.viewer),
        input: { id: fx.shop.recommendation.id, reason: "no way" },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await auditActions(fx.shop.recommendation.id)).toEqual([]);
  });

  it("requires a reason to reject and records it", async () => {
    const id = fx.shop.recommendation.id;
    await expect(
      rejectRecommendation({
        ctx: ctxOf(fx.actors.approver),
        input: { id, reason: " " },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    const rejected = await rejectRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id, reason: "peak season" },
    });
    expect(rejected.phase).toBe("Rejected");
    const detail = await getRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id },
    });
    expect(detail.events.at(-1)).toMatchObject({
      toPhase: "Rejected",
      reason: "peak season",
    });
    expect(detail.auditTrail.map((a) => a.action)).toEqual([
      "recommendation.reject",
    ]);
  });

  it("the audit log reads as names, reasons and before/after resources", async () => {
    await approveRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: {
        id: fx.shop.recommendation.id,
        comment: "checked with the team",
      },
    });
    await rejectRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id: fx.payments.recommendation.id, reason: "month-end batch" },
    });
    const entries = await listAuditEntries({
      ctx: ctxOf(fx.actors.admin),
      input: { clusterId: fx.cluster.id },
    });
    const decisions = entries.filter((e) =>
      ["recommendation.approve", "recommendation.reject"].includes(e.action),
    );
    const GIB = 2 ** 30;
    const before = {
      cpuRequestMillicores: 1000,
      cpuLimitMillicores: 2000,
      memoryRequestBytes: 2 * GIB,
      memoryLimitBytes: 2 * GIB,
    };
    const after = {
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 500,
      memoryRequestBytes: GIB,
      memoryLimitBytes: GIB,
    };
    const who = `${fx.users.approver.name} <${fx.users.approver.email}>`;
    const seen = new Map(
      decisions.map((e) => {
        const { before: was, after: becomes } = e.payload as {
          before?: unknown;
          after?: unknown;
        };
        return [
          e.subject,
          { actorName: e.actorName, reason: e.reason, was, becomes },
        ];
      }),
    );
    expect(seen).toEqual(
      new Map([
        [
          `recommendation:${fx.shop.recommendation.id}`,
          {
            actorName: who,
            reason: "checked with the team",
            was: before,
            becomes: after,
          },
        ],
        [
          `recommendation:${fx.payments.recommendation.id}`,
          {
            actorName: who,
            reason: "month-end batch",
            was: before,
            becomes: after,
          },
        ],
      ]),
    );
    expect(decisions).toHaveLength(2);
  });

  it("lets exactly one of two concurrent approvals win (row lock + phase check)", async () => {
    const id = fx.shop.recommendation.id;
    const results = await Promise.allSettled([
      approveRecommendation({ ctx: ctxOf(fx.actors.approver), input: { id } }),
      approveRecommendation({ ctx: ctxOf(fx.actors.admin), input: { id } }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failures: unknown[] = results.flatMap((r) =>
      r.status === "rejected" ? [r.reason as unknown] : [],
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(ConflictError);
    expect(await auditActions(id)).toHaveLength(1);
  });

  it("refuses a decision made on a stale phase", async () => {
    const id = fx.shop.recommendation.id;
    await approveRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id, expectedPhase: "Pending" },
    });
    await expect(
      rejectRecommendation({
        ctx: ctxOf(fx.actors.admin),
        input: { id, reason: "saw it pending", expectedPhase: "Pending" },
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it("bulk-approves what it may and reports the rest", async () => {
    const result = await bulkApproveRecommendations({
      ctx: ctxOf(fx.actors.shopApprover),
      input: {
        ids: [
          fx.shop.recommendation.id,
          fx.payments.recommendation.id,
          "00000000-0000-4000-8000-00000000abcd",
        ],
      },
    });
    expect(result.approved.map((r) => r.id)).toEqual([
      fx.shop.recommendation.id,
    ]);
    expect(result.failed.map((f) => f.code).sort()).toEqual([
      "NOT_FOUND",
      "NOT_FOUND",
    ]);
  });
});

describe("recordApplyProgress", () => {
  it("applies an approved recommendation where the namespace allows it", async () => {
    const id = fx.shop.recommendation.id;
    await approveRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id },
    });
    await recordApplyProgress({
      ctx: ctxOf(SYSTEM_ACTOR),
      input: { id, event: "startApply" },
    });
    const applied = await recordApplyProgress({
      ctx: ctxOf(SYSTEM_ACTOR),
      input: { id, event: "completeApply" },
    });
    expect(applied.phase).toBe("Applied");
    expect(await auditActions(id)).toEqual([
      "recommendation.completeApply",
      "recommendation.startApply",
      "recommendation.approve",
    ]);
  });

  it("refuses to apply in a dry-run namespace and forbids non-admins", async () => {
    const id = fx.payments.recommendation.id;
    await approveRecommendation({
      ctx: ctxOf(fx.actors.approver),
      input: { id },
    });
    await expect(
      recordApplyProgress({
        ctx: ctxOf(SYSTEM_ACTOR),
        input: { id, event: "startApply" },
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(
      recordApplyProgress({
        ctx: ctxOf(fx.actors.approver),
        input: { id, event: "startApply" },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});

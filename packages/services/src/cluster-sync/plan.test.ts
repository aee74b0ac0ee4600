import { describe, expect, it } from "vitest";

import type { RecommendationPhase } from "@kubewise/core";
import type { RecommendationWithContext } from "@kubewise/db";
import type { RolledBackRecord } from "@kubewise/k8s";

import { hashDesired } from "./desired";
import {
  DASHBOARD_APPROVER,
  planClusterSync,
  type ClusterRecommendationState,
} from "./plan";

const MIB = 2 ** 20;
const AT = new Date("2026-11-20T12:00:00Z");

function row(
  overrides: {
    phase?: RecommendationPhase;
    container?: string;
    workload?: string;
    kind?: string;
    version?: number;
    cpuRequestMillicores?: number;
  } = {},
): RecommendationWithContext {
  const container = overrides.container ?? "app";
  const workload = overrides.workload ?? "web";
  const version = overrides.version ?? 1;
  return {
    recommendation: {
      id: `rec-${workload}-${container}-${version}`,
      clusterId: "c1",
      containerId: `ctr-${workload}-${container}`,
      version,
      phase: overrides.phase ?? "Pending",
      policy: "vpa",
      confidence: 0.9,
      cpuTargetMillicores: 250,
      cpuLowerBoundMillicores: 200,
      cpuUpperBoundMillicores: 400,
      cpuUncappedTargetMillicores: 250,
      memoryTargetBytes: 512 * MIB,
      memoryLowerBoundBytes: 400 * MIB,
      memoryUpperBoundBytes: 600 * MIB,
      memoryUncappedTargetBytes: 512 * MIB,
      cpuRequestMillicores: overrides.cpuRequestMillicores ?? 250,
      cpuLimitMillicores: null,
      memoryRequestBytes: 512 * MIB,
      memoryLimitBytes: 512 * MIB,
      timeWindows: [],
      reasons: [],
      confidenceFactors: [],
      evidence: {},
      projectedMonthlySavingsMicroUsd: 0,
      rollbackMemoryFloorBytes: null,
      createdAt: AT,
      updatedAt: AT,
    },
    container: {
      id: `ctr-${workload}-${container}`,
      workloadId: `wl-${workload}`,
      name: container,
      cpuRequestMillicores: 1000,
      cpuLimitMillicores: null,
      memoryRequestBytes: 1024 * MIB,
      memoryLimitBytes: null,
      updatedAt: AT,
    },
    workload: {
      id: `wl-${workload}`,
      clusterId: "c1",
      namespace: "shop",
      kind: overrides.kind ?? "Deployment",
      name: workload,
      labels: {},
      ownerChain: [],
      createdAt: AT,
      updatedAt: AT,
    },
  };
}

/** status.rolledBack after one OOM kill: the floor for the container's next memory request. */
const OOM_ROLLBACK = {
  at: "2026-11-20T12:00:00Z",
  reason: "OOMKilled",
  message: "1 OOM kill(s) after apply",
  restored: [],
  nextMinimumMemoryBytes: [{ name: "app", memoryBytes: 612 * MIB }],
} satisfies RolledBackRecord;

const plan = (
  rows: RecommendationWithContext[],
  objects: ClusterRecommendationState[] = [],
  dryRunEnabled = false,
) => planClusterSync({ rows, objects, dryRunEnabled: () => dryRunEnabled });

/** The object as the cluster would hold it after publishing `rows`. */
function objectFor(
  rows: RecommendationWithContext[],
  state: Partial<ClusterRecommendationState> = {},
): ClusterRecommendationState {
  const desired = plan(rows).publish[0]!;
  return {
    namespace: "shop",
    name: `deployment-${desired.target.name}`,
    specHash: hashDesired(desired),
    ...state,
  };
}

describe("planClusterSync", () => {
  it("publishes one deterministic recommendation per workload with every open container", () => {
    const rows = [
      row({ container: "b" }),
      row({ container: "a", phase: "Approved" }),
      row({ workload: "nightly", kind: "CronJob" }),
      row({ workload: "migrate", kind: "Job" }),
    ];
    const result = plan(rows);
    // The Job is refused at creation (advice only); the CronJob goes through.
    expect(result.publish.map((p) => p.target)).toEqual([
      { kind: "Deployment", name: "web" },
      { kind: "CronJob", name: "nightly" },
    ]);
    expect(result.publish[0]!.namespace).toBe("shop");
    expect(result.publish[0]!.containers.map((c) => c.name)).toEqual([
      "a",
      "b",
    ]);
    expect(result.publish[0]!.containers[0]).toMatchObject({
      requests: { cpuMillicores: 250, memoryBytes: 512 * MIB },
      limits: { memoryBytes: 512 * MIB },
    });
    const byName = (list: typeof result.publish) =>
      [...list].sort((a, b) => a.target.name.localeCompare(b.target.name));
    expect(byName(plan([...rows].reverse()).publish)).toEqual(
      byName(result.publish),
    );
    // One container still Pending: no approval yet.
    expect(result.approvals).toEqual([]);
  });

  it("uses only the newest version of each container", () => {
    const result = plan([
      row({ version: 1, cpuRequestMillicores: 100 }),
      row({ version: 2, cpuRequestMillicores: 300 }),
    ]);
    expect(result.publish[0]!.containers[0]!.requests.cpuMillicores).toBe(300);
  });

  it.each([
    { dryRunEnabled: false, dryRun: false },
    { dryRunEnabled: true, dryRun: undefined },
  ])(
    "copies a dashboard approval with the spec hash (namespace dry-run $dryRunEnabled)",
    ({ dryRunEnabled, dryRun }) => {
      const rows = [row({ phase: "Approved" })];
      const result = plan(rows, [], dryRunEnabled);
      const specHash = hashDesired(result.publish[0]!);
      expect(result.approvals).toEqual([
        {
          ref: { namespace: "shop", name: "deployment-web" },
          approval: { state: "Approved", by: DASHBOARD_APPROVER, specHash },
          ...(dryRun === undefined ? {} : { dryRun }),
        },
      ]);
      expect(result.dbChanges).toEqual([]);
    },
  );

  it("copies a dashboard rejection and does not re-push a settled decision", () => {
    const rows = [row({ phase: "Rejected" })];
    const result = plan(rows);
    expect(result.approvals.map((a) => a.approval.state)).toEqual(["Rejected"]);
    const settled = objectFor(rows, {
      approval: { state: "Rejected", by: DASHBOARD_APPROVER },
    });
    expect(plan(rows, [settled])).toMatchObject({
      publish: [],
      approvals: [],
      dbChanges: [],
    });
  });

  it.each([
    { approval: "Approved", from: "Pending", events: ["approve"] },
    { approval: "Rejected", from: "Pending", events: ["reject"] },
    { approval: "Rejected", from: "Approved", events: ["reject"] },
    { approval: "Approved", from: "Approved", events: [] },
  ] as const)(
    "copies a kubectl $approval onto a $from row",
    ({ approval, from, events }) => {
      const rows = [row({ phase: from })];
      const specHash = objectFor(rows).specHash;
      const object = objectFor(rows, {
        approval: { state: approval, by: "alice", specHash },
      });
      const result = plan(rows, [object]);
      expect(result.dbChanges.map((c) => c.events)).toEqual(
        events.length ? [events] : [],
      );
      if (events.length)
        expect(result.dbChanges[0]!.by).toBe("kubernetes:alice");
    },
  );

  it.each([
    { what: "bound to other resources", specHash: "stale" },
    { what: "that names no spec (a standing approval)", specHash: undefined },
  ])("ignores a kubectl approval $what", ({ specHash }) => {
    const rows = [row()];
    const object = objectFor(rows, {
      approval: {
        state: "Approved",
        by: "alice",
        ...(specHash ? { specHash } : {}),
      },
    });
    expect(plan(rows, [object]).dbChanges).toEqual([]);
  });

  it.each([
    { clusterPhase: "Canary", from: "Approved", events: ["startApply"] },
    {
      clusterPhase: "Applied",
      from: "Approved",
      events: ["startApply", "completeApply"],
    },
    { clusterPhase: "Verified", from: "Applying", events: ["completeApply"] },
    { clusterPhase: "Applied", from: "Applied", events: [] },
    { clusterPhase: "RolledBack", from: "Applied", events: ["rollback"] },
    {
      clusterPhase: "RolledBack",
      from: "Pending",
      events: ["startApply", "rollback"],
    },
    { clusterPhase: "DryRun", from: "Approved", events: [] },
    { clusterPhase: "Blocked", from: "Approved", events: [] },
    {
      clusterPhase: "Failed",
      from: "Approved",
      events: ["startApply", "rollback"],
    },
  ] as const)(
    "cluster phase $clusterPhase moves a $from row by $events",
    ({ clusterPhase, from, events }) => {
      const rows = [row({ phase: from })];
      const result = plan(rows, [objectFor(rows, { phase: clusterPhase })]);
      expect(result.dbChanges.map((c) => c.events)).toEqual(
        events.length ? [events] : [],
      );
      expect(result.conflicts).toEqual([]);
    },
  );

  it("records a kubectl approval the controller already acted on as the approver's, then the phases", () => {
    const rows = [row({ phase: "Pending" })];
    const specHash = objectFor(rows).specHash;
    const object = objectFor(rows, {
      phase: "RolledBack",
      approval: { state: "Approved", by: "alice", specHash },
    });
    const result = plan(rows, [object]);
    expect(
      result.dbChanges.map((c) => ({
        from: c.fromPhase,
        events: c.events,
        by: c.by,
      })),
    ).toEqual([
      { from: "Pending", events: ["approve"], by: "kubernetes:alice" },
      {
        from: "Approved",
        events: ["startApply", "rollback"],
        by: "kubernetes:kubewise-controller",
      },
    ]);
    expect(result.conflicts).toEqual([]);
  });

  it("never moves a row for an object whose resources differ from the DB", () => {
    const object = objectFor([row({ cpuRequestMillicores: 100 })], {
      phase: "Applied",
    });
    const result = plan([row({ phase: "Approved" })], [object]);
    expect(result.dbChanges).toEqual([]);
    expect(result.publish).toHaveLength(1);
    // The re-published object needs the approval again, bound to the new hash.
    expect(result.approvals).toHaveLength(1);
  });

  it("after an applied object the approval is not pushed again", () => {
    const rows = [row({ phase: "Approved" })];
    const pushed = plan(rows).approvals[0]!.approval;
    const result = plan(rows, [
      objectFor(rows, { phase: "Applied", approval: pushed }),
    ]);
    expect(result.approvals).toEqual([]);
    expect(result.dbChanges[0]!.events).toEqual([
      "startApply",
      "completeApply",
    ]);
  });

  it("reports a cluster phase the row cannot reach (Canary on an Applied row) as a conflict", () => {
    const rows = [row({ phase: "Pending" })];
    const result = plan(
      [row({ phase: "Applied" })],
      [objectFor(rows, { phase: "Canary" })],
    );
    expect(result.dbChanges).toEqual([]);
    expect(result.conflicts).toHaveLength(1);
  });

  it("carries the memory floor of an OOM rollback to the rolled back row", () => {
    const rows = [row({ phase: "Applied" })];
    const result = plan(rows, [
      objectFor(rows, {
        phase: "RolledBack",
        rolledBack: OOM_ROLLBACK,
      }),
    ]);
    expect(result.dbChanges).toEqual([
      expect.objectContaining({
        events: ["rollback"],
        memoryFloorBytes: 612 * MIB,
        reason: expect.stringContaining("OOMKilled") as string,
      }),
    ]);
  });

  it("records the rollback of the applied row when the recommender's OOM bump came first", () => {
    const applied = row({ phase: "Applying", version: 1 });
    const bumped = row({ version: 2, cpuRequestMillicores: 300 });
    const object = objectFor([applied], {
      phase: "RolledBack",
      rolledBack: OOM_ROLLBACK,
    });
    const result = plan([bumped, applied], [object]);
    expect(result.dbChanges).toEqual([
      expect.objectContaining({
        recommendationId: applied.recommendation.id,
        fromPhase: "Applying",
        events: ["rollback"],
        by: "kubernetes:kubewise-controller",
        memoryFloorBytes: 612 * MIB,
      }),
    ]);
    expect(result.conflicts).toEqual([]);
    // the bump still replaces the spec in the same round
    expect(result.publish[0]!.containers[0]!.requests.cpuMillicores).toBe(300);
  });

  it("keeps the approved spec while its canary runs: a newer version waits until it settles", () => {
    const applying = row({ phase: "Applying", version: 1 });
    const newer = row({ version: 2, cpuRequestMillicores: 300 });
    const canary = objectFor([applying], { phase: "Canary" });
    const during = plan([newer, applying], [canary]);
    expect(during.publish).toEqual([]);
    expect(during.dbChanges).toEqual([]);
    expect(during.conflicts).toEqual([]);
    // once the rollout settled the newer version replaces the spec
    const settled = plan(
      [newer, row({ phase: "Applied", version: 1 })],
      [{ ...canary, phase: "Verified" }],
    );
    expect(settled.publish[0]!.containers[0]!.requests.cpuMillicores).toBe(300);
  });

  it("pushes the approval of an approved spec, not a newer version queued after it", () => {
    const approved = row({ phase: "Approved", version: 1 });
    const object = objectFor([approved], { phase: "Pending" });
    const result = plan(
      [row({ version: 2, cpuRequestMillicores: 300 }), approved],
      [object],
    );
    expect(result.publish).toEqual([]);
    expect(result.approvals).toEqual([
      expect.objectContaining({
        approval: expect.objectContaining({
          state: "Approved",
          specHash: object.specHash,
        }) as unknown,
      }),
    ]);
  });

  it("moves no older row whose resources are not the object's spec", () => {
    const applied = row({ phase: "Applying", version: 1 });
    const other = row({
      phase: "Applied",
      version: 1,
      cpuRequestMillicores: 120,
    });
    const object = objectFor([other], { phase: "RolledBack" });
    const result = plan(
      [row({ version: 2, cpuRequestMillicores: 300 }), applied],
      [object],
    );
    expect(result.dbChanges).toEqual([]);
    expect(result.publish).toHaveLength(1);
  });
});

import { describe, expect, it } from "vitest";

import { hashRecommendedResources } from "../builders/workload-patch";
import type { ResourceRecommendation } from "../crd/resource-recommendation";
import { appSignals } from "./__fixtures__/signals";
import {
  decideReconcile,
  DEFAULT_CONTROLLER_POLICY,
  isStatusEqual,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./reconcile";

const now = new Date("2026-01-01T00:00:00Z");
const MI = 2 ** 20;

function rec(
  spec: Partial<ResourceRecommendation["spec"]> = {},
  status?: ResourceRecommendation["status"],
): ResourceRecommendation {
  return {
    apiVersion: "kubewise.io/v1alpha1",
    kind: "ResourceRecommendation",
    metadata: { name: "deployment-web", namespace: "shop", generation: 2 },
    spec: {
      targetRef: { kind: "Deployment", name: "web" },
      containers: [{ name: "app", requests: { cpu: "250m", memory: "256Mi" } }],
      confidence: 0.9,
      dryRun: false,
      autoApply: false,
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

const workload: WorkloadSnapshot = {
  kind: "Deployment",
  name: "web",
  replicas: 2,
  template: {
    metadata: { labels: { app: "web" } },
    spec: {
      containers: [
        {
          name: "app",
          resources: {
            requests: { cpu: "1", memory: "1Gi" },
            limits: { memory: "2Gi" },
          },
        },
      ],
    },
  },
};

function input(overrides: Partial<ReconcileInput>): ReconcileInput {
  return {
    recommendation: rec(),
    workload,
    pods: [],
    pdbs: [],
    policy: DEFAULT_CONTROLLER_POLICY,
    now,
    ...overrides,
  };
}

const approved = { approval: { state: "Approved" as const, by: "alice" } };

describe("decideReconcile before apply", () => {
  it("fills generatedPatch and never touches the workload in dry-run", () => {
    const d = decideReconcile(
      input({ recommendation: rec({ dryRun: true, ...approved }) }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("DryRun");
    expect(JSON.parse(d.status.generatedPatch ?? "")).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                resources: { requests: { cpu: "250m", memory: "256Mi" } },
              },
            ],
          },
        },
      },
    });
    expect(d.status.observedGeneration).toBe(2);
  });

  it("waits for approval when not auto-applied", () => {
    const d = decideReconcile(input({}));
    expect(d.status.phase).toBe("Pending");
    expect(d.status.conditions?.[0]).toMatchObject({
      type: "Approved",
      status: "False",
      reason: "AwaitingApproval",
    });
    expect(d.workloadAction).toBeUndefined();
  });

  it("refuses auto-apply when the namespace forbids it, allows it when permitted", () => {
    const r = rec({ autoApply: true });
    expect(
      decideReconcile(input({ recommendation: r })).status.conditions?.[0]
        ?.reason,
    ).toBe("AutoApplyNotAllowed");
    const allowed = decideReconcile(
      input({
        recommendation: r,
        policy: { ...DEFAULT_CONTROLLER_POLICY, allowAutoApply: true },
      }),
    );
    expect(allowed.workloadAction?.type).toBe("apply");
  });

  it("blocks low-confidence recommendations even when approved", () => {
    const d = decideReconcile(
      input({ recommendation: rec({ confidence: 0.5, ...approved }) }),
    );
    expect(d.status.phase).toBe("Pending");
    expect(d.status.conditions?.[0]?.reason).toBe("ConfidenceBelowThreshold");
  });

  it("honours an approval bound to the current resources and refuses a stale one", () => {
    const r = rec();
    const fresh = rec({
      approval: {
        state: "Approved",
        specHash: hashRecommendedResources(r.spec),
      },
    });
    expect(
      decideReconcile(input({ recommendation: fresh })).workloadAction?.type,
    ).toBe("apply");
    const stale = rec({
      approval: { state: "Approved", specHash: "0".repeat(32) },
    });
    const d = decideReconcile(input({ recommendation: stale }));
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.conditions?.[0]?.reason).toBe("ApprovalStale");
  });

  it("marks rejected recommendations", () => {
    const d = decideReconcile(
      input({
        recommendation: rec({ approval: { state: "Rejected", by: "bob" } }),
      }),
    );
    expect(d.status.phase).toBe("Rejected");
    expect(d.workloadAction).toBeUndefined();
  });

  it("blocks on a PodDisruptionBudget that allows no disruption", () => {
    const pdbs = [
      {
        metadata: { name: "web-pdb" },
        spec: { selector: { matchLabels: { app: "web" } } },
        status: { disruptionsAllowed: 0 },
      },
    ];
    const d = decideReconcile(input({ recommendation: rec(approved), pdbs }));
    expect(d.status.phase).toBe("Blocked");
    expect(d.status.conditions?.[0]).toMatchObject({
      type: "DisruptionAllowed",
      status: "False",
      reason: "PodDisruptionBudget",
    });
    expect(d.workloadAction).toBeUndefined();
  });

  it("blocks restart-based changes on single-replica workloads", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved),
        workload: { ...workload, replicas: 1 },
      }),
    );
    expect(d.status.conditions?.[0]?.reason).toBe("TooFewReplicas");
  });

  it("fails when a recommended container is not in the template", () => {
    const r = rec({
      ...approved,
      containers: [{ name: "ghost", requests: { cpu: "1" } }],
    });
    expect(decideReconcile(input({ recommendation: r })).status.phase).toBe(
      "Failed",
    );
  });

  it("applies an approved recommendation and records the exact previous resources", () => {
    const d = decideReconcile(input({ recommendation: rec(approved) }));
    expect(d.workloadAction?.type).toBe("apply");
    expect(d.status.phase).toBe("Applied");
    expect(d.status.applied).toEqual({
      at: "2026-01-01T00:00:00Z",
      generation: 2,
      method: "TemplatePatch",
      previous: [
        {
          name: "app",
          requests: { cpu: "1", memory: "1Gi" },
          limits: { memory: "2Gi" },
        },
      ],
      applied: [
        {
          name: "app",
          requests: { cpu: "250m", memory: "256Mi" },
          limits: { memory: "2Gi" },
        },
      ],
    });
    expect(d.audit).toMatchObject({
      action: "apply",
      recommendation: "deployment-web",
      namespace: "shop",
    });
  });

  it("reuses the previous resources recorded on the workload after a crash mid-apply", () => {
    const recorded = [{ name: "app", requests: { cpu: "2" } }];
    const patched = {
      ...workload,
      annotations: {
        "kubewise.io/applied-recommendation": "deployment-web@2",
        "kubewise.io/previous-resources": JSON.stringify(recorded),
      },
    };
    const d = decideReconcile(
      input({ recommendation: rec(approved), workload: patched }),
    );
    expect(d.status.applied?.previous).toEqual(recorded);
  });

  it("is idempotent: reconciling its own output again yields the same status", () => {
    const first = decideReconcile(
      input({ recommendation: rec({ dryRun: true }) }),
    );
    const second = decideReconcile(
      input({
        recommendation: rec({ dryRun: true }, first.status),
        now: new Date(now.getTime() + 60_000),
      }),
    );
    expect(isStatusEqual(first.status, second.status)).toBe(true);
  });
});

describe("decideReconcile after apply", () => {
  const applied = decideReconcile(
    input({ recommendation: rec(approved) }),
  ).status;
  const after = (ms: number) => new Date(now.getTime() + ms);
  const oomPod = (finishedAt: Date) => ({
    metadata: { name: "web-1" },
    status: {
      containerStatuses: [
        {
          name: "app",
          lastState: { terminated: { reason: "OOMKilled", finishedAt } },
        },
      ],
    },
  });

  it("rolls back to the exact previous resources on an OOM kill and bumps the next memory floor", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        pods: [oomPod(after(30_000))],
        now: after(60_000),
      }),
    );
    expect(d.status.phase).toBe("RolledBack");
    expect(d.workloadAction).toEqual({
      type: "rollback",
      patch: [
        {
          op: "test",
          path: "/spec/template/spec/containers/0/name",
          value: "app",
        },
        {
          op: "add",
          path: "/spec/template/spec/containers/0/resources/requests",
          value: { cpu: "1", memory: "1Gi" },
        },
        {
          op: "add",
          path: "/spec/template/spec/containers/0/resources/limits",
          value: { memory: "2Gi" },
        },
      ],
    });
    expect(d.status.rolledBack).toMatchObject({
      reason: "OOMKilled",
      restored: applied.applied?.previous,
    });
    expect(d.status.rolledBack?.nextMinimumMemoryBytes).toEqual([
      { name: "app", memoryBytes: Math.ceil((1.2 * 1024 * MI) / MI) * MI },
    ]);
  });

  it("ignores OOM kills that happened before the apply", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        pods: [oomPod(after(-1000))],
        now: after(60_000),
      }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Applied");
  });

  it("rolls back on a CPU throttling regression", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        signals: appSignals(0.02, 0.4),
        now: after(60_000),
      }),
    );
    expect(d.status.rolledBack?.reason).toBe("CPUThrottling");
    expect(d.status.rolledBack?.message).toMatch(/app 0.4 above baseline 0.02/);
    expect(d.workloadAction?.type).toBe("rollback");
    expect(d.status.rolledBack?.nextMinimumMemoryBytes).toBeUndefined();
  });

  it("does not verify while the metric store has no samples of the window", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        signals: appSignals(0.02, undefined),
        now: after(600_000),
      }),
    );
    expect(d.status.phase).toBe("Applied");
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "Verified",
        status: "False",
        reason: "AwaitingMetrics",
      }),
    );
  });

  it("verifies after a quiet observation window", () => {
    const d = decideReconcile(
      input({ recommendation: rec(approved, applied), now: after(600_000) }),
    );
    expect(d.status.phase).toBe("Verified");
    expect(d.workloadAction).toBeUndefined();
  });

  it("does nothing more once rolled back for this generation", () => {
    const rolled = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        pods: [oomPod(after(1))],
        now: after(2),
      }),
    ).status;
    const d = decideReconcile(
      input({
        recommendation: rec(approved, rolled),
        pods: [oomPod(after(1))],
        now: after(5000),
      }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(isStatusEqual(d.status, rolled)).toBe(true);
  });
});

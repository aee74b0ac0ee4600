import { describe, expect, it } from "vitest";

import {
  hashRecommendedResources,
  type ResourceRecommendation,
} from "@kubewise/k8s";

import { appSignals, healthyMetrics } from "./__fixtures__/signals";
import {
  decideReconcile,
  DEFAULT_CONTROLLER_POLICY,
  isStatusEqual,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./reconcile";
import type { MetricsView } from "./signals";

const now = new Date("2026-01-01T00:00:00Z");
const MI = 2 ** 20;

/** specHash "current" stands for the hash of the spec being built (an approval of this spec). */
function rec(
  spec: Partial<ResourceRecommendation["spec"]> = {},
  status?: ResourceRecommendation["status"],
): ResourceRecommendation {
  const full: ResourceRecommendation["spec"] = {
    targetRef: { kind: "Deployment", name: "web" },
    containers: [{ name: "app", requests: { cpu: "250m", memory: "256Mi" } }],
    confidence: 0.9,
    dryRun: false,
    autoApply: false,
    ...spec,
  };
  if (full.approval?.specHash === "current")
    full.approval = {
      ...full.approval,
      specHash: hashRecommendedResources(full),
    };
  return {
    apiVersion: "kubewise.io/v1alpha1",
    kind: "ResourceRecommendation",
    metadata: { name: "deployment-web", namespace: "shop", generation: 2 },
    spec: full,
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
    // these tests are about the gates and the rollout, not the step cap (see its own tests)
    policy: { ...DEFAULT_CONTROLLER_POLICY, maxStepRatio: 10 },
    now,
    metrics: healthyMetrics(),
    ...overrides,
  };
}

const approved = {
  approval: { state: "Approved" as const, by: "alice", specHash: "current" },
};

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
                resources: {
                  requests: { cpu: "250m", memory: "256Mi" },
                  limits: { cpu: null, memory: null },
                },
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
        policy: {
          ...DEFAULT_CONTROLLER_POLICY,
          maxStepRatio: 10,
          allowAutoApply: true,
        },
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
    const applied = decideReconcile(input({ recommendation: fresh }));
    expect(applied.workloadAction?.type).toBe("apply");
    expect(applied.status.specHash).toBe(hashRecommendedResources(r.spec));
    const stale = rec({
      approval: { state: "Approved", specHash: "0".repeat(32) },
    });
    const d = decideReconcile(input({ recommendation: stale }));
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.conditions?.[0]?.reason).toBe("ApprovalStale");
  });

  it("refuses an approval that does not name the spec it approves (a standing approval)", () => {
    const d = decideReconcile(
      input({
        recommendation: rec({ approval: { state: "Approved", by: "alice" } }),
      }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Pending");
    expect(d.status.conditions?.[0]).toMatchObject({
      type: "Approved",
      status: "False",
      reason: "ApprovalWithoutSpecHash",
    });
    expect(d.status.conditions?.[0]?.message).toContain(
      hashRecommendedResources(rec().spec),
    );
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
    r.spec.approval = {
      state: "Approved",
      specHash: hashRecommendedResources(r.spec),
    };
    expect(decideReconcile(input({ recommendation: r })).status.phase).toBe(
      "Failed",
    );
  });

  it("applies an approved recommendation and records the exact previous resources", () => {
    const d = decideReconcile(input({ recommendation: rec(approved) }));
    expect(d.workloadAction).toEqual({
      type: "apply",
      annotations: {
        "kubewise.io/applied-recommendation": "deployment-web@2",
        "kubewise.io/previous-resources": JSON.stringify([
          {
            name: "app",
            requests: { cpu: "1", memory: "1Gi" },
            limits: { memory: "2Gi" },
          },
        ]),
      },
      patch: d.status.generatedPatch,
    });
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
      applied: [{ name: "app", requests: { cpu: "250m", memory: "256Mi" } }],
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

  it("blocks a step larger than the namespace cap (1 CPU -> 250m is 4x) with a condition", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved),
        policy: DEFAULT_CONTROLLER_POLICY,
      }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Blocked");
    expect(d.status.conditions?.[0]).toMatchObject({
      type: "StepSize",
      status: "False",
      reason: "StepTooLarge",
    });
    expect(d.status.conditions?.[0]?.message).toContain(
      "app requests.cpu 1 -> 250m; app requests.memory 1Gi -> 256Mi",
    );
  });

  it("blocks a memory bound below the observed working set", () => {
    const signals = appSignals(0, 0);
    signals.containers[0]!.baseline.workingSetPeakBytes = 300 * MI;
    const d = decideReconcile(
      input({
        recommendation: rec(approved),
        metrics: { status: "read", signals },
      }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.conditions?.[0]).toMatchObject({
      type: "WorkingSetFloor",
      reason: "BelowWorkingSet",
      message: "app memory request 256Mi < 300Mi (observed working set 300Mi)",
    });
    const limited = rec({
      ...approved,
      containers: [
        {
          name: "app",
          requests: { cpu: "250m", memory: "256Mi" },
          limits: { memory: "320Mi" },
        },
      ],
    });
    expect(
      decideReconcile(
        input({
          recommendation: limited,
          metrics: { status: "read", signals },
        }),
      ).status.conditions?.[0]?.message,
    ).toBe("app memory limit 320Mi < 345Mi (observed working set 300Mi)");
  });

  it("waits with PodsRunning=False while a pod is stuck Pending, then starts and lifts the condition", () => {
    const podOf = (name: string, status: Record<string, unknown>) => ({
      metadata: { name },
      spec: { containers: workload.template.spec?.containers ?? [] },
      status,
    });
    const unschedulable = podOf("web-b", {
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/1 nodes are available: 1 node(s) had untolerated taint",
        },
      ],
    });
    const running = podOf("web-a", { phase: "Running" });
    const held = decideReconcile(
      input({
        recommendation: rec(approved),
        pods: [running, unschedulable],
      }),
    );
    expect(held.workloadAction).toBeUndefined();
    expect(held.status.phase).toBe("Blocked");
    expect(held.status.conditions?.at(-1)).toMatchObject({
      type: "PodsRunning",
      status: "False",
      reason: "PodsPending",
      message:
        "waiting until every pod can run before changing any: web-b is Pending (Unschedulable: 0/1 nodes are available: 1 node(s) had untolerated taint)",
    });
    // a container that cannot start holds it too; a pod on its way (ContainerCreating) does not
    const waiting = (reason: string) =>
      decideReconcile(
        input({
          recommendation: rec(approved),
          pods: [
            running,
            podOf("web-b", {
              phase: "Pending",
              containerStatuses: [
                { name: "app", state: { waiting: { reason } } },
              ],
            }),
          ],
        }),
      );
    expect(waiting("ErrImagePull").status.conditions?.at(-1)?.message).toBe(
      "waiting until every pod can run before changing any: web-b is Pending (app: ErrImagePull)",
    );
    expect(waiting("ContainerCreating").status.phase).not.toBe("Blocked");
    // the pod runs: the change starts (here through the template) and the condition no longer says it is held
    const started = decideReconcile(
      input({
        recommendation: rec(approved, held.status),
        pods: [running, podOf("web-b", { phase: "Running" })],
      }),
    );
    expect(started.status.phase).toBe("Applied");
    expect(started.workloadAction?.type).toBe("apply");
    expect(
      started.status.conditions?.find((c) => c.type === "PodsRunning"),
    ).toMatchObject({ status: "True", reason: "Satisfied" });
  });

  it.each<[MetricsView, string]>([
    [
      { status: "unreadable", reason: "connection refused" },
      "MetricStoreUnreadable",
    ],
    [{ status: "idle" }, "NoMetricStore"],
    [{ status: "read", signals: { containers: [] } }, "AwaitingMetrics"],
  ])("never starts while the metric store says %j", (metrics, reason) => {
    const d = decideReconcile(
      input({ recommendation: rec(approved), metrics }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Blocked");
    expect(d.status.conditions?.[0]).toMatchObject({
      type: "MetricsAvailable",
      status: "False",
      reason,
    });
  });

  it("patches a CronJob's job template for its next run, without a replica gate", () => {
    const cron = rec({
      ...approved,
      targetRef: { kind: "CronJob", name: "nightly" },
    });
    const d = decideReconcile(
      input({
        recommendation: cron,
        workload: {
          ...workload,
          kind: "CronJob",
          name: "nightly",
          replicas: 0,
        },
      }),
    );
    expect(d.status.phase).toBe("Applied");
    expect(d.workloadAction?.type).toBe("apply");
    expect(JSON.parse(d.status.generatedPatch ?? "")).toHaveProperty(
      "spec.jobTemplate.spec.template.spec.containers",
    );
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
    // VPA's bump of the memory that was in force when it was OOM killed: 256Mi + 100Mi
    expect(d.status.rolledBack?.nextMinimumMemoryBytes).toEqual([
      { name: "app", memoryBytes: 356 * MI },
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
        metrics: { status: "read", signals: appSignals(0.02, 0.4) },
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
        metrics: { status: "read", signals: appSignals(0.02, undefined) },
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

  it("pauses with a condition while the metric store is unreadable, and never verifies on pod status alone", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        metrics: { status: "unreadable", reason: "timeout" },
        now: after(600_000),
      }),
    );
    expect(d.status.phase).toBe("Applied");
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "MetricsAvailable",
        status: "False",
        reason: "MetricStoreUnreadable",
      }),
    );
  });

  it("still rolls back on an OOM kill while the metric store is unreadable", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(approved, applied),
        metrics: { status: "unreadable", reason: "timeout" },
        pods: [oomPod(after(30_000))],
        now: after(60_000),
      }),
    );
    expect(d.status.phase).toBe("RolledBack");
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

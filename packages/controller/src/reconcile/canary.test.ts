import { describe, expect, it } from "vitest";

import type { ResourceRecommendation } from "@kubewise/k8s";

import { approvedRecommendation } from "./__fixtures__/recommendation";
import { appSignals, healthyMetrics } from "./__fixtures__/signals";
import { parseRolloutSteps, selectCanaryPods, stepTargetCount } from "./canary";
import {
  decideReconcile,
  DEFAULT_CONTROLLER_POLICY,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./reconcile";
import { decideRefusedWrite } from "./refused";

const now = new Date("2026-01-01T00:00:00Z");
const original = {
  requests: { cpu: "1", memory: "1Gi" },
  limits: { memory: "2Gi" },
};
const workload: WorkloadSnapshot = {
  kind: "Deployment",
  name: "web",
  replicas: 4,
  template: {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "app", resources: original }] },
  },
};
const pod = (
  name: string,
  resources: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  } = original,
  extra: Record<string, unknown> = {},
) => ({
  metadata: { name, labels: { app: "web" }, ...extra },
  spec: { containers: [{ name: "app", resources }] },
});
const pods = [pod("web-d"), pod("web-a"), pod("web-c"), pod("web-b")];

const spec: ResourceRecommendation["spec"] = {
  targetRef: { kind: "Deployment", name: "web" },
  containers: [
    {
      name: "app",
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { memory: "1Gi" },
    },
  ],
  confidence: 0.9,
  dryRun: false,
  autoApply: false,
};
const rec = (status?: ResourceRecommendation["status"]) =>
  approvedRecommendation(
    spec,
    { name: "deployment-web", generation: 3 },
    status,
  );
const policy = {
  ...DEFAULT_CONTROLLER_POLICY,
  rolloutSteps: [0.25, 0.5, 1],
  stepWindowSeconds: 300,
};
const input = (o: Partial<ReconcileInput>): ReconcileInput => ({
  recommendation: rec(),
  workload,
  pods,
  pdbs: [],
  policy,
  now,
  metrics: healthyMetrics(),
  ...o,
});
const later = (s: number) => new Date(now.getTime() + s * 1000);

const oomIn = (name: string, at: Date) => ({
  ...pod(name),
  status: {
    containerStatuses: [
      {
        name: "app",
        lastState: {
          terminated: { reason: "OOMKilled", finishedAt: at.toISOString() },
        },
      },
    ],
  },
});
const resizeTo = JSON.stringify({
  spec: {
    containers: [
      {
        name: "app",
        resources: {
          requests: { cpu: "500m", memory: "512Mi" },
          limits: { cpu: null, memory: "1Gi" },
        },
      },
    ],
  },
});

describe("selectCanaryPods and stepTargetCount", () => {
  it("takes up to `count` live pods still on the template, by name, skipping excluded ones", () => {
    expect(selectCanaryPods(pods, workload, { count: 1 })).toEqual(["web-a"]);
    expect(
      selectCanaryPods(pods, workload, { count: 2, exclude: ["web-a"] }),
    ).toEqual(["web-b", "web-c"]);
    expect(selectCanaryPods(pods, workload, { count: 0 })).toEqual([]);
  });

  it("skips terminating pods and pods whose resources already differ", () => {
    const mixed = [
      pod("web-a", { requests: { cpu: "250m" } }),
      pod("web-b", original, { deletionTimestamp: "2026-01-01T00:00:00Z" }),
      pod("web-c"),
    ];
    expect(selectCanaryPods(mixed, workload, { count: 3 })).toEqual(["web-c"]);
  });

  it.each([
    { steps: [0.1, 0.25, 0.5, 1], step: 0, total: 4, count: 1 },
    { steps: [0.1, 0.25, 0.5, 1], step: 1, total: 4, count: 1 },
    { steps: [0.1, 0.25, 0.5, 1], step: 2, total: 4, count: 2 },
    { steps: [0.1, 0.25, 0.5, 1], step: 3, total: 4, count: 4 },
    { steps: [0.1, 0.25, 0.5, 1], step: 0, total: 40, count: 4 },
    { steps: [0.1, 1], step: 0, total: 0, count: 0 },
  ])(
    "step $step of $steps over $total pods -> $count",
    ({ steps, step, total, count }) => {
      expect(stepTargetCount(steps, step, total)).toBe(count);
    },
  );
});

describe("multi-step in-place rollout (pods/resize)", () => {
  const step1 = decideReconcile(input({}));
  const step2 = decideReconcile(
    input({ recommendation: rec(step1.status), now: later(300) }),
  );

  it("step 1 resizes the first share of pods in place and leaves the template alone", () => {
    expect(step1.status.phase).toBe("Canary");
    expect(step1.workloadAction).toEqual({
      type: "resize",
      pods: ["web-a"],
      body: resizeTo,
    });
    expect(step1.status.canary).toEqual({
      at: "2026-01-01T00:00:00Z",
      generation: 3,
      method: "InPlaceResize",
      step: 0,
      stepStartedAt: "2026-01-01T00:00:00Z",
      pods: ["web-a"],
      previous: [{ name: "app", ...original }],
    });
    expect(step1.audit).toMatchObject({
      action: "canary",
      message: "step 1/3 (25 %): resized 1 pod(s) in place: web-a",
    });
  });

  it("waits during the step's observation window", () => {
    const d = decideReconcile(
      input({ recommendation: rec(step1.status), now: later(299) }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status).toEqual(step1.status);
  });

  it("step 2 resizes more pods after a quiet window, and audits the step", () => {
    expect(step2.workloadAction).toEqual({
      type: "resize",
      pods: ["web-b"],
      body: resizeTo,
    });
    expect(step2.status.canary).toMatchObject({
      at: "2026-01-01T00:00:00Z",
      step: 1,
      stepStartedAt: "2026-01-01T00:05:00Z",
      pods: ["web-a", "web-b"],
    });
    expect(step2.audit).toMatchObject({
      action: "rollout-step",
      message: "step 2/3 (50 %): resized 1 more pod(s) in place: web-b",
    });
  });

  it("the last step patches the pod template with the exact previous resources recorded", () => {
    const d = decideReconcile(
      input({ recommendation: rec(step2.status), now: later(600) }),
    );
    expect(d.workloadAction?.type).toBe("apply");
    expect(d.status.phase).toBe("Applied");
    expect(d.status.applied?.previous).toEqual([{ name: "app", ...original }]);
  });

  it("holds the resized pods in Canary while a PodDisruptionBudget blocks the last step, still rolls back on a regression, and widens once it allows", () => {
    const blocking = {
      metadata: { name: "web-pdb" },
      spec: { selector: { matchLabels: { app: "web" } } },
      status: { disruptionsAllowed: 0 },
    };
    const held = decideReconcile(
      input({
        recommendation: rec(step2.status),
        pdbs: [blocking],
        now: later(600),
      }),
    );
    expect(held.workloadAction).toBeUndefined();
    expect(held.status.phase).toBe("Canary");
    expect(held.status.canary).toEqual(step2.status.canary);
    expect(held.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "DisruptionAllowed",
        status: "False",
        reason: "PodDisruptionBudget",
        message:
          "PodDisruptionBudget web-pdb allows no disruption; holding the resized pods at this step",
      }),
    );
    // still observed while held: an OOM kill in a resized pod restores both
    const killed = decideReconcile(
      input({
        recommendation: rec(held.status),
        pods: [pod("web-a"), oomIn("web-b", later(700)), pod("web-c")],
        pdbs: [blocking],
        now: later(720),
      }),
    );
    expect(killed.status.phase).toBe("RolledBack");
    expect(killed.workloadAction).toMatchObject({
      type: "resize",
      pods: ["web-a", "web-b"],
    });
    // the budget allows a disruption again: the template patch, and the condition says so
    const widened = decideReconcile(
      input({
        recommendation: rec(held.status),
        pdbs: [{ ...blocking, status: { disruptionsAllowed: 1 } }],
        now: later(900),
      }),
    );
    expect(widened.workloadAction?.type).toBe("apply");
    expect(widened.status.phase).toBe("Applied");
    expect(widened.status.conditions).toContainEqual(
      expect.objectContaining({ type: "DisruptionAllowed", status: "True" }),
    );
  });

  it("holds the resized pods in Canary with PodsRunning=False while a pod turns Pending mid-rollout, still rolls back on a regression, and goes on once it runs", () => {
    const unschedulable = {
      ...pod("web-e"),
      status: {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available: 1 node(s) had untolerated taint",
          },
        ],
      },
    };
    const withPending = [
      pod("web-a"),
      pod("web-c"),
      pod("web-d"),
      unschedulable,
    ];
    // inside the step window and after it: nothing written, the step and its pods kept
    for (const at of [later(10), later(300)]) {
      const held = decideReconcile(
        input({
          recommendation: rec(step1.status),
          pods: withPending,
          now: at,
        }),
      );
      expect(held.workloadAction).toBeUndefined();
      expect(held.status.phase).toBe("Canary");
      expect(held.status.canary).toEqual(step1.status.canary);
      expect(held.status.conditions).toContainEqual(
        expect.objectContaining({
          type: "PodsRunning",
          status: "False",
          reason: "PodsPending",
          message:
            "waiting until every pod can run before changing any: web-e is Pending (Unschedulable: 0/1 nodes are available: 1 node(s) had untolerated taint); holding the resized pods at this step",
        }),
      );
      expect(held.audit).toMatchObject({ action: "blocked" });
    }
    const held = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: withPending,
        now: later(300),
      }),
    );
    // still observed while held: an OOM kill of the resized pod restores it
    const killed = decideReconcile(
      input({
        recommendation: rec(held.status),
        pods: [
          oomIn("web-a", later(320)),
          pod("web-c"),
          pod("web-d"),
          unschedulable,
        ],
        now: later(330),
      }),
    );
    expect(killed.status.phase).toBe("RolledBack");
    expect(killed.workloadAction).toMatchObject({
      type: "resize",
      pods: ["web-a"],
    });
    // every pod runs again: the next step, and the condition turns True
    const next = decideReconcile(
      input({ recommendation: rec(held.status), now: later(400) }),
    );
    expect(next.workloadAction).toMatchObject({
      type: "resize",
      pods: ["web-b"],
    });
    expect(next.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "PodsRunning",
        status: "True",
        reason: "Satisfied",
      }),
    );
  });

  it("skips steps that would add no pod (2 pods, steps 10/25/50/100 %)", () => {
    const two = pods.slice(1, 3);
    const first = decideReconcile(
      input({
        pods: two,
        policy: { ...policy, rolloutSteps: [0.1, 0.25, 0.5, 1] },
      }),
    );
    expect(first.workloadAction).toMatchObject({ pods: ["web-a"] });
    const next = decideReconcile(
      input({
        pods: two,
        recommendation: rec(first.status),
        policy: { ...policy, rolloutSteps: [0.1, 0.25, 0.5, 1] },
        now: later(300),
      }),
    );
    expect(next.workloadAction?.type).toBe("apply");
  });

  it("rolls every resized pod back to the exact previous quantities on an OOM kill at step 2", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(step2.status),
        pods: [pod("web-a"), oomIn("web-b", later(310)), pod("web-c")],
        now: later(320),
      }),
    );
    expect(d.status.phase).toBe("RolledBack");
    expect(d.workloadAction).toEqual({
      type: "resize",
      pods: ["web-a", "web-b"],
      body: JSON.stringify({
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
      }),
    });
    expect(d.status.rolledBack?.restored).toEqual([
      { name: "app", ...original },
    ]);
    const after = decideReconcile(
      input({ recommendation: rec(d.status), now: later(400) }),
    );
    expect(after.workloadAction).toBeUndefined();
  });

  it("rolls back on a throttling regression of the changed pods from the metric store", () => {
    // 2 of 4 pods changed: 5 % -> 20 % observed means about 35 % in the changed pods.
    const d = decideReconcile(
      input({
        recommendation: rec(step2.status),
        metrics: { status: "read", signals: appSignals(0.05, 0.2) },
        now: later(360),
      }),
    );
    expect(d.status.rolledBack?.reason).toBe("CPUThrottling");
    expect(d.workloadAction).toMatchObject({ pods: ["web-a", "web-b"] });
  });

  it.each([
    {
      what: "holds a monitored container without samples in the window",
      observedRatio: undefined,
      action: undefined,
    },
    {
      what: "steps on when the window has samples and no regression",
      observedRatio: 0.05,
      action: "resize",
    },
  ])("$what", ({ observedRatio, action }) => {
    const d = decideReconcile(
      input({
        recommendation: rec(step1.status),
        metrics: {
          status: "read",
          signals: appSignals(0.05, observedRatio),
        },
        now: later(300),
      }),
    );
    expect(d.workloadAction?.type).toBe(action);
    if (!action) {
      expect(d.status.canary).toEqual(step1.status.canary);
      expect(d.audit).toMatchObject({
        action: "blocked",
        reason: "AwaitingMetrics",
      });
    }
  });

  it("ignores an OOM kill in a pod outside the rollout", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: [oomIn("web-c", later(10))],
        now: later(20),
      }),
    );
    expect(d.status.phase).toBe("Canary");
  });

  it("goes through the template when the change adds or removes a limit (pods/resize keeps the QoS class)", () => {
    const noLimits = {
      ...spec,
      containers: [{ name: "app", requests: { cpu: "500m", memory: "1Gi" } }],
    };
    const d = decideReconcile(
      input({
        recommendation: approvedRecommendation(noLimits, {
          name: "deployment-web",
          generation: 3,
        }),
      }),
    );
    expect(d.workloadAction?.type).toBe("apply");
  });

  it("goes through the template, saying why, when the values would turn a Burstable pod Guaranteed", () => {
    const guaranteedWorkload: WorkloadSnapshot = {
      ...workload,
      template: {
        ...workload.template,
        spec: {
          containers: [
            {
              name: "app",
              resources: {
                requests: { cpu: "500m", memory: "1Gi" },
                limits: { cpu: "1", memory: "1Gi" },
              },
            },
          ],
        },
      },
    };
    const equal = {
      ...spec,
      containers: [
        {
          name: "app",
          requests: { cpu: "500m", memory: "512Mi" },
          limits: { cpu: "500m", memory: "512Mi" },
        },
      ],
    };
    const d = decideReconcile(
      input({
        workload: guaranteedWorkload,
        recommendation: approvedRecommendation(equal, {
          name: "deployment-web",
          generation: 3,
        }),
      }),
    );
    expect(d.workloadAction?.type).toBe("apply");
    expect(
      d.status.conditions?.find((c) => c.type === "Applied"),
    ).toMatchObject({
      reason: "TemplatePatched",
      message:
        "patched the Deployment pod template (not in place: the pod's QoS class would change from Burstable to Guaranteed)",
    });
  });

  it("rolls the resized pods back with ResizeInfeasible when the kubelet refuses the resize", () => {
    const infeasible = {
      ...pod("web-a"),
      status: {
        conditions: [
          {
            type: "PodResizePending",
            status: "True",
            reason: "Infeasible",
            message: "Node didn't have enough capacity: memory",
          },
        ],
      },
    };
    const d = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: [infeasible, pod("web-b"), pod("web-c"), pod("web-d")],
        now: later(20),
      }),
    );
    expect(d.status.phase).toBe("RolledBack");
    expect(d.status.rolledBack).toMatchObject({
      reason: "ResizeInfeasible",
      message:
        "the kubelet cannot resize web-a (Node didn't have enough capacity: memory)",
    });
    expect(d.workloadAction).toMatchObject({ type: "resize", pods: ["web-a"] });
  });

  it("holds the next step with a condition while the metric store is unreadable", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(step1.status),
        metrics: { status: "unreadable", reason: "ECONNREFUSED" },
        now: later(300),
      }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Canary");
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "MetricsAvailable",
        status: "False",
        reason: "MetricStoreUnreadable",
      }),
    );
  });

  it("uses no in-place steps when the policy turns them off", () => {
    const d = decideReconcile(
      input({ policy: { ...policy, inPlaceResize: false } }),
    );
    expect(d.workloadAction?.type).toBe("apply");
  });
});

describe("a leader killed between a resize and its status write", () => {
  const step1 = decideReconcile(input({}));
  const changed = {
    requests: { cpu: "500m", memory: "512Mi" },
    limits: { memory: "1Gi" },
  };

  it("the next leader's first step adopts a pod that already carries the change instead of resizing another", () => {
    const d = decideReconcile(
      input({
        pods: [pod("web-a"), pod("web-b", changed), pod("web-c"), pod("web-d")],
      }),
    );
    expect(d.status.phase).toBe("Canary");
    expect(d.status.canary?.pods).toEqual(["web-b"]);
    expect(d.workloadAction).toBeUndefined();
    expect(d.audit?.message).toBe(
      "step 1/3 (25 %): adopted 1 pod(s) a previous leader resized: web-b",
    );
  });

  it("compares amounts, not spellings: 0.5 CPU and 536870912 bytes are the change", () => {
    const spelled = {
      requests: { cpu: "0.5", memory: "536870912" },
      limits: { memory: "1024Mi" },
    };
    const d = decideReconcile(
      input({ pods: [pod("web-a", spelled), pod("web-b")] }),
    );
    expect(d.status.canary?.pods).toEqual(["web-a"]);
  });

  it("a running rollout counts an unrecorded resize in its step, and a rollback restores it", () => {
    const killed = [
      pod("web-a", changed),
      pod("web-b", changed),
      pod("web-c"),
      pod("web-d"),
    ];
    // step 1 recorded web-a; the killed leader resized web-b for step 2 and wrote nothing
    const next = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: killed,
        now: later(300),
      }),
    );
    // 2 of 4 already changed: step 2 (50 %) adds none, the last step patches the template
    expect(next.workloadAction?.type).toBe("apply");

    const held = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: killed,
        now: later(100),
      }),
    );
    expect(held.workloadAction).toBeUndefined();
    expect(held.status.canary?.pods).toEqual(["web-a", "web-b"]);

    const oom = {
      ...oomIn("web-b", later(50)),
      spec: { containers: [{ name: "app", resources: changed }] },
    };
    const rolled = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: [pod("web-a", changed), oom, pod("web-c"), pod("web-d")],
        now: later(100),
      }),
    );
    expect(rolled.status.phase).toBe("RolledBack");
    expect(rolled.workloadAction).toMatchObject({
      type: "resize",
      pods: ["web-a", "web-b"],
    });
  });
});

const restoreBody = JSON.stringify({
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
});
const denied = "ValidatingAdmissionPolicy 'frozen' denied request: frozen pod";

describe("a write the API server refuses", () => {
  const changed = {
    requests: { cpu: "500m", memory: "512Mi" },
    limits: { memory: "1Gi" },
  };
  it("a refused step 2 resize rolls back every pod the rollout resized, naming the refusal", () => {
    const step1 = decideReconcile(input({}));
    const at = input({
      recommendation: rec(step1.status),
      pods: [pod("web-a", changed), pod("web-b"), pod("web-c"), pod("web-d")],
      now: later(300),
    });
    const step2 = decideReconcile(at);
    expect(step2.workloadAction).toMatchObject({ pods: ["web-b"] });

    const d = decideRefusedWrite(at, step2, {
      code: 422,
      reason: denied,
      resized: [],
    });
    expect(d.status.phase).toBe("RolledBack");
    expect(d.status.rolledBack).toMatchObject({
      reason: "PatchRejected",
      message: `the API server refused the in-place resize of web-b (422: ${denied})`,
      restored: [{ name: "app", ...original }],
    });
    expect(d.status.rolledBack?.nextMinimumMemoryBytes).toBeUndefined();
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "RolledBack",
        status: "True",
        reason: "PatchRejected",
      }),
    );
    expect(d.workloadAction).toEqual({
      type: "resize",
      pods: ["web-a"],
      body: restoreBody,
    });
    expect(d.audit).toMatchObject({ action: "rollback" });
    // terminal for this spec
    const after = decideReconcile(input({ recommendation: rec(d.status) }));
    expect(after.workloadAction).toBeUndefined();
    expect(after.status.phase).toBe("RolledBack");
  });

  it("also restores the pods the refused action resized before the refusal", () => {
    const step1 = decideReconcile(input({}));
    const d = decideRefusedWrite(input({}), step1, {
      code: 403,
      reason: "forbidden",
      resized: ["web-a"],
    });
    expect(d.workloadAction).toMatchObject({ pods: ["web-a"] });
  });

  it("a refused template patch (the last step) restores the in-place resized pods", () => {
    const at = input({
      recommendation: rec({
        phase: "Canary",
        observedGeneration: 3,
        canary: {
          at: "2026-01-01T00:00:00Z",
          generation: 3,
          method: "InPlaceResize",
          step: 1,
          stepStartedAt: "2026-01-01T00:00:00Z",
          pods: ["web-a", "web-b"],
          previous: [{ name: "app", ...original }],
        },
      }),
      pods: [
        pod("web-a", changed),
        pod("web-b", changed),
        pod("web-c"),
        pod("web-d"),
      ],
      now: later(300),
    });
    const widen = decideReconcile(at);
    expect(widen.workloadAction?.type).toBe("apply");
    const d = decideRefusedWrite(at, widen, {
      code: 422,
      reason: "invalid",
      resized: [],
    });
    expect(d.status.phase).toBe("RolledBack");
    expect(d.status.rolledBack?.message).toBe(
      "the API server refused the pod template patch (422: invalid)",
    );
    expect(d.workloadAction).toMatchObject({
      type: "resize",
      pods: ["web-a", "web-b"],
    });
  });

  it("a refused rollback keeps the phase with a condition, and the next pass tries again", () => {
    const canaryStatus = decideReconcile(input({})).status;
    const oom = {
      ...pod("web-a", changed),
      status: {
        containerStatuses: [
          {
            name: "app",
            lastState: {
              terminated: {
                reason: "OOMKilled",
                finishedAt: later(10).toISOString(),
              },
            },
          },
        ],
      },
    };
    const at = input({
      recommendation: rec(canaryStatus),
      pods: [oom, pod("web-b"), pod("web-c"), pod("web-d")],
      now: later(20),
    });
    const rollback = decideReconcile(at);
    expect(rollback.status.phase).toBe("RolledBack");
    const d = decideRefusedWrite(at, rollback, {
      code: 403,
      reason: "forbidden",
      resized: [],
    });
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Canary");
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({
        type: "RolledBack",
        status: "False",
        reason: "RollbackRefused",
        message:
          "the API server refused the rollback (the in-place resize of web-a) (403: forbidden); trying again on the next pass",
      }),
    );
    expect(decideReconcile({ ...at, recommendation: rec(d.status) })).toEqual(
      expect.objectContaining({ workloadAction: rollback.workloadAction }),
    );
  });
});

describe("parseRolloutSteps", () => {
  it.each([
    ["0.1,0.25,0.5,1", [0.1, 0.25, 0.5, 1]],
    [" 0.5 , 1", [0.5, 1]],
    ["1", [1]],
  ])("parses %j", (text, steps) => {
    expect(parseRolloutSteps(text)).toEqual(steps);
  });

  it.each([
    ["0.1,abc,1", /numbers in \(0, 1\]/],
    ["0,0.5,1", /numbers in \(0, 1\]/],
    ["0.5,1.5", /numbers in \(0, 1\]/],
    ["", /numbers in \(0, 1\]/],
    ["0.5,0.25,1", /strictly ascending/],
    ["0.25,0.5", /last rollout step must be 1/],
  ])("rejects %j", (text, message) => {
    expect(() => parseRolloutSteps(text)).toThrow(message);
  });
});

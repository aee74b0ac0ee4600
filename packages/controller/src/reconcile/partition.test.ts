import { describe, expect, it } from "vitest";

import type { ResourceRecommendation } from "@kubewise/k8s";

import { approvedRecommendation } from "./__fixtures__/recommendation";
import { healthyMetrics } from "./__fixtures__/signals";
import {
  decideReconcile,
  DEFAULT_CONTROLLER_POLICY,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./reconcile";

const now = new Date("2026-01-01T00:00:00Z");
const later = (s: number) => new Date(now.getTime() + s * 1000);
const original = { requests: { cpu: "1", memory: "1Gi" } };
const statefulSet: WorkloadSnapshot = {
  kind: "StatefulSet",
  name: "db",
  replicas: 4,
  partition: 0,
  template: {
    metadata: { labels: { app: "db" } },
    spec: { containers: [{ name: "app", resources: original }] },
  },
};
const pod = (ordinal: number, oomAt?: Date) => ({
  metadata: { name: `db-${ordinal}`, labels: { app: "db" } },
  ...(oomAt
    ? {
        status: {
          containerStatuses: [
            {
              name: "app",
              lastState: {
                terminated: {
                  reason: "OOMKilled",
                  finishedAt: oomAt.toISOString(),
                },
              },
            },
          ],
        },
      }
    : {}),
});
const pods = [0, 1, 2, 3].map((i) => pod(i));

const spec: ResourceRecommendation["spec"] = {
  targetRef: { kind: "StatefulSet", name: "db" },
  containers: [{ name: "app", requests: { cpu: "500m", memory: "512Mi" } }],
  confidence: 0.9,
  dryRun: false,
  autoApply: false,
};
const rec = (status?: ResourceRecommendation["status"]) =>
  approvedRecommendation(
    spec,
    { name: "statefulset-db", generation: 2 },
    status,
  );
const policy = {
  ...DEFAULT_CONTROLLER_POLICY,
  inPlaceResize: false,
  rolloutSteps: [0.25, 0.5, 1],
  stepWindowSeconds: 300,
};
const input = (o: Partial<ReconcileInput>): ReconcileInput => ({
  recommendation: rec(),
  workload: statefulSet,
  pods,
  pdbs: [],
  policy,
  now,
  metrics: healthyMetrics(),
  ...o,
});

describe("StatefulSet rollout through the RollingUpdate partition", () => {
  const step1 = decideReconcile(input({}));
  const step2 = decideReconcile(
    input({ recommendation: rec(step1.status), now: later(300) }),
  );

  it("step 1 sets the partition so only the top ordinal updates, then patches the template", () => {
    expect(step1.workloadAction).toEqual({
      type: "apply",
      annotations: {
        "kubewise.io/applied-recommendation": "statefulset-db@2",
        "kubewise.io/previous-resources": JSON.stringify([
          { name: "app", ...original },
        ]),
        "kubewise.io/previous-partition": "0",
      },
      partition: 3,
      patch: step1.status.generatedPatch,
    });
    expect(JSON.parse(step1.status.generatedPatch ?? "")).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                resources: {
                  requests: { cpu: "500m", memory: "512Mi" },
                  limits: { cpu: null, memory: null },
                },
              },
            ],
          },
        },
      },
    });
    expect(step1.status.phase).toBe("Canary");
    expect(step1.status.canary).toMatchObject({
      method: "StatefulSetPartition",
      step: 0,
      partition: 3,
      previousPartition: 0,
      previous: [{ name: "app", ...original }],
    });
  });

  it("lowers the partition after a quiet step window, then restores it and is Applied", () => {
    expect(step2.workloadAction).toEqual({ type: "partition", partition: 2 });
    expect(step2.audit).toMatchObject({ action: "rollout-step" });
    const last = decideReconcile(
      input({ recommendation: rec(step2.status), now: later(600) }),
    );
    expect(last.workloadAction).toEqual({ type: "partition", partition: 0 });
    expect(last.status.phase).toBe("Applied");
    expect(last.status.applied).toMatchObject({
      method: "TemplatePatch",
      previous: [{ name: "app", ...original }],
    });
  });

  it("holds the next step while a PodDisruptionBudget allows no disruption", () => {
    const pdbs = [
      {
        metadata: { name: "db" },
        spec: { selector: { matchLabels: { app: "db" } } },
        status: { disruptionsAllowed: 0 },
      },
    ];
    const held = decideReconcile(
      input({ recommendation: rec(step1.status), pdbs, now: later(300) }),
    );
    expect(held.workloadAction).toBeUndefined();
    expect(held.status.phase).toBe("Canary");
    expect(held.status.canary?.partition).toBe(3);
    expect(held.audit).toMatchObject({ action: "blocked" });
    const again = decideReconcile(
      input({ recommendation: rec(held.status), pdbs, now: later(400) }),
    );
    expect(again.status).toEqual(held.status);
  });

  it("rolls back template and partition on an OOM kill of an updated ordinal", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(step2.status),
        pods: [pod(0), pod(1), pod(2, later(320)), pod(3)],
        now: later(330),
      }),
    );
    expect(d.status.phase).toBe("RolledBack");
    expect(d.workloadAction).toEqual({
      type: "rollback",
      patch: expect.arrayContaining([
        {
          op: "add",
          path: "/spec/updateStrategy/rollingUpdate/partition",
          value: 0,
        },
      ]) as unknown,
    });
    expect(d.status.rolledBack?.restored).toEqual([
      { name: "app", ...original },
    ]);
  });

  it("ignores an OOM kill of an ordinal the partition still holds back", () => {
    const d = decideReconcile(
      input({
        recommendation: rec(step1.status),
        pods: [pod(0, later(10)), pod(1), pod(2), pod(3)],
        now: later(20),
      }),
    );
    expect(d.status.phase).toBe("Canary");
  });

  it("keeps the original partition across a crash between the partition write and the status write", () => {
    const crashed = {
      ...statefulSet,
      partition: 3,
      annotations: {
        "kubewise.io/applied-recommendation": "statefulset-db@2",
        "kubewise.io/previous-resources": JSON.stringify([
          { name: "app", ...original },
        ]),
        "kubewise.io/previous-partition": "0",
      },
    };
    const again = decideReconcile(input({ workload: crashed }));
    expect(again.status.canary?.previousPartition).toBe(0);
  });

  it.each([
    {
      what: "OnDelete StatefulSet",
      workload: { ...statefulSet, partition: undefined },
    },
    {
      what: "Deployment",
      workload: { ...statefulSet, kind: "Deployment" as const },
    },
  ])(
    "a $what gets one template patch (the workload's own rollout)",
    ({ workload }) => {
      const d = decideReconcile(input({ workload }));
      expect(d.workloadAction?.type).toBe("apply");
      expect(d.status.phase).toBe("Applied");
    },
  );
});

import { describe, expect, it } from "vitest";

import type { ResourceRecommendation } from "../crd/resource-recommendation";
import { selectCanaryPods } from "./canary";
import {
  decideReconcile,
  DEFAULT_CONTROLLER_POLICY,
  type ReconcileInput,
  type WorkloadSnapshot,
} from "./reconcile";

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

function rec(
  status?: ResourceRecommendation["status"],
): ResourceRecommendation {
  return {
    apiVersion: "kubewise.io/v1alpha1",
    kind: "ResourceRecommendation",
    metadata: { name: "deployment-web", namespace: "shop", generation: 3 },
    spec: {
      targetRef: { kind: "Deployment", name: "web" },
      containers: [
        {
          name: "app",
          requests: { cpu: "250m", memory: "256Mi" },
          limits: { cpu: "500m" },
        },
      ],
      confidence: 0.9,
      dryRun: false,
      autoApply: false,
      approval: { state: "Approved" },
    },
    ...(status ? { status } : {}),
  };
}
const policy = {
  ...DEFAULT_CONTROLLER_POLICY,
  canaryFraction: 0.25,
  canaryWindowSeconds: 300,
};
const input = (o: Partial<ReconcileInput>): ReconcileInput => ({
  recommendation: rec(),
  workload,
  pods,
  pdbs: [],
  policy,
  now,
  ...o,
});
const later = (s: number) => new Date(now.getTime() + s * 1000);

describe("selectCanaryPods", () => {
  it("takes the configured share (at least one) of pods still on the template, by name", () => {
    expect(selectCanaryPods(pods, workload, 0.25)).toEqual(["web-a"]);
    expect(selectCanaryPods(pods, workload, 0.5)).toEqual(["web-a", "web-b"]);
    expect(selectCanaryPods(pods.slice(0, 1), workload, 0.1)).toEqual([
      "web-d",
    ]);
  });

  it("skips terminating pods and pods whose resources already differ", () => {
    const mixed = [
      pod("web-a", { requests: { cpu: "250m" } }),
      pod("web-b", original, { deletionTimestamp: "2026-01-01T00:00:00Z" }),
      pod("web-c"),
    ];
    expect(selectCanaryPods(mixed, workload, 0.1)).toEqual(["web-c"]);
    expect(selectCanaryPods(pods, workload, 0)).toEqual([]);
  });
});

describe("gradual rollout", () => {
  const started = decideReconcile(input({}));

  it("starts with an in-place resize of the canary pods and leaves the template alone", () => {
    expect(started.status.phase).toBe("Canary");
    expect(started.workloadAction).toEqual({
      type: "resize",
      pods: ["web-a"],
      patch: {
        spec: {
          containers: [
            {
              name: "app",
              resources: {
                requests: { cpu: "250m", memory: "256Mi" },
                limits: { cpu: "500m" },
              },
            },
          ],
        },
      },
    });
    expect(started.status.canary).toEqual({
      at: "2026-01-01T00:00:00Z",
      generation: 3,
      pods: ["web-a"],
      previous: [{ name: "app", ...original }],
    });
  });

  it("waits during the canary window", () => {
    const d = decideReconcile(
      input({ recommendation: rec(started.status), now: later(100) }),
    );
    expect(d.workloadAction).toBeUndefined();
    expect(d.status.phase).toBe("Canary");
  });

  it("widens to a template patch after a quiet window", () => {
    const d = decideReconcile(
      input({ recommendation: rec(started.status), now: later(300) }),
    );
    expect(d.workloadAction?.type).toBe("apply");
    expect(d.status.phase).toBe("Applied");
    expect(d.status.applied?.previous).toEqual([{ name: "app", ...original }]);
  });

  it("rolls the canary pods back to the exact previous quantities on an OOM kill", () => {
    const oom = {
      ...pod("web-a"),
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
    const d = decideReconcile(
      input({
        recommendation: rec(started.status),
        pods: [oom, ...pods.slice(1)],
        now: later(20),
      }),
    );
    expect(d.status.phase).toBe("RolledBack");
    expect(d.workloadAction).toEqual({
      type: "resize",
      pods: ["web-a"],
      patch: {
        spec: {
          containers: [
            {
              name: "app",
              resources: {
                requests: { cpu: "1", memory: "1Gi" },
                limits: { memory: "2Gi", cpu: null },
              },
            },
          ],
        },
      },
    });
    const after = decideReconcile(
      input({ recommendation: rec(d.status), now: later(400) }),
    );
    expect(after.workloadAction).toBeUndefined();
  });

  it("ignores an OOM kill in a pod outside the canary", () => {
    const oom = {
      ...pod("web-c"),
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
    const d = decideReconcile(
      input({
        recommendation: rec(started.status),
        pods: [oom],
        now: later(20),
      }),
    );
    expect(d.status.phase).toBe("Canary");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createRecommendationStore,
  type KubeClients,
} from "@kubewise/controller";
import type { WorkloadKind, WorkloadRecommendation } from "@kubewise/k8s";

import {
  adminClients,
  controllerKubeConfig,
  createNamespace,
  createTestController,
  deleteNamespace,
  kubectl,
  type TestController,
} from "./harness";

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: {
    containers: [
      {
        name: "app",
        image: "registry.invalid/kubewise/sample:1",
        resources: { requests: { cpu: "500m", memory: "512Mi" } },
      },
    ],
  },
});

describe("autoApply under namespace safety rules (StatefulSet, DaemonSet)", () => {
  let admin: KubeClients;
  let optedIn: string;
  let locked: string;
  let t: TestController;
  const input = (
    namespace: string,
    kind: WorkloadKind,
    name: string,
  ): WorkloadRecommendation => ({
    namespace,
    target: { kind, name },
    containers: [
      {
        name: "app",
        requests: { cpuMillicores: 300, memoryBytes: 300 * 2 ** 20 },
        limits: {},
      },
    ],
    confidence: 0.95,
    policy: "e2e",
    generatedAt: new Date(),
  });

  beforeAll(async () => {
    admin = adminClients();
    [optedIn, locked] = await Promise.all([
      createNamespace(admin, "auto"),
      createNamespace(admin, "locked"),
    ]);
    await admin.core.patchNamespace(
      {
        name: optedIn,
        body: { metadata: { labels: { "kubewise.io/auto-apply": "true" } } },
      },
      (await import("@kubernetes/client-node")).setHeaderOptions(
        "Content-Type",
        "application/merge-patch+json",
      ),
    );
    for (const namespace of [optedIn, locked]) {
      await admin.apps.createNamespacedStatefulSet({
        namespace,
        body: {
          metadata: { name: "db" },
          spec: {
            replicas: 2,
            serviceName: "db",
            selector: { matchLabels: { app: "db" } },
            template: template("db"),
          },
        },
      });
    }
    await admin.apps.createNamespacedDaemonSet({
      namespace: optedIn,
      body: {
        metadata: { name: "node-agent" },
        spec: {
          selector: { matchLabels: { app: "node-agent" } },
          template: template("node-agent"),
        },
      },
    });
    // namespace rules from the API, with the default step cap: 500m -> 300m is within 2x
    t = createTestController(await controllerKubeConfig(), {
      identity: "auto-a",
      leaseName: "kubewise-aggregator",
      leaseDurationSeconds: 5,
      namespaces: [optedIn, locked],
      policy: { inPlaceResize: false, maxStepRatio: 2 },
      namespaceRules: true,
    });
    await t.controller.tick();
    await t.publish(
      input(optedIn, "StatefulSet", "db"),
      input(locked, "StatefulSet", "db"),
      input(optedIn, "DaemonSet", "node-agent"),
    );
    for (const [namespace, name] of [
      [optedIn, "statefulset-db"],
      [locked, "statefulset-db"],
      [optedIn, "daemonset-node-agent"],
    ] as const) {
      await kubectl([
        "patch",
        "rrec",
        name,
        "-n",
        namespace,
        "--type",
        "merge",
        "-p",
        '{"spec":{"dryRun":false,"autoApply":true}}',
      ]);
    }
    await t.controller.tick();
  });
  afterAll(async () => {
    await t.controller.stop();
    await Promise.all([
      deleteNamespace(admin, optedIn),
      deleteNamespace(admin, locked),
    ]);
  });

  it("auto-applies to a StatefulSet's pod template where the namespace opts in", async () => {
    const sts = await admin.apps.readNamespacedStatefulSet({
      namespace: optedIn,
      name: "db",
    });
    expect(sts.spec?.template.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: "300m", memory: "300Mi" },
    });
  });

  it("refuses auto-apply where the namespace does not opt in", async () => {
    const sts = await admin.apps.readNamespacedStatefulSet({
      namespace: locked,
      name: "db",
    });
    expect(sts.spec?.template.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: "500m", memory: "512Mi" },
    });
    const rec = (await createRecommendationStore(admin).list(locked))[0];
    expect(rec?.status?.phase).toBe("Pending");
    expect(rec?.status?.conditions).toContainEqual(
      expect.objectContaining({ reason: "AutoApplyNotAllowed" }),
    );
  });

  it("blocks a DaemonSet that has no scheduled pods (no nodes here: fewer than 2 replicas)", async () => {
    const rec = (await createRecommendationStore(admin).list(optedIn)).find(
      (r) => r.metadata.name === "daemonset-node-agent",
    );
    expect(rec?.status?.phase).toBe("Blocked");
    expect(rec?.status?.conditions).toContainEqual(
      expect.objectContaining({
        type: "DisruptionAllowed",
        reason: "TooFewReplicas",
      }),
    );
  });
});

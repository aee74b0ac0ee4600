import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createRecommendationStore } from "@kubewise/controller";
import type { ResourceRecommendation } from "@kubewise/k8s";

import {
  adminClients,
  approvalOf,
  controllerKubeConfig,
  createNamespace,
  createTestController,
  deleteNamespace,
  grantRecommendationEditors,
  patchRecommendation,
  reportOomKill,
  waitFor,
  type TestController,
} from "./harness";

const ORIGINAL = { requests: { cpu: "1", memory: "1Gi" } };
const NEW = { requests: { cpu: "250m", memory: "256Mi" } };

describe("StatefulSet rollout through the RollingUpdate partition (no in-place resize)", () => {
  const admin = adminClients();
  let namespace: string;
  let t: TestController;

  const statefulSet = () =>
    admin.apps.readNamespacedStatefulSet({ namespace, name: "db" });
  const rec = async (): Promise<ResourceRecommendation> => {
    const [found] = await createRecommendationStore(admin).list(namespace);
    if (!found) throw new Error("statefulset-db not published");
    return found;
  };
  const podResources = async (name: string) =>
    (
      await admin.core.readNamespacedPod({ namespace, name })
    ).spec?.containers.find((c) => c.name === "app")?.resources;

  beforeAll(async () => {
    namespace = await createNamespace(admin, "partition");
    await grantRecommendationEditors(namespace, ["alice"]);
    await admin.apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name: "db", labels: { app: "db" } },
        spec: {
          replicas: 4,
          serviceName: "db",
          // Parallel: no kubelet makes pods Ready, so OrderedReady would stop at db-0.
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          selector: { matchLabels: { app: "db" } },
          template: {
            metadata: { labels: { app: "db" } },
            spec: {
              containers: [
                {
                  name: "app",
                  image: "registry.invalid/kubewise/db:1",
                  resources: ORIGINAL,
                },
              ],
            },
          },
        },
      },
    });
    t = createTestController(await controllerKubeConfig(), {
      identity: "partition-a",
      leaseName: "kubewise-aggregator",
      leaseDurationSeconds: 5,
      namespaces: [namespace],
      policy: {
        inPlaceResize: false,
        rolloutSteps: [0.25, 0.5, 1],
        stepWindowSeconds: 0,
      },
    });
    await waitFor("leadership", async () => {
      await t.controller.tick();
      return t.controller.isLeader() ? true : undefined;
    });
    await t.publish({
      namespace,
      target: { kind: "StatefulSet", name: "db" },
      containers: [
        {
          name: "app",
          requests: { cpuMillicores: 250, memoryBytes: 256 * 2 ** 20 },
          limits: {},
        },
      ],
      confidence: 0.95,
      policy: "e2e",
      generatedAt: new Date(),
    });
    const approve = await patchRecommendation(
      { namespace, name: "statefulset-db" },
      { spec: { dryRun: false, approval: approvalOf(await rec(), "alice") } },
      { as: "alice" },
    );
    expect(approve).toMatchObject({ code: 0 });
    await waitFor("4 pods", async () =>
      (await admin.core.listNamespacedPod({ namespace })).items.length === 4
        ? true
        : undefined,
    );
  });
  afterAll(async () => {
    await t?.controller.stop();
    await deleteNamespace(admin, namespace);
  });

  it("step 1 patches the template with partition 3: the StatefulSet controller replaces only db-3", async () => {
    await t.controller.tick();
    const set = await statefulSet();
    expect(set.spec?.updateStrategy?.rollingUpdate?.partition).toBe(3);
    expect(set.spec?.template.spec?.containers[0]?.resources).toEqual(NEW);
    expect((await rec()).status?.canary).toMatchObject({
      method: "StatefulSetPartition",
      partition: 3,
      previousPartition: 0,
    });
    // kube-controller-manager deletes db-3 and recreates it from the new revision
    await waitFor(
      "db-3 on the new template",
      async () => {
        try {
          return JSON.stringify(await podResources("db-3")) ===
            JSON.stringify(NEW)
            ? true
            : undefined;
        } catch {
          return undefined; // between delete and re-create
        }
      },
      30_000,
    );
    expect(await podResources("db-0")).toEqual(ORIGINAL);
  });

  it("step 2 lowers the partition; an OOM kill of an updated ordinal restores template and partition", async () => {
    await t.controller.tick();
    expect(
      (await statefulSet()).spec?.updateStrategy?.rollingUpdate?.partition,
    ).toBe(2);
    expect((await rec()).status?.canary).toMatchObject({
      step: 1,
      partition: 2,
    });

    await reportOomKill(
      admin,
      { namespace, name: "db-3" },
      { oomKilled: "app", others: [] },
    );
    await t.controller.tick();

    const set = await statefulSet();
    expect(set.spec?.template.spec?.containers[0]?.resources).toEqual(ORIGINAL);
    expect(set.spec?.updateStrategy?.rollingUpdate?.partition).toBe(0);
    expect((await rec()).status).toMatchObject({
      phase: "RolledBack",
      rolledBack: {
        reason: "OOMKilled",
        restored: [{ name: "app", ...ORIGINAL }],
      },
    });
    expect(t.audit.map((a) => `${a.action}:${a.reason}`)).toEqual([
      "canary:Partition",
      "rollout-step:Partition",
      "rollback:OOMKilled",
    ]);
  });
});

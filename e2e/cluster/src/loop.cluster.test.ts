import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createRecommendationStore,
  type KubeClients,
} from "@kubewise/controller";

import {
  adminClients,
  controllerKubeConfig,
  createNamespace,
  createSampleDeployment,
  createTestController,
  deleteNamespace,
  grantRecommendationEditors,
  patchRecommendation,
  waitFor,
  type TestController,
} from "./harness";

describe("controller loop (start/stop with real timers)", () => {
  let admin: KubeClients;
  let namespace: string;
  let t: TestController;
  const phase = async (): Promise<string | undefined> =>
    (await createRecommendationStore(admin).list(namespace))[0]?.status?.phase;

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "loop");
    await createSampleDeployment(admin, namespace);
    await grantRecommendationEditors(namespace, ["alice"]);
    t = createTestController(await controllerKubeConfig(), {
      identity: "loop-a",
      leaseName: "kubewise-aggregator",
      leaseDurationSeconds: 5,
      namespaces: [namespace],
    });
  });
  afterAll(async () => {
    await t.controller.stop();
    await deleteNamespace(admin, namespace);
  });

  it("reconciles kubectl edits without being called, and releases the Lease on stop", async () => {
    await t.publish({
      namespace,
      target: { kind: "Deployment", name: "web" },
      containers: [
        { name: "app", requests: { cpuMillicores: 300 }, limits: {} },
      ],
      confidence: 0.9,
      policy: "e2e",
      generatedAt: new Date(),
    });
    t.controller.start({ intervalMs: 200 });
    await waitFor("leadership", () =>
      Promise.resolve(t.controller.isLeader() ? true : undefined),
    );
    await waitFor("phase DryRun", async () =>
      (await phase()) === "DryRun" ? true : undefined,
    );
    await patchRecommendation(
      { namespace, name: "deployment-web" },
      '{"spec":{"dryRun":false,"approval":{"state":"Rejected","by":"alice"}}}',
      { as: "alice" },
    );
    await waitFor("phase Rejected", async () =>
      (await phase()) === "Rejected" ? true : undefined,
    );
    await t.controller.stop();
    const lease = await admin.coordination.readNamespacedLease({
      namespace: "kubewise-e2e",
      name: "kubewise-aggregator",
    });
    expect(lease.spec?.holderIdentity ?? "").toBe("");
    expect(t.audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["dry-run", "reject"]),
    );
  });
});

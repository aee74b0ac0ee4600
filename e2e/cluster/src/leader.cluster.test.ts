import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createRecommendationStore,
  type KubeClients,
  type RecommendationInput,
} from "@kubewise/k8s";

import {
  adminClients,
  controllerKubeConfig,
  createNamespace,
  createSampleDeployment,
  createTestController,
  deleteNamespace,
  type TestController,
} from "./harness";

const LEASE = "kubewise-aggregator";

describe("leader election with a Lease: two aggregator instances", () => {
  let admin: KubeClients;
  let namespace: string;
  let a: TestController;
  let b: TestController;
  const input = (ns: string, name: string): RecommendationInput => ({
    namespace: ns,
    target: { kind: "Deployment", name },
    containers: [
      {
        name: "app",
        requests: { cpuMillicores: 300, memoryBytes: 300 * 2 ** 20 },
      },
    ],
    confidence: 0.9,
    policy: "e2e",
    generatedAt: new Date(),
  });

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "leader");
    await createSampleDeployment(admin, namespace, "web");
    await createSampleDeployment(admin, namespace, "api");
    const kc = await controllerKubeConfig();
    a = createTestController(kc, {
      identity: "aggregator-a",
      leaseName: LEASE,
      leaseDurationSeconds: 5,
      namespaces: [namespace],
    });
    b = createTestController(kc, {
      identity: "aggregator-b",
      leaseName: LEASE,
      leaseDurationSeconds: 5,
      namespaces: [namespace],
    });
  });
  afterAll(async () => {
    await Promise.all([a.controller.stop(), b.controller.stop()]);
    await deleteNamespace(admin, namespace);
  });

  it("elects exactly one leader when both instances race for the Lease", async () => {
    await Promise.all([a.controller.tick(), b.controller.tick()]);
    const lease = await admin.coordination.readNamespacedLease({
      namespace: "kubewise-e2e",
      name: LEASE,
    });
    const holder = lease.spec?.holderIdentity;
    expect(["aggregator-a", "aggregator-b"]).toContain(holder);
    const [leader, follower] = holder === "aggregator-a" ? [a, b] : [b, a];
    expect(await leader.controller.publish([input(namespace, "web")])).toEqual({
      written: 1,
      skipped: 0,
      failed: 0,
    });
    expect(
      await follower.controller.publish([input(namespace, "api")]),
    ).toEqual({ written: 0, skipped: 1, failed: 0 });
    const names = (await createRecommendationStore(admin).list(namespace)).map(
      (r) => r.metadata.name,
    );
    expect(names).toEqual(["deployment-web"]);
  });

  it("hands over when the leader stops and releases the Lease", async () => {
    const lease = await admin.coordination.readNamespacedLease({
      namespace: "kubewise-e2e",
      name: LEASE,
    });
    const [leader, follower] =
      lease.spec?.holderIdentity === "aggregator-a" ? [a, b] : [b, a];
    await leader.controller.stop();
    await follower.controller.tick();
    const after = await admin.coordination.readNamespacedLease({
      namespace: "kubewise-e2e",
      name: LEASE,
    });
    expect(after.spec?.holderIdentity).toBe(follower.identity);
    expect(after.spec?.leaseTransitions).toBeGreaterThan(
      lease.spec?.leaseTransitions ?? 0,
    );
    expect(
      await follower.controller.publish([input(namespace, "api")]),
    ).toEqual({ written: 1, skipped: 0, failed: 0 });
    expect(await leader.controller.publish([input(namespace, "web")])).toEqual({
      written: 0,
      skipped: 1,
      failed: 0,
    });
  });
});

import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createKubeClients,
  createRecommendationStore,
  type KubeClients,
} from "@kubewise/controller";
import type { WorkloadRecommendation } from "@kubewise/k8s";

import {
  adminClients,
  adminKubeConfig,
  controllerKubeConfig,
  createNamespace,
  createSampleDeployment,
  createTestController,
  deleteNamespace,
  publish,
  waitFor,
  type TestController,
} from "./harness";
import { SyncDatabase } from "./services-sync-harness";

const LEASE = "kubewise-aggregator";

describe("leader election with a Lease: two aggregator instances", () => {
  let admin: KubeClients;
  let namespace: string;
  let a: TestController;
  let b: TestController;
  const input = (ns: string, name: string): WorkloadRecommendation => ({
    namespace: ns,
    target: { kind: "Deployment", name },
    containers: [
      {
        name: "app",
        requests: { cpuMillicores: 300, memoryBytes: 300 * 2 ** 20 },
        limits: {},
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
    // a holder that vanished without releasing is waited out on each instance's own clock
    await waitFor(
      "a leader",
      async () => {
        await Promise.all([a.controller.tick(), b.controller.tick()]);
        return a.controller.isLeader() || b.controller.isLeader()
          ? true
          : undefined;
      },
      15_000,
    );
    expect(a.controller.isLeader() && b.controller.isLeader()).toBe(false);
    const lease = await admin.coordination.readNamespacedLease({
      namespace: "kubewise-e2e",
      name: LEASE,
    });
    const holder = lease.spec?.holderIdentity;
    expect(["aggregator-a", "aggregator-b"]).toContain(holder);
    const [leader, follower] = holder === "aggregator-a" ? [a, b] : [b, a];
    await publish(adminKubeConfig(), input(namespace, "web"));
    expect(await follower.controller.reconcileAll()).toEqual({
      written: 0,
      skipped: 0,
      failed: 0,
    });
    // tick = renew, then reconcile: on a loaded machine the 5 s term may lapse between two steps
    expect(await leader.controller.tick()).toEqual({
      written: 1,
      skipped: 0,
      failed: 0,
    });
    const phases = (await createRecommendationStore(admin).list(namespace)).map(
      (r) => `${r.metadata.name}/${r.status?.phase}`,
    );
    expect(phases).toEqual(["deployment-web/DryRun"]);
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
    await publish(adminKubeConfig(), input(namespace, "api"));
    expect(await leader.controller.reconcileAll()).toEqual({
      written: 0,
      skipped: 0,
      failed: 0,
    });
    expect(await follower.controller.tick()).toEqual({
      written: 1,
      skipped: 1,
      failed: 0,
    });
  });
});

/** Counts the cluster writes one bridge makes, so the test can tell the two instances apart. */
function countingCustom(clients: KubeClients): {
  clients: KubeClients;
  writes: () => number;
} {
  let writes = 0;
  const custom = new Proxy(clients.custom, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        if (/^(patch|create|replace|delete)/.test(String(property)))
          writes += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { clients: { ...clients, custom }, writes: () => writes };
}

describe("cluster sync (DB -> ResourceRecommendation objects) runs on the Lease holder only", () => {
  const admin = adminClients();
  let namespace: string;
  let dir: string;
  let db: SyncDatabase;
  const instances: (TestController & {
    bridge: ReturnType<SyncDatabase["startBridge"]>;
    writes: () => number;
  })[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubewise-leader-db-"));
    // As root the embedded server runs as `postgres`, which must be able to enter the directory.
    await chmod(dir, 0o755);
    namespace = await createNamespace(admin, "leader-sync");
    await createSampleDeployment(admin, namespace, "web");
    await createSampleDeployment(admin, namespace, "api");
    db = await SyncDatabase.start({
      dataDir: join(dir, "pg"),
      namespace,
      logger: pino({ level: "silent" }),
    });
    const kc = await controllerKubeConfig();
    for (const identity of ["aggregator-c", "aggregator-d"]) {
      const test = createTestController(kc, {
        identity,
        leaseName: LEASE,
        leaseDurationSeconds: 5,
        namespaces: [namespace],
      });
      const counting = countingCustom(createKubeClients(kc));
      const bridge = db.startBridge(kc, test.controller, counting.clients);
      instances.push({ ...test, bridge, writes: counting.writes });
    }
    // The previous block's leader released the Lease; one of the two takes it at once.
    await waitFor("a leader", async () => {
      await Promise.all(instances.map((i) => i.controller.tick()));
      return instances.some((i) => i.controller.isLeader()) ? true : undefined;
    });
  });
  afterAll(async () => {
    for (const i of instances) {
      i.bridge.stop();
      await i.controller.stop();
    }
    await db?.stop();
    await deleteNamespace(admin, namespace);
    await rm(dir, { recursive: true, force: true });
  });

  const roles = () => {
    const leader = instances.find((i) => i.controller.isLeader());
    const follower = instances.find((i) => !i.controller.isLeader());
    if (!leader || !follower)
      throw new Error("expected one leader, one follower");
    return { leader, follower };
  };
  const published = async () =>
    (await createRecommendationStore(admin).list(namespace))
      .map((r) => r.metadata.name)
      .sort();

  it("only the leader's bridge writes recommendation objects", async () => {
    const { leader, follower } = roles();
    await db.addRecommendation("web");
    expect(await follower.bridge.runOnce()).toEqual({ status: "follower" });
    expect(await leader.bridge.runOnce()).toMatchObject({
      status: "synced",
      result: { published: 1 },
    });
    expect(await published()).toEqual(["deployment-web"]);
    expect(follower.writes()).toBe(0);
    expect(leader.writes()).toBeGreaterThan(0);
  });

  it("fails over: after the leader stops, the other instance syncs and the old one writes nothing", async () => {
    const { leader, follower } = roles();
    const leaderWrites = leader.writes();
    await leader.controller.stop();
    await db.addRecommendation("api");
    expect(await leader.bridge.runOnce()).toEqual({ status: "follower" });
    await follower.controller.tick();
    expect(follower.controller.isLeader()).toBe(true);
    expect(await follower.bridge.runOnce()).toMatchObject({
      status: "synced",
      result: { published: 1 },
    });
    expect(await published()).toEqual(["deployment-api", "deployment-web"]);
    expect(follower.writes()).toBeGreaterThan(0);
    expect(leader.writes()).toBe(leaderWrites);
  });

  it("fails over when the leader dies without releasing: the other takes over once the Lease expires", async () => {
    const { leader: crashed, follower: survivor } = roles();
    // `crashed` simply stops renewing (no stop(), no release), as a killed pod would.
    const crashedWrites = crashed.writes();
    await db.addRecommendation("worker");
    await createSampleDeployment(admin, namespace, "worker");
    await survivor.controller.tick();
    expect(survivor.controller.isLeader()).toBe(false);
    const held = await admin.coordination.readNamespacedLease({
      namespace: "kubewise-e2e",
      name: LEASE,
    });
    const expiresAtMs =
      new Date(held.spec?.renewTime ?? 0).getTime() +
      (held.spec?.leaseDurationSeconds ?? 0) * 1000;
    await waitFor(
      "Lease expiry and takeover",
      async () => {
        await survivor.controller.tick();
        return survivor.controller.isLeader() ? true : undefined;
      },
      15_000,
    );
    // not before the crashed holder's term ended (same host clock)
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs);
    expect(crashed.controller.isLeader()).toBe(false);
    expect(await crashed.bridge.runOnce()).toEqual({ status: "follower" });
    expect(await survivor.bridge.runOnce()).toMatchObject({
      status: "synced",
      result: { published: 1 },
    });
    expect(await published()).toContain("deployment-worker");
    expect(crashed.writes()).toBe(crashedWrites);
  });
});

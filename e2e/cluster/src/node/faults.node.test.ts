// Faults on the real node that only a kubelet can produce (the API-server-only cluster suite
// simulates them by patching pod status: faults.cluster.test.ts). Each ends in a clear status
// condition and pods exactly as they were.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import {
  agentSamples,
  allowApply,
  approverToken,
  clusterIdByName,
  containerIdOf,
  openDb,
  seedHistory,
  type SuiteDb,
} from "./database";
import { approveOverRest, recommendationOf } from "./recommendations";
import { E2E, kubectlSync } from "./release";
import { recordResult } from "./results";
import { until } from "./wait";
import {
  APPS_NAMESPACE,
  cgroupLimits,
  podsOf,
  type PodView,
} from "./workloads";

const ctx = inject("nodeSuite");

let client: SuiteDb;
beforeAll(() => {
  client = openDb(ctx.databaseUrl);
});
afterAll(async () => {
  await client.sql.end();
});

/** CPU quantities as the API server writes them: whole cores or millicores. */
function cpuCores(quantity: string): number {
  return quantity.endsWith("m")
    ? Number(quantity.slice(0, -1)) / 1000
    : Number(quantity);
}

const resourcesOf = (pod: PodView) =>
  JSON.stringify(pod.spec.containers[0]?.resources);

describe("faults on the real node", () => {
  it("rolls back a resize the kubelet refuses (more CPU than the node has) with ResizeInfeasible and the kubelet's reason, every pod as it was", async () => {
    const clusterId = await until(
      () => clusterIdByName(client, E2E.clusterName),
      { timeoutMs: 120_000, what: `cluster ${E2E.clusterName} registered` },
    );
    const key = {
      clusterId,
      namespace: APPS_NAMESPACE,
      workload: "hungry",
      container: "app",
    };
    const containerId = await until(() => containerIdOf(client, key), {
      timeoutMs: 120_000,
      what: "hungry in the database",
    });
    const measured = await until(
      async () => {
        const s = await agentSamples(client, containerId);
        return s.count >= 1 ? s : undefined;
      },
      { timeoutMs: 120_000, what: "a sample of hungry" },
    );
    const node = JSON.parse(
      kubectlSync(ctx, ["get", "nodes", "-o", "json"]),
    ) as { items: { status: { allocatable: { cpu: string } } }[] };
    const nodeCores = cpuCores(node.items[0]?.status.allocatable.cpu ?? "0");
    expect(nodeCores).toBeGreaterThan(0);
    // a history of twice the node's CPU: the recommender asks for more than the node can ever give
    await allowApply(client, clusterId, APPS_NAMESPACE);
    await seedHistory(client, {
      containerId,
      until: measured.first ?? new Date(),
      cpuCores: nodeCores * 2,
      memoryBytes: measured.memoryBytes,
    });
    const before = podsOf(ctx, "hungry");
    expect(before).toHaveLength(2);
    const rec = await until(
      () => {
        const r = recommendationOf(ctx, "hungry");
        const cpu = r?.spec.containers[0]?.requests?.cpu;
        return cpu !== undefined && cpuCores(cpu) > nodeCores ? r : undefined;
      },
      {
        timeoutMs: 180_000,
        what: `a hungry recommendation above the node's ${nodeCores} CPU`,
      },
    );
    const { token } = await approverToken(client, clusterId, APPS_NAMESPACE);
    const { result: rolledBack, attempts } = await approveOverRest(
      ctx,
      client,
      {
        containerId,
        token,
        comment: "e2e:node approves more CPU than the node has",
        acted: () =>
          until(
            () =>
              recommendationOf(ctx, "hungry")?.status?.conditions?.find(
                (c) => c.type === "RolledBack" && c.status === "True",
              ),
            { timeoutMs: 60_000, what: "the hungry recommendation RolledBack" },
          ),
      },
    );
    expect(rolledBack.reason).toBe("ResizeInfeasible");
    // the kubelet's own words (PodResizePending/Infeasible) name the resource it cannot fit
    expect(rolledBack.message).toMatch(/cpu/i);
    // nothing half-done: the same pods, never restarted, spec, status and cgroup as before, and
    // the kubelet no longer has a resize pending
    const after = await until(
      () => {
        const pods = podsOf(ctx, "hungry");
        const settled = pods.every(
          (p) =>
            JSON.stringify(p.status.containerStatuses?.[0]?.resources) ===
              resourcesOf(p) &&
            !(p.status.conditions ?? []).some(
              (c) => c.type === "PodResizePending",
            ),
        );
        return pods.length === before.length && settled ? pods : undefined;
      },
      { timeoutMs: 60_000, what: "the hungry pods settled after the rollback" },
    );
    for (const pod of before) {
      const now = after.find((p) => p.metadata.uid === pod.metadata.uid);
      expect(now, `${pod.metadata.name} replaced`).toBeDefined();
      if (now === undefined) continue;
      expect(resourcesOf(now)).toBe(resourcesOf(pod));
      expect(now.status.containerStatuses?.[0]?.restartCount).toBe(
        pod.status.containerStatuses?.[0]?.restartCount,
      );
      expect(
        cgroupLimits(now.status.containerStatuses?.[0]?.containerID ?? "")
          .memoryBytes,
      ).toBe(32 * 2 ** 20);
    }
    recordResult(ctx, {
      infeasible_resize_rolled_back: true,
      infeasible_rollback_attempts: attempts,
      infeasible_requested_cpu: rec.spec.containers[0]?.requests?.cpu,
      infeasible_kubelet_message: rolledBack.message,
    });
  });
});

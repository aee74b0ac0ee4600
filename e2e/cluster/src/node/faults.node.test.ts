// Faults on the real node: a resize the kubelet refuses, a PodDisruptionBudget that allows no
// disruption, a pod the scheduler cannot place, and the aggregator (the controller) killed in the
// middle of a rollout. The API-server-only cluster suite simulates the kubelet's part by patching
// pod status (faults.cluster.test.ts). Each ends in a clear status condition, with every pod
// either changed as the rollout says or exactly as it was: never half.
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { REPO_ROOT } from "../global-setup";
import {
  agentSamples,
  allowApply,
  approverToken,
  awaitContainerId,
  clusterIdByName,
  openDb,
  seedHistory,
  type SuiteDb,
} from "./database";
import { approveOverRest, recommendationOf, type Rec } from "./recommendations";
import {
  E2E,
  isReady,
  killContainer,
  kubectlSync,
  releasePods,
  run,
} from "./release";
import { recordResult } from "./results";
import { until } from "./wait";
import {
  APPS_NAMESPACE,
  cgroupLimits,
  HOLD_TAINT,
  podNamed,
  podsOf,
  type PodView,
} from "./workloads";

const ctx = inject("nodeSuite");
const k = (args: string[], stdin?: string) => kubectlSync(ctx, args, stdin);
const MIB = 2 ** 20;
const NODE_NAME = "kw-node";
/** The workloads of the PDB, Pending and aggregator-kill cases (workloads.ts, memory limit 192Mi). */
const FAULT_WORKLOADS = ["guarded", "stuck", "restarter"] as const;

let client: SuiteDb;
let clusterId = "";
const containerIds = new Map<string, string>();
/** Every pod of the fault workloads before any approval, by name. */
const originals = new Map<string, PodView>();
/** The aggregator pod the restarter case SIGKILLed (it had started the stuck rollout). */
let killedLeader = "";

beforeAll(async () => {
  client = openDb(ctx.databaseUrl);
  clusterId = await until(() => clusterIdByName(client, E2E.clusterName), {
    timeoutMs: 120_000,
    what: `cluster ${E2E.clusterName} registered`,
  });
  await allowApply(client, clusterId, APPS_NAMESPACE);
  // the fault workloads' histories, at the level the agent measured (as the loop does), so the
  // recommender publishes their recommendations while the first case runs
  for (const workload of FAULT_WORKLOADS) {
    const containerId = await awaitContainerId(client, {
      clusterId,
      namespace: APPS_NAMESPACE,
      workload,
      container: "app",
    });
    containerIds.set(workload, containerId);
    const measured = await until(
      async () => {
        const s = await agentSamples(client, containerId);
        return s.count >= 1 ? s : undefined;
      },
      { timeoutMs: 120_000, what: `a sample of ${workload}` },
    );
    await seedHistory(client, {
      containerId,
      until: measured.first ?? new Date(),
      cpuCores: Math.max(measured.cpuCores, 0.001),
      memoryBytes: measured.memoryBytes,
    });
    for (const pod of podsOf(ctx, workload))
      originals.set(pod.metadata.name, pod);
  }
}, 600_000);
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
const statusResourcesOf = (pod: PodView) =>
  JSON.stringify(pod.status.containerStatuses?.[0]?.resources);

/** A condition of a test workload's ResourceRecommendation, when it has one of that type (and status). */
function conditionOf(workload: string, type: string, status?: string) {
  return recommendationOf(ctx, workload)?.status?.conditions?.find(
    (c) => c.type === type && (status === undefined || c.status === status),
  );
}

/** A pod of the workload the scheduler cannot place (Pending, PodScheduled=False Unschedulable). */
const unschedulablePod = (workload: string) =>
  podsOf(ctx, workload).find(
    (p) =>
      p.status.phase === "Pending" &&
      (p.status.conditions ?? []).some(
        (c) => c.type === "PodScheduled" && c.reason === "Unschedulable",
      ),
  );

/** The resources of the Deployment's pod template. */
function templateResources(workload: string): string {
  const deployment = JSON.parse(
    k(["-n", APPS_NAMESPACE, "get", "deployment", workload, "-o", "json"]),
  ) as { spec: { template: { spec: PodView["spec"] } } };
  return JSON.stringify(deployment.spec.template.spec.containers[0]?.resources);
}

/**
 * The pod as it was before: same UID, resources (spec and as the kubelet reports them), restarts,
 * and its container's cgroup memory limit `memoryBytes`.
 */
function expectUnchanged(
  pod: PodView,
  before: PodView | undefined,
  memoryBytes: number,
): void {
  expect(before, `${pod.metadata.name} is a pod seen before`).toBeDefined();
  if (before === undefined) return;
  expect(pod.metadata.uid).toBe(before.metadata.uid);
  expect(resourcesOf(pod)).toBe(resourcesOf(before));
  expect(statusResourcesOf(pod)).toBe(resourcesOf(before));
  expect(pod.status.containerStatuses?.[0]?.restartCount).toBe(
    before.status.containerStatuses?.[0]?.restartCount,
  );
  expect(
    cgroupLimits(pod.status.containerStatuses?.[0]?.containerID ?? "")
      .memoryBytes,
  ).toBe(memoryBytes);
}

/** A fault workload's pod as it was before any approval (memory limit 192Mi). */
const expectAsBefore = (pod: PodView) =>
  expectUnchanged(pod, originals.get(pod.metadata.name), 192 * MIB);

/** Waits until the pod runs with resources other than `previous`, as the kubelet reports them. */
function resizedInPlace(name: string, previous: string): Promise<PodView> {
  return until(
    () => {
      const pod = podNamed(ctx, name);
      return resourcesOf(pod) !== previous &&
        statusResourcesOf(pod) === resourcesOf(pod)
        ? pod
        : undefined;
    },
    { timeoutMs: 120_000, what: `${name} resized in place` },
  );
}

async function approve<T>(workload: string, acted: () => Promise<T>) {
  const containerId = containerIds.get(workload);
  if (containerId === undefined)
    throw new Error(`${workload} not in the database`);
  const { token } = await approverToken(client, clusterId, APPS_NAMESPACE);
  await until(() => recommendationOf(ctx, workload), {
    timeoutMs: 180_000,
    what: `the ${workload} ResourceRecommendation`,
  });
  return approveOverRest(ctx, client, {
    containerId,
    token,
    comment: `e2e:node approves ${workload}`,
    acted,
  });
}

/** The controller's Events on a recommendation (one per step), oldest first. */
function controllerEvents(name: string) {
  const list = JSON.parse(
    k([
      "-n",
      APPS_NAMESPACE,
      "get",
      "events",
      "--field-selector",
      `involvedObject.name=${name}`,
      "-o",
      "json",
    ]),
  ) as {
    items: {
      action?: string;
      reportingInstance?: string;
      reportingComponent?: string;
      lastTimestamp?: string;
    }[];
  };
  return list.items
    .filter((e) => e.reportingComponent === "kubewise.io/controller")
    .sort((a, b) =>
      (a.lastTimestamp ?? "").localeCompare(b.lastTimestamp ?? ""),
    );
}

const runningCanary = (workload: string): Rec | undefined => {
  const rec = recommendationOf(ctx, workload);
  return rec?.status?.phase === "Canary" &&
    (rec.status.canary?.pods?.length ?? 0) > 0
    ? rec
    : undefined;
};

describe("faults on the real node", () => {
  it("rolls back a resize the kubelet refuses (more CPU than the node has) with ResizeInfeasible and the kubelet's reason, every pod as it was", async () => {
    const key = {
      clusterId,
      namespace: APPS_NAMESPACE,
      workload: "hungry",
      container: "app",
    };
    const containerId = await awaitContainerId(client, key);
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
    for (const pod of after)
      expectUnchanged(
        pod,
        before.find((p) => p.metadata.uid === pod.metadata.uid),
        32 * MIB,
      );
    recordResult(ctx, {
      infeasible_resize_rolled_back: true,
      infeasible_rollback_attempts: attempts,
      infeasible_requested_cpu: rec.spec.containers[0]?.requests?.cpu,
      infeasible_kubelet_message: rolledBack.message,
    });
  });

  it("holds an approved change while a PodDisruptionBudget allows no disruption (DisruptionAllowed=False), every pod as it was; it starts once the budget is gone", async () => {
    k(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "guarded", namespace: APPS_NAMESPACE },
        spec: {
          minAvailable: 2,
          selector: { matchLabels: { app: "guarded" } },
        },
      }),
    );
    // the disruption controller counted both pods: the budget allows no disruption
    await until(
      () => {
        const { status } = JSON.parse(
          k(["-n", APPS_NAMESPACE, "get", "pdb", "guarded", "-o", "json"]),
        ) as {
          status?: { currentHealthy?: number; disruptionsAllowed?: number };
        };
        return status?.currentHealthy === 2 && status.disruptionsAllowed === 0
          ? true
          : undefined;
      },
      {
        timeoutMs: 60_000,
        what: "the guarded PodDisruptionBudget at 0 allowed",
      },
    );
    const before = podsOf(ctx, "guarded");
    expect(before).toHaveLength(2);
    const { result: held } = await approve("guarded", () =>
      until(() => conditionOf("guarded", "DisruptionAllowed", "False"), {
        timeoutMs: 60_000,
        what: "the guarded recommendation held by its PodDisruptionBudget",
      }),
    );
    expect(held.reason).toBe("PodDisruptionBudget");
    expect(held.message).toContain("PodDisruptionBudget guarded");
    const rec = recommendationOf(ctx, "guarded");
    expect(rec?.status?.phase).toBe("Blocked");
    expect(rec?.status?.canary?.pods ?? []).toEqual([]);
    // nothing applied: no pod resized, the template as it was
    const now = podsOf(ctx, "guarded");
    expect(now.map((p) => p.metadata.name).sort()).toEqual(
      before.map((p) => p.metadata.name).sort(),
    );
    for (const pod of now) expectAsBefore(pod);
    expect(templateResources("guarded")).toBe(resourcesOf(before[0]!));
    // the budget goes: the held approval goes ahead, the first pod resized in place
    k(["-n", APPS_NAMESPACE, "delete", "pdb", "guarded"]);
    const started = await until(() => runningCanary("guarded"), {
      timeoutMs: 120_000,
      what: "the guarded rollout started once the budget was gone",
    });
    // the condition no longer says a budget holds it
    expect(conditionOf("guarded", "DisruptionAllowed")).toMatchObject({
      status: "True",
    });
    const name = started.status?.canary?.pods?.[0] ?? "";
    const original = originals.get(name);
    if (original === undefined)
      throw new Error(`${name} is not a pod seen before the approval`);
    const resized = await resizedInPlace(name, resourcesOf(original));
    expect(resized.metadata.uid).toBe(original.metadata.uid);
    expect(resized.status.containerStatuses?.[0]?.restartCount).toBe(
      original.status.containerStatuses?.[0]?.restartCount,
    );
    recordResult(ctx, {
      pdb_held: held.reason,
      pdb_message: held.message,
      pdb_released_resized_in_place: true,
    });
  });

  it("starts no change while a pod is Pending (PodsRunning=False with the scheduler's reason), nothing resized; it starts once every pod runs; a pod Pending mid-rollout holds it at its step", async () => {
    const before = podsOf(ctx, "stuck");
    expect(before).toHaveLength(2);
    const [kept, victim] = before as [PodView, PodView];
    // the node takes no new pod: the replacement of a deleted one stays Pending (Unschedulable)
    k(["taint", "nodes", NODE_NAME, HOLD_TAINT]);
    let pendingName = "";
    try {
      k([
        "-n",
        APPS_NAMESPACE,
        "delete",
        "pod",
        victim.metadata.name,
        "--wait",
        "--timeout=120s",
      ]);
      const pending = await until(() => unschedulablePod("stuck"), {
        timeoutMs: 120_000,
        what: "a stuck pod Pending (Unschedulable)",
      });
      pendingName = pending.metadata.name;
      const { result: held } = await approve("stuck", () =>
        until(() => conditionOf("stuck", "PodsRunning", "False"), {
          timeoutMs: 60_000,
          what: "the stuck recommendation waiting for its pods",
        }),
      );
      expect(held.reason).toBe("PodsPending");
      expect(held.message).toContain(
        `${pendingName} is Pending (Unschedulable`,
      );
      expect(held.message).toMatch(/taint/);
      expect(recommendationOf(ctx, "stuck")?.status?.phase).toBe("Blocked");
      // nothing applied: the running pod as it was, the Pending one and the template unchanged
      expectAsBefore(podNamed(ctx, kept.metadata.name));
      expect(resourcesOf(podNamed(ctx, pendingName))).toBe(resourcesOf(kept));
      expect(templateResources("stuck")).toBe(resourcesOf(kept));
      recordResult(ctx, {
        pending_held: held.reason,
        pending_message: held.message,
      });
    } finally {
      k(["taint", "nodes", NODE_NAME, `${HOLD_TAINT}-`]);
    }
    // the pod is placed and runs: the held approval goes ahead, the condition turns True
    const started = await until(() => runningCanary("stuck"), {
      timeoutMs: 180_000,
      what: "the stuck rollout started once every pod ran",
    });
    expect(conditionOf("stuck", "PodsRunning")).toMatchObject({
      status: "True",
    });
    const name = started.status?.canary?.pods?.[0] ?? "";
    const resized = await resizedInPlace(name, resourcesOf(kept));
    const pods = podsOf(ctx, "stuck");
    expect(pods.map((p) => p.status.phase)).toEqual(["Running", "Running"]);
    expect(pods.map((p) => p.metadata.name)).toContain(pendingName);

    // mid-rollout: the node takes no new pod again and the pod outside the canary is replaced: the
    // rollout holds at its step (still Canary, PodsRunning=False naming the Pending pod), the
    // resized pod exactly as the step left it, the template untouched, nothing more written
    const other = pods.find((p) => p.metadata.name !== name);
    if (other === undefined) throw new Error("no stuck pod outside the canary");
    k(["taint", "nodes", NODE_NAME, HOLD_TAINT]);
    let midPending = "";
    try {
      k([
        "-n",
        APPS_NAMESPACE,
        "delete",
        "pod",
        other.metadata.name,
        "--wait",
        "--timeout=120s",
      ]);
      midPending = (
        await until(() => unschedulablePod("stuck"), {
          timeoutMs: 120_000,
          what: "a stuck pod Pending mid-rollout",
        })
      ).metadata.name;
      const midHeld = await until(
        () => conditionOf("stuck", "PodsRunning", "False"),
        {
          timeoutMs: 60_000,
          what: "the stuck rollout holding while a pod is Pending",
        },
      );
      expect(midHeld.reason).toBe("PodsPending");
      expect(midHeld.message).toContain(
        `${midPending} is Pending (Unschedulable`,
      );
      expect(midHeld.message).toContain(
        "holding the resized pods at this step",
      );
      const rec = recommendationOf(ctx, "stuck");
      expect(rec?.status?.phase).toBe("Canary");
      expect(rec?.status?.canary?.pods).toEqual([name]);
      const canaryNow = podNamed(ctx, name);
      expect(canaryNow.metadata.uid).toBe(resized.metadata.uid);
      expect(resourcesOf(canaryNow)).toBe(resourcesOf(resized));
      expect(statusResourcesOf(canaryNow)).toBe(resourcesOf(resized));
      expect(canaryNow.status.containerStatuses?.[0]?.restartCount).toBe(
        resized.status.containerStatuses?.[0]?.restartCount,
      );
      // the replacement comes from the template, which the rollout has not touched
      expect(resourcesOf(podNamed(ctx, midPending))).toBe(resourcesOf(kept));
      expect(templateResources("stuck")).toBe(resourcesOf(kept));
      recordResult(ctx, {
        pending_mid_rollout_held: `${rec?.status?.phase ?? "?"}/${midHeld.reason ?? "?"}`,
      });
    } finally {
      k(["taint", "nodes", NODE_NAME, `${HOLD_TAINT}-`]);
    }
    // the pod runs: the condition turns True, the rollout still at its step
    await until(() => conditionOf("stuck", "PodsRunning", "True"), {
      timeoutMs: 180_000,
      what: "PodsRunning True once the replacement runs",
    });
    expect(recommendationOf(ctx, "stuck")?.status?.phase).toBe("Canary");
    expect(podNamed(ctx, midPending).status.phase).toBe("Running");
  });

  it("ends a rollout whose aggregator was killed mid-way: the next aggregator takes over and rolls every resized pod back to its exact resources (RolledBack, OOMKilled)", async () => {
    const before = podsOf(ctx, "restarter");
    expect(before).toHaveLength(2);
    const { result: name } = await approve("restarter", () =>
      until(() => runningCanary("restarter")?.status?.canary?.pods?.[0], {
        timeoutMs: 60_000,
        what: "the restarter's canary pod",
      }),
    );
    const original = originals.get(name);
    if (original === undefined)
      throw new Error(`${name} is not a pod seen before the approval`);
    await resizedInPlace(name, resourcesOf(original));
    // the controller dies between the canary step and its promotion: SIGKILL from the node (no
    // shutdown path runs, its Lease is not released), and its pod deleted, so another pod takes over
    const [killed] = releasePods(ctx, "aggregator");
    if (killed === undefined) throw new Error("no aggregator pod");
    killContainer(killed.metadata.name, "aggregator");
    k([
      "-n",
      E2E.namespace,
      "delete",
      "pod",
      killed.metadata.name,
      "--grace-period=0",
      "--force",
      "--wait=false",
    ]);
    const next = await until(
      () =>
        releasePods(ctx, "aggregator").find(
          (p) => p.metadata.name !== killed.metadata.name && isReady(p),
        ),
      { timeoutMs: 180_000, what: "a new aggregator pod Ready" },
    );
    await until(
      () =>
        k([
          "-n",
          E2E.namespace,
          "get",
          "lease",
          "kubewise-aggregator",
          "-o",
          "jsonpath={.spec.holderIdentity}",
        ]).trim() === next.metadata.name
          ? true
          : undefined,
      {
        timeoutMs: 120_000,
        what: `${next.metadata.name} holding the leader Lease`,
      },
    );
    // the rollout as the killed aggregator left it, in the recommendation's status
    const mid = recommendationOf(ctx, "restarter");
    expect(mid?.status?.phase).toBe("Canary");
    expect(mid?.status?.canary?.pods).toEqual([name]);
    // now the resized pod regresses: told to grow, it passes its new limit and the kernel kills it
    k(["-n", APPS_NAMESPACE, "exec", name, "--", "touch", "/data/go"]);
    await until(
      () =>
        podNamed(ctx, name).status.containerStatuses?.[0]?.lastState?.terminated
          ?.reason === "OOMKilled"
          ? true
          : undefined,
      { timeoutMs: 180_000, what: `${name} OOM-killed` },
    );
    const rolledBack = await until(
      () => conditionOf("restarter", "RolledBack", "True"),
      { timeoutMs: 120_000, what: "the restarter recommendation RolledBack" },
    );
    expect(rolledBack.reason).toBe("OOMKilled");
    expect(rolledBack.message).toContain(name);
    // every pod at its exact previous resources: the resized one restored in place, the other untouched
    const restored = await until(
      () => {
        const pod = podNamed(ctx, name);
        return resourcesOf(pod) === resourcesOf(original) &&
          statusResourcesOf(pod) === resourcesOf(original)
          ? pod
          : undefined;
      },
      { timeoutMs: 120_000, what: `${name} back at its previous resources` },
    );
    expect(restored.metadata.uid).toBe(original.metadata.uid);
    expect(
      cgroupLimits(restored.status.containerStatuses?.[0]?.containerID ?? "")
        .memoryBytes,
    ).toBe(192 * MIB);
    for (const pod of before.filter((p) => p.metadata.name !== name))
      expectAsBefore(podNamed(ctx, pod.metadata.name));
    expect(templateResources("restarter")).toBe(resourcesOf(original));
    // the recommendation's Events say who did each step: the killed aggregator resized, the one
    // that took over rolled back
    const steps = await until(
      () => {
        const events = controllerEvents("deployment-restarter");
        return events.some((e) => e.action === "rollback") ? events : undefined;
      },
      { timeoutMs: 60_000, what: "the restarter's rollback Event" },
    );
    expect(steps.find((e) => e.action === "canary")?.reportingInstance).toBe(
      killed.metadata.name,
    );
    expect(steps.find((e) => e.action === "rollback")?.reportingInstance).toBe(
      next.metadata.name,
    );
    recordResult(ctx, {
      aggregator_killed_mid_rollout: {
        killed: killed.metadata.name,
        took_over: next.metadata.name,
        ended: rolledBack.reason,
      },
    });
    killedLeader = killed.metadata.name;
  });

  it("promotes a rollout the killed aggregator started: a later leader patches the template once the step window ends (Applied), every pod at the canary's resources", async () => {
    // the stuck workload's rollout was started (its canary resized) by the aggregator the restarter
    // case SIGKILLed; it has sat in Canary since, through the takeover
    const rec = recommendationOf(ctx, "stuck");
    expect(rec?.status?.phase).toBe("Canary");
    const canaryName = rec?.status?.canary?.pods?.[0] ?? "";
    const canary = podNamed(ctx, canaryName);
    const canaryMemory = cgroupLimits(
      canary.status.containerStatuses?.[0]?.containerID ?? "",
    ).memoryBytes;
    const originalResources = resourcesOf(
      [...originals.values()].find((p) =>
        p.metadata.name.startsWith("stuck-"),
      ) ?? canary,
    );
    expect(resourcesOf(canary)).not.toBe(originalResources);
    const startedBy = controllerEvents("deployment-stuck").find(
      (e) => e.action === "canary",
    )?.reportingInstance;
    expect(startedBy).toBe(killedLeader);
    // the suite's 1 h step window never ends: the leader to come gets 5 s (helm upgrade replaces
    // the aggregator pod; the new one takes the Lease)
    const previous = new Set(
      releasePods(ctx, "aggregator").map((p) => p.metadata.name),
    );
    run(ctx, ctx.helmPath, [
      "upgrade",
      E2E.release,
      join(REPO_ROOT, "charts", "kubewise"),
      "-n",
      E2E.namespace,
      "--reuse-values",
      "--set",
      "controller.rolloutStepWindowSeconds=5",
      "--wait",
      "--timeout",
      "300s",
    ]);
    const leader = await until(
      () => {
        const holder = k([
          "-n",
          E2E.namespace,
          "get",
          "lease",
          "kubewise-aggregator",
          "-o",
          "jsonpath={.spec.holderIdentity}",
        ]).trim();
        return holder !== "" && !previous.has(holder) ? holder : undefined;
      },
      { timeoutMs: 180_000, what: "the new aggregator pod holding the Lease" },
    );
    const applied = await until(() => conditionOf("stuck", "Applied", "True"), {
      timeoutMs: 180_000,
      what: "the stuck rollout promoted (Applied)",
    });
    expect(applied.reason).toBe("TemplatePatched");
    expect(recommendationOf(ctx, "stuck")?.status?.phase).toBe("Applied");
    // the template carries the change, and every pod (restarted from it) runs with it
    const template = templateResources("stuck");
    expect(template).not.toBe(originalResources);
    const pods = await until(
      () => {
        // terminating pods still count: they carry the old resources until they are gone
        const now = podsOf(ctx, "stuck");
        return now.length === 2 &&
          now.every(
            (p) =>
              p.status.phase === "Running" &&
              resourcesOf(p) === template &&
              statusResourcesOf(p) === template,
          )
          ? now
          : undefined;
      },
      {
        timeoutMs: 180_000,
        what: "every stuck pod running from the new template",
      },
    );
    for (const pod of pods)
      expect(
        cgroupLimits(pod.status.containerStatuses?.[0]?.containerID ?? "")
          .memoryBytes,
      ).toBe(canaryMemory);
    const steps = controllerEvents("deployment-stuck");
    expect(steps.find((e) => e.action === "apply")?.reportingInstance).toBe(
      leader,
    );
    recordResult(ctx, {
      promoted_after_takeover: {
        started_by: startedBy,
        promoted_by: leader,
        phase: "Applied",
      },
    });
  });
});

// Bad input and faults on the real API server: each ends in a clear status condition and a
// consistent workload (applied or rolled back, never half).
import { setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLeaseElector } from "@kubewise/controller";

import {
  adminClients,
  createNamespace,
  createTestController,
  deleteNamespace,
  kubectl,
  reportOomKill,
  uniqueName,
  waitFor,
  type TestController,
} from "./harness";
import {
  appResources,
  halfHour,
  NEW,
  ORIGINAL,
  startRolloutEnvironment,
  type RolloutEnvironment,
  type RolloutFixture,
} from "./rollout-fixture";
import type { SyncDatabase } from "./services-sync-harness";

describe("faults during a rollout on a real API server", () => {
  const admin = adminClients();
  let env: RolloutEnvironment;
  let namespace: string;
  let db: SyncDatabase;
  let t: TestController;
  let controllerOptions: RolloutEnvironment["controllerOptions"];
  let kc: RolloutEnvironment["kubeConfig"];
  const others: TestController[] = [];
  let fixture: RolloutFixture;

  const conditionsOf = async (name: string) =>
    (await fixture.rec(name)).status?.conditions ?? [];
  /** The metric store goes away (its table of samples cannot be read) and comes back. */
  const metricStore = {
    break: () =>
      db.client
        .sql`alter table metric_samples rename to metric_samples_offline`,
    mend: () =>
      db.client
        .sql`alter table metric_samples_offline rename to metric_samples`,
  };
  /** What a kubelet writes through the status subresource: every container ready. */
  const markReady = async (name: string) => {
    for (const pod of await fixture.podsOf(name))
      await admin.core.patchNamespacedPodStatus(
        {
          namespace,
          name: pod.metadata?.name ?? "",
          body: {
            status: {
              phase: "Running",
              conditions: [{ type: "Ready", status: "True" }],
            },
          },
        },
        setHeaderOptions("Content-Type", "application/merge-patch+json"),
      );
  };

  beforeAll(async () => {
    env = await startRolloutEnvironment("faults", {
      identity: "faults-a",
      // long enough that a pass on a loaded machine never outlives it (leadership is re-checked per write)
      leaseDurationSeconds: 15,
    });
    ({ namespace, db, fixture, t, controllerOptions } = env);
    kc = env.kubeConfig;
  });
  afterAll(async () => {
    for (const other of others) await other.controller.stop();
    await env?.stop();
  });

  it("holds with a condition while the metric store is unreadable, before and during a rollout; pod status alone never promotes", async () => {
    const sample = await fixture.observe("held");
    await sample(2, halfHour());
    await fixture.deploy(t, "held");

    await metricStore.break();
    try {
      await t.controller.tick();
      expect(await fixture.changedPods("held")).toEqual([]);
      const blocked = await fixture.rec("held");
      expect(blocked.status?.phase).toBe("Blocked");
      expect(blocked.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: "MetricsAvailable",
          status: "False",
          reason: "MetricStoreUnreadable",
        }),
      );
    } finally {
      await metricStore.mend();
    }

    await t.controller.tick();
    const canary = await fixture.changedPods("held");
    expect(canary).toHaveLength(1);
    expect((await fixture.rec("held")).status?.canary).toMatchObject({
      step: 0,
    });

    // Every pod reports Ready (what a kubelet says), and samples arrived: only the store is down.
    await markReady("held");
    await sample(2);
    await metricStore.break();
    try {
      for (let i = 0; i < 3; i += 1) await t.controller.tick();
      const held = await fixture.rec("held");
      expect(held.status?.phase).toBe("Canary");
      expect(held.status?.canary).toMatchObject({ step: 0, pods: canary });
      expect(held.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: "MetricsAvailable",
          status: "False",
          reason: "MetricStoreUnreadable",
          message:
            'the metric store cannot be read (relation "metric_samples" does not exist); holding until it answers',
        }),
      );
      expect(await fixture.changedPods("held")).toEqual(canary);
    } finally {
      await metricStore.mend();
    }

    // The store answers again: the rollout takes its next step.
    await t.controller.tick();
    expect(await fixture.changedPods("held")).toHaveLength(2);
    expect((await fixture.rec("held")).status?.canary).toMatchObject({
      step: 1,
    });
  });

  it("rolls back a resize the kubelet marks infeasible (PodResizePending/Infeasible) with a condition", async () => {
    const sample = await fixture.observe("big");
    await sample(2, halfHour());
    await fixture.deploy(t, "big");
    await t.controller.tick();
    const [resized] = await fixture.changedPods("big");
    expect(resized).toBeDefined();

    const message =
      "Node didn't have enough capacity: cpu, requested: 250, capacity: 200";
    await admin.core.patchNamespacedPodStatus(
      {
        namespace,
        name: resized ?? "",
        body: {
          status: {
            conditions: [
              {
                type: "PodResizePending",
                status: "True",
                reason: "Infeasible",
                message,
              },
            ],
          },
        },
      },
      setHeaderOptions("Content-Type", "application/merge-patch+json"),
    );
    await t.controller.tick();

    const rolled = await fixture.rec("big");
    expect(rolled.status?.phase).toBe("RolledBack");
    expect(rolled.status?.rolledBack).toMatchObject({
      reason: "ResizeInfeasible",
      message: `the kubelet cannot resize ${resized} (${message})`,
      restored: [{ name: "app", ...ORIGINAL }],
    });
    expect(await conditionsOf("big")).toContainEqual(
      expect.objectContaining({
        type: "RolledBack",
        status: "True",
        reason: "ResizeInfeasible",
      }),
    );
    expect(await fixture.changedPods("big")).toEqual([]);
    for (const pod of await fixture.podsOf("big"))
      expect(appResources(pod)).toEqual(ORIGINAL);
    // terminal for this spec: further passes change nothing
    await t.controller.tick();
    expect(await fixture.changedPods("big")).toEqual([]);
  });

  it("rolls back the pods it resized when the API server refuses the next resize (an admission policy), naming the refusal", async () => {
    const sample = await fixture.observe("frozen");
    await sample(2, halfHour());
    await fixture.deploy(t, "frozen");
    await t.controller.tick();
    const [first] = await fixture.changedPods("frozen");
    expect(first).toBeDefined();
    // step 2 takes the first pod by name still on the template: a cluster policy freezes it
    const names = (await fixture.podsOf("frozen"))
      .map((p) => p.metadata?.name ?? "")
      .sort();
    const frozen = names.find((n) => n !== first) ?? "";
    await admin.core.patchNamespacedPod(
      {
        namespace,
        name: frozen,
        body: { metadata: { labels: { "e2e.kubewise.io/frozen": "true" } } },
      },
      setHeaderOptions("Content-Type", "application/merge-patch+json"),
    );
    const policy = `${namespace}-frozen`;
    const applied = await kubectl(["apply", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: policy },
            spec: {
              failurePolicy: "Fail",
              matchConstraints: {
                resourceRules: [
                  {
                    apiGroups: [""],
                    apiVersions: ["v1"],
                    operations: ["UPDATE"],
                    resources: ["pods/resize"],
                  },
                ],
              },
              validations: [
                {
                  expression:
                    "!has(object.metadata.labels) || !('e2e.kubewise.io/frozen' in object.metadata.labels)",
                  message: "this pod is frozen: no resize",
                },
              ],
            },
          },
          {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicyBinding",
            metadata: { name: policy },
            spec: {
              policyName: policy,
              validationActions: ["Deny"],
              matchResources: {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": namespace },
                },
              },
            },
          },
        ],
      }),
    });
    expect(applied).toMatchObject({ code: 0 });
    try {
      // the API server enforces a new policy once its informer has it: a server-side dry run tells
      await waitFor(
        "the policy to deny a resize of the frozen pod",
        async () => {
          try {
            await admin.core.patchNamespacedPodResize(
              {
                namespace,
                name: frozen,
                dryRun: "All",
                body: {
                  spec: {
                    containers: [
                      { name: "app", resources: { requests: { cpu: "900m" } } },
                    ],
                  },
                },
              },
              setHeaderOptions(
                "Content-Type",
                "application/strategic-merge-patch+json",
              ),
            );
            return undefined;
          } catch (error) {
            return String(error).includes("frozen") ? true : undefined;
          }
        },
      );

      await sample(2);
      await t.controller.tick();

      const rolled = await fixture.rec("frozen");
      expect(rolled.status?.phase).toBe("RolledBack");
      expect(rolled.status?.rolledBack).toMatchObject({
        reason: "PatchRejected",
        restored: [{ name: "app", ...ORIGINAL }],
      });
      expect(rolled.status?.rolledBack?.message).toBe(
        `the API server refused the in-place resize of ${frozen} (422: pods "${frozen}" is forbidden: ValidatingAdmissionPolicy '${policy}' with binding '${policy}' denied request: this pod is frozen: no resize)`,
      );
      expect(rolled.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: "RolledBack",
          status: "True",
          reason: "PatchRejected",
        }),
      );
      // the pod of step 1 is back on the exact previous resources; nothing is half done
      expect(await fixture.changedPods("frozen")).toEqual([]);
      for (const pod of await fixture.podsOf("frozen"))
        expect(appResources(pod)).toEqual(ORIGINAL);
      expect(
        t.sent
          .filter((s) => s.op === "resizePod" && s.name.startsWith("frozen-"))
          .map((s) => s.name),
      ).toEqual([first, frozen, first]);
      // terminal for this spec: the next pass sends nothing
      const sent = t.sent.length;
      await t.controller.tick();
      expect(
        t.sent.slice(sent).filter((s) => s.name.startsWith("frozen-")),
      ).toEqual([]);
    } finally {
      await kubectl([
        "delete",
        "validatingadmissionpolicybinding,validatingadmissionpolicy",
        policy,
        "--ignore-not-found",
      ]);
    }
  }, 120_000);

  it("a PodDisruptionBudget that blocks the template patch holds the resized pods in Canary with a condition; the change goes on once it allows", async () => {
    const sample = await fixture.observe("guarded");
    await sample(2, halfHour());
    await fixture.deploy(t, "guarded");
    await t.controller.tick();
    await sample(2);
    await t.controller.tick();
    const resized = await fixture.changedPods("guarded");
    expect(resized).toHaveLength(2);

    // no disruption allowed: kube-controller-manager's disruption controller computes the status
    await admin.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: "guarded" },
        spec: {
          maxUnavailable: 0,
          selector: { matchLabels: { app: "guarded" } },
        },
      },
    });
    await waitFor("the budget's status", async () => {
      const pdb = await admin.policy.readNamespacedPodDisruptionBudget({
        namespace,
        name: "guarded",
      });
      return pdb.status?.observedGeneration ? pdb : undefined;
    });
    const template = async () =>
      (
        await admin.apps.readNamespacedDeployment({
          namespace,
          name: "guarded",
        })
      ).spec?.template.spec?.containers.find((c) => c.name === "app")
        ?.resources;

    for (let i = 0; i < 2; i += 1) {
      await sample(2);
      await t.controller.tick();
      const held = await fixture.rec("guarded");
      expect(held.status?.phase).toBe("Canary");
      expect(held.status?.canary).toMatchObject({ step: 1, pods: resized });
      expect(held.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: "DisruptionAllowed",
          status: "False",
          reason: "PodDisruptionBudget",
          message:
            "PodDisruptionBudget guarded allows no disruption; holding the resized pods at this step",
        }),
      );
      // consistent: the recorded pods carry the change, the template and the others do not
      expect(await fixture.changedPods("guarded")).toEqual(resized);
      expect(await template()).toEqual(ORIGINAL);
    }

    await admin.policy.deleteNamespacedPodDisruptionBudget({
      namespace,
      name: "guarded",
    });
    await sample(2);
    await t.controller.tick();
    const applied = await fixture.rec("guarded");
    expect(applied.status?.phase).toBe("Applied");
    expect(applied.status?.applied?.previous).toEqual([
      { name: "app", ...ORIGINAL },
    ]);
    expect(applied.status?.conditions).toContainEqual(
      expect.objectContaining({ type: "DisruptionAllowed", status: "True" }),
    );
    expect(await template()).toEqual(NEW);
  }, 120_000);

  // Last in this block: the suite's controller `t` is killed here and another instance takes over.
  it("a leader killed between a resize and its status write: the next leader adopts the pod, and an OOM kill there rolls back every resized pod", async () => {
    const sample = await fixture.observe("killed");
    await sample(2, halfHour());
    await fixture.deploy(t, "killed");
    await t.controller.tick();
    const [first] = await fixture.changedPods("killed");
    expect(first).toBeDefined();

    // step 2: the process dies right after its resize reached the API server
    await sample(2);
    t.killAfter((w) => w.op === "resizePod" && w.name.startsWith("killed-"));
    await t.controller.tick();
    const resized = await fixture.changedPods("killed");
    expect(resized).toHaveLength(2);
    const [second] = resized.filter((n) => n !== first);
    const recorded = await fixture.rec("killed");
    expect(recorded.status?.canary).toMatchObject({ step: 0, pods: [first] });

    // the pod the dead leader resized but never recorded is OOM-killed
    await reportOomKill(
      admin,
      { namespace, name: second ?? "" },
      { oomKilled: "app", others: [] },
    );
    // b's elector clock: the test moves it past the lease duration instead of waiting for it
    let skippedMs = 0;
    const b = createTestController(kc, {
      ...controllerOptions,
      identity: "faults-b",
      electorNow: () => new Date(Date.now() + skippedMs),
    });
    others.push(b);
    // b first sees the dead leader's Lease as live; it never renews, so once the lease duration
    // has passed on b's clock since b observed it, b takes over and reconciles in the same pass
    await b.controller.tick();
    expect(b.controller.isLeader()).toBe(false);
    skippedMs = 16_000;
    await b.controller.tick();
    expect(b.controller.isLeader()).toBe(true);

    const rolled = await fixture.rec("killed");
    expect(rolled.status?.phase).toBe("RolledBack");
    expect(rolled.status?.rolledBack).toMatchObject({
      reason: "OOMKilled",
      restored: [{ name: "app", ...ORIGINAL }],
    });
    expect(rolled.status?.canary?.pods).toEqual([first, second].sort());
    expect(await fixture.changedPods("killed")).toEqual([]);
    for (const pod of await fixture.podsOf("killed"))
      expect(appResources(pod)).toEqual(ORIGINAL);
    expect(
      b.sent
        .filter((s) => s.op === "resizePod" && s.name.startsWith("killed-"))
        .map((s) => s.name),
    ).toEqual([first, second].sort());
  }, 120_000);
});

describe("two aggregators that both think they lead (clock skew)", () => {
  const admin = adminClients();
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace(admin, "skew");
  });
  afterAll(async () => {
    await deleteNamespace(admin, namespace);
  });

  it("a follower whose clock runs an hour ahead does not take over an unexpired Lease; expiry counts from when it observed the renewal", async () => {
    const leaseName = uniqueName("skew");
    const options = { namespace, leaseName, leaseDurationSeconds: 10 };
    const leader = createLeaseElector(admin, { ...options, identity: "a" });
    // The follower's clock: one hour ahead of the API server and the leader, moved by the test.
    let followerMs = Date.now() + 3_600_000;
    const follower = createLeaseElector(admin, {
      ...options,
      identity: "b",
      now: () => new Date(followerMs),
    });
    const holder = async () =>
      (
        await admin.coordination.readNamespacedLease({
          namespace,
          name: leaseName,
        })
      ).spec?.holderIdentity;

    expect(await leader.tryAcquireOrRenew()).toBe(true);
    // renewTime is an hour old on the follower's clock: judged by it, the Lease looks expired
    expect(await follower.tryAcquireOrRenew()).toBe(false);
    expect(follower.isLeader()).toBe(false);
    expect(await holder()).toBe("a");

    followerMs += 9_000; // 9 s after it first saw this record: still live
    expect(await follower.tryAcquireOrRenew()).toBe(false);
    expect(await holder()).toBe("a");

    // The leader renews: the follower's 10 s start again from when it sees the new record.
    expect(await leader.tryAcquireOrRenew()).toBe(true);
    followerMs += 2_000;
    expect(await follower.tryAcquireOrRenew()).toBe(false);
    followerMs += 9_000;
    expect(await follower.tryAcquireOrRenew()).toBe(false);
    expect(await holder()).toBe("a");

    // No renewal for the full lease duration of the follower's own observation: it takes over.
    followerMs += 1_500;
    expect(await follower.tryAcquireOrRenew()).toBe(true);
    expect(await holder()).toBe("b");
    // The old leader sees the new holder on its next round and stops leading.
    expect(await leader.tryAcquireOrRenew()).toBe(false);
    expect(leader.isLeader()).toBe(false);
  });
});

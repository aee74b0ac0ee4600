import type { KubeConfig, V1Deployment } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createRecommendationStore,
  type KubeClients,
  type RecommendationStore,
} from "@kubewise/controller";
import type {
  ResourceRecommendation,
  WorkloadRecommendation,
} from "@kubewise/k8s";

import {
  adminClients,
  approvalOf,
  controllerKubeConfig,
  createNamespace,
  createSampleDeployment,
  createTestController,
  deleteNamespace,
  grantRecommendationEditors,
  kubectl,
  patchRecommendation,
  publish,
  reportOomKill,
  waitFor,
  type TestController,
} from "./harness";

const MI = 2 ** 20;
const LEASE = "kubewise-aggregator";
const ORIGINAL_APP_RESOURCES = {
  requests: { cpu: "1", memory: "1Gi" },
  limits: { memory: "2Gi" },
};

describe("lifecycle controller on a real API server (as the chart's ServiceAccount)", () => {
  let admin: KubeClients;
  let adminStore: RecommendationStore;
  let namespace: string;
  let kc: KubeConfig;
  let t: TestController;
  let input: WorkloadRecommendation;

  const leaveDryRun = () =>
    kubectl([
      "patch",
      "rrec",
      "deployment-web",
      "-n",
      namespace,
      "--type",
      "merge",
      "-p",
      '{"spec":{"dryRun":false}}',
    ]);
  const getRec = async (): Promise<ResourceRecommendation> => {
    const all = await adminStore.list(namespace);
    const rec = all.find((r) => r.metadata.name === "deployment-web");
    if (!rec) throw new Error("recommendation not found");
    return rec;
  };
  const getDeployment = (): Promise<V1Deployment> =>
    admin.apps.readNamespacedDeployment({ namespace, name: "web" });
  const appResources = async (): Promise<unknown> =>
    (await getDeployment()).spec?.template.spec?.containers.find(
      (c) => c.name === "app",
    )?.resources;

  beforeAll(async () => {
    admin = adminClients();
    adminStore = createRecommendationStore(admin);
    namespace = await createNamespace(admin, "ctl");
    await createSampleDeployment(admin, namespace);
    await grantRecommendationEditors(namespace, ["alice"]);
    kc = await controllerKubeConfig();
    t = createTestController(kc, {
      identity: "ctl-a",
      leaseName: LEASE,
      leaseDurationSeconds: 5,
      namespaces: [namespace],
      policy: {
        observationWindowSeconds: 3600,
        rolloutSteps: [0.5, 1],
        stepWindowSeconds: 0,
      },
    });
    input = {
      namespace,
      target: { kind: "Deployment", name: "web" },
      containers: [
        {
          name: "app",
          requests: { cpuMillicores: 250, memoryBytes: 256 * MI },
          limits: { memoryBytes: 2048 * MI },
          bounds: {
            lowerBound: { cpuMillicores: 200, memoryBytes: 200 * MI },
            upperBound: { cpuMillicores: 400, memoryBytes: 400 * MI },
            uncappedTarget: { cpuMillicores: 250, memoryBytes: 256 * MI },
          },
        },
      ],
      confidence: 0.9,
      policy: "e2e",
      generatedAt: new Date(),
    };
  });
  afterAll(async () => {
    await t.controller.stop();
    await deleteNamespace(admin, namespace);
  });

  it("becomes leader and the publisher writes a recommendation object for a sample Deployment", async () => {
    await t.controller.tick();
    await publish(kc, input);
    const rec = await getRec();
    const uid = (await getDeployment()).metadata?.uid;
    expect(rec.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Deployment", name: "web", uid }),
    ]);
    expect(rec.spec).toMatchObject({
      targetRef: { kind: "Deployment", name: "web" },
      dryRun: true,
      autoApply: false,
      confidence: 0.9,
    });
    expect(rec.status?.containerRecommendations).toEqual([
      {
        containerName: "app",
        target: { cpu: "250m", memory: "256Mi" },
        lowerBound: { cpu: "200m", memory: "200Mi" },
        upperBound: { cpu: "400m", memory: "400Mi" },
        uncappedTarget: { cpu: "250m", memory: "256Mi" },
      },
    ]);
    const managers = (
      rec.metadata.managedFields as { manager: string; operation: string }[]
    ).map((m) => `${m.manager}/${m.operation}`);
    // the spec by the recommender's apply, status.containerRecommendations by its own manager
    expect(new Set(managers)).toEqual(
      new Set(["kubewise-controller/Apply", "kubewise-recommender/Apply"]),
    );
  });

  it("publishing the same recommendation again changes nothing (idempotent SSA)", async () => {
    const before = await getRec();
    await publish(kc, input);
    expect((await getRec()).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it("dryRun fills status.generatedPatch and leaves the Deployment untouched", async () => {
    const generationBefore = (await getDeployment()).metadata?.generation;
    await t.controller.tick();
    const rec = await getRec();
    expect(rec.status?.phase).toBe("DryRun");
    expect(JSON.parse(rec.status?.generatedPatch ?? "null")).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                resources: {
                  requests: { cpu: "250m", memory: "256Mi" },
                  limits: { cpu: null, memory: "2Gi" },
                },
              },
            ],
          },
        },
      },
    });
    expect(rec.status?.specHash).toMatch(/^[0-9a-f]{32}$/);
    expect((await getDeployment()).metadata?.generation).toBe(generationBefore);
    // the generated patch is what `kubectl patch --type strategic` would accept, checked server-side
    const dry = await kubectl([
      "patch",
      "deployment",
      "web",
      "-n",
      namespace,
      "--type",
      "strategic",
      "--dry-run=server",
      "-p",
      rec.status?.generatedPatch ?? "",
    ]);
    expect(dry.code).toBe(0);
    const again = await t.controller.tick();
    expect(again.written).toBe(0);
  });

  it("refuses a kubectl approval that names no spec (a standing approval) with a condition, and changes nothing", async () => {
    await leaveDryRun();
    const { specHash: _named, ...standing } = approvalOf(
      await getRec(),
      "alice",
    );
    const approve = await patchRecommendation(
      { namespace, name: "deployment-web" },
      { spec: { approval: standing } },
      { as: "alice" },
    );
    expect(approve).toMatchObject({ code: 0 });
    await t.controller.tick();
    const refused = await getRec();
    const condition = refused.status?.conditions?.find(
      (c) => c.reason === "ApprovalWithoutSpecHash",
    );
    expect(condition?.status).toBe("False");
    expect(condition?.message).toMatch(/set spec.approval.specHash/);
    expect(refused.status?.phase).not.toMatch(/Canary|Applied/);
    expect(await appResources()).toEqual(ORIGINAL_APP_RESOURCES);
  });

  it("blocks an approved change while a PodDisruptionBudget allows no disruption", async () => {
    await leaveDryRun();
    const rec = await getRec();
    // The approval policy admits only the requesting user's own name.
    const approve = await patchRecommendation(
      { namespace, name: "deployment-web" },
      { spec: { approval: approvalOf(rec, "alice") } },
      { as: "alice" },
    );
    expect(approve).toMatchObject({ code: 0 });
    await admin.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: "web" },
        spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
      },
    });
    // kube-controller-manager's disruption controller computes the status (pods are not ready: 0 allowed)
    await waitFor("PDB status", async () => {
      const pdb = await admin.policy.readNamespacedPodDisruptionBudget({
        namespace,
        name: "web",
      });
      return pdb.status?.observedGeneration ? pdb : undefined;
    });
    await t.controller.tick();
    const blocked = await getRec();
    expect(blocked.status?.phase).toBe("Blocked");
    expect(blocked.status?.conditions).toContainEqual(
      expect.objectContaining({
        type: "DisruptionAllowed",
        status: "False",
        reason: "PodDisruptionBudget",
      }),
    );
    expect(await appResources()).toEqual(ORIGINAL_APP_RESOURCES);
    await admin.policy.deleteNamespacedPodDisruptionBudget({
      namespace,
      name: "web",
    });
  });

  it("applies the approved recommendation to the Deployment's pod template", async () => {
    // This test writes the approval with the store; services-sync.cluster.test.ts approves through services.
    const pods = await waitFor(
      "two pods of the original template",
      async () => {
        const list = await admin.core.listNamespacedPod({
          namespace,
          labelSelector: "app=web",
        });
        return list.items.length >= 2 ? list.items : undefined;
      },
    );
    // step 1: canary, one of two pods resized in place through pods/resize; the template is untouched
    await t.controller.tick();
    const canary = await getRec();
    expect(canary.status?.phase).toBe("Canary");
    expect(canary.status?.canary?.pods).toHaveLength(1);
    const canaryPod = await admin.core.readNamespacedPod({
      namespace,
      name: canary.status?.canary?.pods[0] ?? "",
    });
    expect(
      canaryPod.spec?.containers.find((c) => c.name === "app")?.resources,
    ).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { memory: "2Gi" },
    });
    expect(pods.map((p) => p.metadata?.name)).toContain(
      canaryPod.metadata?.name,
    );
    expect(await appResources()).toEqual(ORIGINAL_APP_RESOURCES);
    // step 2: the canary window (0 s here) passed without OOM kills: widen to the pod template
    await t.controller.tick();
    expect(await appResources()).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { memory: "2Gi" },
    });
    const deployment = await getDeployment();
    expect(
      deployment.spec?.template.spec?.containers.find(
        (c) => c.name === "sidecar",
      )?.resources ?? {},
    ).toEqual({});
    expect(
      deployment.metadata?.annotations?.["kubewise.io/applied-recommendation"],
    ).toMatch(/^deployment-web@\d+$/);
    const rec = await getRec();
    expect(rec.status?.phase).toBe("Applied");
    expect(rec.status?.applied?.previous).toEqual([
      { name: "app", ...ORIGINAL_APP_RESOURCES },
    ]);
    expect(t.audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["canary", "apply"]),
    );
  });

  it("rolls back to the exact previous resources after a simulated OOM kill", async () => {
    const pod = await waitFor("a pod of the patched template", async () => {
      const pods = await admin.core.listNamespacedPod({
        namespace,
        labelSelector: "app=web",
      });
      return pods.items.find(
        (p) =>
          p.spec?.containers.find((c) => c.name === "app")?.resources?.requests
            ?.memory === "256Mi",
      );
    });
    const name = pod.metadata?.name ?? "";
    await reportOomKill(
      admin,
      { namespace, name },
      { oomKilled: "app", others: ["sidecar"] },
    );
    await t.controller.tick();
    expect(await appResources()).toEqual(ORIGINAL_APP_RESOURCES);
    const rec = await getRec();
    expect(rec.status?.phase).toBe("RolledBack");
    expect(rec.status?.rolledBack).toMatchObject({
      reason: "OOMKilled",
      restored: [{ name: "app", ...ORIGINAL_APP_RESOURCES }],
    });
    // VPA's OOM bump of the memory in force when it was killed: 256Mi + 100Mi
    expect(rec.status?.rolledBack?.nextMinimumMemoryBytes).toEqual([
      { name: "app", memoryBytes: 356 * MI },
    ]);
    expect(t.audit.map((a) => a.action)).toContain("rollback");
    const again = await t.controller.tick();
    expect(again.written).toBe(0);
  });

  it("records every step as a Kubernetes Event on the recommendation", async () => {
    const events = await admin.core.listNamespacedEvent({
      namespace,
      fieldSelector:
        "involvedObject.kind=ResourceRecommendation,involvedObject.name=deployment-web",
    });
    const seen = events.items.map((e) => `${e.type}/${e.reason}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        "Normal/DryRun",
        "Warning/PodDisruptionBudget",
        "Normal/InPlaceResize",
        "Normal/TemplatePatched",
        "Warning/OOMKilled",
      ]),
    );
    const described = await kubectl([
      "describe",
      "rrec",
      "deployment-web",
      "-n",
      namespace,
    ]);
    expect(described.stdout).toMatch(/OOMKilled/);
  });

  it("the publisher raises the next recommendation to the OOM floor", async () => {
    await publish(kc, input);
    const rec = await getRec();
    expect(rec.spec.containers[0]?.requests).toEqual({
      cpu: "250m",
      memory: "356Mi",
    });
    expect(rec.status?.containerRecommendations?.[0]?.target.memory).toBe(
      "356Mi",
    );
  });
});

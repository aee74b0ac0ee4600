import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type {
  V2HorizontalPodAutoscaler,
  V2MetricSpec,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  adminClients,
  approvalOf,
  createCronJob,
  createNamespace,
  createSampleDeployment,
  deleteNamespace,
  grantRecommendationEditors,
  patchRecommendation,
  reportOomKill,
  waitFor,
} from "./harness";
import { ClusterSyncHarness } from "./services-sync-harness";

describe("services approvals reach the Deployment through the cluster bridge", () => {
  const admin = adminClients();
  let namespace: string;
  let dir: string;
  let h: ClusterSyncHarness;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubewise-cluster-db-"));
    // As root the embedded server runs as `postgres`, which must be able to enter the directory.
    await chmod(dir, 0o755);
    namespace = await createNamespace(admin, "sync");
    await createSampleDeployment(admin, namespace);
    await grantRecommendationEditors(namespace, ["alice"]);
    h = await ClusterSyncHarness.start({
      dataDir: join(dir, "pg"),
      namespace,
      logger: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await h?.stop();
    await deleteNamespace(admin, namespace);
    await rm(dir, { recursive: true, force: true });
  });

  it("approveRecommendation -> bridge -> controller patches the pod template; the DB follows to Applied", async () => {
    const id = await h.addRecommendation("web");
    await h.approve(id);
    const published = await h.sync();
    expect(published).toMatchObject({ published: 1, approvalsPushed: 1 });
    const rec = await h.object();
    expect(rec.spec).toMatchObject({
      dryRun: false,
      approval: { state: "Approved", by: "kubewise-dashboard" },
      containers: [{ name: "app", requests: { cpu: "250m", memory: "256Mi" } }],
    });
    const { preview } = await h.detail(id);
    if (!preview.applicable) throw new Error(preview.reason);
    // the dashboard approval names the spec the dashboard showed
    expect(rec.spec.approval?.specHash).toBe(preview.specHash);

    await waitFor("two pods of the original template", async () => {
      const pods = await admin.core.listNamespacedPod({
        namespace,
        labelSelector: "app=web",
      });
      return pods.items.length >= 2 ? pods.items : undefined;
    });
    // Canary (in-place resize of one pod), then the DB follows to Applying.
    await h.controller.tick();
    expect((await h.object()).status?.phase).toBe("Canary");
    expect((await h.sync()).dbPhaseChanges).toBe(1);
    expect(await h.dbPhase(id)).toBe("Applying");

    // Widen to the pod template, then the DB follows to Applied.
    await h.controller.tick();
    const deployment = await admin.apps.readNamespacedDeployment({
      namespace,
      name: "web",
    });
    expect(
      deployment.spec?.template.spec?.containers.find((c) => c.name === "app")
        ?.resources,
    ).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { memory: "2Gi" },
    });
    expect((await h.object()).status?.phase).toBe("Applied");
    // One writer: the dashboard's "Generated patch", status.generatedPatch and the body the
    // controller sent to the API server are the same bytes.
    const sentToWorkload = h.sent.filter((s) => s.op === "patchResources");
    expect(sentToWorkload.map((s) => s.name)).toEqual(["web"]);
    expect(sentToWorkload[0]?.body).toBe(preview.patch);
    expect((await h.object()).status?.generatedPatch).toBe(preview.patch);
    expect((await h.object()).status?.specHash).toBe(preview.specHash);
    expect((await h.sync()).dbPhaseChanges).toBe(1);
    expect(await h.dbPhase(id)).toBe("Applied");
    expect((await h.audit(id)).map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "recommendation.approve",
        "recommendation.startApply",
        "recommendation.completeApply",
      ]),
    );
    // Settled: another round changes nothing on either side.
    expect(await h.sync()).toEqual({
      published: 0,
      approvalsPushed: 0,
      dbPhaseChanges: 0,
      conflicts: [],
      hpas: expect.objectContaining({ status: "synced" }) as unknown,
    });
  });

  it("an approval made with kubectl reaches the DB with an audit row naming the user", async () => {
    await createSampleDeployment(admin, namespace, "api");
    const id = await h.addRecommendation("api");
    expect((await h.sync()).published).toBe(1);
    const rec = await h.object("deployment-api");
    expect(rec.spec.approval).toBeUndefined();
    const patch = await patchRecommendation(
      { namespace, name: "deployment-api" },
      JSON.stringify({
        spec: {
          approval: approvalOf(rec, "alice"),
        },
      }),
      { as: "alice" },
    );
    expect(patch).toMatchObject({ code: 0 });
    expect(await h.sync()).toMatchObject({ dbPhaseChanges: 1, conflicts: [] });
    expect(await h.dbPhase(id)).toBe("Approved");
    expect(await h.audit(id)).toContainEqual(
      expect.objectContaining({
        action: "recommendation.approve",
        payload: expect.objectContaining({
          source: "cluster",
          by: "kubernetes:alice",
        }) as unknown,
      }),
    );
    // Settled: the dashboard side agrees, so nothing is pushed back over alice's approval.
    expect((await h.sync()).approvalsPushed).toBe(0);
    expect((await h.object("deployment-api")).spec.approval?.by).toBe("alice");
  });

  it("after an OOM rollback on the cluster the next recommendation respects the floor: rollback -> sync -> DB floor -> recommender -> published spec", async () => {
    await createSampleDeployment(admin, namespace, "cache");
    const id = await h.addRecommendation("cache");
    await h.approve(id);
    expect((await h.sync()).published).toBe(1);
    await waitFor("two pods of cache", async () => {
      const pods = await admin.core.listNamespacedPod({
        namespace,
        labelSelector: "app=cache",
      });
      return pods.items.length >= 2 ? pods.items : undefined;
    });
    await h.controller.tick();
    const canary = await h.object("deployment-cache");
    expect(canary.status?.phase).toBe("Canary");
    const [resized] = canary.status?.canary?.pods ?? [];
    await reportOomKill(
      admin,
      { namespace, name: resized ?? "" },
      { oomKilled: "app", others: ["sidecar"] },
    );
    await h.controller.tick();
    const rolled = await h.object("deployment-cache");
    expect(rolled.status?.phase).toBe("RolledBack");
    // VPA's OOM bump of the memory in force when it was killed: 256Mi + 100Mi
    const floor = 356 * 2 ** 20;
    expect(rolled.status?.rolledBack?.nextMinimumMemoryBytes).toEqual([
      { name: "app", memoryBytes: floor },
    ]);

    // the sync carries the floor into the DB
    expect((await h.sync()).dbPhaseChanges).toBeGreaterThan(0);
    expect(await h.dbPhase(id)).toBe("RolledBack");
    const containerId = await h.containerOf(id);
    expect(await h.rollbackFloor(containerId)).toBe(floor);

    // a day at a 64 MiB working set: unbounded (no step cap), VPA would go far below the floor
    const next = await h.generate(containerId, 64 * 2 ** 20);
    expect(next.recommended.memoryRequestBytes).toBe(floor);
    const published = await h.sync();
    expect(published.published).toBe(1);
    const object = await h.object("deployment-cache");
    expect(object.spec.containers[0]?.requests?.memory).toBe("356Mi");
    expect(object.status?.containerRecommendations?.[0]?.target.memory).toBe(
      "356Mi",
    );
  });

  it("a CronJob's approved recommendation reaches its job template (the next run) end to end; a Job's is refused with its reason and never published", async () => {
    await createCronJob(admin, namespace, {
      name: "nightly",
      container: {
        name: "app",
        image: "registry.invalid/kubewise/batch:1",
        resources: {
          requests: { cpu: "1", memory: "1Gi" },
          limits: { memory: "2Gi" },
        },
      },
    });
    const id = await h.addRecommendation("nightly", "CronJob");
    await h.approve(id);
    expect(await h.sync()).toMatchObject({ published: 1, approvalsPushed: 1 });
    const { preview } = await h.detail(id);
    if (!preview.applicable) throw new Error(preview.reason);
    expect((await h.object("cronjob-nightly")).spec.approval?.specHash).toBe(
      preview.specHash,
    );

    // no gradual rollout and no replica gate: the job template is patched in one step
    await h.controller.tick();
    const cronJob = await admin.batch.readNamespacedCronJob({
      namespace,
      name: "nightly",
    });
    expect(
      cronJob.spec?.jobTemplate.spec?.template.spec?.containers.find(
        (c) => c.name === "app",
      )?.resources,
    ).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { memory: "2Gi" },
    });
    const object = await h.object("cronjob-nightly");
    expect(object.status?.phase).toBe("Applied");
    expect(object.status?.conditions).toContainEqual(
      expect.objectContaining({
        type: "Applied",
        status: "True",
        reason: "TemplatePatched",
        message: "patched the CronJob pod template",
      }),
    );
    // the bytes sent to the CronJob are the dashboard's "Generated patch"
    const sent = h.sent.filter(
      (s) => s.op === "patchResources" && s.name === "nightly",
    );
    expect(sent.map((s) => s.body)).toEqual([preview.patch]);
    expect(JSON.parse(preview.patch)).toHaveProperty(
      "spec.jobTemplate.spec.template.spec.containers",
    );
    expect((await h.sync()).dbPhaseChanges).toBe(1);
    expect(await h.dbPhase(id)).toBe("Applied");

    // A Job's pod template is immutable: advice only, refused visibly, nothing reaches the cluster.
    const jobId = await h.addRecommendation("migrate", "Job");
    const job = await h.detail(jobId);
    expect(job.preview).toEqual({
      applicable: false,
      reason: expect.stringContaining("immutable") as string,
    });
    await expect(h.approve(jobId)).rejects.toThrow(/immutable/);
    expect(await h.sync()).toMatchObject({ published: 0, approvalsPushed: 0 });
    await expect(h.object("job-migrate")).rejects.toThrow(/not published/);
    expect(await h.dbPhase(jobId)).toBe("Pending");
  });

  it("the cluster sync detects autoscaling/v2 HPAs, with their metrics, also one whose target is missing", async () => {
    const hpa = (
      name: string,
      target: string,
      metrics: V2MetricSpec[],
    ): V2HorizontalPodAutoscaler => ({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name, namespace },
      spec: {
        scaleTargetRef: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: target,
        },
        minReplicas: 2,
        maxReplicas: 6,
        metrics,
      },
    });
    const cpu = (averageUtilization: number): V2MetricSpec => ({
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization },
      },
    });
    await admin.autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: hpa("web", "web", [cpu(70)]),
    });
    await admin.autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: hpa("ghost", "no-such-deployment", [
        {
          type: "External",
          external: {
            metric: { name: "queue_depth" },
            target: { type: "AverageValue", averageValue: "30" },
          },
        },
      ]),
    });
    expect((await h.sync()).hpas).toMatchObject({
      status: "synced",
      refused: 0,
    });
    const stored = (await h.hpas()).filter((r) => r.namespace === namespace);
    expect(
      stored.map((r) => ({
        name: r.name,
        target: `${r.targetKind}/${r.targetName}`,
        replicas: [r.minReplicas, r.maxReplicas],
        metrics: r.metrics,
      })),
    ).toEqual([
      {
        name: "ghost",
        target: "Deployment/no-such-deployment",
        replicas: [2, 6],
        metrics: [
          {
            source: "External",
            targetType: "AverageValue",
            metricName: "queue_depth",
          },
        ],
      },
      {
        name: "web",
        target: "Deployment/web",
        replicas: [2, 6],
        metrics: [
          {
            source: "Resource",
            resource: "cpu",
            targetType: "Utilization",
            averageUtilization: 70,
          },
        ],
      },
    ]);
    // Deleted in the cluster: gone from the DB on the next round.
    await admin.autoscaling.deleteNamespacedHorizontalPodAutoscaler({
      namespace,
      name: "ghost",
    });
    await h.sync();
    expect(
      (await h.hpas())
        .filter((r) => r.namespace === namespace)
        .map((r) => r.name),
    ).toEqual(["web"]);
  });
});

import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createRecommendationStore,
  type KubeClients,
} from "@kubewise/controller";
import type { ResourceRecommendation } from "@kubewise/k8s";
import { SYSTEM_ACTOR } from "@kubewise/services";

// The aggregator's own signals adapter (apps have no package exports; the suite tests the real module).
import { createSignalsReader } from "../../../apps/aggregator/src/controller/lifecycle";
import {
  adminClients,
  approvalOf,
  controllerKubeConfig,
  createDeployment,
  createNamespace,
  createTestController,
  deleteNamespace,
  grantRecommendationEditors,
  patchRecommendation,
  reportOomKill,
  waitFor,
  type TestController,
} from "./harness";
import { SyncDatabase } from "./services-sync-harness";

const ORIGINAL = {
  requests: { cpu: "1", memory: "1Gi" },
  limits: { memory: "2Gi" },
};
const NEW = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { memory: "2Gi" },
};
const STEPS = [0.25, 0.5, 1];

describe("multi-step rollout on a real API server (pods/resize steps, rollback at any step)", () => {
  const admin = adminClients();
  let namespace: string;
  let dir: string;
  let db: SyncDatabase;
  let t: TestController;

  const app = (pod: V1Pod) =>
    pod.spec?.containers.find((c) => c.name === "app")?.resources;
  const podsOf = async (name: string) =>
    (
      await admin.core.listNamespacedPod({
        namespace,
        labelSelector: `app=${name}`,
      })
    ).items;
  const changedPods = async (name: string) =>
    (await podsOf(name))
      .filter((p) => app(p)?.requests?.cpu === "250m")
      .map((p) => p.metadata?.name ?? "")
      .sort();
  const rec = async (name: string): Promise<ResourceRecommendation> => {
    const found = (await createRecommendationStore(admin).list(namespace)).find(
      (r) => r.metadata.name === `deployment-${name}`,
    );
    if (!found) throw new Error(`deployment-${name} not published`);
    return found;
  };
  const auditOf = (name: string) =>
    t.audit
      .filter((a) => a.recommendation === `deployment-${name}`)
      .map((a) => `${a.action}:${a.reason}`);

  async function deploy(clients: KubeClients, name: string): Promise<void> {
    await createDeployment(clients, namespace, {
      name,
      replicas: 4,
      containers: [
        {
          name: "app",
          image: "registry.invalid/kubewise/sample:1",
          resources: ORIGINAL,
        },
      ],
    });
    await waitFor(`4 pods of ${name}`, async () =>
      (await podsOf(name)).length === 4 ? true : undefined,
    );
    await t.publish({
      namespace,
      target: { kind: "Deployment", name },
      containers: [
        {
          name: "app",
          requests: { cpuMillicores: 250, memoryBytes: 256 * 2 ** 20 },
          limits: { memoryBytes: 2 * 2 ** 30 },
        },
      ],
      confidence: 0.95,
      policy: "e2e",
      generatedAt: new Date(),
    });
    const approve = await patchRecommendation(
      { namespace, name: `deployment-${name}` },
      {
        spec: { dryRun: false, approval: approvalOf(await rec(name), "alice") },
      },
      { as: "alice" },
    );
    expect(approve).toMatchObject({ code: 0 });
  }

  /** The agents' rows for container `app` of Deployment `name` in the metric store. */
  async function observe(
    name: string,
  ): Promise<(throttled: number, at?: Date[]) => Promise<void>> {
    const { sql } = db.client;
    const workload = await sql<{ id: string }[]>`
      insert into workloads (cluster_id, namespace, kind, name)
      values (${db.clusterId}, ${namespace}, 'Deployment', ${name}) returning id`;
    const container = await sql<{ id: string }[]>`
      insert into containers (workload_id, name) values (${workload[0]?.id ?? ""}, 'app') returning id`;
    const containerId = container[0]?.id ?? "";
    return async (throttled, at = [new Date()]) => {
      const rows = at.map((ts) => ({
        ts,
        container_id: containerId,
        cpu_usage_cores: 0.25,
        cpu_throttled_periods: throttled,
        cpu_throttled_seconds: throttled / 100,
        memory_working_set_bytes: 2 ** 27,
        memory_rss_bytes: 2 ** 27,
        oom_kill_count: 0,
      }));
      await sql`insert into metric_samples ${sql(rows)}`;
    };
  }
  /** Samples over the half hour before now: the baseline a change is judged against. */
  const halfHour = () =>
    Array.from(
      { length: 30 },
      (_, i) => new Date(Date.now() - (i + 1) * 60_000),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubewise-rollout-db-"));
    // As root the embedded server runs as `postgres`, which must be able to enter the directory.
    await chmod(dir, 0o755);
    namespace = await createNamespace(admin, "rollout");
    await grantRecommendationEditors(namespace, ["alice"]);
    db = await SyncDatabase.start({
      dataDir: join(dir, "pg"),
      namespace,
      logger: pino({ level: "silent" }),
    });
    t = createTestController(await controllerKubeConfig(), {
      identity: "rollout-a",
      leaseName: "kubewise-aggregator",
      leaseDurationSeconds: 5,
      namespaces: [namespace],
      policy: {
        rolloutSteps: STEPS,
        stepWindowSeconds: 0,
        observationWindowSeconds: 3600,
      },
      signalsFor: createSignalsReader({
        ctx: { ...db.ctx, actor: SYSTEM_ACTOR },
        clusterId: db.clusterId,
        sampleIntervalSeconds: 10,
      }),
    });
    await waitFor("leadership", async () => {
      await t.controller.tick();
      return t.controller.isLeader() ? true : undefined;
    });
  });
  afterAll(async () => {
    await t?.controller.stop();
    await db?.stop();
    await deleteNamespace(admin, namespace);
    await rm(dir, { recursive: true, force: true });
  });

  it("resizes 1, then 2 of 4 pods in place, then patches the template; an OOM kill at step 2 restores the resized pods exactly (a replaced one is skipped)", async () => {
    const samples = [await observe("web"), await observe("api")];
    const sample = async (at?: Date[]) => {
      for (const add of samples) await add(2, at);
    };
    await sample(halfHour());
    await deploy(admin, "web");
    await deploy(admin, "api");

    await t.controller.tick();
    expect((await changedPods("web")).length).toBe(1);
    expect((await changedPods("api")).length).toBe(1);
    expect((await rec("web")).status?.canary).toMatchObject({ step: 0 });

    // no sample since the step began: the rollout holds (never promoted on pod status alone)
    await t.controller.tick();
    expect((await rec("web")).status?.canary).toMatchObject({ step: 0 });
    expect((await rec("web")).status?.conditions).toContainEqual(
      expect.objectContaining({ type: "Canary", reason: "AwaitingMetrics" }),
    );
    await sample();
    await t.controller.tick();
    const webStep2 = await changedPods("web");
    expect(webStep2.length).toBe(2);
    expect((await rec("web")).status?.canary).toMatchObject({
      step: 1,
      pods: webStep2,
    });

    // One resized pod is replaced meanwhile (its successor runs the template); the other OOMs.
    await admin.core.deleteNamespacedPod({
      namespace,
      name: webStep2[0] ?? "",
      gracePeriodSeconds: 0,
    });
    await reportOomKill(
      admin,
      { namespace, name: webStep2[1] ?? "" },
      { oomKilled: "app", others: [] },
    );
    await sample();
    await t.controller.tick();

    // web: both resized pods back to the exact previous resources; the template never changed
    expect(await changedPods("web")).toEqual([]);
    for (const pod of await podsOf("web")) expect(app(pod)).toEqual(ORIGINAL);
    const web = await rec("web");
    expect(web.status?.phase).toBe("RolledBack");
    expect(web.status?.rolledBack).toMatchObject({
      reason: "OOMKilled",
      restored: [{ name: "app", ...ORIGINAL }],
    });
    const webDeployment = await admin.apps.readNamespacedDeployment({
      namespace,
      name: "web",
    });
    expect(webDeployment.spec?.template.spec?.containers[0]?.resources).toEqual(
      ORIGINAL,
    );
    expect(auditOf("web")).toEqual(
      expect.arrayContaining([
        "canary:InPlaceResize",
        "rollout-step:InPlaceResize",
        "rollback:OOMKilled",
      ]),
    );

    // api: the last step widened to the pod template (the Deployment's rolling update does the rest)
    const api = await rec("api");
    expect(api.status?.phase).toBe("Applied");
    const apiDeployment = await admin.apps.readNamespacedDeployment({
      namespace,
      name: "api",
    });
    expect(apiDeployment.spec?.template.spec?.containers[0]?.resources).toEqual(
      NEW,
    );
    expect(auditOf("api")).toEqual(
      expect.arrayContaining([
        "canary:InPlaceResize",
        "rollout-step:InPlaceResize",
        "apply:TemplatePatched",
      ]),
    );
  });

  it("rolls back when the agents' samples show CPU throttling above the pre-change baseline", async () => {
    const insertSamples = await observe("batch");
    // baseline: 2 of 100 CFS periods throttled per 10 s sample over the last half hour
    await insertSamples(2, halfHour());
    await deploy(admin, "batch");
    await t.controller.tick();
    const canary = (await rec("batch")).status?.canary;
    expect(canary).toMatchObject({ step: 0 });
    expect((await changedPods("batch")).length).toBe(1);

    // the resized pod is throttled hard: 1 of 4 pods at ~100 % shows as 30 % for the workload
    await insertSamples(30, [new Date(), new Date()]);
    await t.controller.tick();

    const rolled = await rec("batch");
    expect(rolled.status?.phase).toBe("RolledBack");
    expect(rolled.status?.rolledBack).toMatchObject({
      reason: "CPUThrottling",
      restored: [{ name: "app", ...ORIGINAL }],
    });
    expect(rolled.status?.rolledBack?.message).toMatch(
      /CPU throttling of app 1 above baseline 0.02 \(observed 0.3 with 0.25 of pods changed\)/,
    );
    expect(await changedPods("batch")).toEqual([]);
    expect(auditOf("batch")).toEqual(
      expect.arrayContaining([
        "canary:InPlaceResize",
        "rollback:CPUThrottling",
      ]),
    );
  });
});

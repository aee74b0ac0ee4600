// Deployments under a gradual rollout against the real metric store (embedded PostgreSQL):
// shared by rollout.cluster.test.ts and faults.cluster.test.ts.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";

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
  waitFor,
  type TestController,
} from "./harness";
import { SyncDatabase } from "./services-sync-harness";

export const ORIGINAL = {
  requests: { cpu: "1", memory: "1Gi" },
  limits: { memory: "2Gi" },
};
export const NEW = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { memory: "2Gi" },
};

export type RolloutFixture = {
  podsOf(name: string): Promise<V1Pod[]>;
  /** Names of the pods of `name` that carry the new resources, sorted. */
  changedPods(name: string): Promise<string[]>;
  rec(name: string): Promise<ResourceRecommendation>;
  /** A Deployment of `replicas` pods on ORIGINAL, its recommendation (NEW) published and approved by alice. */
  deploy(t: TestController, name: string, replicas?: number): Promise<void>;
  /** The agents' rows for container `app` of Deployment `name`: a writer of samples with `throttled` periods. */
  observe(
    name: string,
  ): Promise<(throttled: number, at?: Date[]) => Promise<void>>;
};

export const appResources = (pod: V1Pod) =>
  pod.spec?.containers.find((c) => c.name === "app")?.resources;

/** Samples over the half hour before now: the baseline a change is judged against. */
export const halfHour = (): Date[] =>
  Array.from({ length: 30 }, (_, i) => new Date(Date.now() - (i + 1) * 60_000));

function createRolloutFixture(
  admin: KubeClients,
  namespace: string,
  db: () => SyncDatabase,
): RolloutFixture {
  const podsOf = async (name: string) =>
    (
      await admin.core.listNamespacedPod({
        namespace,
        labelSelector: `app=${name}`,
      })
    ).items;
  const rec = async (name: string): Promise<ResourceRecommendation> => {
    const found = (await createRecommendationStore(admin).list(namespace)).find(
      (r) => r.metadata.name === `deployment-${name}`,
    );
    if (!found) throw new Error(`deployment-${name} not published`);
    return found;
  };
  return {
    podsOf,
    rec,
    async changedPods(name) {
      return (await podsOf(name))
        .filter((p) => appResources(p)?.requests?.cpu === "250m")
        .map((p) => p.metadata?.name ?? "")
        .sort();
    },
    async deploy(t, name, replicas = 4) {
      await createDeployment(admin, namespace, {
        name,
        replicas,
        containers: [
          {
            name: "app",
            image: "registry.invalid/kubewise/sample:1",
            resources: ORIGINAL,
          },
        ],
      });
      await waitFor(`${replicas} pods of ${name}`, async () =>
        (await podsOf(name)).length === replicas ? true : undefined,
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
          spec: {
            dryRun: false,
            approval: approvalOf(await rec(name), "alice"),
          },
        },
        { as: "alice" },
      );
      if (approve.code !== 0)
        throw new Error(`approval of ${name} failed: ${approve.stderr}`);
    },
    async observe(name) {
      const { sql, clusterId } = {
        sql: db().client.sql,
        clusterId: db().clusterId,
      };
      const workload = await sql<{ id: string }[]>`
        insert into workloads (cluster_id, namespace, kind, name)
        values (${clusterId}, ${namespace}, 'Deployment', ${name}) returning id`;
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
    },
  };
}

type ControllerOptions = Parameters<typeof createTestController>[1];

export type RolloutEnvironment = {
  namespace: string;
  db: SyncDatabase;
  fixture: RolloutFixture;
  kubeConfig: KubeConfig;
  /** The leading controller's options: signals from `db`, steps 25/50/100 % without waiting. */
  controllerOptions: ControllerOptions;
  /** The controller that leads (it has won the Lease). */
  t: TestController;
  stop(): Promise<void>;
};

/**
 * A namespace where alice approves, an embedded PostgreSQL as the metric store, and a controller
 * (the chart's ServiceAccount) reading its signals that has won the Lease.
 */
export async function startRolloutEnvironment(
  prefix: string,
  controller: Pick<ControllerOptions, "identity" | "leaseDurationSeconds">,
): Promise<RolloutEnvironment> {
  const admin = adminClients();
  const dir = await mkdtemp(join(tmpdir(), `kubewise-${prefix}-db-`));
  // As root the embedded server runs as `postgres`, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const namespace = await createNamespace(admin, prefix);
  await grantRecommendationEditors(namespace, ["alice"]);
  const db = await SyncDatabase.start({
    dataDir: join(dir, "pg"),
    namespace,
    logger: pino({ level: "silent" }),
  });
  const kubeConfig = await controllerKubeConfig();
  const controllerOptions: ControllerOptions = {
    ...controller,
    leaseName: "kubewise-aggregator",
    namespaces: [namespace],
    policy: {
      rolloutSteps: [0.25, 0.5, 1],
      stepWindowSeconds: 0,
      observationWindowSeconds: 3600,
    },
    signalsFor: createSignalsReader({
      ctx: { ...db.ctx, actor: SYSTEM_ACTOR },
      clusterId: db.clusterId,
      sampleIntervalSeconds: 10,
    }),
  };
  const t = createTestController(kubeConfig, controllerOptions);
  await waitFor("leadership", async () => {
    await t.controller.tick();
    return t.controller.isLeader() ? true : undefined;
  });
  return {
    namespace,
    db,
    fixture: createRolloutFixture(admin, namespace, () => db),
    kubeConfig,
    controllerOptions,
    t,
    async stop() {
      await t.controller.stop();
      await db.stop();
      await deleteNamespace(admin, namespace);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

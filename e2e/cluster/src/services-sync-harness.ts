import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";

import {
  createHpaSource,
  createKubeClients,
  createRecommendationStore,
  type KubeClients,
} from "@kubewise/controller";
import {
  createDb,
  getRecommendationWithContext,
  getRollbackMemoryFloor,
  insertRecommendationEvent,
  listAuditLog,
  listClusterHpas,
  migrate,
  startDatabase,
  upsertSafetyConfig,
  type DbClient,
  type RunningDatabase,
} from "@kubewise/db";
import {
  createTestCluster,
  createTestContainer,
  createTestRecommendation,
  createTestUser,
  createTestWorkload,
} from "@kubewise/db/testing";
import type { ResourceRecommendation } from "@kubewise/k8s";
import {
  approveRecommendation,
  generateRecommendations,
  getRecommendation,
  SYSTEM_ACTOR,
  type ServiceContext,
  type SyncRecommendationsToClusterResult,
} from "@kubewise/services";
import { seedFlatUsage } from "@kubewise/services/testing";

// The aggregator's own wiring (apps have no package exports; the suite tests the real module).
import {
  createClusterPublisher,
  startClusterSync,
  type ClusterSync,
  type ClusterSyncLeader,
} from "../../../apps/aggregator/src/controller/cluster-sync";
import { controllerKubeConfig, createTestController, waitFor } from "./harness";
import type { TestController } from "./harness";

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/** Embedded PostgreSQL with a cluster, an approver and a namespace that requires approval. */
export class SyncDatabase {
  private constructor(
    private readonly database: RunningDatabase,
    readonly client: DbClient,
    readonly ctx: Omit<ServiceContext, "actor">,
    private readonly approver: ServiceContext["actor"],
    readonly clusterId: string,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  static async start(options: {
    dataDir: string;
    namespace: string;
    logger: Logger;
  }): Promise<SyncDatabase> {
    const { namespace, logger } = options;
    const database = await startDatabase({
      dataDir: options.dataDir,
      settings: { fsync: "off", synchronous_commit: "off" },
    });
    await migrate({ url: database.url });
    const client = createDb({ url: database.url, max: 3 });
    const { db } = client;
    const cluster = await createTestCluster(db);
    const user = await createTestUser(db, { role: "approver" });
    await upsertSafetyConfig(db, {
      clusterId: cluster.id,
      namespace,
      values: {
        dryRunEnabled: false,
        requireApproval: true,
        autoApplyEnabled: false,
        autoApplyMinConfidence: 0.9,
      },
      at: new Date(),
    });
    const ctx = { db, clock: { now: () => new Date() }, logger, ports: {} };
    return new SyncDatabase(
      database,
      client,
      ctx,
      { userId: user.id, role: "approver", scopes: "all" },
      cluster.id,
      namespace,
      logger,
    );
  }

  /** A bridge as the chart's ServiceAccount (no more rights than the controller), driven by runOnce. */
  startBridge(
    kc: KubeConfig,
    leader: ClusterSyncLeader,
    clients: KubeClients = createKubeClients(kc),
  ): ClusterSync {
    return startClusterSync({
      // As the aggregator wires it (apps/aggregator/src/controller/wiring.ts).
      ctx: { ...this.ctx, ports: { hpaSource: createHpaSource(clients) } },
      publisher: createClusterPublisher(clients, this.logger),
      clusterId: this.clusterId,
      intervalMs: 3_600_000,
      logger: this.logger,
      leader,
    });
  }

  /** The HPAs the cluster sync stored for this cluster. */
  hpas() {
    return listClusterHpas(this.client.db, this.clusterId);
  }

  /** A Pending 250m / 256Mi recommendation for container `app` of workload `name` (a Deployment unless `kind` says); returns its id. */
  async addRecommendation(name: string, kind = "Deployment"): Promise<string> {
    const db = this.client.db;
    const workload = await createTestWorkload(db, {
      clusterId: this.clusterId,
      namespace: this.namespace,
      kind,
      name,
    });
    const container = await createTestContainer(db, {
      workloadId: workload.id,
      name: "app",
      cpuRequestMillicores: 1000,
      cpuLimitMillicores: null,
      memoryRequestBytes: GIB,
      memoryLimitBytes: 2 * GIB,
    });
    const recommendation = await createTestRecommendation(db, {
      clusterId: this.clusterId,
      containerId: container.id,
      confidence: 0.92,
      cpuRequestMillicores: 250,
      cpuLimitMillicores: null,
      memoryRequestBytes: 256 * MIB,
      memoryLimitBytes: 2 * GIB,
    });
    await insertRecommendationEvent(db, {
      recommendationId: recommendation.id,
      fromPhase: null,
      toPhase: "Pending",
      actor: "system:aggregator",
      createdAt: new Date(),
    });
    return recommendation.id;
  }

  /** The container a recommendation sizes. */
  async containerOf(id: string): Promise<string> {
    const found = await getRecommendationWithContext(this.client.db, id);
    if (!found) throw new Error(`no recommendation ${id}`);
    return found.container.id;
  }

  /** The memory floor the last OOM rollback of this container left in the DB (the sync writes it). */
  rollbackFloor(containerId: string): Promise<number | undefined> {
    return getRollbackMemoryFloor(this.client.db, containerId);
  }

  /**
   * A day of 5-minute rollups at 0.2 cores and `workingSetBytes` for the container, then one
   * recommender pass (services generateRecommendations, no step cap); the container's new row.
   */
  async generate(
    containerId: string,
    workingSetBytes: number,
  ): Promise<{ id: string; recommended: { memoryRequestBytes: number } }> {
    const now = new Date();
    await seedFlatUsage(this.client.db, containerId, now, workingSetBytes);
    await generateRecommendations({
      ctx: {
        ...this.ctx,
        actor: SYSTEM_ACTOR,
        ports: { maxStepRatio: () => Promise.resolve(1_000) },
      },
      input: { clusterId: this.clusterId, now, historyWindowSeconds: 86_400 },
    });
    const [row] = await this.client.sql<
      { id: string; memory_request_bytes: string }[]
    >`
      select id, memory_request_bytes from recommendations
      where container_id = ${containerId} and phase = 'Pending'
      order by created_at desc limit 1`;
    if (!row) throw new Error("the pass generated no recommendation");
    return {
      id: row.id,
      recommended: { memoryRequestBytes: Number(row.memory_request_bytes) },
    };
  }

  async approve(id: string): Promise<void> {
    await approveRecommendation({
      ctx: { ...this.ctx, actor: this.approver },
      input: { id, expectedPhase: "Pending" },
    });
  }

  async dbPhase(id: string): Promise<string | undefined> {
    return (await getRecommendationWithContext(this.client.db, id))
      ?.recommendation.phase;
  }

  async audit(
    id: string,
  ): Promise<{ action: string; actor: string; payload: unknown }[]> {
    return listAuditLog(this.client.db, {
      subject: `recommendation:${id}`,
      limit: 50,
      offset: 0,
    });
  }

  async stop(): Promise<void> {
    await this.client.close();
    await this.database.stop();
  }
}

/** SyncDatabase plus the bridge and a leading controller in `namespace`. */
export class ClusterSyncHarness {
  private constructor(
    readonly db: SyncDatabase,
    private readonly bridge: ClusterSync,
    private readonly test: TestController,
    private readonly namespace: string,
  ) {}

  get controller(): TestController["controller"] {
    return this.test.controller;
  }

  /** What the controller sent to the API server (exact bodies). */
  get sent(): TestController["sent"] {
    return this.test.sent;
  }

  /** The dashboard's view of a recommendation (services getRecommendation, as the web app calls it). */
  async detail(id: string) {
    return getRecommendation({
      ctx: { ...this.db.ctx, actor: SYSTEM_ACTOR },
      input: { id },
    });
  }

  static async start(options: {
    dataDir: string;
    namespace: string;
    logger: Logger;
  }): Promise<ClusterSyncHarness> {
    const db = await SyncDatabase.start(options);
    const kc = await controllerKubeConfig();
    const test = createTestController(kc, {
      identity: "sync-a",
      // The only Lease the chart's Role lets the controller get/update.
      leaseName: "kubewise-aggregator",
      leaseDurationSeconds: 5,
      namespaces: [options.namespace],
      policy: { rolloutSteps: [0.5, 1], stepWindowSeconds: 0 },
    });
    // Another suite's instance may still hold the Lease until it expires (5 s there).
    await waitFor(
      "leadership",
      async () => {
        await test.controller.tick();
        return test.controller.isLeader() ? true : undefined;
      },
      20_000,
    );
    const bridge = db.startBridge(kc, test.controller);
    return new ClusterSyncHarness(db, bridge, test, options.namespace);
  }

  addRecommendation = (name: string, kind?: string): Promise<string> =>
    this.db.addRecommendation(name, kind);
  approve = (id: string): Promise<void> => this.db.approve(id);
  dbPhase = (id: string): Promise<string | undefined> => this.db.dbPhase(id);
  audit = (id: string) => this.db.audit(id);
  hpas = () => this.db.hpas();
  containerOf = (id: string) => this.db.containerOf(id);
  rollbackFloor = (containerId: string) => this.db.rollbackFloor(containerId);
  generate = (containerId: string, workingSetBytes: number) =>
    this.db.generate(containerId, workingSetBytes);

  async sync(): Promise<SyncRecommendationsToClusterResult> {
    // the sync runs only on the Lease holder; a slow test step must not let the 5 s Lease lapse
    await this.test.renewLease();
    const round = await this.bridge.runOnce();
    if (round.status !== "synced")
      throw new Error(`cluster sync round ${round.status} (see the log)`);
    return round.result;
  }

  async object(name = "deployment-web"): Promise<ResourceRecommendation> {
    const store = createRecommendationStore(
      createKubeClients(await controllerKubeConfig()),
    );
    const found = (await store.list(this.namespace)).find(
      (r) => r.metadata.name === name,
    );
    if (!found) throw new Error(`${name} not published`);
    return found;
  }

  async stop(): Promise<void> {
    this.bridge.stop();
    await this.test.controller.stop();
    await this.db.stop();
  }
}

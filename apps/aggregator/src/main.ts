import { isMainThread, workerData } from "node:worker_threads";

import { pino, type Logger } from "pino";

import {
  loadKubeConfig,
  watchPodPlacement,
  type AuditSink,
  type WatchedPodPlacement,
} from "@kubewise/controller";
import { DEFAULT_MAX_STEP_RATIO } from "@kubewise/core";
import {
  appendAudit,
  checkDatabaseKind,
  countSequenceGaps,
  createDb,
  createPassShardLeases,
  createSingletonLock,
  ensureCluster,
  insertIngestBatches,
  maintainMetricStorage,
  migrate,
  refreshAllocation,
  refreshRollups,
  registerAgent,
  resolveContainerIds,
  runExclusiveTransaction,
  SINGLETON_LOCK_KEYS,
  startDatabase,
  type PassShardLeases,
} from "@kubewise/db";
import { SEQ_HOURS } from "@kubewise/ml";
import {
  createKubewiseRecommender,
  exportLstmToOnnx,
  loadShippedModel,
} from "@kubewise/ml/onnx";
import {
  advanceFederation,
  createNotificationSender,
  DEFAULT_FEDERATION_SETTINGS,
  deliverNotifications,
  ensureInitialModel,
  evaluateAlerts,
  getModelAssignment,
  recordAgentAnomalies,
  runRecommendationPass,
  submitRoundEvaluation,
  submitRoundUpdate,
  SYSTEM_ACTOR,
  SYSTEM_CLOCK,
  type PassProgress,
  type RecommendationPassResult,
  type ServiceContext,
} from "@kubewise/services";

import { resolveClusterIdentity } from "./cluster-identity";
import { startControllerLoops } from "./controller/wiring";
import { installCrashGuard } from "./crash-guard";
import { DEFAULT_INGEST_LIMITS, type SampleStore } from "./domain/batch";
import { loadEnv, type AggregatorEnv } from "./env";
import { startFederationLoop } from "./federation-loop";
import { createAgentAuthenticator } from "./grpc/auth-factory";
import type { FederationPort } from "./grpc/federated-service";
import { startGrpcServer } from "./grpc/server";
import { createIngester } from "./ingest/ingester";
import { startMaintenanceLoop } from "./maintenance";
import { createAggregatorMetrics, serveMetrics } from "./metrics";
import { startPassWorkers } from "./pass-worker/pool";
import { PASS_WORKER_MARK, runPassWorker } from "./pass-worker/worker";
import { startPeriodic } from "./periodic";
import { startRecommendLoop } from "./recommend-loop";

/** Shards of a recommendation pass: replicas split them evenly up to 64 replicas. */
const PASS_SHARDS = 64;
/** Connections of each pass worker's pool: the pass overlaps 4 containers' writes. */
const PASS_WORKER_DB_POOL_SIZE = 4;

/** The pods agents may report on (KUBEWISE_AGENT_NODE_CHECK=pods), or none. */
function startPodWatch(
  check: AggregatorEnv["agentNodeCheck"],
  logger: Logger,
): WatchedPodPlacement | undefined {
  if (check === undefined) return undefined;
  const { kubeconfigPath } = check;
  return watchPodPlacement(
    loadKubeConfig(kubeconfigPath === undefined ? {} : { kubeconfigPath }),
    {
      onError: (err, restartInMs) =>
        logger.warn(
          { err, restartInMs },
          "pod watch failed; agents' pods are judged on the last list",
        ),
    },
  );
}

async function main(): Promise<void> {
  const env = loadEnv();
  const logger = pino({
    level: env.logLevel,
    redact: ["token", "authorization", "databaseUrl"],
  });
  installCrashGuard(logger);
  const database = await startDatabase({
    ...(env.databaseUrl === undefined ? {} : { url: env.databaseUrl }),
    ...(env.dataDir === undefined ? {} : { dataDir: env.dataDir }),
    onProgress: (message) => logger.info(message),
  });
  // A database that is not what KUBEWISE_DATABASE_KIND says is refused here, before any migration.
  if (env.migrate)
    await migrate({ url: database.url, expect: env.databaseKind });
  else await checkDatabaseKind({ url: database.url, expect: env.databaseKind });
  const { db, sql, close } = createDb({
    url: database.url,
    max: env.dbPoolSize,
  });
  const { id: clusterId, kubeSystemUid: clusterKubeSystemUid } =
    await resolveClusterIdentity(
      (identity) => ensureCluster(sql, identity),
      env,
      logger,
    );
  const store: SampleStore = {
    registerAgent: (agent) => registerAgent(sql, { ...agent, clusterId }),
    resolveContainerIds: (containers) =>
      resolveContainerIds(sql, clusterId, containers),
    insertBatches: (batches) =>
      insertIngestBatches(
        sql,
        batches.map((b) => ({ ...b, clusterId })),
      ),
    recordAnomalies: async ({ agentId, anomalies }) => {
      await recordAgentAnomalies({
        ctx: {
          db,
          actor: SYSTEM_ACTOR,
          clock: SYSTEM_CLOCK,
          logger,
          ports: {},
        },
        input: {
          clusterId,
          agentId,
          anomalies: anomalies.map(({ detectedAtMs, ...a }) => ({
            ...a,
            detectedAt: new Date(detectedAtMs),
          })),
        },
      });
    },
  };
  const serviceCtx: ServiceContext = {
    db,
    actor: SYSTEM_ACTOR,
    clock: SYSTEM_CLOCK,
    logger,
    ports: {
      ...(env.recommender === "kubewise"
        ? {
            recommender: await createKubewiseRecommender({
              modelDir: env.modelDir,
            }),
          }
        : {}),
      // Candidates of federated rounds become the ONNX files agents load.
      encodeModel: (weights) =>
        exportLstmToOnnx(weights, { seqLen: SEQ_HOURS }),
    },
  };
  const federation = await startFederation(env, serviceCtx, logger);
  const metrics = createAggregatorMetrics();
  const ingester = createIngester(store, {
    maxTransactions: env.ingestWriters,
  });
  const podPlacement = startPodWatch(env.agentNodeCheck, logger);
  const grpc = await startGrpcServer({
    host: env.grpcHost,
    port: env.grpcPort,
    tls: env.grpcTls,
    podPlacement,
    clusterName: env.clusterName,
    ...(clusterKubeSystemUid === undefined ? {} : { clusterKubeSystemUid }),
    maxConnectionAgeMs: env.grpcMaxConnectionAgeMs,
    maxConnectionAgeGraceMs: env.grpcMaxConnectionAgeGraceMs,
    ingester,
    authenticator: createAgentAuthenticator(env.auth, {
      onUnavailable: (reason) =>
        logger.warn({ reason }, "agent token could not be verified"),
    }),
    metrics,
    logger,
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: env.maxQueuedPerStream,
    // Batches waiting to be grouped into the ingester's transactions (one pool's worth at once).
    maxConcurrentIngests: env.dbPoolSize * 16,
    collectionIntervalSeconds: env.collectionIntervalSeconds,
    ...(federation === undefined ? {} : { federation }),
  });
  const singleton = createSingletonLock({ url: database.url });
  const passShards = createPassShardLeases({
    url: database.url,
    clusterId,
    count: PASS_SHARDS,
  });
  await passShards.join();
  // The pass's CPU (history decoding, recommender, anomaly detectors) runs in worker threads, so
  // the ingest's event loop keeps acking while it runs (ADR 0009).
  const pass = await startPass({
    env,
    databaseUrl: database.url,
    clusterId,
    shards: passShards,
    ctx: serviceCtx,
    logger,
  });
  // Federated rounds: one replica at a time drives them; any replica serves agents' polls and uploads.
  const federationLoop =
    env.federation === undefined
      ? undefined
      : startFederationLoop({
          tickMs: env.federation.tickMs,
          step: () =>
            runExclusiveTransaction(
              db,
              SINGLETON_LOCK_KEYS.federatedRounds,
              (tx) =>
                advanceFederation({
                  ctx: { ...serviceCtx, db: tx },
                  settings:
                    env.federation?.settings ?? DEFAULT_FEDERATION_SETTINGS,
                }),
            ),
          metrics,
          logger,
        });
  const maintenance = startMaintenanceLoop({
    intervalMs: env.rollupIntervalMs,
    takeDirtyRange: ingester.takeDirtyRange,
    refreshRollups: (window) =>
      refreshRollups(
        sql,
        { from: new Date(window.fromMs), to: new Date(window.toMs) },
        { now: SYSTEM_CLOCK.now() },
      ),
    // Partitions and retention: one replica per round (rollups stay per replica: each refreshes
    // the ranges it ingested).
    maintainStorage: async () => {
      const now = SYSTEM_CLOCK.now();
      // not in a transaction (partition DDL): on the lock's own connection
      await singleton.runExclusive(
        SINGLETON_LOCK_KEYS.storageMaintenance,
        (lockConnection) => maintainMetricStorage(lockConnection, { now }),
      );
      // Cost allocation of the last two hours (the dashboard's one query layer reads it).
      await runExclusiveTransaction(db, SINGLETON_LOCK_KEYS.allocation, (tx) =>
        refreshAllocation(tx, {
          from: new Date(now.getTime() - 2 * 3_600_000),
          to: now,
        }),
      );
    },
    countSequenceGaps: () => countSequenceGaps(sql),
    metrics,
    logger,
  });
  // Alerts and their notifications: one replica per round (the outbox rows are locked SKIP LOCKED).
  const alertCtx: ServiceContext = {
    ...serviceCtx,
    ports: {
      notificationSender: createNotificationSender({
        smtpUrl: env.alerts.smtpUrl,
        from: env.alerts.smtpFrom,
      }),
    },
  };
  const alertLoop = startPeriodic(env.alerts.intervalMs, async () => {
    try {
      await runExclusiveTransaction(
        db,
        SINGLETON_LOCK_KEYS.alerts,
        async (tx) => {
          const ctx = { ...alertCtx, db: tx };
          await evaluateAlerts({ ctx, input: { clusterId } });
          await deliverNotifications({ ctx, input: {} });
        },
        // Alerts are evaluated per cluster: another cluster's aggregator runs its own at once.
        { scope: clusterId },
      );
    } catch (error) {
      logger.error(
        { err: error },
        "alert round failed, retrying next interval",
      );
    }
  });
  const recommendLoop = startRecommendLoop({
    intervalMs: env.recommendIntervalMs,
    now: () => SYSTEM_CLOCK.now(),
    logger,
    // Replicas split each pass by shard (a lease per shard; see createPassShardLeases).
    runPass: async (now) => {
      const started = Date.now();
      let lastProgress = started;
      const onProgress = ({ done, total }: PassProgress) => {
        if (Date.now() - lastProgress < 10_000) return;
        lastProgress = Date.now();
        logger.info(
          { done, total, elapsedMs: lastProgress - started },
          "recommendation pass progress",
        );
      };
      return pass.run(now, onProgress);
    },
  });
  const controllerAudit: AuditSink = {
    record: async (event) => {
      await appendAudit(db, {
        ts: event.at,
        clusterId,
        actor: event.actor,
        action: `controller.${event.action}`,
        subject: event.recommendation,
        payload: event,
      });
    },
  };
  const loops =
    env.controller === undefined
      ? undefined
      : startControllerLoops({
          config: env.controller,
          ctx: serviceCtx,
          clusterId,
          sampleIntervalSeconds: env.collectionIntervalSeconds,
          audit: controllerAudit,
          logger,
        });
  if (loops)
    serviceCtx.ports.maxStepRatio = async (namespace) =>
      (await loops.policyFor(namespace)).maxStepRatio;
  const controller = loops?.controller;
  const clusterSync = loops?.clusterSync;
  const metricsServer = await serveMetrics(metrics.registry, env.metricsPort);
  logger.info(
    {
      grpcPort: grpc.port,
      grpcTls: env.grpcTls !== undefined,
      agentNodeCheck: podPlacement !== undefined,
      metricsPort: env.metricsPort,
      cluster: env.clusterName,
      embeddedDb: database.embedded,
    },
    "aggregator ready",
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, "aggregator stopping");
    maintenance.stop();
    recommendLoop.stop();
    alertLoop.stop();
    federationLoop?.stop();
    clusterSync?.stop();
    metricsServer.close();
    void Promise.resolve(controller?.stop())
      .then(() => grpc.stop())
      .then(() => podPlacement?.stop())
      .then(() => maintenance.runOnce())
      .then(pass.close)
      .then(singleton.close)
      .then(passShards.close)
      .then(close)
      .then(database.stop)
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

/** This replica's recommendation pass: in KUBEWISE_PASS_WORKERS worker threads, or (0) on this one. */
async function startPass(deps: {
  env: AggregatorEnv;
  databaseUrl: string;
  clusterId: string;
  shards: PassShardLeases;
  ctx: ServiceContext;
  logger: Logger;
}): Promise<{
  run: (
    now: Date,
    onProgress: (progress: PassProgress) => void,
  ) => Promise<RecommendationPassResult>;
  close: () => Promise<void>;
}> {
  const { env, clusterId, shards, ctx } = deps;
  if (env.passWorkers === 0)
    return {
      run: (now, onProgress) =>
        runRecommendationPass({
          ctx,
          input: { clusterId, now },
          shards,
          onProgress,
        }),
      close: () => Promise.resolve(),
    };
  const workers = await startPassWorkers({
    count: env.passWorkers,
    // This very module: in a worker it runs runPassWorker() (see the end of the file).
    entry: new URL(import.meta.url),
    config: {
      databaseUrl: deps.databaseUrl,
      clusterId,
      shardCount: shards.count,
      dbPoolSize: PASS_WORKER_DB_POOL_SIZE,
      recommender: env.recommender,
      modelDir: env.modelDir,
      logLevel: env.logLevel,
      maxStepRatio: env.controller !== undefined,
    },
    shards,
    // Set once the controller's loops start; the default cap until then.
    maxStepRatio: (namespace) =>
      ctx.ports.maxStepRatio?.(namespace) ??
      Promise.resolve(DEFAULT_MAX_STEP_RATIO),
    logger: deps.logger,
  });
  return { run: workers.runPass, close: workers.close };
}

/** Seeds the registry with the shipped model and binds the model RPCs to the services verbs. */
async function startFederation(
  env: AggregatorEnv,
  ctx: ServiceContext,
  logger: Logger,
): Promise<FederationPort | undefined> {
  if (env.federation === undefined) return undefined;
  const { settings } = env.federation;
  const cluster = env.clusterName;
  const shipped = loadShippedModel(
    env.modelDir === undefined ? {} : { modelDir: env.modelDir },
  );
  const seeded = await ensureInitialModel({
    ctx,
    input: {
      weights: shipped.weights,
      onnx: shipped.onnxBytes,
      name: shipped.metadata.name,
    },
  });
  if (seeded.created)
    logger.info(
      { model: shipped.metadata.name },
      "model registry seeded with the shipped forecaster",
    );
  return {
    // Rounds span the install: an agent takes part as <cluster>/<agent id>.
    assign: (input) =>
      getModelAssignment({ ctx, input: { ...input, cluster }, settings }),
    submitUpdate: (input) =>
      submitRoundUpdate({ ctx, input: { ...input, cluster } }),
    submitEvaluation: (input) =>
      submitRoundEvaluation({ ctx, input: { ...input, cluster } }),
  };
}

const inPassWorker =
  !isMainThread &&
  (workerData as Record<string, unknown> | null)?.[PASS_WORKER_MARK] === true;
(inPassWorker ? runPassWorker() : main()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

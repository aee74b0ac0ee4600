import { pino } from "pino";

import {
  countSequenceGaps,
  createDb,
  ensureClusterByName,
  insertIngestBatch,
  migrate,
  refreshMetricRollups,
  registerAgent,
  resolveContainerIds,
  startDatabase,
} from "@kubewise/db";

import { installCrashGuard } from "./crash-guard";
import { DEFAULT_INGEST_LIMITS, type SampleStore } from "./domain/batch";
import { loadEnv } from "./env";
import { createStaticTokenAuthenticator } from "./grpc/auth";
import { startGrpcServer } from "./grpc/server";
import { createIngester } from "./ingest/ingester";
import { startMaintenanceLoop } from "./maintenance";
import { createAggregatorMetrics, serveMetrics } from "./metrics";

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
  if (env.migrate) await migrate({ url: database.url });
  const { sql, close } = createDb({ url: database.url, max: env.dbPoolSize });
  const clusterId = await ensureClusterByName(sql, env.clusterName);
  const store: SampleStore = {
    registerAgent: (agent) => registerAgent(sql, { ...agent, clusterId }),
    resolveContainerIds: (containers) =>
      resolveContainerIds(sql, clusterId, containers),
    insertBatch: (batch) => insertIngestBatch(sql, batch),
  };
  const metrics = createAggregatorMetrics();
  const ingester = createIngester(store);
  const grpc = await startGrpcServer({
    host: env.grpcHost,
    port: env.grpcPort,
    ingester,
    authenticator: createStaticTokenAuthenticator(env.agentTokens),
    metrics,
    logger,
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: env.maxQueuedPerStream,
    maxConcurrentIngests: env.dbPoolSize,
    collectionIntervalSeconds: env.collectionIntervalSeconds,
  });
  const maintenance = startMaintenanceLoop({
    intervalMs: env.rollupIntervalMs,
    takeDirtyRange: ingester.takeDirtyRange,
    refreshRollups: (window) => refreshMetricRollups(sql, window),
    countSequenceGaps: () => countSequenceGaps(sql),
    metrics,
    logger,
  });
  const metricsServer = await serveMetrics(metrics.registry, env.metricsPort);
  logger.info(
    {
      grpcPort: grpc.port,
      metricsPort: env.metricsPort,
      cluster: env.clusterName,
      embeddedDb: database.embedded,
    },
    "aggregator ready",
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, "aggregator stopping");
    maintenance.stop();
    metricsServer.close();
    void grpc
      .stop()
      .then(() => maintenance.runOnce())
      .then(close)
      .then(database.stop)
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

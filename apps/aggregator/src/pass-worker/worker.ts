// Inside a pass worker thread: its own database pool, recommender (the ONNX session) and logger;
// runs runRecommendationPass over the shards the main thread hands it. Shard leases stay with the
// main thread's lease session (acquired and released by calls to it), and so does the namespace
// step cap (the controller's policy watch lives there).
import { parentPort, workerData } from "node:worker_threads";

import { pino } from "pino";

import { createDb } from "@kubewise/db";
import { createKubewiseRecommender } from "@kubewise/ml/onnx";
import {
  runRecommendationPass,
  SYSTEM_ACTOR,
  SYSTEM_CLOCK,
  type RecommendationPassResult,
  type ServiceContext,
} from "@kubewise/services";

import { createRpcChannel } from "./rpc";

export type PassWorkerConfig = {
  databaseUrl: string;
  clusterId: string;
  shardCount: number;
  /** Connections of the worker's own pool (the pass overlaps up to 4 containers' writes). */
  dbPoolSize: number;
  recommender: "kubewise" | "vpa";
  modelDir: string | undefined;
  logLevel: string;
  /** Whether the main thread answers maxStepRatio (the lifecycle controller runs). */
  maxStepRatio: boolean;
};

export type RunPassRequest = {
  nowMs: number;
  shards: number[];
  members: number;
};

/** Marks the thread as a pass worker: main.ts runs runPassWorker() instead of the aggregator. */
export const PASS_WORKER_MARK = "kubewise-pass-worker";

export async function runPassWorker(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("runPassWorker runs in a worker thread");
  const config = (workerData as { config: PassWorkerConfig }).config;
  const logger = pino({
    level: config.logLevel,
    redact: ["token", "authorization", "databaseUrl"],
  }).child({ thread: "pass-worker" });
  const { db, close } = createDb({
    url: config.databaseUrl,
    max: config.dbPoolSize,
  });
  const ctx: ServiceContext = {
    db,
    actor: SYSTEM_ACTOR,
    clock: SYSTEM_CLOCK,
    logger,
    ports: {
      ...(config.recommender === "kubewise"
        ? {
            recommender: await createKubewiseRecommender({
              modelDir: config.modelDir,
            }),
          }
        : {}),
    },
  };
  const rpc = createRpcChannel(port, {
    runPass: async (request: RunPassRequest) =>
      runRecommendationPass({
        ctx,
        input: { clusterId: config.clusterId, now: new Date(request.nowMs) },
        shards: {
          count: config.shardCount,
          assigned: () =>
            Promise.resolve({
              shards: request.shards,
              members: request.members,
            }),
          withLease: async (shard, work) => {
            const acquired = await rpc.call<boolean>("acquireLease", shard);
            if (!acquired) return { ran: false };
            try {
              return { ran: true, value: await work() };
            } finally {
              await rpc.call("releaseLease", shard);
            }
          },
        },
        onProgress: (progress) => rpc.emit("progress", progress),
      }) satisfies Promise<RecommendationPassResult>,
    stop: async () => {
      await close();
      rpc.close();
      return null;
    },
  });
  if (config.maxStepRatio)
    ctx.ports.maxStepRatio = (namespace) =>
      rpc.call<number>("maxStepRatio", namespace);
  rpc.emit("ready", null);
}

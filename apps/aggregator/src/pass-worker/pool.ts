// The recommendation pass off the ingest event loop: worker threads (KUBEWISE_PASS_WORKERS, 1 by
// default) each run runRecommendationPass over a share of this replica's shards with their own
// database pool and recommender. The main thread keeps the shard leases (its lease session) and
// answers the workers' step-cap questions; a worker that dies fails its pass (logged, retried
// next interval), its leases are released and the next pass starts a fresh one.
import { Worker } from "node:worker_threads";

import type { Logger } from "pino";

import type {
  PassProgress,
  RecommendationPassResult,
} from "@kubewise/services";

import { createRpcChannel, type RpcChannel } from "./rpc";
import {
  PASS_WORKER_MARK,
  type PassWorkerConfig,
  type RunPassRequest,
} from "./worker";

export type PassWorkers = {
  runPass: (
    now: Date,
    onProgress?: (progress: PassProgress) => void,
  ) => Promise<RecommendationPassResult>;
  close: () => Promise<void>;
};

type ShardLeases = {
  assigned(): Promise<{ shards: number[]; members: number }>;
  withLease<T>(
    shard: number,
    work: () => Promise<T>,
  ): Promise<{ ran: false } | { ran: true; value: T }>;
};

type Handle = {
  worker: Worker;
  rpc: RpcChannel;
  ready: Promise<void>;
  alive: boolean;
  onProgress: (progress: PassProgress) => void;
};

/**
 * Starts `count` pass workers running `entry` (a module that calls runPassWorker() when it finds
 * PASS_WORKER_MARK in its workerData: the aggregator's main.ts, so one bundle serves both).
 */
export async function startPassWorkers(options: {
  count: number;
  entry: URL;
  config: PassWorkerConfig;
  /** The replica's shard leases (@kubewise/db createPassShardLeases, wired in main.ts). */
  shards: ShardLeases;
  maxStepRatio?: (namespace: string) => Promise<number>;
  logger: Logger;
}): Promise<PassWorkers> {
  const { logger } = options;
  if (!Number.isInteger(options.count) || options.count < 1)
    throw new RangeError(`pass workers: need at least 1, got ${options.count}`);

  const acquire = (
    shard: number,
    held: Map<number, () => void>,
  ): Promise<boolean> =>
    new Promise<boolean>((resolve, reject) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      options.shards
        .withLease(shard, () => {
          held.set(shard, release);
          resolve(true);
          return released;
        })
        .then((r) => {
          if (!r.ran) resolve(false);
        }, reject);
    });

  const spawn = (): Handle => {
    const worker = createWorker(options.entry, options.config);
    const held = new Map<number, () => void>();
    let onReady: () => void = () => undefined;
    let onFailed: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFailed = reject;
    });
    ready.catch(() => undefined);
    const handle: Handle = {
      worker,
      ready,
      alive: true,
      onProgress: () => undefined,
      rpc: createRpcChannel(
        worker,
        {
          acquireLease: (shard: number) => acquire(shard, held),
          releaseLease: (shard: number) => {
            held.get(shard)?.();
            held.delete(shard);
            return Promise.resolve(null);
          },
          maxStepRatio: (namespace: string) =>
            options.maxStepRatio === undefined
              ? Promise.reject(new Error("no step-cap resolver"))
              : options.maxStepRatio(namespace),
        },
        (name, payload) => {
          if (name === "ready") onReady();
          if (name === "progress") handle.onProgress(payload as PassProgress);
        },
      ),
    };
    worker.on("error", (error) =>
      logger.error({ err: error }, "recommendation pass worker failed"),
    );
    worker.once("exit", (code) => {
      handle.alive = false;
      const error = new Error(`recommendation pass worker exited (${code})`);
      onFailed(error);
      handle.rpc.failPending(error);
      for (const release of held.values()) release();
      held.clear();
    });
    return handle;
  };

  const handles = Array.from({ length: options.count }, spawn);
  await Promise.all(handles.map((h) => h.ready));
  let closed = false;

  return {
    async runPass(now, onProgress) {
      for (let i = 0; i < handles.length; i++)
        if (!handles[i]?.alive && !closed) handles[i] = spawn();
      await Promise.all(handles.map((h) => h.ready));
      const { shards, members } = await options.shards.assigned();
      const progress = handles.map(() => ({ done: 0, total: 0 }));
      const results = await Promise.all(
        handles.map((handle, i) => {
          handle.onProgress = (p) => {
            progress[i] = p;
            onProgress?.(
              progress.reduce(
                (sum, q) => ({
                  done: sum.done + q.done,
                  total: sum.total + q.total,
                }),
                { done: 0, total: 0 },
              ),
            );
          };
          const request: RunPassRequest = {
            nowMs: now.getTime(),
            shards: shards.filter((_, j) => j % handles.length === i),
            members,
          };
          return handle.rpc.call<RecommendationPassResult>("runPass", request);
        }),
      );
      return mergeResults(results);
    },
    async close() {
      closed = true;
      await Promise.all(
        handles.map(async (h) => {
          if (h.alive) await h.rpc.call("stop", null).catch(() => undefined);
          await h.worker.terminate();
        }),
      );
    },
  };
}

/** Counts add up over the workers; the pass-wide figures (members, orphan HPAs) do not. */
function mergeResults(
  results: readonly RecommendationPassResult[],
): RecommendationPassResult {
  const [first, ...rest] = results;
  if (first === undefined) throw new Error("no pass worker ran");
  const merged: Record<string, number | undefined> = { ...first };
  for (const r of rest)
    for (const [key, value] of Object.entries(r)) {
      if (key === "replicas" || key === "hpasWithoutWorkload") continue;
      merged[key] = (merged[key] ?? 0) + value;
    }
  return merged as RecommendationPassResult;
}

function createWorker(entry: URL, config: PassWorkerConfig): Worker {
  const workerData = { [PASS_WORKER_MARK]: true, config };
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, { workerData });
  // From sources (tsx, vitest): the worker registers tsx's loader before it imports the entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

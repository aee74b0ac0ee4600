import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

import { pino } from "pino";

import { startAnomalyScoring } from "./adapters/anomaly-scoring";
import { createCgroupfsSource } from "./adapters/cgroupfs-source";
import { createCollector } from "./adapters/collector";
import { openDiskBuffer } from "./adapters/disk-buffer";
import { startFederatedTraining } from "./adapters/federated/start";
import { createAgentClient } from "./adapters/grpc/agent-client";
import { toProtoSourceKind } from "./adapters/grpc/converters";
import { startSyncLoop } from "./adapters/grpc/sync-loop";
import { readKubeSystemUidFromConfig } from "./adapters/kube/cluster-uid";
import { kubeletAccess } from "./adapters/kube/kube-access";
import { createKubeTextGetter } from "./adapters/kube/kube-http";
import { startPodMetadataFromConfig } from "./adapters/kube/pod-metadata-watcher";
import { withPodMetadata } from "./adapters/kube/with-pod-metadata";
import { createKubeletSource } from "./adapters/kubelet-source";
import { createAgentMetrics, serveMetrics } from "./adapters/metrics";
import { openQuarantine } from "./adapters/quarantine";
import { createReplaySource } from "./adapters/replay-source";
import { createSyntheticSource } from "./adapters/synthetic-source";
import { DEFAULT_BACKOFF } from "./domain/backoff";
import type { MetricsSource } from "./domain/types";
import { loadEnv, type AgentEnv } from "./env";

const AGENT_VERSION = "0.1.0";

/**
 * The node's CPUs and memory from its /proc (not namespaced in the agent's pod: the kubelet reports
 * the same numbers as node capacity). Only sources that run on a node have one.
 */
function nodeCapacity(env: AgentEnv) {
  if (env.source !== "cgroupfs" && env.source !== "kubelet") return undefined;
  return { cpuMillicores: cpus().length * 1000, memoryBytes: totalmem() };
}

function createSource(env: AgentEnv, logger: pino.Logger): MetricsSource {
  const wallStartMs = Date.now();
  const clock = {
    wallStartMs,
    simStartMs: wallStartMs - env.simBackfillMs,
    speed: env.simSpeed,
  };
  switch (env.source) {
    case "cgroupfs":
      return createCgroupfsSource({ root: env.cgroupRoot });
    case "kubelet":
      if (env.kubelet === undefined)
        throw new Error("KUBEWISE_SOURCE=kubelet without kubelet settings");
      // Its own token (API server audience): the aggregator-audience token never leaves for the kubelet.
      return createKubeletSource({
        getText: createKubeTextGetter(kubeletAccess(env.kubelet)),
        timeoutMs: Math.min(5_000, env.collectionIntervalMs),
      });
    case "replay":
      return createReplaySource({
        ...clock,
        path: env.replayPath ?? "",
        maxSeries: env.replayMaxSeries,
        namespace: env.namespace,
        onSkippedFile: (file, reason) =>
          logger.warn({ file, reason }, "trace file skipped"),
      });
    case "synthetic":
      return createSyntheticSource({
        ...clock,
        seed: env.syntheticSeed,
        containers: env.syntheticContainers,
        namespace: env.namespace,
        nodeName: env.nodeName,
        stepMs: env.sampleStepMs,
        maxStepsPerCollect: 360,
        ...(env.simDurationMs === undefined
          ? {}
          : { durationMs: env.simDurationMs }),
      });
  }
}

async function main(): Promise<void> {
  const env = loadEnv();
  const logger = pino({
    level: env.logLevel,
    redact: ["token", "authorization"],
  }).child({ agentId: env.agentId });
  // Built first: unreadable kubelet token or CA files end the agent before it connects anywhere.
  const baseSource = createSource(env, logger);
  // The cluster's identity beyond its name (env.ts KUBEWISE_CLUSTER_UID_SOURCE): an unreadable UID
  // ends the agent with what to grant, before it connects anywhere.
  const kubeSystemUid =
    env.clusterUid === undefined
      ? ""
      : await readKubeSystemUidFromConfig(env.clusterUid);
  const bootId = randomUUID();
  const token = env.token;
  // Projected service-account tokens rotate: re-read the file for every new stream.
  const readToken = () =>
    token.kind === "file"
      ? readFileSync(token.path, "utf8").trim()
      : token.value;
  const metrics = createAgentMetrics();
  const buffer = openDiskBuffer({
    dir: env.bufferDir,
    maxBytes: env.bufferMaxBytes,
    segmentBytes: Math.min(4 << 20, env.bufferMaxBytes >> 3),
    fsyncIntervalMs: env.fsyncIntervalMs,
  });
  logger.info(
    {
      bootId,
      buffered: buffer.stats().depthRecords,
      source: env.source,
      cluster: env.clusterName,
      kubeSystemUid,
    },
    "agent starting",
  );
  const quarantine = openQuarantine({
    dir: join(env.bufferDir, "rejected"),
    maxBytes: env.quarantineMaxBytes,
  });
  const client = createAgentClient(env.aggregatorTarget, env.aggregatorTls);
  const sync = startSyncLoop({
    client,
    buffer,
    quarantine,
    metrics,
    logger,
    readToken,
    register: {
      agentId: env.agentId,
      bootId,
      nodeName: env.nodeName,
      clusterName: env.clusterName,
      kubeSystemUid,
      agentVersion: AGENT_VERSION,
      sourceKind: toProtoSourceKind(env.source),
      nodeCapacity: nodeCapacity(env),
    },
    backoff: DEFAULT_BACKOFF,
    maxInFlight: env.maxInFlight,
    deadlineMs: 5_000,
    ackTimeoutMs: env.ackTimeoutMs,
  });
  // cgroupfs/kubelet in a cluster: names, owners and requests come from the API server (env.ts).
  const podMetadata =
    env.podMetadata === undefined
      ? undefined
      : await startPodMetadataFromConfig(env.podMetadata, {
          nodeName: env.nodeName,
          logger,
        });
  const scoring =
    env.scoring === undefined
      ? undefined
      : startAnomalyScoring({ config: env.scoring, metrics, logger });
  const federated =
    env.federated === undefined
      ? undefined
      : startFederatedTraining({
          config: env.federated,
          client,
          readToken,
          agentId: env.agentId,
          bootId,
          scorer: scoring?.scorer,
          registry: metrics.registry,
          logger,
        });
  const collector = createCollector({
    source:
      podMetadata === undefined
        ? baseSource
        : withPodMetadata(baseSource, podMetadata.lookup),
    buffer,
    metrics,
    logger,
    identity: { agentId: env.agentId, bootId, nodeName: env.nodeName },
    maxBatchSamples: env.maxBatchSamples,
    onAppended: () => sync.notify(),
    ...(scoring === undefined ? {} : { scoring: scoring.scoring }),
    ...(federated === undefined ? {} : { history: federated.history }),
  });
  const metricsServer = await serveMetrics(metrics.registry, env.metricsPort);
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    void collector.collectOnce(Date.now()).finally(() => (running = false));
  };
  tick();
  const timer = setInterval(tick, env.collectionIntervalMs);

  const shutdown = (signal: string) => {
    logger.info({ signal }, "agent stopping");
    clearInterval(timer);
    scoring?.stop();
    metricsServer.close();
    void Promise.all([
      sync.stop(),
      podMetadata?.stop(),
      federated?.stop(),
    ]).finally(() => {
      buffer.close();
      client.close();
      process.exit(0);
    });
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

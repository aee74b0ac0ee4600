import { createServer, type Server } from "node:http";

import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from "prom-client";

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

export function createAggregatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kubewise_aggregator_" });
  const registers = [registry];
  return {
    registry,
    samplesIngested: new Counter({
      name: "kubewise_aggregator_ingested_samples_total",
      help: "Samples committed to the database",
      registers,
    }),
    batchesAcked: new Counter({
      name: "kubewise_aggregator_batches_acked_total",
      help: "Batches acked after COMMIT",
      labelNames: ["duplicate"],
      registers,
    }),
    batchesRejected: new Counter({
      name: "kubewise_aggregator_batches_rejected_total",
      help: "Batches rejected as invalid",
      labelNames: ["reason"],
      registers,
    }),
    ingestDuration: new Histogram({
      name: "kubewise_aggregator_ingest_duration_seconds",
      help: "Time from a batch leaving the stream queue to its COMMIT",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    ingestFailures: new Counter({
      name: "kubewise_aggregator_ingest_failures_total",
      help: "Batches not stored because the store failed (the agent retries)",
      registers,
    }),
    sequenceGaps: new Gauge({
      name: "kubewise_aggregator_sequence_gaps",
      help: "Missing seq numbers per (agent, boot) over the last hour; 0 means nothing lost",
      registers,
    }),
    agentDroppedBatches: new Gauge({
      name: "kubewise_aggregator_agent_dropped_batches",
      help: "Batches an agent declared dropped from its full buffer (this boot)",
      labelNames: ["agent_id"],
      registers,
    }),
    agentClockAhead: new Gauge({
      name: "kubewise_aggregator_agent_clock_ahead_seconds",
      help: "How far ahead of this aggregator's clock an agent's newest refused batch was (its node clock is ahead)",
      labelNames: ["agent_id"],
      registers,
    }),
    ingestBackpressure: new Counter({
      name: "kubewise_aggregator_ingest_backpressure_total",
      help: "Back-pressure on ingest: a stream stopped being read (its queue is full) or a batch waited for a free ingest slot",
      labelNames: ["where"],
      registers,
    }),
    activeStreams: new Gauge({
      name: "kubewise_aggregator_active_streams",
      help: "Open SyncMetrics streams",
      registers,
    }),
    foreignPodsRefused: new Counter({
      name: "kubewise_aggregator_foreign_pods_refused_total",
      help: "Pods in refused batches that are not scheduled on the reporting agent's node (foreign_pod) or are attributed to a workload that does not control them (foreign_workload), or batches from a token bound to no node (unbound_token)",
      labelNames: ["reason"],
      registers,
    }),
    foreignClusterAgentsRefused: new Counter({
      name: "kubewise_aggregator_foreign_cluster_agents_refused_total",
      help: "Register calls refused because the agent belongs to a cluster other than the one this aggregator serves: it declared another cluster name (name) or another kube-system namespace UID (uid)",
      labelNames: ["reason"],
      registers,
    }),
    authFailures: new Counter({
      name: "kubewise_aggregator_auth_failures_total",
      help: "Calls refused as UNAUTHENTICATED",
      registers,
    }),
    rollupRefreshes: new Counter({
      name: "kubewise_aggregator_rollup_refreshes_total",
      help: "5-minute rollup refreshes",
      labelNames: ["result"],
      registers,
    }),
    flUploads: new Counter({
      name: "kubewise_aggregator_fl_uploads_total",
      help: "Federated uploads by kind (train, evaluate) and outcome (accepted, refused_<shape|non_finite|norm|examples>, refused_round: stale base, closed/unknown round, late or unselected agent, duplicate, invalid, error)",
      labelNames: ["kind", "outcome"],
      registers,
    }),
    flUploadBytes: new Histogram({
      name: "kubewise_aggregator_fl_update_bytes",
      help: "Encoded size of UploadGradients requests",
      buckets: [1_024, 4_096, 8_192, 16_384, 65_536, 262_144, 1_048_576],
      registers,
    }),
    flRounds: new Counter({
      name: "kubewise_aggregator_fl_rounds_total",
      help: "Federated rounds by kind (train, evaluate) and what happened (opened, closed, abandoned)",
      labelNames: ["kind", "event"],
      registers,
    }),
    flOpenRoundAnswers: new Gauge({
      name: "kubewise_aggregator_fl_open_round_answers",
      help: "Answers and selected agents of the open round (0/0 when none is open)",
      labelNames: ["what"],
      registers,
    }),
    flActiveModelVersion: new Gauge({
      name: "kubewise_aggregator_model_active_version",
      help: "Registry version of the active forecaster",
      registers,
    }),
    flLoopErrors: new Counter({
      name: "kubewise_aggregator_fl_loop_errors_total",
      help: "Federation leader steps that failed (retried at the next tick)",
      registers,
    }),
  };
}

export function serveMetrics(
  registry: Registry,
  port: number,
  host = "0.0.0.0",
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200).end("ok");
      return;
    }
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) =>
        res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  return new Promise((resolve) =>
    server.listen(port, host, () => resolve(server)),
  );
}

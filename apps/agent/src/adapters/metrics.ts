import { createServer, type Server } from "node:http";

import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from "prom-client";

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

export function createAgentMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kubewise_agent_" });
  const registers = [registry];
  return {
    registry,
    collectionDuration: new Histogram({
      name: "kubewise_agent_collection_duration_seconds",
      help: "Wall time of one scrape of the metrics source",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    collectionCpuSeconds: new Counter({
      name: "kubewise_agent_collection_cpu_seconds_total",
      help: "Process CPU (user+system) spent inside scrapes of the metrics source; exact for cgroupfs, whose reads are synchronous",
      registers,
    }),
    collectionErrors: new Counter({
      name: "kubewise_agent_collection_errors_total",
      help: "Scrapes that failed",
      registers,
    }),
    samplesCollected: new Counter({
      name: "kubewise_agent_samples_collected_total",
      help: "Container samples collected",
      registers,
    }),
    containersSkipped: new Counter({
      name: "kubewise_agent_containers_skipped_total",
      help: "Containers skipped (vanished, unreadable, first sight)",
      registers,
    }),
    bufferDepth: new Gauge({
      name: "kubewise_agent_buffer_depth_batches",
      help: "Unacked batches in the disk buffer",
      registers,
    }),
    bufferBytes: new Gauge({
      name: "kubewise_agent_buffer_bytes",
      help: "Bytes in the disk buffer",
      registers,
    }),
    bufferDropped: new Gauge({
      name: "kubewise_agent_buffer_dropped_total",
      help: "Batches dropped (oldest first) because the buffer was full, since start",
      registers,
    }),
    bufferWriteFailures: new Counter({
      name: "kubewise_agent_buffer_write_failures_total",
      help: "Batches that could not be written to the disk buffer (no_space, file_too_large, io_error); dropped, counted in buffer_dropped_total, no seq used",
      labelNames: ["reason"],
      registers,
    }),
    batchesQuarantined: new Gauge({
      name: "kubewise_agent_batches_quarantined_total",
      help: "Batches the aggregator refused for good, kept in <buffer dir>/rejected for inspection, since start",
      registers,
    }),
    batchesDeferred: new Counter({
      name: "kubewise_agent_batches_deferred_total",
      help: "Batches the aggregator could not accept yet (e.g. timestamps ahead of its clock), kept and resent later",
      registers,
    }),
    clockOffset: new Gauge({
      name: "kubewise_agent_clock_offset_seconds",
      help: "Aggregator clock minus this node's clock, measured at each Register (positive: this node is behind)",
      registers,
    }),
    bufferCorruptTails: new Gauge({
      name: "kubewise_agent_buffer_corrupt_tails_total",
      help: "Segments whose corrupt tail was cut at recovery",
      registers,
    }),
    batchesSent: new Counter({
      name: "kubewise_agent_batches_sent_total",
      help: "Batch sends (including resends)",
      registers,
    }),
    batchesAcked: new Counter({
      name: "kubewise_agent_batches_acked_total",
      help: "Batches acked after commit",
      labelNames: ["duplicate"],
      registers,
    }),
    batchesRejected: new Counter({
      name: "kubewise_agent_batches_rejected_total",
      help: "Batches rejected as invalid and dropped",
      registers,
    }),
    reconnects: new Counter({
      name: "kubewise_agent_reconnects_total",
      help: "Stream reconnect attempts",
      registers,
    }),
    authFailures: new Counter({
      name: "kubewise_agent_auth_failures_total",
      help: "UNAUTHENTICATED answers",
      registers,
    }),
    scoringPasses: new Counter({
      name: "kubewise_agent_scoring_passes_total",
      help: "Local scoring passes (model + anomaly detectors over every tracked container)",
      registers,
    }),
    scoringContainers: new Counter({
      name: "kubewise_agent_scoring_containers_total",
      help: "Container windows checked by the local detectors",
      registers,
    }),
    scoringModelRows: new Counter({
      name: "kubewise_agent_scoring_model_rows_total",
      help: "Containers scored by the forecaster (those with enough history)",
      registers,
    }),
    scoringErrors: new Counter({
      name: "kubewise_agent_scoring_errors_total",
      help: "Scoring passes whose model call failed (detectors still ran)",
      registers,
    }),
    scorerLoaded: new Gauge({
      name: "kubewise_agent_scorer_loaded",
      help: "1 once the forecaster runtime and model are loaded (on first use)",
      registers,
    }),
    anomalyFlags: new Counter({
      name: "kubewise_agent_anomaly_flags_total",
      help: "Anomaly flags raised locally and queued for the aggregator",
      labelNames: ["kind"],
      registers,
    }),
    connected: new Gauge({
      name: "kubewise_agent_connected",
      help: "1 while a SyncMetrics stream is open",
      registers,
    }),
  };
}

/** Serves GET /metrics and GET /healthz (the chart's probes); port 0 picks a free port. */
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

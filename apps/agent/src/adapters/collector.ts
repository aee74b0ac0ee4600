import type { Logger } from "pino";

import type {
  AnomalyFlag,
  ContainerSample,
  MetricsSource,
} from "../domain/types";
import type { DiskBuffer } from "./disk-buffer";
import {
  encodeSyncRequest,
  toBufferKey,
  toProtoMetricBatch,
} from "./grpc/converters";
import type { AgentMetrics } from "./metrics";

export type CollectorOptions = {
  source: MetricsSource;
  buffer: DiskBuffer;
  metrics: AgentMetrics;
  logger: Logger;
  identity: { agentId: string; bootId: string; nodeName: string };
  maxBatchSamples: number;
  onAppended: () => void;
  /** Local scoring: sees every scrape; its pending flags ride in the next batch. */
  scoring?: {
    observe(samples: readonly ContainerSample[]): void;
    takeFlags(): AnomalyFlag[];
  };
  /** Federated training's local history: sees every scrape. */
  history?: { observe(samples: readonly ContainerSample[]): void };
};

export type Collector = {
  collectOnce(nowMs: number): Promise<number>;
  nextSeq(): number;
};

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

/** One scrape -> batches of at most maxBatchSamples -> disk buffer. Never throws: a loop must not die. */
export function createCollector(options: CollectorOptions): Collector {
  const { buffer, metrics, logger, identity } = options;
  let seq = 0;
  let lastErrorLogMs = 0;

  let lastWriteFailureLogMs = 0;
  // A batch the buffer cannot take (disk full, file size limit, I/O error) is dropped and counted
  // (the buffer's droppedRecords, reported to the aggregator) and does not use up a seq number.
  const store = (samples: readonly ContainerSample[], nowMs: number) => {
    let flags = options.scoring?.takeFlags() ?? [];
    const parts = chunk(samples, options.maxBatchSamples);
    // Flags are not held back when a scrape is empty: they go in a batch of their own.
    if (parts.length === 0 && flags.length > 0) parts.push([]);
    for (const part of parts) {
      const candidate = seq + 1;
      const batch = toProtoMetricBatch(
        part,
        {
          ...identity,
          seq: candidate,
          droppedBatchesTotal: buffer.stats().droppedRecords,
        },
        flags,
      );
      const result = buffer.append(
        toBufferKey(identity.bootId, candidate),
        encodeSyncRequest(batch),
      );
      if (!result.ok) {
        metrics.bufferWriteFailures.inc({ reason: result.reason });
        if (nowMs - lastWriteFailureLogMs > 60_000) {
          lastWriteFailureLogMs = nowMs;
          logger.error(
            { reason: result.reason, samples: part.length },
            "batch could not be buffered, dropped and counted",
          );
        }
        continue;
      }
      seq = candidate;
      flags = [];
      logger.debug(
        { bootId: identity.bootId, seq, samples: part.length },
        "batch buffered",
      );
    }
  };

  return {
    async collectOnce(nowMs) {
      const end = metrics.collectionDuration.startTimer();
      const cpuBefore = process.cpuUsage();
      try {
        const scrape = await options.source.collect(nowMs);
        end();
        const cpu = process.cpuUsage(cpuBefore);
        metrics.collectionCpuSeconds.inc((cpu.user + cpu.system) / 1e6);
        metrics.samplesCollected.inc(scrape.samples.length);
        metrics.containersSkipped.inc(scrape.skipped);
        options.scoring?.observe(scrape.samples);
        options.history?.observe(scrape.samples);
        store(scrape.samples, nowMs);
        const stats = buffer.stats();
        metrics.bufferDepth.set(stats.depthRecords);
        metrics.bufferBytes.set(stats.bytes);
        metrics.bufferDropped.set(stats.droppedRecords);
        metrics.bufferCorruptTails.set(stats.corruptTails);
        options.onAppended();
        return scrape.samples.length;
      } catch (error) {
        end();
        metrics.collectionErrors.inc();
        if (nowMs - lastErrorLogMs > 60_000) {
          lastErrorLogMs = nowMs;
          logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            "collection failed, skipping this round",
          );
        }
        return 0;
      }
    },
    nextSeq: () => seq + 1,
  };
}

import type { Logger } from "pino";

import { buildModelInput, FEATURE_COUNT, SEQ_HOURS } from "@kubewise/ml";

import {
  checkCpuSpike,
  checkMemoryLeak,
  checkOomRisk,
  forecastPeakBytes,
  type ContainerWindow,
  type Finding,
} from "../domain/anomaly-checks";
import { createSlotRing, type SlotRing } from "../domain/slot-ring";
import {
  containerKey,
  type AnomalyFlag,
  type AnomalyKind,
  type ContainerMeta,
  type ContainerSample,
  type Scorer,
} from "../domain/types";
import type { AgentMetrics } from "./metrics";
import { createOnnxScorer, type ScorerRuntime } from "./onnx-scorer";

export type AnomalyScoringOptions = {
  scorer: Scorer;
  metrics: AgentMetrics;
  logger: Logger;
  /** Containers scored per model call and per chunk of live windows (bounds both). */
  maxBatch: number;
  /** History is dropped for containers without a sample for this long (wall clock). */
  forgetAfterMs: number;
  now?: () => number;
};

export type AnomalyScoring = {
  /** Folds a scrape into each container's 48 h slot ring (cheap; every scrape). */
  observe(samples: readonly ContainerSample[]): void;
  /** Scores every tracked container: one batched model call per maxBatch, then the detectors. */
  scorePass(): Promise<{
    containers: number;
    modelRows: number;
    flags: number;
  }>;
  /** Flags raised since the last call (each kind once per container while it stays raised). */
  takeFlags(): AnomalyFlag[];
};

type Tracked = {
  meta: ContainerMeta;
  ring: SlotRing;
  lastSampleMs: number;
  memoryLimitBytes: number;
  seenAtMs: number;
  raised: Set<AnomalyKind>;
};

const FEATURES_PER_ROW = SEQ_HOURS * FEATURE_COUNT;

export function createAnomalyScoring(
  options: AnomalyScoringOptions,
): AnomalyScoring {
  const { metrics, logger } = options;
  const now = options.now ?? Date.now;
  const byKey = new Map<string, Tracked>();
  // Sources reuse one meta object per container: skip building the key string per sample.
  const byMeta = new WeakMap<ContainerMeta, Tracked>();
  let pending: AnomalyFlag[] = [];

  const trackedOf = (meta: ContainerMeta): Tracked => {
    let entry = byMeta.get(meta);
    if (entry !== undefined) return entry;
    const key = containerKey(meta);
    entry = byKey.get(key);
    if (entry === undefined) {
      entry = {
        meta,
        ring: createSlotRing(),
        lastSampleMs: 0,
        memoryLimitBytes: 0,
        seenAtMs: 0,
        raised: new Set(),
      };
      byKey.set(key, entry);
    }
    entry.meta = meta;
    byMeta.set(meta, entry);
    return entry;
  };

  const windowOf = (entry: Tracked): ContainerWindow => {
    const endSlot = (entry.ring.newestSlot() ?? 0) + 1;
    return {
      view: entry.ring.view(endSlot),
      memoryLimitBytes: entry.memoryLimitBytes,
      nowMs: entry.lastSampleMs,
    };
  };

  // One input buffer for every model call: a pass allocates no per-batch tensors.
  const features = new Float32Array(options.maxBatch * FEATURES_PER_ROW);

  /** Forecast peaks of at most maxBatch windows in one model call. */
  const forecastPeaks = async (
    windows: readonly ContainerWindow[],
  ): Promise<(number | undefined)[]> => {
    const peaks: (number | undefined)[] = windows.map(() => undefined);
    const inputs = windows
      .map((w, index) => ({ index, input: buildModelInput(w.view) }))
      .filter((x) => x.input !== undefined);
    if (inputs.length === 0) return peaks;
    inputs.forEach((x, row) =>
      features.set(x.input?.features ?? [], row * FEATURES_PER_ROW),
    );
    const output = await options.scorer.score(
      features.subarray(0, inputs.length * FEATURES_PER_ROW),
      inputs.length,
    );
    inputs.forEach((x, row) => {
      peaks[x.index] = forecastPeakBytes(
        output,
        row,
        x.input?.memRefBytes ?? 0,
      );
    });
    metrics.scoringModelRows.inc(inputs.length);
    return peaks;
  };

  const raise = (entry: Tracked, findings: readonly Finding[]) => {
    const kinds = new Set(findings.map((f) => f.kind));
    for (const finding of findings) {
      if (entry.raised.has(finding.kind)) continue;
      pending.push({ meta: entry.meta, ...finding });
      metrics.anomalyFlags.inc({ kind: finding.kind });
    }
    entry.raised = kinds;
  };

  const forgetStale = () => {
    const cutoff = now() - options.forgetAfterMs;
    for (const [key, entry] of byKey)
      if (entry.seenAtMs < cutoff) byKey.delete(key);
  };

  return {
    observe(samples) {
      const seenAtMs = now();
      for (const sample of samples) {
        const entry = trackedOf(sample.meta);
        entry.ring.add(
          sample.timestampMs,
          sample.cpuUsageCores,
          sample.memoryWorkingSetBytes,
        );
        if (sample.timestampMs > entry.lastSampleMs)
          entry.lastSampleMs = sample.timestampMs;
        entry.memoryLimitBytes =
          sample.memoryLimitBytes || sample.meta.memoryLimitBytes;
        entry.seenAtMs = seenAtMs;
      }
    },
    async scorePass() {
      forgetStale();
      const entries = [...byKey.values()];
      const before = pending.length;
      let modelRows = 0;
      let modelFailed = false;
      // Chunks of maxBatch containers: only one chunk's 48 h windows (~14 KiB each) are alive at once.
      for (let from = 0; from < entries.length; from += options.maxBatch) {
        const chunk = entries.slice(from, from + options.maxBatch);
        const windows = chunk.map(windowOf);
        let peaks: (number | undefined)[] = [];
        if (!modelFailed)
          try {
            peaks = await forecastPeaks(windows);
            modelRows += peaks.filter((p) => p !== undefined).length;
          } catch (error) {
            modelFailed = true;
            metrics.scoringErrors.inc();
            logger.warn(
              { err: error instanceof Error ? error.message : String(error) },
              "model scoring failed, detectors only this pass",
            );
          }
        chunk.forEach((entry, i) => {
          const window = windows[i];
          if (window === undefined) return;
          const findings = [
            checkMemoryLeak(window),
            checkOomRisk(window, peaks[i]),
            checkCpuSpike(window),
          ].filter((f): f is Finding => f !== undefined);
          raise(entry, findings);
        });
      }
      metrics.scoringPasses.inc();
      metrics.scoringContainers.inc(entries.length);
      return {
        containers: entries.length,
        modelRows,
        flags: pending.length - before,
      };
    },
    takeFlags() {
      const flags = pending;
      pending = [];
      return flags;
    },
  };
}

/** Builds the scorer and scoring, and runs a pass every `intervalMs` (wired by main.ts). */
export function startAnomalyScoring(options: {
  config: {
    runtime: ScorerRuntime;
    intervalMs: number;
    modelDir?: string;
    preload?: boolean;
  };
  metrics: AgentMetrics;
  logger: Logger;
}): { scoring: AnomalyScoring; scorer: Scorer; stop: () => void } {
  const { config, metrics, logger } = options;
  const scorer = createOnnxScorer({
    runtime: config.runtime,
    ...(config.modelDir === undefined ? {} : { modelDir: config.modelDir }),
    onLoaded: (info) => {
      metrics.scorerLoaded.set(1);
      logger.info(info, "forecaster loaded");
    },
  });
  if (config.preload === true)
    // one forward pass on zeros loads the model now instead of after 6 h of history
    void scorer
      .score(new Float32Array(FEATURES_PER_ROW), 1)
      .catch((error: unknown) =>
        logger.warn(
          { err: error },
          "forecaster preload failed; retried on the next pass",
        ),
      );
  const scoring = createAnomalyScoring({
    scorer,
    metrics,
    logger,
    // Small batches bound the live windows and input tensor; the forward pass costs the same per row.
    maxBatch: 32,
    forgetAfterMs: 3_600_000,
  });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void scoring
      .scorePass()
      .then((pass) => logger.debug(pass, "scoring pass"))
      .finally(() => (running = false));
  }, config.intervalMs);
  timer.unref();
  return { scoring, scorer, stop: () => clearInterval(timer) };
}

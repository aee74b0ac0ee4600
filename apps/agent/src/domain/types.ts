export const SOURCE_KINDS = [
  "cgroupfs",
  "kubelet",
  "replay",
  "synthetic",
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Who a sample belongs to; requests/limits are 0 when not set. */
export type ContainerMeta = {
  namespace: string;
  podName: string;
  podUid: string;
  containerName: string;
  containerId: string;
  workloadKind: string;
  workloadName: string;
  cpuRequestMillicores: number;
  cpuLimitMillicores: number;
  memoryRequestBytes: number;
  memoryLimitBytes: number;
  /** The pod's labels without per-pod ones (see podLabels); absent when the source has none. */
  labels?: Readonly<Record<string, string>>;
};

/** Throttling and OOM counters are deltas since the previous sample of the same container. */
export type ContainerSample = {
  meta: ContainerMeta;
  timestampMs: number;
  cpuUsageCores: number;
  cpuThrottledPeriods: number;
  /** Elapsed CFS periods (nr_periods delta); undefined when the source does not know them. */
  cpuPeriods?: number | undefined;
  cpuThrottledSeconds: number;
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  /** 0 = unlimited */
  memoryLimitBytes: number;
  oomKillCount: number;
};

export type Scrape = {
  samples: ContainerSample[];
  /** Containers skipped this round (vanished, unreadable, first sight). */
  skipped: number;
};

/** Port: anything that can produce container samples (cgroupfs, kubelet, replay, synthetic). */
export type MetricsSource = {
  readonly kind: SourceKind;
  collect: (nowMs: number) => Promise<Scrape>;
};

/**
 * Port: the shipped forecaster (packages/ml/models, loaded through @kubewise/ml/onnx). `features` is
 * row-major [batch, SEQ_HOURS, FEATURE_COUNT]; the result is row-major [batch, OUTPUT_SIZE] quantiles.
 */
export type Scorer = {
  readonly runtime: string;
  score: (features: Float32Array, batch: number) => Promise<Float32Array>;
  /** Switches to a model received from the aggregator (federated training); rejects a bad file. */
  useModel?: (model: ModelFile) => Promise<void>;
};

/** A forecaster as the aggregator serves it: registry version and ONNX bytes. */
export type ModelFile = { version: string; onnx: Uint8Array };

export type AnomalyKind = "leak" | "cpu_spike" | "oom_risk";
export type AnomalySeverity = "info" | "warning" | "critical";

/** A local finding about one container, sent to the aggregator with the next batch. */
export type AnomalyFlag = {
  meta: ContainerMeta;
  kind: AnomalyKind;
  severity: AnomalySeverity;
  detectedAtMs: number;
  /** Undefined when unknown or without a limit. */
  timeToLimitSeconds: number | undefined;
  details: Record<string, number>;
};

export function containerKey(meta: ContainerMeta): string {
  return `${meta.podUid}/${meta.containerName}/${meta.containerId}`;
}

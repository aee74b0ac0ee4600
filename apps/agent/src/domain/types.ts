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
};

/** Throttling and OOM counters are deltas since the previous sample of the same container. */
export type ContainerSample = {
  meta: ContainerMeta;
  timestampMs: number;
  cpuUsageCores: number;
  cpuThrottledPeriods: number;
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

/** Port for local model scoring; wired only when @kubewise/ml/onnx provides a runtime. */
export type Scorer = {
  score: (samples: readonly ContainerSample[]) => Promise<readonly number[]>;
};

export function containerKey(meta: ContainerMeta): string {
  return `${meta.podUid}/${meta.containerName}/${meta.containerId}`;
}

import { agentV1 } from "@kubewise/proto";

import {
  containerKey,
  type AnomalyFlag,
  type AnomalyKind,
  type AnomalySeverity,
  type ContainerMeta,
  type ContainerSample,
  type SourceKind,
} from "../../domain/types";

export type BatchHeader = {
  agentId: string;
  bootId: string;
  nodeName: string;
  seq: number;
  droppedBatchesTotal: number;
};

const SOURCE_KIND_TO_PROTO: Record<SourceKind, agentV1.SourceKind> = {
  cgroupfs: agentV1.SourceKind.SOURCE_KIND_CGROUPFS,
  kubelet: agentV1.SourceKind.SOURCE_KIND_KUBELET,
  replay: agentV1.SourceKind.SOURCE_KIND_REPLAY,
  synthetic: agentV1.SourceKind.SOURCE_KIND_SYNTHETIC,
};

const ANOMALY_KIND_TO_PROTO: Record<AnomalyKind, agentV1.AnomalyKind> = {
  leak: agentV1.AnomalyKind.ANOMALY_KIND_MEMORY_LEAK,
  cpu_spike: agentV1.AnomalyKind.ANOMALY_KIND_CPU_SPIKE,
  oom_risk: agentV1.AnomalyKind.ANOMALY_KIND_OOM_RISK,
};

const SEVERITY_TO_PROTO: Record<AnomalySeverity, agentV1.AnomalySeverity> = {
  info: agentV1.AnomalySeverity.ANOMALY_SEVERITY_INFO,
  warning: agentV1.AnomalySeverity.ANOMALY_SEVERITY_WARNING,
  critical: agentV1.AnomalySeverity.ANOMALY_SEVERITY_CRITICAL,
};

export function toProtoSourceKind(kind: SourceKind): agentV1.SourceKind {
  return SOURCE_KIND_TO_PROTO[kind];
}

function toProtoContainerInfo(meta: ContainerMeta): agentV1.ContainerInfo {
  const { labels, ...rest } = meta;
  return labels === undefined
    ? rest
    : { ...rest, labels: { values: { ...labels } } };
}

/** Columnar batch: container metadata once, one element per sample in each column. */
export function toProtoMetricBatch(
  samples: readonly ContainerSample[],
  header: BatchHeader,
  flags: readonly AnomalyFlag[] = [],
): agentV1.MetricBatch {
  const batch: agentV1.MetricBatch = {
    ...header,
    containers: [],
    containerIndex: [],
    timestampMs: [],
    cpuUsageCores: [],
    cpuThrottledPeriods: [],
    cpuThrottledSeconds: [],
    cpuPeriods: [],
    memoryWorkingSetBytes: [],
    memoryRssBytes: [],
    memoryLimitBytes: [],
    oomKillCount: [],
  };
  const indexByKey = new Map<string, number>();
  for (const sample of samples) {
    const key = containerKey(sample.meta);
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = batch.containers.push(toProtoContainerInfo(sample.meta)) - 1;
      indexByKey.set(key, index);
    }
    batch.containerIndex.push(index);
    batch.timestampMs.push(Math.round(sample.timestampMs));
    batch.cpuUsageCores.push(sample.cpuUsageCores);
    batch.cpuThrottledPeriods.push(Math.round(sample.cpuThrottledPeriods));
    batch.cpuThrottledSeconds.push(sample.cpuThrottledSeconds);
    batch.memoryWorkingSetBytes.push(Math.round(sample.memoryWorkingSetBytes));
    batch.memoryRssBytes.push(Math.round(sample.memoryRssBytes));
    batch.memoryLimitBytes.push(Math.round(sample.memoryLimitBytes));
    batch.oomKillCount.push(Math.round(sample.oomKillCount));
  }
  // All or nothing: an empty column tells the aggregator the periods are unknown.
  if (samples.every((sample) => sample.cpuPeriods !== undefined))
    batch.cpuPeriods = samples.map((sample) =>
      Math.round(sample.cpuPeriods ?? 0),
    );
  if (flags.length > 0)
    batch.anomalyReport = {
      flags: flags.map((flag) => {
        const key = containerKey(flag.meta);
        let index = indexByKey.get(key);
        // A flagged container missing from this batch's samples is described anyway.
        if (index === undefined) {
          index = batch.containers.push(toProtoContainerInfo(flag.meta)) - 1;
          indexByKey.set(key, index);
        }
        return toProtoAnomalyFlag(flag, index);
      }),
    };
  return batch;
}

function toProtoAnomalyFlag(
  flag: AnomalyFlag,
  containerIndex: number,
): agentV1.AnomalyFlag {
  return {
    containerIndex,
    kind: ANOMALY_KIND_TO_PROTO[flag.kind],
    severity: SEVERITY_TO_PROTO[flag.severity],
    detectedAtMs: Math.round(flag.detectedAtMs),
    ...(flag.timeToLimitSeconds === undefined
      ? {}
      : { timeToLimitSeconds: flag.timeToLimitSeconds }),
    details: { ...flag.details },
  };
}

/** The exact bytes of a SyncMetricsRequest, so the buffer can replay them without re-encoding. */
export function encodeSyncRequest(batch: agentV1.MetricBatch): Uint8Array {
  return agentV1.SyncMetricsRequest.encode({ batch }).finish();
}

export function toBufferKey(bootId: string, seq: number): string {
  return `${bootId}:${seq}`;
}

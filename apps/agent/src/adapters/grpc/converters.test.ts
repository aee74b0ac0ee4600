import { describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import type {
  AnomalyFlag,
  ContainerMeta,
  ContainerSample,
} from "../../domain/types";
import { encodeSyncRequest, toProtoMetricBatch } from "./converters";

function meta(name: string): ContainerMeta {
  return {
    namespace: "shop",
    podName: `${name}-0`,
    podUid: `uid-${name}`,
    containerName: name,
    containerId: name.padEnd(64, "0"),
    workloadKind: "Deployment",
    workloadName: name,
    cpuRequestMillicores: 100,
    cpuLimitMillicores: 0,
    memoryRequestBytes: 1 << 20,
    memoryLimitBytes: 1 << 30,
  };
}

const SAMPLE: ContainerSample = {
  meta: meta("api"),
  timestampMs: 1_000,
  cpuUsageCores: 0.5,
  cpuThrottledPeriods: 0,
  cpuThrottledSeconds: 0,
  memoryWorkingSetBytes: 1e8,
  memoryRssBytes: 9e7,
  memoryLimitBytes: 1 << 30,
  oomKillCount: 0,
};
const HEADER = {
  agentId: "a",
  bootId: "b",
  nodeName: "n",
  seq: 1,
  droppedBatchesTotal: 0,
};

function flag(name: string, overrides: Partial<AnomalyFlag> = {}): AnomalyFlag {
  return {
    meta: meta(name),
    kind: "leak",
    severity: "critical",
    detectedAtMs: 900.4,
    timeToLimitSeconds: 60,
    details: { trend_z: 7.5 },
    ...overrides,
  };
}

describe("toProtoMetricBatch CFS periods column", () => {
  it.each([
    { what: "every sample knows", periods: [40, 0], column: [40, 0] },
    { what: "one sample does not know", periods: [40, undefined], column: [] },
    { what: "no sample knows", periods: [undefined], column: [] },
  ])("sends $column when $what its periods", ({ periods, column }) => {
    const samples = periods.map((cpuPeriods) => ({ ...SAMPLE, cpuPeriods }));
    const decoded = agentV1.SyncMetricsRequest.decode(
      encodeSyncRequest(toProtoMetricBatch(samples, HEADER)),
    ).batch;
    expect(decoded?.cpuPeriods).toEqual(column);
  });
});

describe("toProtoMetricBatch with anomaly flags", () => {
  it("omits the report without flags", () => {
    expect(toProtoMetricBatch([SAMPLE], HEADER).anomalyReport).toBeUndefined();
  });

  it("points flags at the batch's containers, adding a flagged container without samples", () => {
    const batch = toProtoMetricBatch([SAMPLE], HEADER, [
      flag("api"),
      flag("worker", {
        kind: "oom_risk",
        severity: "warning",
        timeToLimitSeconds: undefined,
      }),
    ]);
    const decoded = agentV1.SyncMetricsRequest.decode(
      encodeSyncRequest(batch),
    ).batch;
    expect(decoded?.containers.map((c) => c.containerName)).toEqual([
      "api",
      "worker",
    ]);
    expect(decoded?.containerIndex).toEqual([0]);
    expect(decoded?.anomalyReport?.flags).toEqual([
      {
        containerIndex: 0,
        kind: agentV1.AnomalyKind.ANOMALY_KIND_MEMORY_LEAK,
        severity: agentV1.AnomalySeverity.ANOMALY_SEVERITY_CRITICAL,
        detectedAtMs: 900,
        timeToLimitSeconds: 60,
        details: { trend_z: 7.5 },
      },
      {
        containerIndex: 1,
        kind: agentV1.AnomalyKind.ANOMALY_KIND_OOM_RISK,
        severity: agentV1.AnomalySeverity.ANOMALY_SEVERITY_WARNING,
        detectedAtMs: 900,
        timeToLimitSeconds: undefined,
        details: { trend_z: 7.5 },
      },
    ]);
  });
});

describe("toProtoMetricBatch pod labels", () => {
  it("sends a container's pod labels, and no labels field when the source has none", () => {
    const labelled: ContainerSample = {
      ...SAMPLE,
      meta: { ...meta("web"), labels: { app: "web", team: "storefront" } },
    };
    const decoded = agentV1.SyncMetricsRequest.decode(
      encodeSyncRequest(toProtoMetricBatch([labelled, SAMPLE], HEADER)),
    ).batch;
    expect(decoded?.containers.map((c) => c.labels)).toEqual([
      { values: { app: "web", team: "storefront" } },
      undefined,
    ]);
  });
});

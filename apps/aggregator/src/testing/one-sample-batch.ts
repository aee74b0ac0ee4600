import { agentV1 } from "@kubewise/proto";

/** A valid one-sample SyncMetricsRequest of one container, for stream tests. */
export function oneSampleBatch(
  seq: number,
  agent = { agentId: "pipelined-agent", bootId: "boot-p", nodeName: "node-p" },
): agentV1.SyncMetricsRequest {
  return {
    batch: {
      ...agentV1.MetricBatch.fromPartial({ ...agent, seq }),
      containers: [
        agentV1.ContainerInfo.fromPartial({
          namespace: "ns",
          podName: "pod",
          containerName: "app",
        }),
      ],
      containerIndex: [0],
      timestampMs: [Date.now() - seq * 1000],
      cpuUsageCores: [0.25],
      cpuThrottledPeriods: [0],
      cpuThrottledSeconds: [0],
      memoryWorkingSetBytes: [1 << 20],
      memoryRssBytes: [1 << 20],
      memoryLimitBytes: [0],
      oomKillCount: [0],
    },
  };
}

import { describe, expect, it } from "vitest";

import type { ContainerMeta, ContainerSample } from "../../domain/types";
import { withPodMetadata } from "./with-pod-metadata";

const bare: ContainerMeta = {
  namespace: "unknown",
  podName: "u1",
  podUid: "u1",
  containerName: "aaaaaaaaaaaa",
  containerId: "a".repeat(64),
  workloadKind: "Pod",
  workloadName: "u1",
  cpuRequestMillicores: 0,
  cpuLimitMillicores: 0,
  memoryRequestBytes: 0,
  memoryLimitBytes: 0,
};
const known: ContainerMeta = {
  ...bare,
  namespace: "shop",
  podName: "web-1",
  containerName: "app",
  workloadKind: "Deployment",
  workloadName: "web",
  cpuRequestMillicores: 250,
};

function sampleOf(meta: ContainerMeta): ContainerSample {
  return {
    meta,
    timestampMs: 1,
    cpuUsageCores: 0.1,
    cpuThrottledPeriods: 0,
    cpuThrottledSeconds: 0,
    memoryWorkingSetBytes: 1,
    memoryRssBytes: 1,
    memoryLimitBytes: 0,
    oomKillCount: 0,
  };
}

describe("withPodMetadata", () => {
  it("replaces metadata the API knows and keeps the source's otherwise", async () => {
    const other = { ...bare, podUid: "u2", containerId: "b".repeat(64) };
    const source = withPodMetadata(
      {
        kind: "cgroupfs",
        collect: () =>
          Promise.resolve({
            samples: [sampleOf(bare), sampleOf(other)],
            skipped: 3,
          }),
      },
      (meta) => (meta.podUid === "u1" ? known : undefined),
    );
    const scrape = await source.collect(0);
    expect(scrape.samples.map((s) => s.meta)).toEqual([known, other]);
    expect([source.kind, scrape.skipped]).toEqual(["cgroupfs", 3]);
  });
});

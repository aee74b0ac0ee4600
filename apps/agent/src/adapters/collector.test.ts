import { mkdtempSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { pino } from "pino";
import { afterEach, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import type { ContainerSample, MetricsSource } from "../domain/types";
import { createCollector } from "./collector";
import { openDiskBuffer } from "./disk-buffer";
import { createAgentMetrics } from "./metrics";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0))
    rmSync(dir, { recursive: true, force: true });
});

const sample = (timestampMs: number): ContainerSample => ({
  meta: {
    namespace: "ns",
    podName: "pod",
    podUid: "uid",
    containerName: "app",
    containerId: "",
    workloadKind: "Deployment",
    workloadName: "w",
    cpuRequestMillicores: 0,
    cpuLimitMillicores: 0,
    memoryRequestBytes: 0,
    memoryLimitBytes: 0,
  },
  timestampMs,
  cpuUsageCores: 0.5,
  cpuThrottledPeriods: 0,
  cpuThrottledSeconds: 0,
  memoryWorkingSetBytes: 1 << 20,
  memoryRssBytes: 1 << 20,
  memoryLimitBytes: 0,
  oomKillCount: 0,
});

it("counts a batch the disk cannot take as dropped, without using up its seq number", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-collector-"));
  dirs.push(dir);
  let diskFull = true;
  const buffer = openDiskBuffer({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 << 10,
    fsyncIntervalMs: 100,
    write: (fd, data, offset, length) => {
      if (!diskFull) return writeSync(fd, data, offset, length);
      // Half the record makes it to disk, then the disk is full.
      diskFull = false;
      writeSync(fd, data, offset, length >> 1);
      throw Object.assign(new Error("ENOSPC"), { code: "ENOSPC" });
    },
  });
  const source: MetricsSource = {
    kind: "synthetic",
    collect: (nowMs) =>
      Promise.resolve({ samples: [sample(nowMs)], skipped: 0 }),
  };
  const metrics = createAgentMetrics();
  const collector = createCollector({
    source,
    buffer,
    metrics,
    logger: pino({ level: "silent" }),
    identity: { agentId: "a", bootId: "boot", nodeName: "n" },
    maxBatchSamples: 100,
    onAppended: () => undefined,
  });

  await collector.collectOnce(1_000);
  expect(collector.nextSeq()).toBe(1);
  expect(buffer.pending()).toEqual([]);
  await collector.collectOnce(11_000);

  const [stored] = buffer.pending();
  expect(stored?.key).toBe("boot:1");
  const batch = agentV1.SyncMetricsRequest.decode(buffer.read(stored!)).batch;
  expect(batch).toMatchObject({
    seq: 1,
    droppedBatchesTotal: 1,
    timestampMs: [11_000],
  });
  expect((await metrics.bufferWriteFailures.get()).values).toEqual([
    expect.objectContaining({ labels: { reason: "no_space" }, value: 1 }),
  ]);
  buffer.close();
});

import { describe, expect, it } from "vitest";

import type { IngestContainer, ValidatedBatch } from "../domain/batch";
import { createMemorySampleStore } from "../testing/memory-sample-store";
import { createIngester } from "./ingester";

const container = (name: string): IngestContainer => ({
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName: "checkout",
  containerName: name,
  cpuRequestMillicores: 250,
  cpuLimitMillicores: 0,
  memoryRequestBytes: 256 << 20,
  memoryLimitBytes: 0,
  labels: { app: "checkout" },
});

const batch = (
  agentId: string,
  seq: number,
  containers: IngestContainer[],
): ValidatedBatch => ({
  agentId,
  bootId: "boot",
  seq,
  nodeName: agentId,
  droppedBatchesTotal: 0,
  containers,
  samples: {
    containerIndex: containers.map((_, i) => i),
    timestampMs: containers.map(() => 1_700_000_000_000 + seq * 10_000),
    cpuUsageCores: containers.map(() => 0.5),
    cpuThrottledPeriods: containers.map(() => 0),
    cpuThrottledSeconds: containers.map(() => 0),
    memoryWorkingSetBytes: containers.map(() => 1e6),
    memoryRssBytes: containers.map(() => 1e6),
    memoryLimitBytes: containers.map(() => 0),
    oomKillCount: containers.map(() => 0),
  },
});

describe("ingester container ids", () => {
  it("resolves a repeated scrape once per agent and again when a container's requests, limits or labels change", async () => {
    const memory = createMemorySampleStore();
    const resolved: IngestContainer[][] = [];
    const ingester = createIngester({
      ...memory.store,
      resolveContainerIds: (list) => {
        resolved.push([...list]);
        return memory.store.resolveContainerIds(list);
      },
    });
    const scrape = [container("app"), container("sidecar")];
    await ingester.ingest(batch("node-a", 1, scrape));
    // Equal values in new objects (each batch is decoded afresh): no lookup.
    await ingester.ingest(batch("node-a", 2, structuredClone(scrape)));
    expect(resolved).toHaveLength(1);
    const resized = structuredClone(scrape);
    resized[1] = { ...container("sidecar"), memoryLimitBytes: 512 << 20 };
    await ingester.ingest(batch("node-a", 3, resized));
    expect(resolved.at(-1)).toEqual([resized[1]]);
    const relabelled = structuredClone(resized);
    relabelled[0] = { ...container("app"), labels: { app: "checkout-v2" } };
    await ingester.ingest(batch("node-a", 4, relabelled));
    expect(resolved.at(-1)).toEqual([relabelled[0]]);
    // Another agent with the same containers uses the shared key cache, not node-a's last batch.
    await ingester.ingest(batch("node-b", 1, structuredClone(relabelled)));
    expect(resolved).toHaveLength(3);
    expect(memory.batches.size).toBe(5);
  });
});

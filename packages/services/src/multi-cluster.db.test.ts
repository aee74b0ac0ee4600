// Many clusters, one database: two aggregators' ingest paths (clusters "east" and "west") with the
// same namespace, workload, container, node and agent names write into one PostgreSQL and stay apart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  ensureClusterByName,
  insertIngestBatches,
  refreshAllocation,
  refreshRollups,
  registerAgent,
  resolveContainerIds,
  type IngestContainer,
} from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "./context";
import { generateRecommendations } from "./recommendations/generate";
import { listRecommendations } from "./recommendations/list";
import { createTestContext, TEST_NOW } from "./testing";

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

const DAY_MS = 86_400_000;
const STEP_MS = 60_000;
const END_MS = Math.floor(TEST_NOW.getTime() / 3_600_000) * 3_600_000;
const START_MS = END_MS - DAY_MS;

// The same names in both clusters; only the usage (and the node's size) differs.
const CONTAINER: IngestContainer = {
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName: "checkout",
  containerName: "app",
  cpuRequestMillicores: 2000,
  cpuLimitMillicores: 0,
  memoryRequestBytes: 4 * 2 ** 30,
  memoryLimitBytes: 0,
};
const CLUSTERS = [
  { name: "east", cpuCores: 0.2, memoryBytes: 512 * 2 ** 20, nodeCpu: 4000 },
  { name: "west", cpuCores: 0.9, memoryBytes: 2 * 2 ** 30, nodeCpu: 16000 },
] as const;

/** What one cluster's aggregator does on Register and on one day of batches from agent node-1. */
async function ingestCluster(c: (typeof CLUSTERS)[number]) {
  const clusterId = await ensureClusterByName(test.sql, c.name);
  await registerAgent(test.sql, {
    clusterId,
    agentId: "node-1",
    bootId: "boot-1",
    node: { name: "node-1", cpuMillicores: c.nodeCpu, memoryBytes: 2 ** 35 },
  });
  const containerIds = await resolveContainerIds(test.sql, clusterId, [
    CONTAINER,
  ]);
  const n = DAY_MS / STEP_MS;
  const range = Array.from({ length: n }, (_, i) => i);
  // One batch per hour, seq 1..24: the same keys in both clusters.
  const batches = Array.from({ length: 24 }, (_, h) => {
    const hour = range.slice(h * 60, h * 60 + 60);
    return {
      clusterId,
      agentId: "node-1",
      bootId: "boot-1",
      seq: h + 1,
      containerIds,
      samples: {
        containerIndex: hour.map(() => 0),
        timestampMs: hour.map((i) => START_MS + i * STEP_MS),
        cpuUsageCores: hour.map(() => c.cpuCores),
        cpuThrottledPeriods: hour.map(() => 0),
        cpuThrottledSeconds: hour.map(() => 0),
        memoryWorkingSetBytes: hour.map(() => c.memoryBytes),
        memoryRssBytes: hour.map(() => c.memoryBytes),
        memoryLimitBytes: hour.map(() => 0),
        oomKillCount: hour.map(() => 0),
      },
    };
  });
  const results = await insertIngestBatches(test.sql, batches);
  expect(results.every((r) => !r.duplicate)).toBe(true);
  return { clusterId, containerId: containerIds[0] ?? "" };
}

describe("two clusters with colliding names in one database", () => {
  it("keeps workloads, samples, agents, recommendations and allocation per cluster", async () => {
    const east = await ingestCluster(CLUSTERS[0]);
    const west = await ingestCluster(CLUSTERS[1]);
    expect(east.clusterId).not.toBe(west.clusterId);
    expect(east.containerId).not.toBe(west.containerId);

    // East's agent re-registers (a reboot): west's node-1 keeps its boot and its node.
    await registerAgent(test.sql, {
      clusterId: east.clusterId,
      agentId: "node-1",
      bootId: "boot-2",
      node: { name: "node-1", cpuMillicores: 4000, memoryBytes: 2 ** 35 },
    });
    const agents = await test.sql<
      { cluster: string; boot: string; cpu: number }[]
    >`
      select c.name as cluster, a.boot_id as boot, n.cpu_capacity_millicores as cpu
      from agents a join clusters c on c.id = a.cluster_id
      join nodes n on n.id = a.node_id and n.cluster_id = a.cluster_id
      where a.agent_id = 'node-1' order by c.name`;
    expect(agents).toEqual([
      { cluster: "east", boot: "boot-2", cpu: 4000 },
      { cluster: "west", boot: "boot-1", cpu: 16000 },
    ]);

    const workloads = await test.sql<{ cluster: string; n: number }[]>`
      select c.name as cluster, count(*)::int as n
      from workloads w join clusters c on c.id = w.cluster_id
      where w.namespace = 'shop' and w.name = 'checkout' group by 1 order by 1`;
    expect(workloads).toEqual([
      { cluster: "east", n: 1 },
      { cluster: "west", n: 1 },
    ]);
    const samples = await test.sql<
      { cluster: string; n: number; cpu: number; batches: number }[]
    >`
      select c.name as cluster, count(*)::int as n, avg(s.cpu_usage_cores)::float8 as cpu,
        (select count(*)::int from ingest_batches b where b.cluster_id = c.id) as batches
      from metric_samples s
      join containers k on k.id = s.container_id
      join workloads w on w.id = k.workload_id
      join clusters c on c.id = w.cluster_id
      where w.name = 'checkout' group by c.id, c.name order by c.name`;
    expect(
      samples.map(({ cluster, n, batches }) => ({ cluster, n, batches })),
    ).toEqual([
      { cluster: "east", n: 1440, batches: 24 },
      { cluster: "west", n: 1440, batches: 24 },
    ]);
    expect(samples[0]?.cpu).toBeCloseTo(0.2, 9);
    expect(samples[1]?.cpu).toBeCloseTo(0.9, 9);

    const range = { from: new Date(START_MS), to: new Date(END_MS) };
    await refreshRollups(test.sql, range, { now: new Date(END_MS) });
    await refreshAllocation(test.db, range);
    const allocation = await test.sql<
      { cluster: string; seconds: number; usage: number; request: number }[]
    >`
      select c.name as cluster, sum(a.covered_seconds)::float8 as seconds,
        sum(a.cpu_usage_core_seconds)::float8 as usage,
        sum(a.cpu_request_core_seconds)::float8 as request
      from container_allocation_1h a join clusters c on c.id = a.cluster_id
      where a.container_id in (${east.containerId}, ${west.containerId})
      group by c.name order by c.name`;
    expect(allocation.map((a) => a.cluster)).toEqual(["east", "west"]);
    for (const [i, a] of allocation.entries()) {
      expect(a.seconds).toBe(DAY_MS / 1000);
      expect(a.usage / a.seconds).toBeCloseTo(CLUSTERS[i]!.cpuCores, 9);
      expect(a.request / a.seconds).toBeCloseTo(2, 9);
    }

    const ctx = createTestContext(test.db, SYSTEM_ACTOR, new Date(END_MS));
    const recommended = new Map<string, number>();
    for (const { clusterId } of [east, west]) {
      const pass = await generateRecommendations({
        ctx,
        input: {
          clusterId,
          now: new Date(END_MS),
          historyWindowSeconds: 86_400,
        },
      });
      expect(pass).toMatchObject({ created: 1, insufficientHistory: 0 });
      const page = await listRecommendations({
        ctx,
        input: { clusterId, phase: ["Pending"] },
      });
      expect(page.items).toHaveLength(1);
      const item = page.items[0]!;
      expect(item).toMatchObject({ clusterId, workloadName: "checkout" });
      const [row] = await test.sql<{ container_id: string }[]>`
        select container_id from recommendations where id = ${item.id}`;
      expect(row?.container_id).toBe(
        clusterId === east.clusterId ? east.containerId : west.containerId,
      );
      recommended.set(clusterId, item.recommended.cpuRequestMillicores ?? 0);
    }
    // Each cluster's recommendation follows its own usage: east's is below west's.
    expect(recommended.get(east.clusterId)).toBeGreaterThanOrEqual(200);
    expect(recommended.get(west.clusterId)).toBeGreaterThanOrEqual(900);
    expect(recommended.get(east.clusterId)).toBeLessThan(
      recommended.get(west.clusterId) ?? 0,
    );
  });
});

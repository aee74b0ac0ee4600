import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { refreshAllocation } from "../metrics/allocation";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  ensureClusterByName,
  insertIngestBatch,
  registerAgent,
  resolveContainerIds,
  type IngestContainer,
} from "./ingest";

// What the agents report about their node and their pods' labels reaches the tables idle cost and
// allocation by label read (nodes, agents.node_id, workloads.labels, cluster_capacity_1h).

let t: TestDatabase;
let clusterId = "";
beforeAll(async () => {
  t = await createTestDatabase();
  clusterId = await ensureClusterByName(t.sql, `node-labels-${Date.now()}`);
});
afterAll(() => t.close());

const GIB = 2 ** 30;

const container = (
  workloadName: string,
  labels?: Record<string, string>,
): IngestContainer => ({
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName,
  containerName: "app",
  cpuRequestMillicores: 250,
  cpuLimitMillicores: 0,
  memoryRequestBytes: 0,
  memoryLimitBytes: 0,
  ...(labels === undefined ? {} : { labels }),
});

const labelsOf = async (workloadName: string) =>
  (
    await t.sql<{ labels: Record<string, string> }[]>`
      select labels from workloads where cluster_id = ${clusterId} and name = ${workloadName}`
  )[0]?.labels;

const nodeOf = async (agentId: string) =>
  (
    await t.sql<
      { name: string | null; cpu: number | null; memory: string | null }[]
    >`
      select n.name, n.cpu_capacity_millicores as cpu, n.memory_capacity_bytes as memory
      from agents a left join nodes n on n.id = a.node_id where a.agent_id = ${agentId}`
  )[0];

describe("agent node capacity", () => {
  it("registers the node with its capacity, updates it on the next boot, keeps it when a registration has no node", async () => {
    const node = { name: "node-a", cpuMillicores: 8000, memoryBytes: 32 * GIB };
    await registerAgent(t.sql, {
      agentId: "agent-a",
      clusterId,
      bootId: "b1",
      node,
    });
    expect(await nodeOf("agent-a")).toEqual({
      name: "node-a",
      cpu: 8000,
      memory: String(32 * GIB),
    });
    await registerAgent(t.sql, {
      agentId: "agent-a",
      clusterId,
      bootId: "b2",
      node: { ...node, memoryBytes: 64 * GIB },
    });
    expect((await nodeOf("agent-a"))?.memory).toBe(String(64 * GIB));
    // The ingest path re-registers an agent it has not seen since a restart, without a node.
    await registerAgent(t.sql, { agentId: "agent-a", clusterId, bootId: "b3" });
    expect(await nodeOf("agent-a")).toEqual({
      name: "node-a",
      cpu: 8000,
      memory: String(64 * GIB),
    });
    const [{ nodes } = { nodes: 0 }] = await t.sql<{ nodes: number }[]>`
      select count(*)::int as nodes from nodes where cluster_id = ${clusterId}`;
    expect(nodes).toBe(1);
  });

  it("counts the node in hourly cluster capacity for the hours its agent sent batches", async () => {
    const node = { name: "node-b", cpuMillicores: 4000, memoryBytes: 16 * GIB };
    await registerAgent(t.sql, {
      agentId: "agent-b",
      clusterId,
      bootId: "b1",
      node,
    });
    const [id = ""] = await resolveContainerIds(t.sql, clusterId, [
      container("capacity"),
    ]);
    await insertIngestBatch(t.sql, {
      clusterId,
      agentId: "agent-b",
      bootId: "b1",
      seq: 1,
      containerIds: [id],
      samples: {
        containerIndex: [0],
        timestampMs: [Date.parse("2026-11-20T12:00:00Z")],
        cpuUsageCores: [0.1],
        cpuThrottledPeriods: [0],
        cpuThrottledSeconds: [0],
        memoryWorkingSetBytes: [1 << 20],
        memoryRssBytes: [1 << 20],
        memoryLimitBytes: [0],
        oomKillCount: [0],
      },
    });
    // Capacity counts the hour the batch was received in (the database's clock, read back).
    const [{ hour } = { hour: new Date(0) }] = await t.sql<{ hour: Date }[]>`
      select date_trunc('hour', received_at) as hour from ingest_batches where agent_id = 'agent-b'`;
    await refreshAllocation(t.db, {
      from: hour,
      to: new Date(hour.getTime() + 3_600_000),
    });
    const rows = await t.sql<{ cpu: number; memory: number; nodes: number }[]>`
      select cpu_core_seconds::float8 as cpu, memory_byte_seconds::float8 as memory, node_count as nodes
      from cluster_capacity_1h where cluster_id = ${clusterId} and bucket = ${hour}`;
    expect(rows).toEqual([
      { cpu: 4 * 3600, memory: 16 * GIB * 3600, nodes: 1 },
    ]);
  });
});

describe("workload labels from the agents' pods", () => {
  it("stores labels, replaces them when they change, keeps them when a batch does not know them", async () => {
    await resolveContainerIds(t.sql, clusterId, [
      container("checkout", { app: "checkout", team: "payments" }),
    ]);
    expect(await labelsOf("checkout")).toEqual({
      app: "checkout",
      team: "payments",
    });
    await resolveContainerIds(t.sql, clusterId, [
      container("checkout", { app: "checkout", team: "growth" }),
    ]);
    expect(await labelsOf("checkout")).toEqual({
      app: "checkout",
      team: "growth",
    });
    await resolveContainerIds(t.sql, clusterId, [container("checkout")]);
    expect(await labelsOf("checkout")).toEqual({
      app: "checkout",
      team: "growth",
    });
    // A pod that lost every label says so (an empty set is known, not unknown).
    await resolveContainerIds(t.sql, clusterId, [container("checkout", {})]);
    expect(await labelsOf("checkout")).toEqual({});
  });

  it("gives a new workload without known labels none, and takes the last pod's labels within a batch", async () => {
    const ids = await resolveContainerIds(t.sql, clusterId, [
      container("cart"),
      container("search", { team: "old" }),
      { ...container("search", { team: "new" }), containerName: "sidecar" },
    ]);
    expect(ids).toHaveLength(3);
    expect(await labelsOf("cart")).toEqual({});
    expect(await labelsOf("search")).toEqual({ team: "new" });
  });
});

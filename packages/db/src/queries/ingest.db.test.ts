import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { refreshRollups } from "../metrics/rollups";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  countSequenceGaps,
  ensureClusterByName,
  getIngestStats,
  insertIngestBatch,
  insertIngestBatches,
  registerAgent,
  resolveContainerIds,
  type IngestContainer,
  type IngestSamples,
} from "./ingest";

let t: TestDatabase;
let clusterId = "";
beforeAll(async () => {
  t = await createTestDatabase();
  clusterId = await ensureClusterByName(t.sql, `ingest-${Date.now()}`);
});
afterAll(() => t.close());

const container = (name: string, memoryLimitBytes = 0): IngestContainer => ({
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName: "checkout",
  containerName: name,
  cpuRequestMillicores: 250,
  cpuLimitMillicores: 0,
  memoryRequestBytes: 256 << 20,
  memoryLimitBytes,
});

function samples(
  n: number,
  containers: number,
  t0 = Date.now(),
): IngestSamples {
  const range = Array.from({ length: n }, (_, i) => i);
  return {
    containerIndex: range.map((i) => i % containers),
    timestampMs: range.map((i) => t0 + i * 10),
    cpuUsageCores: range.map((i) => i / 100),
    cpuThrottledPeriods: range.map(() => 3),
    cpuThrottledSeconds: range.map(() => 0.25),
    memoryWorkingSetBytes: range.map((i) => 1_000_000 + i),
    memoryRssBytes: range.map(() => 900_000),
    memoryLimitBytes: range.map((i) => (i % 2 === 0 ? 0 : 2 ** 40)),
    oomKillCount: range.map(() => 0),
  };
}

const countRows = async (ids: readonly string[]) =>
  Number(
    (
      await t.sql<
        { n: string }[]
      >`select count(*) as n from metric_samples where container_id = any(${ids}::uuid[])`
    )[0]?.n,
  );

describe("ingest queries", () => {
  it("resolves containers idempotently and updates changed limits", async () => {
    const first = await resolveContainerIds(t.sql, clusterId, [
      container("app"),
      container("sidecar"),
      container("app"),
    ]);
    expect(first[0]).toBe(first[2]);
    const again = await resolveContainerIds(t.sql, clusterId, [
      container("sidecar", 512 << 20),
      container("app"),
    ]);
    expect(again).toEqual([first[1], first[0]]);
    const [row] = await t.sql<
      { m: string }[]
    >`select memory_limit_bytes as m from containers where id = ${again[0]!}`;
    expect(Number(row?.m)).toBe(512 << 20);
  });

  it("stores a batch once and acks a resend as a duplicate that inserts nothing", async () => {
    await registerAgent(t.sql, {
      agentId: "agent-dup",
      clusterId,
      bootId: "b1",
    });
    const ids = await resolveContainerIds(t.sql, clusterId, [
      container("dup-a"),
      container("dup-b"),
    ]);
    const batch = {
      clusterId,
      agentId: "agent-dup",
      bootId: "b1",
      seq: 1,
      containerIds: ids,
      samples: samples(500, 2),
    };
    expect(await insertIngestBatch(t.sql, batch)).toEqual({
      duplicate: false,
      storedSamples: 500,
    });
    expect(await insertIngestBatch(t.sql, batch)).toEqual({
      duplicate: true,
      storedSamples: 0,
    });
    expect(await countRows(ids)).toBe(500);
    const [row] = await t.sql<{ lim: string | null; ws: string }[]>`
      select memory_limit_bytes as lim, memory_working_set_bytes as ws from metric_samples where container_id = ${ids[0]!} order by ts limit 1`;
    expect(row).toEqual({ lim: null, ws: "1000000" });
  });

  it("stores exactly the distinct union for any interleaving of sends and resends (concurrent)", async () => {
    await registerAgent(t.sql, {
      agentId: "agent-prop",
      clusterId,
      bootId: "b1",
    });
    const ids = await resolveContainerIds(t.sql, clusterId, [
      container("prop"),
    ]);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 8 }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (seqs) => {
          const bootId = `run-${run++}`;
          await Promise.all(
            seqs.map((seq) =>
              insertIngestBatch(t.sql, {
                clusterId,
                agentId: "agent-prop",
                bootId,
                seq,
                containerIds: ids,
                samples: samples(5, 1),
              }),
            ),
          );
          const [row] = await t.sql<{ batches: string; stored: string }[]>`
          select count(*) as batches, sum(sample_count) as stored from ingest_batches where agent_id = 'agent-prop' and boot_id = ${bootId}`;
          expect(Number(row?.batches)).toBe(new Set(seqs).size);
          expect(Number(row?.stored)).toBe(new Set(seqs).size * 5);
        },
      ),
      { numRuns: 25 },
    );
    expect(await countRows(ids)).toBe(
      Number(
        (
          await t.sql<
            { n: string }[]
          >`select sum(sample_count) as n from ingest_batches where agent_id = 'agent-prop'`
        )[0]?.n,
      ),
    );
  });

  it("stores concurrent groups of batches exactly once, whatever keys the groups share", async () => {
    await registerAgent(t.sql, {
      agentId: "agent-group",
      clusterId,
      bootId: "b1",
    });
    const ids = await resolveContainerIds(t.sql, clusterId, [
      container("group"),
    ]);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(fc.integer({ min: 1, max: 8 }), {
            minLength: 1,
            maxLength: 6,
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        async (groups) => {
          const bootId = `group-${run++}`;
          const results = await Promise.all(
            groups.map((seqs) =>
              insertIngestBatches(
                t.sql,
                seqs.map((seq) => ({
                  clusterId,
                  agentId: "agent-group",
                  bootId,
                  seq,
                  containerIds: ids,
                  // seq 3 carries no samples (an anomaly-only batch): its key is stored all the same.
                  samples: samples(seq === 3 ? 0 : seq, 1),
                })),
              ),
            ),
          );
          const distinct = new Set(groups.flat());
          const fresh = results.flat().filter((r) => !r.duplicate);
          expect(fresh).toHaveLength(distinct.size);
          const [row] = await t.sql<
            { batches: string; stored: string | null }[]
          >`
            select count(*) as batches, sum(sample_count) as stored from ingest_batches
            where agent_id = 'agent-group' and boot_id = ${bootId}`;
          const expectedSamples = [...distinct].reduce(
            (n, seq) => n + (seq === 3 ? 0 : seq),
            0,
          );
          expect(Number(row?.batches)).toBe(distinct.size);
          expect(Number(row?.stored ?? 0)).toBe(expectedSamples);
          expect(fresh.reduce((n, r) => n + r.storedSamples, 0)).toBe(
            expectedSamples,
          );
        },
      ),
      { numRuns: 25 },
    );
    expect(await countRows(ids)).toBe(
      Number(
        (
          await t.sql<{ n: string }[]>`
            select sum(sample_count) as n from ingest_batches where agent_id = 'agent-group'`
        )[0]?.n,
      ),
    );
  });

  it("rolls the batch key back when the sample insert fails, so a resend is stored", async () => {
    await registerAgent(t.sql, {
      agentId: "agent-rb",
      clusterId,
      bootId: "b1",
    });
    const ids = await resolveContainerIds(t.sql, clusterId, [container("rb")]);
    const bad = { ...samples(3, 1), memoryWorkingSetBytes: [1, 2, -1e30] };
    await expect(
      insertIngestBatch(t.sql, {
        clusterId,
        agentId: "agent-rb",
        bootId: "b1",
        seq: 1,
        containerIds: ids,
        samples: bad,
      }),
    ).rejects.toThrow();
    expect(
      await insertIngestBatch(t.sql, {
        clusterId,
        agentId: "agent-rb",
        bootId: "b1",
        seq: 1,
        containerIds: ids,
        samples: samples(3, 1),
      }),
    ).toEqual({ duplicate: false, storedSamples: 3 });
  });

  it("reports ingest stats and sequence gaps", async () => {
    await registerAgent(t.sql, {
      agentId: "agent-gap",
      clusterId,
      bootId: "g",
    });
    const ids = await resolveContainerIds(t.sql, clusterId, [container("gap")]);
    const before = await countSequenceGaps(t.sql);
    for (const seq of [1, 2, 5])
      await insertIngestBatch(t.sql, {
        clusterId,
        agentId: "agent-gap",
        bootId: "g",
        seq,
        containerIds: ids,
        samples: samples(2, 1),
      });
    expect((await countSequenceGaps(t.sql)) - before).toBe(2);
    const stats = await getIngestStats(t.sql, 60);
    expect(stats.batches).toBeGreaterThanOrEqual(3);
    expect(stats.samples).toBeGreaterThanOrEqual(6);
    expect(stats.lastReceivedAt).toBeInstanceOf(Date);
  });
});

describe("agents per cluster", () => {
  it("keeps one agent row per (cluster, agent id) and dedups batches per cluster", async () => {
    const other = await ensureClusterByName(
      t.sql,
      `ingest-other-${Date.now()}`,
    );
    const node = { name: "node-1", cpuMillicores: 4000, memoryBytes: 2 ** 33 };
    await registerAgent(t.sql, {
      agentId: "node-1",
      clusterId,
      bootId: "a",
      node,
    });
    await registerAgent(t.sql, {
      agentId: "node-1",
      clusterId: other,
      bootId: "b",
      node: { ...node, cpuMillicores: 2000 },
    });
    // Re-registering in the first cluster does not move the second cluster's agent.
    await registerAgent(t.sql, {
      agentId: "node-1",
      clusterId,
      bootId: "a2",
      node,
    });
    const agents = await t.sql<
      { cluster_id: string; boot_id: string; cpu: number }[]
    >`
      select a.cluster_id, a.boot_id, n.cpu_capacity_millicores as cpu
      from agents a join nodes n on n.id = a.node_id and n.cluster_id = a.cluster_id
      where a.agent_id = 'node-1' and a.cluster_id in (${clusterId}, ${other})
      order by a.boot_id`;
    expect(agents).toEqual([
      { cluster_id: clusterId, boot_id: "a2", cpu: 4000 },
      { cluster_id: other, boot_id: "b", cpu: 2000 },
    ]);
    const [mine] = await resolveContainerIds(t.sql, clusterId, [
      container("pc"),
    ]);
    const [theirs] = await resolveContainerIds(t.sql, other, [container("pc")]);
    const batch = (cluster: string, id: string | undefined) => ({
      clusterId: cluster,
      agentId: "node-1",
      bootId: "same-boot",
      seq: 1,
      containerIds: [id ?? ""],
      samples: samples(4, 1),
    });
    // The same (agent, boot, seq) in two clusters: two batches, not a duplicate.
    expect(
      await insertIngestBatches(t.sql, [
        batch(clusterId, mine),
        batch(other, theirs),
      ]),
    ).toEqual([
      { duplicate: false, storedSamples: 4 },
      { duplicate: false, storedSamples: 4 },
    ]);
    expect(await insertIngestBatch(t.sql, batch(other, theirs))).toEqual({
      duplicate: true,
      storedSamples: 0,
    });
    expect(await countRows([mine ?? ""])).toBe(4);
    expect(await countRows([theirs ?? ""])).toBe(4);
    // A batch of an agent that never registered in that cluster is refused by the foreign key.
    const stranger = await ensureClusterByName(
      t.sql,
      `ingest-stranger-${Date.now()}`,
    );
    await expect(
      insertIngestBatch(t.sql, batch(stranger, theirs)),
    ).rejects.toThrow();
  });
});

describe("rollups of ingested batches", () => {
  it("aggregates samples into 5-minute buckets idempotently", async () => {
    await registerAgent(t.sql, {
      agentId: "agent-roll",
      clusterId,
      bootId: "r",
    });
    const ids = await resolveContainerIds(t.sql, clusterId, [
      container("roll"),
    ]);
    const t0 = Date.UTC(2026, 10, 27, 8, 0, 0);
    const s = samples(60, 1, t0);
    await insertIngestBatch(t.sql, {
      clusterId,
      agentId: "agent-roll",
      bootId: "r",
      seq: 1,
      containerIds: ids,
      samples: {
        ...s,
        timestampMs: s.timestampMs.map((_, i) => t0 + i * 10_000),
      },
    });
    for (let i = 0; i < 2; i++) {
      const refresh = await refreshRollups(
        t.sql,
        { from: new Date(t0), to: new Date(t0 + 600_000) },
        { now: new Date(t0 + 600_000) },
      );
      expect(refresh.range).toBeDefined();
    }
    const rows = await t.sql<
      { sample_count: number; cpu_max: number; oom: number }[]
    >`
      select sample_count, cpu_usage_cores_max as cpu_max, oom_kill_count_sum as oom from metric_rollups_5m where container_id = ${ids[0]!} order by bucket`;
    expect(rows.map((r) => r.sample_count)).toEqual([30, 30]);
    expect(rows[1]?.cpu_max).toBeCloseTo(0.59, 9);
  });
});

// The pass reads and writes a chunk of containers at once (one query per kind of row, one
// transaction per chunk): a chunk of many containers must leave exactly the rows a chunk of one
// leaves, for every case the writes branch on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  insertRollups,
  setRollbackMemoryFloor,
  updateRecommendationPhase,
  upsertSafetyConfig,
  verifyStoredAuditChain,
} from "@kubewise/db";
import {
  createTestCluster,
  createTestDatabase,
  createTestRecommendation,
  type TestDatabase,
} from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import {
  createAppContainer,
  createTestContext,
  rollupRow,
  TEST_NOW,
} from "../testing";
import { runRecommendationPass } from "./pass";

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const CONTAINERS = 10;
let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

/** Two days of 5-minute rollups, a different deterministic shape per index. */
function rollups(containerId: string, k: number, end: Date) {
  const n = 576;
  return Array.from({ length: n }, (_, i) => {
    const bucket = new Date(end.getTime() + (i - n) * 300_000);
    const day = Math.sin((2 * Math.PI * i) / 288);
    const jitter = ((i * 7919 + k * 104_729) % 1000) / 1000;
    const cpu = (0.05 + k * 0.03) * (1 + 0.5 * day) * (0.9 + 0.2 * jitter);
    // Container 0 leaks over its last 12 hours, from 1.2 GiB towards its 2 GiB limit.
    const leaked = (0.7 * GIB * Math.max(0, i - n + 144)) / 143;
    const memory =
      k === 0
        ? 1.2 * GIB + leaked
        : (128 + k * 48) * MIB * (0.97 + 0.06 * jitter);
    return rollupRow(containerId, bucket, {
      cpu,
      cpuMax: cpu * 1.4,
      memory,
      memoryMax: Math.round(memory * 1.05),
      rss: Math.round(memory * 0.9),
      // Container 4 was OOM-killed 6 hours ago.
      oomKills: k === 4 && i === n - 72 ? 1 : 0,
    });
  });
}

/** A cluster with CONTAINERS containers covering the writes' branches; its id. */
async function seedCluster(end: Date): Promise<string> {
  const db = test.db;
  const cluster = await createTestCluster(db);
  await upsertSafetyConfig(db, {
    clusterId: cluster.id,
    namespace: "auto",
    values: {
      dryRunEnabled: false,
      requireApproval: false,
      autoApplyEnabled: true,
      autoApplyMinConfidence: 0.5,
    },
    at: TEST_NOW,
  });
  for (let k = 0; k < CONTAINERS; k++) {
    const { container } = await createAppContainer(db, {
      clusterId: cluster.id,
      namespace: k % 2 === 0 ? "auto" : "manual",
      // A Job is advice only, and sized by its burst profile.
      kind: k === 8 ? "Job" : "Deployment",
      name: `w-${k}`,
    });
    await insertRollups(db, rollups(container.id, k, end));
    const recommendation = (version: number) =>
      createTestRecommendation(db, {
        clusterId: cluster.id,
        containerId: container.id,
        version,
        createdAt: TEST_NOW,
        updatedAt: TEST_NOW,
      });
    // 5: an open Pending one the pass supersedes or keeps; 6: a Rejected one it is judged
    // against; 7: rolled back after an OOM kill, leaving a memory floor; 9: an Approved one.
    if (k === 5) await recommendation(1);
    if (k === 6 || k === 7 || k === 9) {
      const row = await recommendation(1);
      const toPhase =
        k === 6 ? "Rejected" : k === 7 ? "RolledBack" : "Approved";
      await updateRecommendationPhase(db, {
        id: row.id,
        fromPhase: "Pending",
        toPhase,
        at: TEST_NOW,
      });
      if (k === 7)
        await setRollbackMemoryFloor(db, {
          recommendationId: row.id,
          memoryBytes: 900 * MIB,
        });
    }
  }
  return cluster.id;
}

/** Everything the pass wrote for the cluster, with ids replaced by stable names. */
async function snapshot(clusterId: string): Promise<unknown> {
  const sql = test.sql;
  const names = new Map<string, string>([[clusterId, "cluster"]]);
  for (const r of await sql<{ id: string; name: string }[]>`
    select c.id, w.name from containers c join workloads w on w.id = c.workload_id
    where w.cluster_id = ${clusterId}`)
    names.set(r.id, r.name);
  const recs = await sql<Record<string, unknown>[]>`
    select r.*, w.name as workload from recommendations r
    join containers c on c.id = r.container_id join workloads w on w.id = c.workload_id
    where r.cluster_id = ${clusterId} order by w.name, r.version`;
  for (const r of recs)
    names.set(String(r.id), `${String(r.workload)}/v${String(r.version)}`);
  const found = await sql<Record<string, unknown>[]>`
    select a.*, w.name as workload from anomalies a
    join containers c on c.id = a.container_id join workloads w on w.id = c.workload_id
    where a.cluster_id = ${clusterId} order by w.name, a.kind`;
  for (const a of found)
    names.set(String(a.id), `${String(a.workload)}/${String(a.kind)}`);
  const events = await sql<Record<string, unknown>[]>`
    select e.* from recommendation_events e join recommendations r on r.id = e.recommendation_id
    where r.cluster_id = ${clusterId}`;
  const audit = await sql<Record<string, unknown>[]>`
    select * from audit_log where cluster_id = ${clusterId}`;
  const without = (row: Record<string, unknown>, drop: string[]) =>
    Object.fromEntries(
      Object.entries(row).filter(([key]) => !drop.includes(key)),
    );
  const rename = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        (id) => names.get(id) ?? id,
      ),
    ) as unknown;
  const sorted = (list: Record<string, unknown>[]) =>
    list.map((x) => JSON.stringify(rename(x))).sort();
  return {
    recommendations: rename(recs.map((r) => without(r, ["id"]))),
    anomalies: rename(found.map((a) => without(a, ["id"]))),
    events: sorted(events.map((e) => without(e, ["id"]))),
    audit: sorted(
      audit.map((a) => without(a, ["id", "prev_hash", "hash", "ts"])),
    ),
  };
}

describe("runRecommendationPass in chunks", () => {
  it("writes the same rows with chunks of 4 containers as with chunks of 1, over two passes", async () => {
    const end = new Date(Math.floor(TEST_NOW.getTime() / 300_000) * 300_000);
    const one = await seedCluster(end);
    const four = await seedCluster(end);
    const later = new Date(TEST_NOW.getTime() + 3_600_000);
    const ctx = createTestContext(test.db, SYSTEM_ACTOR);
    const pass = (clusterId: string, chunkSize: number, now: Date) =>
      runRecommendationPass({
        ctx,
        input: {
          clusterId,
          now,
          recommendWindowSeconds: 2 * 86_400,
          anomalyWindowSeconds: 86_400,
          chunkSize,
        },
      });
    const firstOne = await pass(one, 1, TEST_NOW);
    const firstFour = await pass(four, 4, TEST_NOW);
    expect(firstFour).toEqual(firstOne);
    // Every branch was taken: a leak and its OOM risk opened, versions created next to open,
    // rejected and floored ones.
    expect(firstOne).toMatchObject({ containers: CONTAINERS, opened: 2 });
    expect(firstOne.created).toBeGreaterThanOrEqual(CONTAINERS - 2);
    expect(firstOne.superseded).toBe(1);
    // The second pass an hour later: the leak's data is stale by then (no rollups after TEST_NOW).
    const secondOne = await pass(one, 1, later);
    const secondFour = await pass(four, 4, later);
    expect(secondFour).toEqual(secondOne);
    expect(await snapshot(four)).toEqual(await snapshot(one));
    expect((await verifyStoredAuditChain(test.db)).ok).toBe(true);
  });
});

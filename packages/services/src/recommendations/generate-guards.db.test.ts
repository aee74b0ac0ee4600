import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PreconditionFailedError } from "@kubewise/core";
import {
  insertAnomaly,
  insertRollups,
  listRecommendationEvents,
  setRollbackMemoryFloor,
  updateRecommendationPhase,
} from "@kubewise/db";
import {
  createTestCluster,
  createTestContainer,
  createTestDatabase,
  createTestRecommendation,
  createTestWorkload,
  type TestDatabase,
} from "@kubewise/db/testing";

import { SYSTEM_ACTOR } from "../context";
import {
  createTestContext,
  rollupRow,
  seedFlatUsage,
  TEST_NOW,
} from "../testing";
import { approveRecommendation } from "./approve";
import { generateRecommendations } from "./generate";
import { getRecommendation } from "./get";
import { listRecommendations } from "./list";

const GIB = 2 ** 30;
let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.close();
});

/** A 1 CPU / 2 GiB container using 0.2 cores and 0.5 GiB, of a workload of `kind`. */
async function container(kind: string) {
  const cluster = await createTestCluster(test.db);
  const workload = await createTestWorkload(test.db, {
    clusterId: cluster.id,
    namespace: "shop",
    kind,
    name: "work",
  });
  const created = await createTestContainer(test.db, {
    workloadId: workload.id,
    name: "app",
    cpuRequestMillicores: 1000,
    cpuLimitMillicores: null,
    memoryRequestBytes: 2 * GIB,
    memoryLimitBytes: 2 * GIB,
  });
  await seedFlatUsage(test.db, created.id, TEST_NOW);
  return { clusterId: cluster.id, containerId: created.id };
}

async function generate(
  clusterId: string,
  ports: { maxStepRatio?: (namespace: string) => Promise<number> } = {},
) {
  const ctx = { ...createTestContext(test.db, SYSTEM_ACTOR), ports };
  await generateRecommendations({
    ctx,
    input: { clusterId, now: TEST_NOW, historyWindowSeconds: 86_400 },
  });
  const page = await listRecommendations({
    ctx,
    input: { clusterId, phase: ["Pending"] },
  });
  const [item] = page.items;
  if (!item) throw new Error("no recommendation generated");
  return item;
}

describe("generateRecommendations: what Kubewise can apply", () => {
  it("lowers resources by at most the step cap in one recommendation (VPA wants ~4x less CPU)", async () => {
    const uncapped = await generate((await container("Deployment")).clusterId, {
      maxStepRatio: () => Promise.resolve(1_000),
    });
    expect(uncapped.recommended.cpuRequestMillicores).toBeLessThan(500);
    const capped = await generate((await container("Deployment")).clusterId);
    // default cap 2: 1 CPU -> no less than 500m, 2 GiB -> no less than 1 GiB
    expect(capped.recommended.cpuRequestMillicores).toBe(500);
    expect(capped.recommended.memoryRequestBytes).toBe(GIB);
    expect(capped.recommended.memoryLimitBytes).toBe(GIB);
    const tighter = await generate((await container("Deployment")).clusterId, {
      maxStepRatio: () => Promise.resolve(1.25),
    });
    expect(tighter.recommended.cpuRequestMillicores).toBe(800);
  });

  it("never recommends less memory than the floor an OOM rollback left", async () => {
    const { clusterId, containerId } = await container("Deployment");
    const rolled = await createTestRecommendation(test.db, {
      clusterId,
      containerId,
      memoryRequestBytes: 1.5 * GIB,
      memoryLimitBytes: 1.5 * GIB,
    });
    await updateRecommendationPhase(test.db, {
      id: rolled.id,
      fromPhase: "Pending",
      toPhase: "RolledBack",
      at: TEST_NOW,
    });
    await setRollbackMemoryFloor(test.db, {
      recommendationId: rolled.id,
      memoryBytes: 1843 * 2 ** 20,
    });
    const next = await generate(clusterId);
    expect(next.recommended.memoryRequestBytes).toBe(1843 * 2 ** 20);
    expect(next.recommended.memoryLimitBytes).toBe(1843 * 2 ** 20);
  });

  it("refuses a Job at creation, visibly: advice only, with the reason, and no approval", async () => {
    const { clusterId } = await container("Job");
    const job = await generate(clusterId);
    expect(job.apply).toEqual({
      supported: false,
      reason: expect.stringContaining("immutable") as string,
    });
    const [created] = await listRecommendationEvents(test.db, job.id);
    expect(created?.reason).toMatch(
      /^advice only: a Job's pod template is immutable/,
    );
    // advice is not capped: the full 4x cut is what to put in the manifest
    expect(job.recommended.cpuRequestMillicores).toBeLessThan(500);
    await expect(
      approveRecommendation({
        ctx: createTestContext(test.db, SYSTEM_ACTOR),
        input: { id: job.id },
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
  });
});

describe("generateRecommendations: sizing rules and evidence", () => {
  const ctx = () => createTestContext(test.db, SYSTEM_ACTOR);

  it("an open leak blocks the memory decrease, says so, and stores what it considered", async () => {
    const { clusterId, containerId } = await container("Deployment");
    await insertAnomaly(test.db, {
      clusterId,
      containerId,
      kind: "leak",
      severity: "critical",
      detectedAt: new Date(TEST_NOW.getTime() - 3_600_000),
      timeToLimitSeconds: 7200,
      details: {},
    });
    const item = await generate(clusterId, {
      maxStepRatio: () => Promise.resolve(1_000),
    });
    // Usage is flat at 0.5 GiB: without the leak VPA would cut 2 GiB far down.
    expect(item.recommended.memoryRequestBytes).toBe(2 * GIB);
    expect(item.recommended.memoryLimitBytes).toBe(2 * GIB);
    const detail = await getRecommendation({
      ctx: ctx(),
      input: { id: item.id },
    });
    expect(detail.reasons).toEqual([
      expect.stringMatching(
        /^memory kept at 2 GiB .* an open critical memory-leak anomaly .* blocks any memory decrease$/,
      ),
    ]);
    expect(detail.evidence).toMatchObject({
      policy: "vpa",
      // seedFlatUsage's 5-minute rollups of the last day: the oldest falls just outside the
      // 24 h history when "now" is not on a 5-minute boundary (E2E_NOW=...T23:58:00Z).
      rollups: TEST_NOW.getTime() % 300_000 === 0 ? 288 : 287,
      openAnomalies: [expect.stringMatching(/^leak \(critical, since /)],
      oomKills7d: 0,
      workloadKind: "Deployment",
    });
    expect(detail.evidence.costBeforeMonthlyMicroUsd).toEqual(
      expect.any(Number),
    );
  });

  it("a CronJob's CPU request comes from its burst profile", async () => {
    const cluster = await createTestCluster(test.db);
    const workload = await createTestWorkload(test.db, {
      clusterId: cluster.id,
      namespace: "batch",
      kind: "CronJob",
      name: "report",
    });
    const created = await createTestContainer(test.db, {
      workloadId: workload.id,
      name: "job",
      cpuRequestMillicores: 1000,
      cpuLimitMillicores: null,
      memoryRequestBytes: GIB,
      memoryLimitBytes: GIB,
    });
    // Runs 1 bucket in 12 at 2.2 cores, idles at 4 m the rest of the day.
    await insertRollups(
      test.db,
      Array.from({ length: 288 }, (_, i) =>
        rollupRow(
          created.id,
          new Date(TEST_NOW.getTime() - (288 - i) * 300_000),
          { cpu: i % 12 === 0 ? 2.2 : 0.004, memory: GIB / 4 },
        ),
      ),
    );
    const item = await generate(cluster.id);
    expect(item.recommended.cpuRequestMillicores).toBe(2200);
    const detail = await getRecommendation({
      ctx: ctx(),
      input: { id: item.id },
    });
    expect(detail.reasons.at(-1)).toMatch(
      /^CronJob: CPU request 2\.2 vCPU from its burst profile \(p90 while running, 8 % of the time/,
    );
    expect(detail.evidence.batchBurstCores).toBe(2.2);
  });
});

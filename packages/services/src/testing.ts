import { pino } from "pino";

import {
  insertRecommendationEvent,
  insertRollups,
  refreshAllocation,
  upsertSafetyConfig,
  type DbExecutor,
  type SafetyConfigRow,
} from "@kubewise/db";
import {
  createTestCluster,
  createTestContainer,
  createTestRecommendation,
  createTestUser,
  createTestWorkload,
  TEST_NOW,
} from "@kubewise/db/testing";

import type { Actor, ServiceContext } from "./context";

export { TEST_NOW };
const GIB = 2 ** 30;

/** A ServiceContext for tests: silent logger, fixed clock. */
export function createTestContext(
  db: DbExecutor,
  actor: Actor,
  now = TEST_NOW,
): ServiceContext {
  return {
    db,
    actor,
    clock: { now: () => now },
    logger: pino({ level: "silent" }),
    ports: {},
  };
}

/**
 * One 5-minute rollup row of a container (30 samples, no throttling): CPU average and memory
 * working set; the CPU maximum, memory maximum and RSS default to them.
 */
export function rollupRow(
  containerId: string,
  bucket: Date,
  usage: {
    cpu: number;
    cpuMax?: number;
    memory: number;
    memoryMax?: number;
    rss?: number;
    oomKills?: number;
  },
) {
  return {
    bucket,
    containerId,
    sampleCount: 30,
    cpuUsageCoresAvg: usage.cpu,
    cpuUsageCoresMax: usage.cpuMax ?? usage.cpu,
    cpuThrottledPeriodsSum: 0,
    cpuThrottledSecondsSum: 0,
    memoryWorkingSetBytesAvg: usage.memory,
    memoryWorkingSetBytesMax: usage.memoryMax ?? usage.memory,
    memoryRssBytesMax: usage.rss ?? usage.memory,
    oomKillCountSum: usage.oomKills ?? 0,
  };
}

/** 12 h of rollups up to `end`: memory growing linearly from 1.2 GiB to 1.9 GiB (or flat at 1 GiB). */
export function leakingRollups(containerId: string, end: Date, flat = false) {
  return Array.from({ length: 144 }, (_, i) => {
    const memory = flat ? GIB : 1.2 * GIB + (0.7 * GIB * i) / 143;
    return rollupRow(
      containerId,
      new Date(end.getTime() + (i - 144) * 300_000),
      {
        cpu: 0.2,
        cpuMax: 0.3,
        memory,
        memoryMax: Math.round(memory),
        rss: Math.round(memory),
      },
    );
  });
}

/**
 * 24 h of flat 5-minute rollups (cpu 0.2 cores, memory `memoryBytes`, 0.5 GiB unless given) ending
 * at the last 5-minute boundary at or before `now`, aligned as the aggregator writes them.
 */
export async function seedFlatUsage(
  db: DbExecutor,
  containerId: string,
  now: Date,
  memoryBytes = GIB / 2,
): Promise<void> {
  const end = Math.floor(now.getTime() / 300_000) * 300_000;
  const rows = Array.from({ length: 288 }, (_, i) =>
    rollupRow(containerId, new Date(end - (288 - i) * 300_000), {
      cpu: 0.2,
      cpuMax: 0.3,
      memory: memoryBytes,
    }),
  );
  await insertRollups(db, rows);
}

/** Namespace shop's safety: approval required, not dry-run, no auto-apply (plus `extra`). */
export async function setShopSafety(
  db: DbExecutor,
  clusterId: string,
  extra: Partial<Pick<SafetyConfigRow, "hpaMode">> = {},
) {
  await upsertSafetyConfig(db, {
    clusterId,
    namespace: "shop",
    values: {
      dryRunEnabled: false,
      requireApproval: true,
      autoApplyEnabled: false,
      autoApplyMinConfidence: 0.9,
      ...extra,
    },
    at: TEST_NOW,
  });
}

/** A workload (a Deployment unless `kind`) with one container "app" at 1 core / 2 GiB requests (2 cores / 2 GiB limits). */
export async function createAppContainer(
  db: DbExecutor,
  w: {
    clusterId: string;
    namespace: string;
    name: string;
    labels?: Record<string, string>;
    kind?: string;
  },
) {
  const workload = await createTestWorkload(db, {
    ...w,
    kind: w.kind ?? "Deployment",
  });
  const container = await createTestContainer(db, {
    workloadId: workload.id,
    name: "app",
    cpuRequestMillicores: 1000,
    cpuLimitMillicores: 2000,
    memoryRequestBytes: 2 * GIB,
    memoryLimitBytes: 2 * GIB,
  });
  return { workload, container };
}

/** A Pending recommendation (at TEST_NOW) to 250m / 1 GiB saving `savings` micro-USD a month. */
export async function createPendingRecommendation(
  db: DbExecutor,
  r: { clusterId: string; containerId: string; savings: number },
) {
  const recommendation = await createTestRecommendation(db, {
    clusterId: r.clusterId,
    containerId: r.containerId,
    confidence: 0.92,
    cpuRequestMillicores: 250,
    cpuLimitMillicores: 500,
    memoryRequestBytes: GIB,
    memoryLimitBytes: GIB,
    projectedMonthlySavingsMicroUsd: r.savings,
    createdAt: TEST_NOW,
  });
  await insertRecommendationEvent(db, {
    recommendationId: recommendation.id,
    fromPhase: null,
    toPhase: "Pending",
    actor: "system:aggregator",
    createdAt: TEST_NOW,
  });
  return recommendation;
}

/**
 * Cluster with namespaces shop (approval required, not dry-run) and payments (defaults: dry-run),
 * one 1-core / 2 GiB container each with 24 h of usage and a Pending recommendation to 250m / 1 GiB.
 */
export async function createServiceFixture(db: DbExecutor) {
  const cluster = await createTestCluster(db);
  const admin = await createTestUser(db, { role: "admin" });
  const approver = await createTestUser(db, { role: "approver" });
  const viewer = await createTestUser(db, { role: "viewer" });
  const actors = {
    admin: { userId: admin.id, role: "admin", scopes: "all" } satisfies Actor,
    approver: {
      userId: approver.id,
      role: "approver",
      scopes: [{ clusterId: cluster.id, namespace: "*" }],
    } satisfies Actor,
    shopApprover: {
      userId: approver.id,
      role: "approver",
      scopes: [{ clusterId: cluster.id, namespace: "shop" }],
    } satisfies Actor,
    viewer: {
      userId: viewer.id,
      role: "viewer",
      scopes: [{ clusterId: cluster.id, namespace: "shop" }],
    } satisfies Actor,
  };
  await setShopSafety(db, cluster.id);
  const make = async (namespace: string, savings: number) => {
    const { workload, container } = await createAppContainer(db, {
      clusterId: cluster.id,
      namespace,
      name: `${namespace}-api`,
    });
    await seedFlatUsage(db, container.id, TEST_NOW);
    await refreshAllocation(db, {
      from: new Date(TEST_NOW.getTime() - 86_400_000),
      to: TEST_NOW,
    });
    const recommendation = await createPendingRecommendation(db, {
      clusterId: cluster.id,
      containerId: container.id,
      savings,
    });
    return { workload, container, recommendation };
  };
  const shop = await make("shop", 20_000_000);
  const payments = await make("payments", 30_000_000);
  return {
    cluster,
    users: { admin, approver, viewer },
    actors,
    shop,
    payments,
  };
}

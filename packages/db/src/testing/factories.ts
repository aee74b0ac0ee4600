import { randomUUID } from "node:crypto";

import type { DbExecutor } from "../client";
import {
  clusters,
  containers,
  recommendations,
  users,
  workloads,
} from "../schema";

type Insert<T extends { $inferInsert: unknown }> = Partial<T["$inferInsert"]>;

const unique = (prefix: string): string =>
  `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createTestCluster(
  db: DbExecutor,
  overrides: Insert<typeof clusters> = {},
) {
  const [row] = await db
    .insert(clusters)
    .values({ name: unique("cluster"), ...overrides })
    .returning();
  return required(row, "cluster");
}

export async function createTestWorkload(
  db: DbExecutor,
  input: { clusterId: string } & Insert<typeof workloads>,
) {
  const [row] = await db
    .insert(workloads)
    .values({
      namespace: "default",
      kind: "Deployment",
      name: unique("workload"),
      ...input,
    })
    .returning();
  return required(row, "workload");
}

export async function createTestContainer(
  db: DbExecutor,
  input: { workloadId: string } & Insert<typeof containers>,
) {
  const [row] = await db
    .insert(containers)
    .values({
      name: unique("container"),
      cpuRequestMillicores: 500,
      cpuLimitMillicores: 1000,
      memoryRequestBytes: 512 * 1024 * 1024,
      memoryLimitBytes: 1024 * 1024 * 1024,
      ...input,
    })
    .returning();
  return required(row, "container");
}

export async function createTestUser(
  db: DbExecutor,
  overrides: Insert<typeof users> = {},
) {
  const [row] = await db
    .insert(users)
    .values({
      email: `${unique("user")}@example.test`,
      name: "Test User",
      role: "viewer",
      ...overrides,
    })
    .returning();
  return required(row, "user");
}

export async function createTestRecommendation(
  db: DbExecutor,
  input: { clusterId: string; containerId: string } & Insert<
    typeof recommendations
  >,
) {
  const mib = 1024 * 1024;
  const [row] = await db
    .insert(recommendations)
    .values({
      policy: "balanced",
      confidence: 0.9,
      cpuTargetMillicores: 250,
      cpuLowerBoundMillicores: 200,
      cpuUpperBoundMillicores: 400,
      cpuUncappedTargetMillicores: 250,
      memoryTargetBytes: 256 * mib,
      memoryLowerBoundBytes: 200 * mib,
      memoryUpperBoundBytes: 384 * mib,
      memoryUncappedTargetBytes: 256 * mib,
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 500,
      memoryRequestBytes: 256 * mib,
      memoryLimitBytes: 384 * mib,
      projectedMonthlySavingsMicroUsd: 12_340_000,
      ...input,
    })
    .returning();
  return required(row, "recommendation");
}

// A full chain cluster -> workload -> container, for suites that only need "some container".
export async function createTestContainerChain(db: DbExecutor) {
  const cluster = await createTestCluster(db);
  const workload = await createTestWorkload(db, { clusterId: cluster.id });
  const container = await createTestContainer(db, { workloadId: workload.id });
  return { cluster, workload, container };
}

function required<T>(row: T | undefined, what: string): T {
  if (row === undefined)
    throw new Error(`inserting a test ${what} returned no row`);
  return row;
}

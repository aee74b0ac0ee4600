import type { Logger } from "pino";
import { pino } from "pino";

import {
  addUserScopes,
  getClusterByName,
  getUserByEmail,
  insertBudget,
  insertCluster,
  insertClusterCapacity,
  insertContainer,
  insertRollups,
  insertUser,
  insertWorkload,
  refreshAllocation,
  upsertSafetyConfig,
  type Container,
  type DbExecutor,
} from "@kubewise/db";
import type { Recommender } from "@kubewise/ml";

import { detectAnomalies } from "../anomalies/detect";
import { SYSTEM_ACTOR, type Actor, type ServiceContext } from "../context";
import { hashPassword } from "../internal/secrets";
import {
  DEMO_SAFETY,
  DEMO_TEAMS,
  DEMO_USERS,
  DEMO_WORKLOADS,
  type DemoContainer,
} from "./catalog";
import { seedRecommendationHistory } from "./history";
import { generateDemoRollups, type DemoRollup } from "./usage";

/** Days of seeded history by default; the seed ends (its shapes' anchor) that long after the cluster's creation. */
export const DEMO_HISTORY_DAYS = 14;

export type SeedDemoDataInput = {
  db: DbExecutor;
  now: Date;
  rng: () => number;
  clusterName?: string;
  /** The recommender that produces the demo's recommendations (the VPA baseline when absent). */
  recommender?: Recommender;
  /** Days of 5-minute rollups; recommendations are first generated halfway through. */
  historyDays?: number;
  logger?: Logger;
};

export type SeedDemoDataResult = {
  clusterId: string;
  created: boolean;
  workloads: number;
  containers: number;
  rollups: number;
  users: { email: string; role: string; userId: string }[];
  recommendations: number;
  anomalies: number;
};

type SeededContainer = {
  container: Container;
  spec: DemoContainer;
  rollups: DemoRollup[];
};

/** Deterministic demo content for the dashboard and the e2e suite; a no-op if the cluster exists. */
export async function seedDemoData(
  input: SeedDemoDataInput,
): Promise<SeedDemoDataResult> {
  const { db, now, rng } = input;
  const clusterName = input.clusterName ?? "demo";
  const historyDays = input.historyDays ?? DEMO_HISTORY_DAYS;
  const logger = input.logger ?? pino({ level: "silent" });
  const existing = await getClusterByName(db, clusterName);
  if (existing)
    return {
      clusterId: existing.id,
      created: false,
      workloads: 0,
      containers: 0,
      rollups: 0,
      users: [],
      recommendations: 0,
      anomalies: 0,
    };

  const cluster = await insertCluster(db, {
    name: clusterName,
    createdAt: new Date(now.getTime() - historyDays * 86_400_000),
  });
  const seeded: SeededContainer[] = [];
  for (const w of DEMO_WORKLOADS) {
    const workload = await insertWorkload(db, {
      clusterId: cluster.id,
      namespace: w.namespace,
      kind: w.kind,
      name: w.name,
      labels: { team: DEMO_TEAMS[w.namespace] ?? w.namespace, app: w.name },
    });
    for (const spec of w.containers) {
      const {
        name,
        cpuRequestMillicores,
        cpuLimitMillicores,
        memoryRequestBytes,
        memoryLimitBytes,
      } = spec;
      const container = await insertContainer(db, {
        workloadId: workload.id,
        name,
        cpuRequestMillicores,
        cpuLimitMillicores,
        memoryRequestBytes,
        memoryLimitBytes,
      });
      const rollups = generateDemoRollups(spec, {
        end: now,
        days: historyDays,
        rng,
      });
      seeded.push({ container, spec, rollups });
    }
  }
  // One call: on TimescaleDB each call refreshes the continuous aggregate over the whole range.
  await insertRollups(
    db,
    seeded.flatMap(({ container, rollups }) =>
      rollups.map((r) => ({ ...r, containerId: container.id })),
    ),
  );
  await seedAllocation(db, { clusterId: cluster.id, now, historyDays });
  await insertBudget(db, {
    clusterId: cluster.id,
    name: "shop",
    scopeKind: "namespace",
    scopeValue: "shop",
    monthlyLimitMicroUsd: 250_000_000,
    createdBy: "system:demo",
    createdAt: now,
  });
  const users = await seedUsers(db, cluster.id, now);
  for (const [namespace, values] of Object.entries(DEMO_SAFETY)) {
    await upsertSafetyConfig(db, {
      clusterId: cluster.id,
      namespace,
      values,
      at: now,
    });
  }
  const recommendations = await seedRecommendationHistory({
    db,
    now,
    logger,
    clusterId: cluster.id,
    historyDays,
    users,
    recommender: input.recommender,
  });
  const anomalies = await detectDemoAnomalies(db, {
    clusterId: cluster.id,
    logger,
    now,
  });
  return {
    clusterId: cluster.id,
    created: true,
    workloads: DEMO_WORKLOADS.length,
    containers: seeded.length,
    rollups: seeded.reduce((sum, s) => sum + s.rollups.length, 0),
    users: users.map(({ email, role, userId }) => ({ email, role, userId })),
    recommendations,
    anomalies,
  };
}

/**
 * Allocation rows for the seeded history, and a node pool whose capacity exceeds the requests
 * by a third (so idle cost shows): the demo has no agents reporting node capacity.
 */
async function seedAllocation(
  db: DbExecutor,
  {
    clusterId,
    now,
    historyDays,
  }: { clusterId: string; now: Date; historyDays: number },
): Promise<void> {
  const from = new Date(now.getTime() - historyDays * 86_400_000);
  await refreshAllocation(db, { from, to: now });
  const containers = DEMO_WORKLOADS.flatMap((w) => w.containers);
  const cpuCores =
    containers.reduce((sum, c) => sum + c.cpuRequestMillicores, 0) / 1000;
  const memoryBytes = containers.reduce(
    (sum, c) => sum + c.memoryRequestBytes,
    0,
  );
  const hours = Math.ceil((now.getTime() - from.getTime()) / 3_600_000);
  const firstHour = Math.floor(from.getTime() / 3_600_000) * 3_600_000;
  await insertClusterCapacity(
    db,
    Array.from({ length: hours + 1 }, (_, i) => ({
      clusterId,
      bucket: new Date(firstHour + i * 3_600_000),
      cpuCores: Math.ceil((cpuCores * 4) / 3),
      memoryBytes: Math.ceil((memoryBytes * 4) / 3),
      nodeCount: 3,
    })),
  );
}

async function seedUsers(
  db: DbExecutor,
  clusterId: string,
  now: Date,
): Promise<{ email: string; role: string; userId: string; actor: Actor }[]> {
  const out = [];
  for (const u of DEMO_USERS) {
    // Users are global; a second demo cluster only adds scopes.
    const row =
      (await getUserByEmail(db, u.email)) ??
      (await insertUser(db, {
        email: u.email,
        name: u.name,
        role: u.role,
        passwordHash: await hashPassword(u.password),
        createdAt: now,
      }));
    await addUserScopes(
      db,
      u.namespaces.map((namespace) => ({
        userId: row.id,
        clusterId,
        namespace,
      })),
    );
    const scopes =
      u.role === "admin"
        ? ("all" as const)
        : u.namespaces.map((namespace) => ({ clusterId, namespace }));
    out.push({
      email: u.email,
      role: u.role,
      userId: row.id,
      actor: { userId: row.id, role: u.role, scopes },
    });
  }
  return out;
}

async function detectDemoAnomalies(
  db: DbExecutor,
  { clusterId, now, logger }: { clusterId: string; now: Date; logger: Logger },
): Promise<number> {
  const ctx: ServiceContext = {
    db,
    actor: SYSTEM_ACTOR,
    clock: { now: () => now },
    logger,
    ports: {},
  };
  return (await detectAnomalies({ ctx, input: { clusterId, now } })).opened;
}

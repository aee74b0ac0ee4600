import type { Logger } from "pino";
import { pino } from "pino";

import {
  addUserScopes,
  getClusterByName,
  getUserByEmail,
  insertCluster,
  insertContainer,
  insertRollups,
  insertUser,
  insertWorkload,
  listRecommendations as queryRecommendations,
  updateContainerResources,
  upsertSafetyConfig,
  type Container,
  type DbExecutor,
} from "@kubewise/db";

import { SYSTEM_ACTOR, type Actor, type ServiceContext } from "../context";
import { hashPassword } from "../internal/secrets";
import { approveRecommendation } from "../recommendations/approve";
import { generateRecommendations } from "../recommendations/generate";
import { recordApplyProgress } from "../recommendations/record-apply";
import { rejectRecommendation } from "../recommendations/reject";
import { seedAnomalies } from "./anomalies";
import {
  DEMO_SAFETY,
  DEMO_USERS,
  DEMO_WORKLOADS,
  type DemoContainer,
} from "./catalog";
import { generateDemoRollups, type DemoRollup } from "./usage";

export type SeedDemoDataInput = {
  db: DbExecutor;
  now: Date;
  rng: () => number;
  clusterName?: string;
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

export type SeededContainer = {
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
  const historyDays = input.historyDays ?? 14;
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
      await insertRollups(
        db,
        rollups.map((r) => ({ ...r, containerId: container.id })),
      );
      seeded.push({ container, spec, rollups });
    }
  }
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
  });
  const anomalies = await seedAnomalies(db, {
    clusterId: cluster.id,
    seeded,
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

type HistoryInput = {
  db: DbExecutor;
  now: Date;
  logger: Logger;
  clusterId: string;
  historyDays: number;
  users: { role: string; actor: Actor }[];
};

// Generate once halfway through the history, approve / reject / apply some, then generate again at
// `now`: the dashboard gets realized savings, superseded versions and an audit trail.
async function seedRecommendationHistory({
  db,
  now,
  logger,
  clusterId,
  historyDays,
  users,
}: HistoryInput): Promise<number> {
  const midpoint = new Date(now.getTime() - (historyDays / 2) * 86_400_000);
  const at = (t: Date) => ({ now: () => t });
  const ctxAt = (t: Date, actor: Actor): ServiceContext => ({
    db,
    actor,
    clock: at(t),
    logger,
    ports: {},
  });
  await generateRecommendations({
    ctx: ctxAt(midpoint, SYSTEM_ACTOR),
    input: {
      clusterId,
      now: midpoint,
      historyWindowSeconds: (historyDays / 2) * 86_400,
    },
  });
  const approver =
    users.find((u) => u.role === "approver")?.actor ?? SYSTEM_ACTOR;
  const early = await queryRecommendations(db, {
    clusterId,
    phases: ["Pending"],
    sort: "savings_desc",
    limit: 500,
    offset: 0,
  });
  const inNamespace = (ns: string) =>
    early.rows.filter((r) => r.workload.namespace === ns);
  const later = (hours: number) =>
    new Date(midpoint.getTime() + hours * 3_600_000);
  for (const [i, row] of [
    ...inNamespace("shop").slice(0, 2),
    ...inNamespace("platform").slice(0, 1),
  ].entries()) {
    const id = row.recommendation.id;
    await approveRecommendation({
      ctx: ctxAt(later(1 + i), approver),
      input: { id, comment: "looks safe" },
    });
    if (row.workload.namespace !== "shop") continue; // platform uses the dry-run default
    await recordApplyProgress({
      ctx: ctxAt(later(2 + i), SYSTEM_ACTOR),
      input: { id, event: "startApply" },
    });
    await recordApplyProgress({
      ctx: ctxAt(later(2.5 + i), SYSTEM_ACTOR),
      input: { id, event: "completeApply" },
    });
    const r = row.recommendation;
    await updateContainerResources(db, row.container.id, {
      cpuRequestMillicores: r.cpuRequestMillicores,
      cpuLimitMillicores: r.cpuLimitMillicores,
      memoryRequestBytes: r.memoryRequestBytes,
      memoryLimitBytes: r.memoryLimitBytes,
      updatedAt: later(2.5 + i),
    });
  }
  const toReject = inNamespace("payments")[0];
  if (toReject) {
    await rejectRecommendation({
      ctx: ctxAt(later(4), approver),
      input: {
        id: toReject.recommendation.id,
        reason: "ledger-db is sized for month-end close",
      },
    });
  }
  await generateRecommendations({
    ctx: ctxAt(now, SYSTEM_ACTOR),
    input: { clusterId, now, historyWindowSeconds: (historyDays / 2) * 86_400 },
  });
  const all = await queryRecommendations(db, {
    clusterId,
    phases: [
      "Pending",
      "Approved",
      "Rejected",
      "Applying",
      "Applied",
      "RolledBack",
      "Superseded",
    ],
    sort: "created_desc",
    limit: 1,
    offset: 0,
  });
  return all.total;
}

// What the suite reads from (and, for the recommender's history, writes to) the release's database.
import { pino } from "pino";

import {
  addUserScopes,
  createDb,
  insertRollups,
  listAuditLog,
  updateUser,
  upsertSafetyConfig,
  type DbClient,
} from "@kubewise/db";
import { createTestUser } from "@kubewise/db/testing";
import { createApiToken } from "@kubewise/services";

import { until } from "./wait";

export type SuiteDb = DbClient;

export const openDb = (url: string): SuiteDb => createDb({ url, max: 4 });

export async function clusterIdByName(
  client: SuiteDb,
  name: string,
): Promise<string | undefined> {
  const rows = await client.sql<
    { id: string }[]
  >`select id from clusters where name = ${name}`;
  return rows[0]?.id;
}

export async function containerIdOf(
  client: SuiteDb,
  key: {
    clusterId: string;
    namespace: string;
    workload: string;
    container: string;
  },
): Promise<string | undefined> {
  const rows = await client.sql<{ id: string }[]>`
    select c.id from containers c join workloads w on w.id = c.workload_id
    where w.cluster_id = ${key.clusterId} and w.namespace = ${key.namespace}
      and w.name = ${key.workload} and c.name = ${key.container}`;
  return rows[0]?.id;
}

/** Waits (2 min) until the agent has reported the container and returns its id. */
export function awaitContainerId(
  client: SuiteDb,
  key: Parameters<typeof containerIdOf>[1],
): Promise<string> {
  return until(() => containerIdOf(client, key), {
    timeoutMs: 120_000,
    what: `${key.workload} in the database`,
  });
}

/** Samples the agent stored for a container, with their mean usage. */
export async function agentSamples(client: SuiteDb, containerId: string) {
  const rows = await client.sql<
    {
      n: string;
      cpu: number | null;
      mem: number | null;
      first: Date | null;
      periods: string;
    }[]
  >`
    select count(*) as n, avg(cpu_usage_cores) as cpu, avg(memory_working_set_bytes) as mem,
           min(ts) as first, count(cpu_periods) as periods
    from metric_samples where container_id = ${containerId}`;
  const row = rows[0];
  // count() and avg() come back as numeric strings
  return {
    count: Number(row?.n ?? 0),
    cpuCores: Number(row?.cpu ?? 0),
    memoryBytes: Math.round(Number(row?.mem ?? 0)),
    first: row?.first ? new Date(row.first) : undefined,
    /** samples carrying CFS periods: only the cgroupfs source reads them */
    withCpuPeriods: Number(row?.periods ?? 0),
  };
}

/**
 * The recommender needs 12 h of 5-minute history before it recommends. A minute-old workload has
 * minutes, so the suite writes 13 h of rollups at the level the agent measured, ending where the
 * agent's real samples begin (the only data the suite invents; the samples stay real).
 */
export async function seedHistory(
  client: SuiteDb,
  options: {
    containerId: string;
    until: Date;
    cpuCores: number;
    memoryBytes: number;
  },
): Promise<void> {
  const buckets = 13 * 12;
  const end = Math.floor(options.until.getTime() / 300_000) * 300_000;
  // a rerun against a kept database seeds the same buckets again
  await client.sql`delete from metric_rollups_5m
    where container_id = ${options.containerId} and bucket < ${new Date(end)}`;
  await insertRollups(
    client.db,
    Array.from({ length: buckets }, (_, i) => ({
      bucket: new Date(end - (buckets - i) * 300_000),
      containerId: options.containerId,
      sampleCount: 30,
      cpuUsageCoresAvg: options.cpuCores,
      cpuUsageCoresMax: options.cpuCores * 1.2,
      cpuThrottledPeriodsSum: 0,
      cpuThrottledSecondsSum: 0,
      memoryWorkingSetBytesAvg: options.memoryBytes,
      memoryWorkingSetBytesMax: options.memoryBytes,
      memoryRssBytesMax: options.memoryBytes,
      oomKillCountSum: 0,
    })),
  );
}

/** Changes are applied (not dry-run) in `namespace`, after a human approval. */
export async function allowApply(
  client: SuiteDb,
  clusterId: string,
  namespace: string,
) {
  await upsertSafetyConfig(client.db, {
    clusterId,
    namespace,
    values: {
      dryRunEnabled: false,
      requireApproval: true,
      autoApplyEnabled: false,
      autoApplyMinConfidence: 0.99,
    },
    at: new Date(),
  });
}

/**
 * An approver for `namespace` with an API token. Only admins mint tokens (the dashboard's Tokens
 * page), so the user is an admin while it makes its token and an approver from then on: a token
 * acts with its user's current role.
 */
export async function approverToken(
  client: SuiteDb,
  clusterId: string,
  namespace: string,
) {
  const user = await createTestUser(client.db, {
    role: "admin",
    name: "E2E Approver",
  });
  await addUserScopes(client.db, [{ userId: user.id, clusterId, namespace }]);
  const created = await createApiToken({
    ctx: {
      db: client.db,
      actor: { userId: user.id, role: "admin", scopes: "all" },
      clock: { now: () => new Date() },
      logger: pino({ level: "silent" }),
      ports: {},
    },
    input: { name: "e2e-node" },
  });
  await updateUser(client.db, user.id, { role: "approver" });
  return { userId: user.id, token: created.token };
}

export async function latestRecommendation(
  client: SuiteDb,
  containerId: string,
) {
  const rows = await client.sql<
    { id: string; status: string; confidence: number }[]
  >`
    select id, phase as status, confidence from recommendations
    where container_id = ${containerId} order by created_at desc limit 1`;
  return rows[0];
}

/**
 * The recommendation `actor` approved (the newest, when several were): after an OOM rollback the
 * recommender's bump is a newer recommendation of the same container, so "latest" is not it.
 */
export async function approvedRecommendation(
  client: SuiteDb,
  containerId: string,
  actor: string,
): Promise<{ id: string; phase: string } | undefined> {
  const rows = await client.sql<{ id: string; phase: string }[]>`
    select r.id, r.phase from recommendations r join approvals a on a.recommendation_id = r.id
    where r.container_id = ${containerId} and a.actor = ${actor} and a.decision = 'approved'
    order by a.created_at desc limit 1`;
  return rows[0];
}

/** The audit log of one subject, oldest first: each action with who did it and why. */
export async function auditTrail(
  client: SuiteDb,
  subject: string,
): Promise<{ action: string; by: string; reason: string }[]> {
  const rows = await listAuditLog(client.db, {
    subject,
    limit: 100,
    offset: 0,
  });
  return rows.reverse().map((r) => {
    const payload = (r.payload ?? {}) as { by?: unknown; reason?: unknown };
    return {
      action: r.action,
      by: typeof payload.by === "string" ? payload.by : r.actor,
      reason: typeof payload.reason === "string" ? payload.reason : "",
    };
  });
}

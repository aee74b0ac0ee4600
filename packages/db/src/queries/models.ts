import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";

import type { DbExecutor } from "../client";
import {
  agentModels,
  flEvaluations,
  flRounds,
  flUpdates,
  metricRollups5m,
  modelVersions,
  type FlRoundStatus,
  type ModelStatus,
} from "../schema";

export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type NewModelVersionRow = typeof modelVersions.$inferInsert;
/** A registry row without its (large) parameter and ONNX bytes. */
export type ModelVersionSummary = Omit<ModelVersionRow, "parameters" | "onnx">;
export type FlRoundRow = typeof flRounds.$inferSelect;
export type NewFlRoundRow = typeof flRounds.$inferInsert;
export type FlUpdateRow = typeof flUpdates.$inferSelect;
export type FlEvaluationRow = typeof flEvaluations.$inferSelect;
export type AgentModelRow = typeof agentModels.$inferSelect;

const SUMMARY_COLUMNS = {
  version: modelVersions.version,
  parentVersion: modelVersions.parentVersion,
  roundId: modelVersions.roundId,
  status: modelVersions.status,
  source: modelVersions.source,
  participants: modelVersions.participants,
  metrics: modelVersions.metrics,
  statusReason: modelVersions.statusReason,
  createdAt: modelVersions.createdAt,
  statusChangedAt: modelVersions.statusChangedAt,
};

export async function getModelVersion(
  db: DbExecutor,
  version: number,
): Promise<ModelVersionRow | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.version, version));
  return row;
}

/** The active or canary model (at most one of each, by a partial unique index). */
export async function getModelWithStatus(
  db: DbExecutor,
  status: "active" | "canary",
): Promise<ModelVersionRow | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.status, status));
  return row;
}

export async function listModelVersions(
  db: DbExecutor,
  options: { limit: number; statuses?: readonly ModelStatus[] },
): Promise<ModelVersionSummary[]> {
  return db
    .select(SUMMARY_COLUMNS)
    .from(modelVersions)
    .where(
      options.statuses === undefined
        ? undefined
        : inArray(modelVersions.status, [...options.statuses]),
    )
    .orderBy(desc(modelVersions.version))
    .limit(options.limit);
}

/** Inserts the next version (max + 1); the caller serialises writers (one leader, one transaction). */
export async function insertModelVersion(
  db: DbExecutor,
  row: Omit<NewModelVersionRow, "version">,
): Promise<ModelVersionSummary> {
  // Read first, then insert: Citus (reference table) refuses a subquery inside INSERT ... VALUES.
  // A concurrent insert of the same number still fails on the primary key, as before.
  const [next] = await db.execute<{ version: number }>(
    sql`select coalesce(max(version), 0)::integer + 1 as version from model_versions`,
  );
  const [inserted] = await db
    .insert(modelVersions)
    .values({ ...row, version: next?.version ?? 1 })
    .returning(SUMMARY_COLUMNS);
  if (!inserted) throw new Error("insert into model_versions returned no row");
  return inserted;
}

/** Moves a version from `from` to `to`; false when it is no longer in `from` (lost a race). */
export async function transitionModelVersion(
  db: DbExecutor,
  change: {
    version: number;
    from: ModelStatus;
    to: ModelStatus;
    reason: string;
    at: Date;
    metrics?: Record<string, unknown>;
  },
): Promise<boolean> {
  const rows = await db
    .update(modelVersions)
    .set({
      status: change.to,
      statusReason: change.reason,
      statusChangedAt: change.at,
      ...(change.metrics === undefined ? {} : { metrics: change.metrics }),
    })
    .where(
      and(
        eq(modelVersions.version, change.version),
        eq(modelVersions.status, change.from),
      ),
    )
    .returning({ version: modelVersions.version });
  return rows.length === 1;
}

export async function getOpenRound(
  db: DbExecutor,
): Promise<FlRoundRow | undefined> {
  const [row] = await db
    .select()
    .from(flRounds)
    .where(eq(flRounds.status, "open"));
  return row;
}

export async function getRound(
  db: DbExecutor,
  id: number,
): Promise<FlRoundRow | undefined> {
  const [row] = await db.select().from(flRounds).where(eq(flRounds.id, id));
  return row;
}

export async function insertRound(
  db: DbExecutor,
  row: Omit<NewFlRoundRow, "id" | "status">,
): Promise<FlRoundRow> {
  const [inserted] = await db
    .insert(flRounds)
    .values({ ...row, status: "open" })
    .returning();
  if (!inserted) throw new Error("insert into fl_rounds returned no row");
  return inserted;
}

/** Closes an open round; false when it was not open any more (closed by a concurrent leader). */
export async function closeRound(
  db: DbExecutor,
  change: {
    id: number;
    status: Exclude<FlRoundStatus, "open">;
    closedAt: Date;
    outcome: Record<string, unknown>;
    candidateVersion?: number;
  },
): Promise<boolean> {
  const rows = await db
    .update(flRounds)
    .set({
      status: change.status,
      closedAt: change.closedAt,
      outcome: change.outcome,
      ...(change.candidateVersion === undefined
        ? {}
        : { candidateVersion: change.candidateVersion }),
    })
    .where(and(eq(flRounds.id, change.id), eq(flRounds.status, "open")))
    .returning({ id: flRounds.id });
  return rows.length === 1;
}

export async function listRounds(
  db: DbExecutor,
  options: { limit: number },
): Promise<FlRoundRow[]> {
  return db
    .select()
    .from(flRounds)
    .orderBy(desc(flRounds.id))
    .limit(options.limit);
}

/** The most recent round of `kind` (any status), e.g. for the schedule and adaptive clipping. */
export async function getLatestRound(
  db: DbExecutor,
  filter: { kind: "train" | "evaluate"; purpose?: string },
): Promise<FlRoundRow | undefined> {
  const [row] = await db
    .select()
    .from(flRounds)
    .where(
      and(
        eq(flRounds.kind, filter.kind),
        filter.purpose === undefined
          ? undefined
          : eq(flRounds.purpose, filter.purpose),
      ),
    )
    .orderBy(desc(flRounds.id))
    .limit(1);
  return row;
}

/** Stores one agent's upload; false when this agent already uploaded in this round. */
export async function insertRoundUpdate(
  db: DbExecutor,
  row: typeof flUpdates.$inferInsert,
): Promise<boolean> {
  const rows = await db
    .insert(flUpdates)
    .values(row)
    .onConflictDoNothing()
    .returning({ agentId: flUpdates.agentId });
  return rows.length === 1;
}

export async function listRoundUpdates(
  db: DbExecutor,
  roundId: number,
): Promise<FlUpdateRow[]> {
  return db
    .select()
    .from(flUpdates)
    .where(eq(flUpdates.roundId, roundId))
    .orderBy(flUpdates.agentId);
}

export async function insertRoundEvaluation(
  db: DbExecutor,
  row: typeof flEvaluations.$inferInsert,
): Promise<boolean> {
  const rows = await db
    .insert(flEvaluations)
    .values(row)
    .onConflictDoNothing()
    .returning({ agentId: flEvaluations.agentId });
  return rows.length === 1;
}

export async function listRoundEvaluations(
  db: DbExecutor,
  roundId: number,
): Promise<FlEvaluationRow[]> {
  return db
    .select()
    .from(flEvaluations)
    .where(eq(flEvaluations.roundId, roundId))
    .orderBy(flEvaluations.agentId);
}

export async function upsertAgentModel(
  db: DbExecutor,
  row: AgentModelRow,
): Promise<void> {
  await db
    .insert(agentModels)
    .values(row)
    .onConflictDoUpdate({
      target: agentModels.agentId,
      set: {
        modelVersion: row.modelVersion,
        trainableExamples: row.trainableExamples,
        reportedAt: row.reportedAt,
      },
    });
}

/** Agents that reported since `since`, newest report first. */
export async function listAgentModels(
  db: DbExecutor,
  options: { since: Date },
): Promise<AgentModelRow[]> {
  return db
    .select()
    .from(agentModels)
    .where(gte(agentModels.reportedAt, options.since))
    .orderBy(desc(agentModels.reportedAt), agentModels.agentId);
}

/** Whether `agentId` already answered round `roundId` (an update or an evaluation). */
export async function hasRoundAnswer(
  db: DbExecutor,
  query: { roundId: number; agentId: string; kind: "train" | "evaluate" },
): Promise<boolean> {
  const table = query.kind === "train" ? flUpdates : flEvaluations;
  const rows = await db
    .select({ agentId: table.agentId })
    .from(table)
    .where(
      and(eq(table.roundId, query.roundId), eq(table.agentId, query.agentId)),
    )
    .limit(1);
  return rows.length === 1;
}

/**
 * Up to `limit` containers with 5-minute rollups since `since`, in a stable pseudo-random order
 * (md5 of the id), so the central holdout is a fixed sample rather than the oldest containers.
 */
export async function listContainersWithUsageSince(
  db: DbExecutor,
  query: { since: Date; limit: number },
): Promise<string[]> {
  const rows = await db
    .select({ containerId: metricRollups5m.containerId })
    .from(metricRollups5m)
    .where(gte(metricRollups5m.bucket, query.since))
    .groupBy(metricRollups5m.containerId)
    .orderBy(sql`md5(${metricRollups5m.containerId}::text)`)
    .limit(query.limit);
  return rows.map((r) => r.containerId);
}

/** Replaces a version's metrics without a status change (post-promotion check results). */
export async function setModelMetrics(
  db: DbExecutor,
  change: { version: number; metrics: Record<string, unknown> },
): Promise<void> {
  await db
    .update(modelVersions)
    .set({ metrics: change.metrics })
    .where(eq(modelVersions.version, change.version));
}

/** Serialises registry writers across replicas until the transaction ends (advisory xact lock). */
export async function lockModelRegistry(db: DbExecutor): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${0x6b77_6d72})`);
}

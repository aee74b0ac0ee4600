import {
  and,
  asc,
  desc,
  eq,
  gte,
  inArray,
  isNull,
  ne,
  or,
  sql,
  type SQL,
} from "drizzle-orm";

import type { DbExecutor } from "../client";
import {
  approvals,
  containers,
  recommendationEvents,
  recommendations,
  workloads,
  type ApprovalDecision,
  type RecommendationPhase,
} from "../schema";
import type { Container, Workload } from "./workloads";

export type RecommendationRow = typeof recommendations.$inferSelect;
export type NewRecommendationRow = typeof recommendations.$inferInsert;
export type RecommendationEventRow = typeof recommendationEvents.$inferSelect;
export type RecommendationWithContext = {
  recommendation: RecommendationRow;
  container: Container;
  workload: Workload;
};
export type NamespaceScopeFilter = { clusterId: string; namespace: string };
export type RecommendationListSort =
  "savings_desc" | "savings_asc" | "confidence_desc" | "created_desc";

export type ListRecommendationsFilter = {
  clusterId?: string | undefined;
  namespace?: string | undefined;
  workloadId?: string | undefined;
  containerId?: string | undefined;
  /** Default: every phase except Superseded. */
  phases?: readonly RecommendationPhase[] | undefined;
  minConfidence?: number | undefined;
  /** undefined = unrestricted; [] = nothing visible. namespace "*" = the whole cluster. */
  scopes?: readonly NamespaceScopeFilter[] | undefined;
  sort: RecommendationListSort;
  limit: number;
  offset: number;
};

export function scopeCondition(
  scopes: readonly NamespaceScopeFilter[] | undefined,
): SQL | undefined {
  if (scopes === undefined) return undefined;
  if (scopes.length === 0) return sql`false`;
  return or(
    ...scopes.map((s) =>
      s.namespace === "*"
        ? eq(workloads.clusterId, s.clusterId)
        : and(
            eq(workloads.clusterId, s.clusterId),
            eq(workloads.namespace, s.namespace),
          ),
    ),
  );
}

const ORDER: Record<RecommendationListSort, SQL[]> = {
  savings_desc: [
    desc(recommendations.projectedMonthlySavingsMicroUsd),
    asc(recommendations.id),
  ],
  savings_asc: [
    asc(recommendations.projectedMonthlySavingsMicroUsd),
    asc(recommendations.id),
  ],
  confidence_desc: [desc(recommendations.confidence), asc(recommendations.id)],
  created_desc: [desc(recommendations.createdAt), asc(recommendations.id)],
};

export async function listRecommendations(
  db: DbExecutor,
  filter: ListRecommendationsFilter,
): Promise<{ rows: RecommendationWithContext[]; total: number }> {
  const where = and(
    filter.clusterId === undefined
      ? undefined
      : eq(recommendations.clusterId, filter.clusterId),
    filter.namespace === undefined
      ? undefined
      : eq(workloads.namespace, filter.namespace),
    filter.workloadId === undefined
      ? undefined
      : eq(workloads.id, filter.workloadId),
    filter.containerId === undefined
      ? undefined
      : eq(containers.id, filter.containerId),
    filter.phases === undefined
      ? ne(recommendations.phase, "Superseded")
      : inArray(recommendations.phase, [...filter.phases]),
    filter.minConfidence === undefined
      ? undefined
      : gte(recommendations.confidence, filter.minConfidence),
    scopeCondition(filter.scopes),
  );
  // Count and page separately: a window count(*) would materialize every matching wide row,
  // while ORDER BY ... LIMIT lets PostgreSQL keep only the top rows.
  const [rows, total] = await Promise.all([
    db
      .select({
        recommendation: recommendations,
        container: containers,
        workload: workloads,
      })
      .from(recommendations)
      .innerJoin(containers, eq(containers.id, recommendations.containerId))
      .innerJoin(workloads, eq(workloads.id, containers.workloadId))
      .where(where)
      .orderBy(...ORDER[filter.sort])
      .limit(filter.limit)
      .offset(filter.offset),
    countRecommendations(db, where),
  ]);
  return {
    rows: rows.map(({ recommendation, container, workload }) => ({
      recommendation,
      container,
      workload,
    })),
    total,
  };
}

async function countRecommendations(
  db: DbExecutor,
  where: SQL | undefined,
): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`count(*)`.mapWith(Number) })
    .from(recommendations)
    .innerJoin(containers, eq(containers.id, recommendations.containerId))
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(where);
  return row?.total ?? 0;
}

export async function getRecommendationWithContext(
  db: DbExecutor,
  id: string,
): Promise<RecommendationWithContext | undefined> {
  const rows = await db
    .select({
      recommendation: recommendations,
      container: containers,
      workload: workloads,
    })
    .from(recommendations)
    .innerJoin(containers, eq(containers.id, recommendations.containerId))
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(eq(recommendations.id, id))
    .limit(1);
  return rows[0];
}

/** Locks the row for the rest of the transaction (approve/reject race each other on it). */
export async function lockRecommendation(
  db: DbExecutor,
  id: string,
): Promise<RecommendationRow | undefined> {
  const rows = await db
    .select()
    .from(recommendations)
    .where(eq(recommendations.id, id))
    .for("update")
    .limit(1);
  return rows[0];
}

/** Compare-and-set on the phase; undefined when the phase changed underneath. */
export async function updateRecommendationPhase(
  db: DbExecutor,
  change: {
    id: string;
    fromPhase: RecommendationPhase;
    toPhase: RecommendationPhase;
    at: Date;
  },
): Promise<RecommendationRow | undefined> {
  const rows = await db
    .update(recommendations)
    .set({ phase: change.toPhase, updatedAt: change.at })
    .where(
      and(
        eq(recommendations.id, change.id),
        eq(recommendations.phase, change.fromPhase),
      ),
    )
    .returning();
  return rows[0];
}

export async function insertRecommendationEvent(
  db: DbExecutor,
  event: typeof recommendationEvents.$inferInsert,
): Promise<RecommendationEventRow> {
  const [row] = await db.insert(recommendationEvents).values(event).returning();
  if (!row)
    throw new Error("insert into recommendation_events returned no row");
  return row;
}

/** Inserts `events` in one statement. */
export async function insertRecommendationEvents(
  db: DbExecutor,
  events: readonly (typeof recommendationEvents.$inferInsert)[],
): Promise<void> {
  if (events.length === 0) return;
  await db.insert(recommendationEvents).values([...events]);
}

/** Compare-and-set on the phase of each of `ids` at once; the ids whose phase was `fromPhase`. */
export async function updateRecommendationPhases(
  db: DbExecutor,
  change: {
    ids: readonly string[];
    fromPhase: RecommendationPhase;
    toPhase: RecommendationPhase;
    at: Date;
  },
): Promise<string[]> {
  if (change.ids.length === 0) return [];
  const rows = await db
    .update(recommendations)
    .set({ phase: change.toPhase, updatedAt: change.at })
    .where(
      and(
        inArray(recommendations.id, [...change.ids]),
        eq(recommendations.phase, change.fromPhase),
      ),
    )
    .returning({ id: recommendations.id });
  return rows.map((r) => r.id);
}

export async function insertApproval(
  db: DbExecutor,
  approval: {
    recommendationId: string;
    actor: string;
    decision: ApprovalDecision;
    reason?: string | undefined;
    createdAt: Date;
  },
): Promise<void> {
  await db.insert(approvals).values(approval);
}

export async function listRecommendationEvents(
  db: DbExecutor,
  recommendationId: string,
): Promise<RecommendationEventRow[]> {
  return db
    .select()
    .from(recommendationEvents)
    .where(eq(recommendationEvents.recommendationId, recommendationId))
    .orderBy(
      asc(recommendationEvents.createdAt),
      sql`${recommendationEvents.fromPhase} is not null`,
      asc(recommendationEvents.id),
    );
}

/** Who created the recommendation (the actor of its first event), for the four-eyes rule. */
export async function getRecommendationRequester(
  db: DbExecutor,
  recommendationId: string,
): Promise<string | undefined> {
  const rows = await db
    .select({ actor: recommendationEvents.actor })
    .from(recommendationEvents)
    .where(
      and(
        eq(recommendationEvents.recommendationId, recommendationId),
        isNull(recommendationEvents.fromPhase),
      ),
    )
    .limit(1);
  return rows[0]?.actor;
}

/**
 * The open (Pending, Approved) recommendations of `containerIds`, locked for the rest of the
 * transaction (approve and reject lock them too), in container and version order.
 */
export async function listOpenRecommendationsForContainers(
  db: DbExecutor,
  containerIds: readonly string[],
): Promise<RecommendationRow[]> {
  if (containerIds.length === 0) return [];
  return db
    .select()
    .from(recommendations)
    .where(
      and(
        inArray(recommendations.containerId, [...containerIds]),
        inArray(recommendations.phase, ["Pending", "Approved"]),
      ),
    )
    .orderBy(asc(recommendations.containerId), asc(recommendations.version))
    .for("update");
}

/** Each container's newest recommendation in `phase` (e.g. its last Rejected one), by container id. */
export async function getLatestRecommendationsInPhase(
  db: DbExecutor,
  containerIds: readonly string[],
  phase: RecommendationRow["phase"],
): Promise<Map<string, RecommendationRow>> {
  if (containerIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([recommendations.containerId])
    .from(recommendations)
    .where(
      and(
        inArray(recommendations.containerId, [...containerIds]),
        eq(recommendations.phase, phase),
      ),
    )
    .orderBy(recommendations.containerId, desc(recommendations.version));
  return new Map(rows.map((r) => [r.containerId, r]));
}

/** The version each container's next recommendation takes (1 for a container without any). */
export async function getNextRecommendationVersions(
  db: DbExecutor,
  containerIds: readonly string[],
): Promise<Map<string, number>> {
  const next = new Map(containerIds.map((id) => [id, 1]));
  if (containerIds.length === 0) return next;
  const rows = await db
    .select({
      containerId: recommendations.containerId,
      version: sql<number>`max(${recommendations.version}) + 1`.mapWith(Number),
    })
    .from(recommendations)
    .where(inArray(recommendations.containerId, [...containerIds]))
    .groupBy(recommendations.containerId);
  for (const r of rows) next.set(r.containerId, r.version);
  return next;
}

/** Inserts `values` in one statement; the rows come back in the order given. */
export async function insertRecommendations(
  db: DbExecutor,
  values: readonly NewRecommendationRow[],
): Promise<RecommendationRow[]> {
  if (values.length === 0) return [];
  const rows = await db
    .insert(recommendations)
    .values([...values])
    .returning();
  // Matched by (container, version), unique: RETURNING's order is not a documented guarantee.
  const key = (r: { containerId: string; version?: number | undefined }) =>
    `${r.containerId}/${String(r.version ?? 1)}`;
  const byKey = new Map(rows.map((r) => [key(r), r]));
  return values.map((v) => {
    const row = byKey.get(key(v));
    if (!row) throw new Error("insert into recommendations returned no row");
    return row;
  });
}

import { and, asc, desc, eq, inArray, isNull } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { anomalies, containers, workloads, type AnomalyKind } from "../schema";
import { scopeCondition, type NamespaceScopeFilter } from "./recommendations";
import type { Container, Workload } from "./workloads";

export type AnomalyRow = typeof anomalies.$inferSelect;
export type NewAnomalyRow = typeof anomalies.$inferInsert;
export type AnomalyWithContext = {
  anomaly: AnomalyRow;
  container: Container;
  workload: Workload;
};

export type ListAnomaliesFilter = {
  clusterId?: string | undefined;
  namespace?: string | undefined;
  workloadId?: string | undefined;
  containerId?: string | undefined;
  kind?: AnomalyKind | undefined;
  includeResolved: boolean;
  scopes?: readonly NamespaceScopeFilter[] | undefined;
  limit: number;
  offset: number;
};

export async function listAnomalies(
  db: DbExecutor,
  filter: ListAnomaliesFilter,
): Promise<AnomalyWithContext[]> {
  return db
    .select({ anomaly: anomalies, container: containers, workload: workloads })
    .from(anomalies)
    .innerJoin(containers, eq(containers.id, anomalies.containerId))
    .innerJoin(workloads, eq(workloads.id, containers.workloadId))
    .where(
      and(
        filter.clusterId === undefined
          ? undefined
          : eq(anomalies.clusterId, filter.clusterId),
        filter.namespace === undefined
          ? undefined
          : eq(workloads.namespace, filter.namespace),
        filter.workloadId === undefined
          ? undefined
          : eq(workloads.id, filter.workloadId),
        filter.containerId === undefined
          ? undefined
          : eq(containers.id, filter.containerId),
        filter.kind === undefined ? undefined : eq(anomalies.kind, filter.kind),
        filter.includeResolved ? undefined : isNull(anomalies.resolvedAt),
        scopeCondition(filter.scopes),
      ),
    )
    .orderBy(desc(anomalies.detectedAt), desc(anomalies.id))
    .limit(filter.limit)
    .offset(filter.offset);
}

export async function listOpenAnomaliesForContainer(
  db: DbExecutor,
  containerId: string,
): Promise<AnomalyRow[]> {
  return db
    .select()
    .from(anomalies)
    .where(
      and(eq(anomalies.containerId, containerId), isNull(anomalies.resolvedAt)),
    );
}

/** The open anomalies of `containerIds`, by container id (in detection order). */
export async function listOpenAnomaliesForContainers(
  db: DbExecutor,
  containerIds: readonly string[],
): Promise<Map<string, AnomalyRow[]>> {
  const open = new Map<string, AnomalyRow[]>();
  if (containerIds.length === 0) return open;
  const rows = await db
    .select()
    .from(anomalies)
    .where(
      and(
        inArray(anomalies.containerId, [...containerIds]),
        isNull(anomalies.resolvedAt),
      ),
    )
    .orderBy(asc(anomalies.detectedAt), asc(anomalies.id));
  for (const row of rows) {
    const list = open.get(row.containerId);
    if (list === undefined) open.set(row.containerId, [row]);
    else list.push(row);
  }
  return open;
}

export async function insertAnomaly(
  db: DbExecutor,
  values: NewAnomalyRow,
): Promise<AnomalyRow> {
  const [row] = await insertAnomalies(db, [values]);
  if (!row) throw new Error("insert into anomalies returned no row");
  return row;
}

/** Inserts `values` in one statement; the rows come back in the order given. */
export async function insertAnomalies(
  db: DbExecutor,
  values: readonly NewAnomalyRow[],
): Promise<AnomalyRow[]> {
  if (values.length === 0) return [];
  const rows = await db
    .insert(anomalies)
    .values([...values])
    .returning();
  // A container has at most one open anomaly of a kind: (container, kind) finds each row.
  const key = (r: { containerId: string; kind: string }) =>
    `${r.containerId}/${r.kind}`;
  const byKey = new Map(rows.map((r) => [key(r), r]));
  return values.map((v) => {
    const row = byKey.get(key(v));
    if (!row) throw new Error("insert into anomalies returned no row");
    return row;
  });
}

/** Resolves the anomalies `ids` that are still open. */
export async function resolveAnomalies(
  db: DbExecutor,
  ids: readonly string[],
  at: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(anomalies)
    .set({ resolvedAt: at })
    .where(and(inArray(anomalies.id, [...ids]), isNull(anomalies.resolvedAt)));
}

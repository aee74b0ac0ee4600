import { and, desc, eq, isNull } from "drizzle-orm";

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

export async function insertAnomaly(
  db: DbExecutor,
  values: NewAnomalyRow,
): Promise<AnomalyRow> {
  const [row] = await db.insert(anomalies).values(values).returning();
  if (!row) throw new Error("insert into anomalies returned no row");
  return row;
}

export async function resolveAnomaly(
  db: DbExecutor,
  id: string,
  at: Date,
): Promise<void> {
  await db
    .update(anomalies)
    .set({ resolvedAt: at })
    .where(and(eq(anomalies.id, id), isNull(anomalies.resolvedAt)));
}

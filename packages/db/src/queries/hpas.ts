import { and, eq, inArray } from "drizzle-orm";

import type { HpaObservation } from "@kubewise/core";

import type { DbExecutor } from "../client";
import { workloadHpas } from "../schema";

export type WorkloadHpaRow = typeof workloadHpas.$inferSelect;

function sameHpa(row: WorkloadHpaRow, hpa: HpaObservation): boolean {
  return (
    row.targetKind === hpa.targetKind &&
    row.targetName === hpa.targetName &&
    row.minReplicas === hpa.minReplicas &&
    row.maxReplicas === hpa.maxReplicas &&
    row.currentReplicas === hpa.currentReplicas &&
    canonical(row.metrics) === canonical(hpa.metrics)
  );
}

/** jsonb does not keep key order: compare metrics with sorted keys. */
function canonical(
  metrics: readonly HpaObservation["metrics"][number][],
): string {
  return JSON.stringify(
    metrics.map((m) =>
      Object.fromEntries(
        Object.entries(m).sort(([a], [b]) => a.localeCompare(b)),
      ),
    ),
  );
}

/**
 * The cluster's HPAs become exactly `hpas` (one listing of the cluster): new ones are added,
 * changed ones updated (observedAt = when the change was seen), ones no longer listed deleted;
 * unchanged rows are not written. Returns how many rows were written or deleted.
 */
export async function replaceClusterHpas(
  db: DbExecutor,
  input: { clusterId: string; hpas: readonly HpaObservation[]; at: Date },
): Promise<number> {
  const { clusterId, at } = input;
  const existing = new Map(
    (
      await db
        .select()
        .from(workloadHpas)
        .where(eq(workloadHpas.clusterId, clusterId))
    ).map((r) => [`${r.namespace}/${r.name}`, r]),
  );
  const listed = new Set(input.hpas.map((h) => `${h.namespace}/${h.name}`));
  const gone = [...existing]
    .filter(([key]) => !listed.has(key))
    .map(([, r]) => r.id);
  if (gone.length > 0)
    await db
      .delete(workloadHpas)
      .where(
        and(
          eq(workloadHpas.clusterId, clusterId),
          inArray(workloadHpas.id, gone),
        ),
      );
  let written = gone.length;
  for (const hpa of input.hpas) {
    const row = existing.get(`${hpa.namespace}/${hpa.name}`);
    if (row && sameHpa(row, hpa)) continue;
    const values = {
      targetKind: hpa.targetKind,
      targetName: hpa.targetName,
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
      currentReplicas: hpa.currentReplicas,
      metrics: hpa.metrics,
      observedAt: at,
    };
    await db
      .insert(workloadHpas)
      .values({
        clusterId,
        namespace: hpa.namespace,
        name: hpa.name,
        ...values,
      })
      .onConflictDoUpdate({
        target: [
          workloadHpas.clusterId,
          workloadHpas.namespace,
          workloadHpas.name,
        ],
        set: values,
      });
    written += 1;
  }
  return written;
}

/** Every HPA of the cluster, for the one-pass recommendation loop and the dashboard. */
export async function listClusterHpas(
  db: DbExecutor,
  clusterId: string,
): Promise<WorkloadHpaRow[]> {
  return db
    .select()
    .from(workloadHpas)
    .where(eq(workloadHpas.clusterId, clusterId))
    .orderBy(workloadHpas.namespace, workloadHpas.name);
}

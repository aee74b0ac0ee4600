import { and, eq, inArray } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { namespaceSafetyConfigs } from "../schema";

export type SafetyConfigRow = typeof namespaceSafetyConfigs.$inferSelect;
export type SafetyConfigValues = Pick<
  SafetyConfigRow,
  | "dryRunEnabled"
  | "requireApproval"
  | "autoApplyEnabled"
  | "autoApplyMinConfidence"
> &
  /** Absent: the column's default (leave-alone) on insert, unchanged on update. */
  Partial<Pick<SafetyConfigRow, "hpaMode">>;

export async function getSafetyConfig(
  db: DbExecutor,
  clusterId: string,
  namespace: string,
): Promise<SafetyConfigRow | undefined> {
  return (await getSafetyConfigs(db, clusterId, [namespace])).get(namespace);
}

/** The safety configs of `namespaces` in the cluster, by namespace (none: no config stored). */
export async function getSafetyConfigs(
  db: DbExecutor,
  clusterId: string,
  namespaces: readonly string[],
): Promise<Map<string, SafetyConfigRow>> {
  if (namespaces.length === 0) return new Map();
  const rows = await db
    .select()
    .from(namespaceSafetyConfigs)
    .where(
      and(
        eq(namespaceSafetyConfigs.clusterId, clusterId),
        inArray(namespaceSafetyConfigs.namespace, [...new Set(namespaces)]),
      ),
    );
  return new Map(rows.map((r) => [r.namespace, r]));
}

export async function listSafetyConfigs(
  db: DbExecutor,
  clusterId: string,
): Promise<SafetyConfigRow[]> {
  return db
    .select()
    .from(namespaceSafetyConfigs)
    .where(eq(namespaceSafetyConfigs.clusterId, clusterId))
    .orderBy(namespaceSafetyConfigs.namespace);
}

export async function upsertSafetyConfig(
  db: DbExecutor,
  input: {
    clusterId: string;
    namespace: string;
    values: SafetyConfigValues;
    at: Date;
  },
): Promise<SafetyConfigRow> {
  const [row] = await db
    .insert(namespaceSafetyConfigs)
    .values({
      clusterId: input.clusterId,
      namespace: input.namespace,
      ...input.values,
      updatedAt: input.at,
    })
    .onConflictDoUpdate({
      target: [
        namespaceSafetyConfigs.clusterId,
        namespaceSafetyConfigs.namespace,
      ],
      set: { ...input.values, updatedAt: input.at },
    })
    .returning();
  if (!row)
    throw new Error("upsert into namespace_safety_configs returned no row");
  return row;
}

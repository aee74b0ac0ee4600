import { eq } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { clusters } from "../schema";

export type Cluster = typeof clusters.$inferSelect;

export async function getClusterById(
  db: DbExecutor,
  id: string,
): Promise<Cluster | undefined> {
  const rows = await db
    .select()
    .from(clusters)
    .where(eq(clusters.id, id))
    .limit(1);
  return rows[0];
}

export async function getClusterByName(
  db: DbExecutor,
  name: string,
): Promise<Cluster | undefined> {
  const rows = await db
    .select()
    .from(clusters)
    .where(eq(clusters.name, name))
    .limit(1);
  return rows[0];
}

/** Records a round of the cluster's controller (ResourceRecommendation sync) at `at`. */
export async function markControllerSeen(
  db: DbExecutor,
  id: string,
  at: Date,
): Promise<void> {
  await db
    .update(clusters)
    .set({ controllerSeenAt: at })
    .where(eq(clusters.id, id));
}

/** Every cluster (id and configured name), oldest first. */
export async function listClusters(
  db: DbExecutor,
): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: clusters.id, name: clusters.name })
    .from(clusters)
    .orderBy(clusters.createdAt, clusters.name)
    .limit(1000);
}

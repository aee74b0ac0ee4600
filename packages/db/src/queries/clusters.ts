import { eq } from "drizzle-orm";

import type { Db } from "../client";
import { clusters } from "../schema";

export type Cluster = typeof clusters.$inferSelect;

export async function getClusterById(
  db: Db,
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
  db: Db,
  name: string,
): Promise<Cluster | undefined> {
  const rows = await db
    .select()
    .from(clusters)
    .where(eq(clusters.name, name))
    .limit(1);
  return rows[0];
}

import { and, desc, eq, inArray } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { recommendations } from "../schema";

/** Records the memory floor an OOM rollback left for the container of this recommendation. */
export async function setRollbackMemoryFloor(
  db: DbExecutor,
  input: { recommendationId: string; memoryBytes: number },
): Promise<void> {
  await db
    .update(recommendations)
    .set({ rollbackMemoryFloorBytes: input.memoryBytes })
    .where(eq(recommendations.id, input.recommendationId));
}

/**
 * The memory floor the container's last outcome left: set when its most recent applied or rolled
 * back recommendation was rolled back after an OOM kill; a later apply clears it.
 */
export async function getRollbackMemoryFloor(
  db: DbExecutor,
  containerId: string,
): Promise<number | undefined> {
  return (await getRollbackMemoryFloors(db, [containerId])).get(containerId);
}

/** getRollbackMemoryFloor for many containers in one query: the floors by container id (none: no floor). */
export async function getRollbackMemoryFloors(
  db: DbExecutor,
  containerIds: readonly string[],
): Promise<Map<string, number>> {
  if (containerIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([recommendations.containerId], {
      containerId: recommendations.containerId,
      phase: recommendations.phase,
      floor: recommendations.rollbackMemoryFloorBytes,
    })
    .from(recommendations)
    .where(
      and(
        inArray(recommendations.containerId, [...containerIds]),
        inArray(recommendations.phase, ["Applied", "RolledBack"]),
      ),
    )
    .orderBy(
      recommendations.containerId,
      desc(recommendations.updatedAt),
      desc(recommendations.version),
    );
  const floors = new Map<string, number>();
  for (const r of rows)
    if (r.phase === "RolledBack" && r.floor !== null)
      floors.set(r.containerId, r.floor);
  return floors;
}

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
  const [last] = await db
    .select({
      phase: recommendations.phase,
      floor: recommendations.rollbackMemoryFloorBytes,
    })
    .from(recommendations)
    .where(
      and(
        eq(recommendations.containerId, containerId),
        inArray(recommendations.phase, ["Applied", "RolledBack"]),
      ),
    )
    .orderBy(desc(recommendations.updatedAt), desc(recommendations.version))
    .limit(1);
  return last?.phase === "RolledBack" ? (last.floor ?? undefined) : undefined;
}

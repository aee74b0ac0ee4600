import { ValidationError } from "@kubewise/core";
import { listClusterIds, type DbExecutor } from "@kubewise/db";

/** An explicit cluster id, or the only cluster of a single-cluster installation. */
export async function resolveClusterId(
  db: DbExecutor,
  clusterId: string | undefined,
): Promise<string> {
  if (clusterId !== undefined) return clusterId;
  const ids = await listClusterIds(db);
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  throw new ValidationError(
    ids.length === 0
      ? "no cluster is registered yet"
      : "clusterId is required when several clusters exist",
    {
      fieldErrors: { clusterId: ["required"] },
    },
  );
}

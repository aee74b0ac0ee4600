import { KubewiseError } from "@kubewise/core";

import type { Sql } from "../client";

/** An install whose name and kube-system UID disagree with what the database has for them. */
export class ClusterIdentityError extends KubewiseError {
  constructor(message: string) {
    super("CONFLICT", message);
    this.name = "ClusterIdentityError";
  }
}

type ClusterRow = { id: string; name: string; kube_system_uid: string | null };

/**
 * Returns the id of the cluster with this name, creating it on first use. With the UID of the
 * cluster's kube-system namespace (read from the API server) the row is bound to that cluster: the
 * first install to start records it, and an install that configures the same name from another
 * cluster (another UID), or the same cluster under another name, is refused with a
 * ClusterIdentityError instead of merging its agents, workloads and costs into the other's rows.
 * Without a UID (no API access, e.g. the demo) the name alone is the identity, as before.
 */
export async function ensureCluster(
  sql: Sql,
  identity: { name: string; kubeSystemUid?: string },
): Promise<string> {
  const { name, kubeSystemUid } = identity;
  await sql`insert into clusters (name) values (${name}) on conflict (name) do nothing`;
  if (kubeSystemUid !== undefined) {
    // The first install to start with a UID claims the row; one statement, so two installs
    // starting at once cannot both claim it.
    try {
      await sql`
        update clusters set kube_system_uid = ${kubeSystemUid}
        where name = ${name} and kube_system_uid is null`;
    } catch (err) {
      if (!isUniqueViolation(err, "clusters_kube_system_uid_unique")) throw err;
      const [other] = await sql<ClusterRow[]>`
        select id, name, kube_system_uid from clusters where kube_system_uid = ${kubeSystemUid}`;
      throw new ClusterIdentityError(
        `this Kubernetes cluster (kube-system UID ${kubeSystemUid}) is already stored as cluster "${other?.name ?? "?"}"; installing it again as "${name}" would count it twice: use clusterName "${other?.name ?? "?"}" (the chart's clusterName, KUBEWISE_CLUSTER_NAME)`,
      );
    }
  }
  const [row] = await sql<ClusterRow[]>`
    select id, name, kube_system_uid from clusters where name = ${name}`;
  if (row === undefined)
    throw new Error(`cluster ${name} vanished right after insert`);
  if (
    kubeSystemUid !== undefined &&
    row.kube_system_uid !== null &&
    row.kube_system_uid !== kubeSystemUid
  )
    throw new ClusterIdentityError(
      `cluster "${name}" in this database belongs to the Kubernetes cluster whose kube-system namespace has UID ${row.kube_system_uid}, but this install runs in the cluster with UID ${kubeSystemUid}: two clusters configured the same name; give this install its own clusterName (the chart's clusterName, KUBEWISE_CLUSTER_NAME)`,
    );
  return row.id;
}

/**
 * A unique violation of `constraint`. Citus relays a worker's error without its constraint field
 * and names the shard's copy of the constraint in the message (`<name>_<shard id>`, e.g.
 * clusters_kube_system_uid_unique_102008 on the reference table).
 */
function isUniqueViolation(err: unknown, constraint: string): boolean {
  if (!(err instanceof Error) || !("code" in err) || err.code !== "23505")
    return false;
  const named = violatedConstraint(err);
  return (
    named !== undefined &&
    (named === constraint || new RegExp(`^${constraint}_\\d+$`).test(named))
  );
}

function violatedConstraint(err: Error): string | undefined {
  if ("constraint_name" in err && typeof err.constraint_name === "string")
    return err.constraint_name;
  return /unique constraint "([^"]+)"/.exec(err.message)?.[1];
}

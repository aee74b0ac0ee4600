import { getClusterConnection } from "@kubewise/services";

import { actorOf } from "~/server/actor";
import type { SessionUser } from "~/server/auth/session-user";
import { createServiceContext } from "~/server/services";

/**
 * "No cluster connected: approvals wait" while no Kubewise controller syncs with the cluster: the
 * dashboard still records approvals, but nothing applies them until one runs. Rendered on the
 * server in the dashboard layout; silent when connected, or when there is no single cluster.
 */
export async function ClusterConnectionBanner({ user }: { user: SessionUser }) {
  const connection = await getClusterConnection({
    ctx: createServiceContext(actorOf(user)),
    input: {},
  }).catch(() => undefined);
  if (!connection || connection.connected) return null;
  const waiting = connection.approvalsWaiting;
  const seen = connection.controllerSeenAt;
  return (
    <div className="banner" role="status" data-testid="cluster-connection">
      <strong>No cluster connected: approvals wait.</strong>{" "}
      {waiting === 0
        ? "Approvals are recorded"
        : `${String(waiting)} approved recommendation${waiting === 1 ? "" : "s"} will be applied`}{" "}
      once the Kubewise controller runs in the cluster (aggregator with
      KUBEWISE_CONTROLLER=on).{" "}
      {seen === null
        ? "No controller has connected yet."
        : `Last contact ${seen.toISOString().slice(0, 16).replace("T", " ")} UTC.`}
    </div>
  );
}

import { appendAudit } from "@kubewise/db";

import type { ServiceContext } from "../context";

export type AuditEntry = {
  clusterId: string | null;
  /** "<entity>.<verb>", e.g. "recommendation.approve". */
  action: string;
  /** "<entity>:<id>", e.g. "recommendation:3f2c…". */
  subject: string;
  payload: Record<string, unknown>;
};

/** Appends one hash-chained audit row in the caller's transaction. */
export async function recordAudit(
  ctx: Pick<ServiceContext, "db" | "clock"> & { actorId: string },
  entry: AuditEntry,
): Promise<void> {
  await appendAudit(ctx.db, {
    ts: ctx.clock.now(),
    clusterId: entry.clusterId,
    actor: ctx.actorId,
    action: entry.action,
    subject: entry.subject,
    payload: entry.payload,
  });
}

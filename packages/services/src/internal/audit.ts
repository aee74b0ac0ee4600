import { appendAuditEntries } from "@kubewise/db";

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
  await recordAudits(ctx, [entry]);
}

/** Appends `entries` in order as consecutive links of the chain, in one go (a pass's chunk). */
export async function recordAudits(
  ctx: Pick<ServiceContext, "db" | "clock"> & { actorId: string },
  entries: readonly AuditEntry[],
): Promise<void> {
  const ts = ctx.clock.now();
  await appendAuditEntries(
    ctx.db,
    entries.map((entry) => ({
      ts,
      clusterId: entry.clusterId,
      actor: ctx.actorId,
      action: entry.action,
      subject: entry.subject,
      payload: entry.payload,
    })),
  );
}

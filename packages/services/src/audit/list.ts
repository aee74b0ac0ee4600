import { listAuditLog } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { describeActors, reasonOf } from "../internal/actor-names";
import { clusterFilter } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import {
  ListAuditEntriesInputSchema,
  type ListAuditEntriesInput,
} from "./schemas";

export type AuditEntryView = {
  id: number;
  ts: Date;
  clusterId: string | null;
  actor: string;
  /** "Name <email>" for users, "Kubewise aggregator" for system actors. */
  actorName: string;
  /** The reason or comment given, if any. */
  reason: string | null;
  action: string;
  subject: string;
  payload: unknown;
  prevHash: string;
  hash: string;
};

export async function listAuditEntries({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListAuditEntriesInput;
}): Promise<AuditEntryView[]> {
  authorize(ctx, "listAuditEntries");
  const { cluster, ...parsed } = parseInput(ListAuditEntriesInputSchema, input);
  const rows = await listAuditLog(ctx.db, {
    ...parsed,
    clusterId: await clusterFilter(ctx.db, { ...parsed, cluster }),
  });
  const nameOf = await describeActors(
    ctx.db,
    rows.map((r) => r.actor),
  );
  return rows.map(
    ({
      id,
      ts,
      clusterId,
      actor,
      action,
      subject,
      payload,
      prevHash,
      hash,
    }) => ({
      id,
      ts,
      clusterId,
      actor,
      actorName: nameOf(actor),
      reason: reasonOf(payload),
      action,
      subject,
      payload,
      prevHash,
      hash,
    }),
  );
}

import { listAuditLog } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
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
  const parsed = parseInput(ListAuditEntriesInputSchema, input);
  const rows = await listAuditLog(ctx.db, parsed);
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
      action,
      subject,
      payload,
      prevHash,
      hash,
    }),
  );
}

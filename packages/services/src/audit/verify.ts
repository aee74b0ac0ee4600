import { verifyStoredAuditChain } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import {
  VerifyAuditChainInputSchema,
  type VerifyAuditChainInput,
} from "./schemas";

export type AuditChainVerification = {
  ok: boolean;
  rowCount: number;
  checkedAt: Date;
  /** Index (0-based, in id order) of the first row that breaks the chain. */
  brokenAtIndex: number | null;
  reason: string | null;
};

export async function verifyAuditChain({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: VerifyAuditChainInput;
}): Promise<AuditChainVerification> {
  authorize(ctx, "verifyAuditChain");
  parseInput(VerifyAuditChainInputSchema, input);
  const result = await verifyStoredAuditChain(ctx.db);
  const checkedAt = ctx.clock.now();
  if (result.ok)
    return {
      ok: true,
      rowCount: result.rowCount,
      checkedAt,
      brokenAtIndex: null,
      reason: null,
    };
  ctx.logger.warn(
    { index: result.index, reason: result.reason },
    "audit chain verification failed",
  );
  return {
    ok: false,
    rowCount: result.rowCount,
    checkedAt,
    brokenAtIndex: result.index,
    reason: result.reason,
  };
}

import { ConflictError, NotFoundError } from "@kubewise/core";
import { getApiToken, revokeApiToken as revokeTokenRow } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import type { ApiTokenView } from "./create";
import { RevokeApiTokenInputSchema, type RevokeApiTokenInput } from "./schemas";

export async function revokeApiToken({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RevokeApiTokenInput;
}): Promise<ApiTokenView> {
  authorize(ctx, "revokeApiToken");
  const { id } = parseInput(RevokeApiTokenInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const existing = await getApiToken(tx.db, id);
    // Someone else's token answers like a missing one (admins revoke any).
    if (
      !existing ||
      (tx.actor.role !== "admin" && existing.userId !== tx.actor.userId)
    )
      throw new NotFoundError(`api token ${id} not found`);
    const row = await revokeTokenRow(tx.db, id, tx.clock.now());
    if (!row) throw new ConflictError(`api token ${id} is already revoked`);
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId: null,
        action: "token.revoke",
        subject: `token:${id}`,
        payload: { name: row.name, prefix: row.prefix },
      },
    );
    const { name, prefix, userId, createdAt, lastUsedAt, revokedAt } = row;
    return {
      id,
      name,
      prefix,
      userId,
      createdAt,
      lastUsedAt,
      revokedAt,
      expiresAt: row.expiresAt,
      role: row.role,
      scopes: row.scopes,
    };
  });
}

import { insertApiToken } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { generateApiToken, hashApiToken } from "../internal/secrets";
import { withTransaction } from "../internal/transaction";
import { CreateApiTokenInputSchema, type CreateApiTokenInput } from "./schemas";

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};
export type CreatedApiToken = ApiTokenView & {
  /** Shown once; only its hash is stored. */ token: string;
};

const PREFIX_LENGTH = 10;

export async function createApiToken({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: CreateApiTokenInput;
}): Promise<CreatedApiToken> {
  authorize(ctx, "createApiToken");
  const { name } = parseInput(CreateApiTokenInputSchema, input);
  const token = generateApiToken();
  return withTransaction(ctx, async (tx) => {
    const row = await insertApiToken(tx.db, {
      userId: tx.actor.userId,
      name,
      tokenHash: hashApiToken(token),
      prefix: token.slice(0, PREFIX_LENGTH),
      createdAt: tx.clock.now(),
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId: null,
        action: "token.create",
        subject: `token:${row.id}`,
        payload: { name, prefix: row.prefix },
      },
    );
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      userId: row.userId,
      createdAt: row.createdAt,
      lastUsedAt: null,
      revokedAt: null,
      token,
    };
  });
}

import { insertApiToken } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { generateApiToken, hashApiToken } from "../internal/secrets";
import { withTransaction } from "../internal/transaction";
import { CreateApiTokenInputSchema, type CreateApiTokenInput } from "./schemas";
import { checkRequestedScope } from "./scope";

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  ownerEmail?: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  /** null: the owner's role. */
  role: string | null;
  /** null: the owner's namespaces. */
  scopes: { clusterId: string; namespace: string }[] | null;
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
  const { name, expiresInDays, role, namespaces } = parseInput(
    CreateApiTokenInputSchema,
    input,
  );
  checkRequestedScope(ctx.actor, { role, namespaces });
  const token = generateApiToken();
  return withTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const row = await insertApiToken(tx.db, {
      userId: tx.actor.userId,
      name,
      tokenHash: hashApiToken(token),
      prefix: token.slice(0, PREFIX_LENGTH),
      createdAt: now,
      expiresAt: new Date(now.getTime() + expiresInDays * 86_400_000),
      role: role ?? null,
      scopes: namespaces ?? null,
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId: null,
        action: "token.create",
        subject: `token:${row.id}`,
        payload: {
          name,
          prefix: row.prefix,
          expiresAt: row.expiresAt?.toISOString() ?? null,
          role: row.role,
          scopes: row.scopes,
        },
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
      expiresAt: row.expiresAt,
      role: row.role,
      scopes: row.scopes,
      token,
    };
  });
}

import { listApiTokens as queryApiTokens } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import type { ApiTokenView } from "./create";
import { ListApiTokensInputSchema, type ListApiTokensInput } from "./schemas";

type ListedApiToken = ApiTokenView & {
  status: "active" | "revoked" | "expired";
};

export async function listApiTokens({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListApiTokensInput;
}): Promise<ListedApiToken[]> {
  authorize(ctx, "listApiTokens");
  parseInput(ListApiTokensInputSchema, input);
  // Admins see every token; others their own.
  const rows = await queryApiTokens(
    ctx.db,
    ctx.actor.role === "admin" ? undefined : ctx.actor.userId,
  );
  const now = ctx.clock.now();
  return rows.map((row) => ({
    status: row.revokedAt
      ? ("revoked" as const)
      : row.expiresAt && row.expiresAt <= now
        ? ("expired" as const)
        : ("active" as const),
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    userId: row.userId,
    ownerEmail: row.ownerEmail,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    expiresAt: row.expiresAt,
    role: row.role,
    scopes: row.scopes,
  }));
}

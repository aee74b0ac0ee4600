import { listApiTokens as queryApiTokens } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import type { ApiTokenView } from "./create";
import { ListApiTokensInputSchema, type ListApiTokensInput } from "./schemas";

export async function listApiTokens({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListApiTokensInput;
}): Promise<ApiTokenView[]> {
  authorize(ctx, "listApiTokens");
  parseInput(ListApiTokensInputSchema, input);
  const rows = await queryApiTokens(ctx.db);
  return rows.map(
    ({ id, name, prefix, userId, createdAt, lastUsedAt, revokedAt }) => ({
      id,
      name,
      prefix,
      userId,
      createdAt,
      lastUsedAt,
      revokedAt,
    }),
  );
}

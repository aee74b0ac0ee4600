import { getActiveApiTokenByHash, touchApiToken } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { PublicContext } from "../context";
import { parseInput } from "../internal/parse";
import { API_TOKEN_PREFIX, hashApiToken } from "../internal/secrets";
import { toAuthenticatedUser, type AuthenticatedUser } from "../users/actor";
import {
  AuthenticateApiTokenInputSchema,
  type AuthenticateApiTokenInput,
} from "./schemas";

/** Bearer token -> the owner's actor, or undefined for an unknown, malformed or revoked token. */
export async function authenticateApiToken({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: AuthenticateApiTokenInput;
}): Promise<AuthenticatedUser | undefined> {
  authorize({ actor: undefined }, "authenticateApiToken");
  const { token: raw } = parseInput(AuthenticateApiTokenInputSchema, input);
  const token = raw.replace(/^Bearer\s+/i, "").trim();
  if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
  const found = await getActiveApiTokenByHash(ctx.db, hashApiToken(token));
  if (!found) return undefined;
  await touchApiToken(ctx.db, found.token.id, ctx.clock.now());
  return toAuthenticatedUser(ctx.db, found.user);
}

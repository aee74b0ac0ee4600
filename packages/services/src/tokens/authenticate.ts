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
import { narrowActor } from "./scope";

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
  const now = ctx.clock.now();
  if (
    !found ||
    (found.token.expiresAt !== null && found.token.expiresAt <= now)
  )
    return undefined;
  await touchApiToken(ctx.db, found.token.id, now);
  const owner = await toAuthenticatedUser(ctx.db, found.user);
  return { ...owner, actor: narrowActor(owner.actor, found.token) };
}

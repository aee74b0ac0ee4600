import { z } from "zod";

import { getActiveSession, insertSession, revokeSession } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { PublicContext } from "../context";
import { parseInput } from "../internal/parse";
import { toAuthenticatedUser, type AuthenticatedUser } from "./actor";

const StartSessionInputSchema = z.object({
  userId: z.uuid(),
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(12 * 3600),
});
const SessionIdInputSchema = z.object({ sessionId: z.uuid() });

/** After a successful sign-in: a server-side session the cookie refers to. */
export async function startSession({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: z.input<typeof StartSessionInputSchema>;
}): Promise<{ sessionId: string; expiresAt: Date }> {
  authorize({ actor: undefined }, "startSession");
  const { userId, ttlSeconds } = parseInput(StartSessionInputSchema, input);
  const now = ctx.clock.now();
  const row = await insertSession(ctx.db, {
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
  });
  return { sessionId: row.id, expiresAt: row.expiresAt };
}

/**
 * The session's user as stored now (role and namespaces read on every request, so a role change
 * applies at once); undefined when the session was revoked (sign-out) or expired.
 */
export async function resolveSession({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: z.input<typeof SessionIdInputSchema>;
}): Promise<AuthenticatedUser | undefined> {
  authorize({ actor: undefined }, "resolveSession");
  const { sessionId } = parseInput(SessionIdInputSchema, input);
  const found = await getActiveSession(ctx.db, sessionId, ctx.clock.now());
  return found ? toAuthenticatedUser(ctx.db, found.user) : undefined;
}

export async function endSession({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: z.input<typeof SessionIdInputSchema>;
}): Promise<void> {
  authorize({ actor: undefined }, "endSession");
  const { sessionId } = parseInput(SessionIdInputSchema, input);
  await revokeSession(ctx.db, sessionId, ctx.clock.now());
}

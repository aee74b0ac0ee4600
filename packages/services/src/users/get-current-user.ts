import { NotFoundError } from "@kubewise/core";
import { getUserById } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { Actor, ServiceContext } from "../context";

export type CurrentUser = {
  id: string;
  email: string;
  name: string;
  role: Actor["role"];
  scopes: Actor["scopes"];
};

/** Who the caller is (kw login checks a token with it). */
export async function getCurrentUser({
  ctx,
}: {
  ctx: ServiceContext;
  input?: unknown;
}): Promise<CurrentUser> {
  authorize(ctx, "getCurrentUser");
  const user = await getUserById(ctx.db, ctx.actor.userId);
  if (!user) throw new NotFoundError("the calling user no longer exists");
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: ctx.actor.role,
    scopes: ctx.actor.scopes,
  };
}

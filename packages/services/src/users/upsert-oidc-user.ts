import { ForbiddenError } from "@kubewise/core";
import { getUserByEmail, insertUser, updateUser } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { PublicContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { toAuthenticatedUser, type AuthenticatedUser } from "./actor";
import { UpsertOidcUserInputSchema, type UpsertOidcUserInput } from "./schemas";

/**
 * Called after the OIDC provider authenticated someone: new users start as viewers with no
 * namespaces; users an admin provisioned for SSO (no password) are matched by email. A verified
 * email is required, and an existing password user is never taken over unless the installation
 * opted in (an IdP that lets anyone claim admin@… would otherwise sign in as the admin).
 */
export async function upsertOidcUser({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: UpsertOidcUserInput;
}): Promise<AuthenticatedUser> {
  authorize({ actor: undefined }, "upsertOidcUser");
  const { email, name, emailVerified, linkCredentialsUsers } = parseInput(
    UpsertOidcUserInputSchema,
    input,
  );
  if (!emailVerified)
    throw new ForbiddenError(
      "the identity provider has not verified this email",
    );
  return withTransaction(ctx, async (tx) => {
    const existing = await getUserByEmail(tx.db, email);
    if (existing?.passwordHash && !linkCredentialsUsers)
      throw new ForbiddenError(
        "this email belongs to a password account; single sign-on may not take it over",
      );
    if (existing) {
      const updated =
        existing.name === name
          ? existing
          : ((await updateUser(tx.db, existing.id, { name })) ?? existing);
      return toAuthenticatedUser(tx.db, updated);
    }
    const created = await insertUser(tx.db, {
      email,
      name,
      role: "viewer",
      createdAt: tx.clock.now(),
    });
    await recordAudit(
      { ...tx, actorId: `oidc:${created.email}` },
      {
        clusterId: null,
        action: "user.create",
        subject: `user:${created.id}`,
        payload: { email: created.email, role: created.role, via: "oidc" },
      },
    );
    return toAuthenticatedUser(tx.db, created);
  });
}

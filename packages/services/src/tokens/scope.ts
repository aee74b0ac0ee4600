import { ValidationError } from "@kubewise/core";

import { canAccessNamespace, lowerRole } from "../auth/authorize";
import type { Actor, NamespaceScope, Role } from "../context";

/** A token's actor today: never more than its owner has now, whatever the token was created with. */
export function narrowActor(
  owner: Actor,
  token: { role: Role | null; scopes: NamespaceScope[] | null },
): Actor {
  const role = token.role ? lowerRole(token.role, owner.role) : owner.role;
  if (token.scopes === null) return { ...owner, role };
  const scopes = token.scopes.filter((scope) =>
    canAccessNamespace(owner, scope),
  );
  return { userId: owner.userId, role, scopes };
}

/** Checks a requested token scope against what its creator may do; names the offending field. */
export function checkRequestedScope(
  creator: Actor,
  requested: {
    role?: Role | undefined;
    namespaces?: NamespaceScope[] | undefined;
  },
): void {
  if (
    requested.role &&
    lowerRole(requested.role, creator.role) !== requested.role
  )
    throw new ValidationError(
      `a token cannot have more than your ${creator.role} role`,
      {
        fieldErrors: { role: [`at most ${creator.role}`] },
      },
    );
  const outside = (requested.namespaces ?? []).filter(
    (s) => !canAccessNamespace(creator, s),
  );
  if (outside.length > 0)
    throw new ValidationError("a token cannot reach namespaces you cannot", {
      fieldErrors: {
        namespaces: outside.map((s) => `not yours: ${s.namespace}`),
      },
    });
}

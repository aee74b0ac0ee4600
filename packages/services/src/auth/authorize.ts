import { ForbiddenError, NotFoundError } from "@kubewise/core";

import type { Actor, NamespaceScope, Role } from "../context";
import { PERMISSIONS, type VerbName } from "./permissions";

const ROLE_RANK: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };

/** The single authorization gate: every non-public verb calls this first. */
export function authorize(
  ctx: { actor?: Actor | undefined },
  verb: VerbName,
): void {
  const required = PERMISSIONS[verb];
  if (required === "public") return;
  // Messages reach users (pages, CLI): they name the role, never the internal verb.
  if (!ctx.actor) {
    throw new ForbiddenError("sign in first");
  }
  if (ROLE_RANK[ctx.actor.role] < ROLE_RANK[required]) {
    throw new ForbiddenError(
      `this needs the ${required} role; you are signed in as ${ctx.actor.role}`,
    );
  }
}

/** The lower of two roles (a token never outranks its owner). */
export function lowerRole(a: Role, b: Role): Role {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}

export function canAccessNamespace(
  actor: Actor,
  target: NamespaceScope,
): boolean {
  if (actor.scopes === "all") return true;
  return actor.scopes.some(
    (scope) =>
      scope.clusterId === target.clusterId &&
      (scope.namespace === "*" || scope.namespace === target.namespace),
  );
}

/**
 * Namespace scope comes from the loaded resource, never from client input. Out of scope answers
 * exactly like "does not exist" (same error, same text), so ids and names leak nothing.
 */
export function assertNamespaceAccess(
  actor: Actor,
  target: NamespaceScope,
  notFoundMessage = `namespace ${target.namespace} not found`,
): void {
  if (!canAccessNamespace(actor, target)) {
    throw new NotFoundError(notFoundMessage);
  }
}

/** For list queries: undefined = unrestricted, otherwise the allowed (cluster, namespace) pairs. */
export function namespaceFilter(actor: Actor): NamespaceScope[] | undefined {
  return actor.scopes === "all" ? undefined : actor.scopes;
}

import { listUserScopes, type DbExecutor, type UserRow } from "@kubewise/db";

import type { Actor, NamespaceScope } from "../context";

export type AuthenticatedUser = {
  id: string;
  email: string;
  name: string;
  actor: Actor;
};

/** A user row plus its namespace scopes -> the Actor the verbs authorize. Admins see everything. */
export async function toAuthenticatedUser(
  db: DbExecutor,
  user: UserRow,
): Promise<AuthenticatedUser> {
  const scopes: NamespaceScope[] = (await listUserScopes(db, user.id)).map(
    (s) => ({ clusterId: s.clusterId, namespace: s.namespace }),
  );
  const actor: Actor = {
    userId: user.id,
    role: user.role,
    scopes: user.role === "admin" ? "all" : scopes,
  };
  return { id: user.id, email: user.email, name: user.name, actor };
}

import {
  authenticateCredentials,
  endSession,
  ensureBootstrapAdmin,
  resolveSession,
  startSession,
  upsertOidcUser,
} from "@kubewise/services";
import type { AuthenticatedUser } from "@kubewise/services";

import { env } from "../../env";
import { createPublicContext } from "../services";
import type { SessionUser } from "./session-user";

export const SESSION_TTL_SECONDS = 12 * 60 * 60;

let bootstrapped: Promise<void> | undefined;

// The bootstrap admin from env is (re)written to the users table once per process, so it logs in
// through the same verb, password hashing and audit trail as every other user.
function ensureBootstrapAdminOnce(): Promise<void> {
  const password = env.KUBEWISE_ADMIN_PASSWORD;
  if (password === undefined) return Promise.resolve();
  bootstrapped ??= ensureBootstrapAdmin({
    ctx: createPublicContext(),
    input: { email: env.KUBEWISE_ADMIN_EMAIL, password },
  }).then(
    () => undefined,
    (error: unknown) => {
      bootstrapped = undefined;
      throw error;
    },
  );
  return bootstrapped;
}

function toSessionUser(user: AuthenticatedUser): SessionUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.actor.role,
    scopes: user.actor.scopes,
  };
}

export async function verifyDatabaseUser(
  email: string,
  password: string,
): Promise<SessionUser | undefined> {
  await ensureBootstrapAdminOnce();
  const user = await authenticateCredentials({
    ctx: createPublicContext(),
    input: { email, password },
  });
  return user ? toSessionUser(user) : undefined;
}

export type OidcIdentity = {
  email: string;
  name: string | null;
  emailVerified: boolean;
};

/** The stored user for an OIDC sign-in; throws ForbiddenError when the sign-in must be refused. */
export async function resolveOidcUser(
  identity: OidcIdentity,
): Promise<SessionUser> {
  const user = await upsertOidcUser({
    ctx: createPublicContext(),
    input: {
      email: identity.email,
      name: identity.name ?? identity.email,
      emailVerified: identity.emailVerified,
      linkCredentialsUsers: env.KUBEWISE_OIDC_LINK_PASSWORD_USERS,
    },
  });
  return toSessionUser(user);
}

/** The JWT cookie carries only this id; the user, role and scopes are read per request. */
export async function startServerSession(userId: string): Promise<string> {
  const { sessionId } = await startSession({
    ctx: createPublicContext(),
    input: { userId, ttlSeconds: SESSION_TTL_SECONDS },
  });
  return sessionId;
}

export async function resolveServerSession(
  sessionId: string,
): Promise<SessionUser | undefined> {
  const user = await resolveSession({
    ctx: createPublicContext(),
    input: { sessionId },
  });
  return user ? toSessionUser(user) : undefined;
}

export async function endServerSession(sessionId: string): Promise<void> {
  await endSession({ ctx: createPublicContext(), input: { sessionId } });
}

import { getUserByEmail } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { PublicContext } from "../context";
import { parseInput } from "../internal/parse";
import { verifyPassword } from "../internal/secrets";
import { toAuthenticatedUser, type AuthenticatedUser } from "./actor";
import {
  AuthenticateCredentialsInputSchema,
  type AuthenticateCredentialsInput,
} from "./schemas";

// Compared against when the user does not exist, so both failures cost one scrypt (no user enumeration by timing).
const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** Email + password -> the user's actor, or undefined. Rate limiting is the adapter's job. */
export async function authenticateCredentials({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: AuthenticateCredentialsInput;
}): Promise<AuthenticatedUser | undefined> {
  authorize({ actor: undefined }, "authenticateCredentials");
  const { email, password } = parseInput(
    AuthenticateCredentialsInputSchema,
    input,
  );
  const user = await getUserByEmail(ctx.db, email);
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !ok) {
    ctx.logger.info({ email }, "credential login failed");
    return undefined;
  }
  return toAuthenticatedUser(ctx.db, user);
}

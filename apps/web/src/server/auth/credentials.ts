import type { TokenBucketLimiter } from "./rate-limit";
import type { SessionUser } from "./session-user";

export type CredentialsInput = {
  email: string;
  password: string;
  clientIp: string;
};

export type CredentialsDeps = {
  limiter: TokenBucketLimiter;
  nowMs: () => number;
  /** Checks email + password against the users table; undefined when they do not match. */
  verifyUser: (
    email: string,
    password: string,
  ) => Promise<SessionUser | undefined>;
};

export type CredentialsResult =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: "rate_limited" | "invalid" };

/** Rate-limits failed attempts per client IP + email before any password check, so guessing costs time. */
export async function authenticateWithRateLimit(
  deps: CredentialsDeps,
  input: CredentialsInput,
): Promise<CredentialsResult> {
  const email = input.email.trim().toLowerCase();
  const key = `${input.clientIp}|${email}`;
  if (!deps.limiter.tryTake(key, deps.nowMs()))
    return { ok: false, reason: "rate_limited" };
  if (email.length === 0 || input.password.length === 0)
    return { ok: false, reason: "invalid" };
  const user = await deps.verifyUser(email, input.password);
  if (!user) return { ok: false, reason: "invalid" };
  // Only failed attempts count: a user who signs in often is not locked out.
  deps.limiter.refund(key);
  return { ok: true, user };
}

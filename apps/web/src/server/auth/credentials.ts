import type { FailureLimiter } from "./rate-limit";
import type { SessionUser } from "./session-user";

const UNKNOWN_SOURCE = "unknown";

export type CredentialsInput = {
  email: string;
  password: string;
  clientIp: string;
  /** The browser shows a valid device cookie for this email (it signed in here before). */
  knownDevice: boolean;
};

export type LoginLimiters = {
  /** Failures per account + source: the guessing one client can do against one account. */
  accountAndSource: FailureLimiter;
  /** Failures per source, any account: one client spraying many accounts. */
  source: FailureLimiter;
  /** Failures per account, any source: a distributed attack. Known devices are exempt. */
  account: FailureLimiter;
};

export type CredentialsDeps = {
  limiters: LoginLimiters;
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

/**
 * Throttles failed logins before any password check, per account + source, per source and per
 * account. The per-account limit, the only one an attacker elsewhere can fill, never applies to
 * a browser holding this account's device cookie: a flood of wrong passwords slows the attacker
 * and new devices, never locks the owner out (OWASP's device-cookie scheme).
 */
export async function authenticateWithRateLimit(
  deps: CredentialsDeps,
  input: CredentialsInput,
): Promise<CredentialsResult> {
  const email = input.email.trim().toLowerCase();
  const keys = {
    accountAndSource: `${input.clientIp}|${email}`,
    source: input.clientIp,
    account: email,
  };
  const now = deps.nowMs();
  const { limiters } = deps;
  // Without a known source address (plain `next start`) every client shares one key: then only
  // the per-account limits apply, and never to a known device.
  const sourceKnown = input.clientIp !== UNKNOWN_SOURCE;
  const blocked =
    (sourceKnown || !input.knownDevice
      ? limiters.accountAndSource.isBlocked(keys.accountAndSource, now)
      : false) ||
    (sourceKnown && limiters.source.isBlocked(keys.source, now)) ||
    (!input.knownDevice && limiters.account.isBlocked(keys.account, now));
  if (blocked) return { ok: false, reason: "rate_limited" };
  const user =
    email.length === 0 || input.password.length === 0
      ? undefined
      : await deps.verifyUser(email, input.password);
  if (!user) {
    limiters.accountAndSource.recordFailure(keys.accountAndSource, now);
    if (sourceKnown) limiters.source.recordFailure(keys.source, now);
    limiters.account.recordFailure(keys.account, now);
    return { ok: false, reason: "invalid" };
  }
  limiters.accountAndSource.clear(keys.accountAndSource);
  return { ok: true, user };
}

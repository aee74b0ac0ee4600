import { createHash, timingSafeEqual } from "node:crypto";

import { status } from "@grpc/grpc-js";

import { createVerdictCache } from "./auth-cache";

type AgentPrincipal = { subject: string; nodeName?: string };

/** unauthenticated: bad token; permission_denied: valid identity that is not an agent; unavailable: cannot check now. */
export type AuthFailureCode =
  "unauthenticated" | "permission_denied" | "unavailable";

export type AuthResult =
  | { ok: true; principal: AgentPrincipal }
  | { ok: false; code: AuthFailureCode; reason: string };

/** Port: checks a bearer token (static list in the demo, TokenReview in a cluster). */
export type Authenticator = {
  authenticate: (token: string) => Promise<AuthResult>;
};

export function toAuthStatus(code: AuthFailureCode): status {
  switch (code) {
    case "unauthenticated":
      return status.UNAUTHENTICATED;
    case "permission_denied":
      return status.PERMISSION_DENIED;
    case "unavailable":
      return status.UNAVAILABLE;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1];
}

/** Judges a call's `authorization` metadata value; `onFailure` counts every refusal. */
export function authenticateCalls(
  authenticator: Authenticator,
  onFailure: () => void,
): (authorization: unknown) => Promise<AuthResult> {
  return async (authorization) => {
    const token = bearerToken(authorization);
    const result: AuthResult =
      token === undefined
        ? { ok: false, code: "unauthenticated", reason: "missing bearer token" }
        : await authenticator.authenticate(token);
    if (!result.ok) onFailure();
    return result;
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createStaticTokenAuthenticator(
  tokens: readonly string[],
): Authenticator {
  if (tokens.length === 0 || tokens.some((t) => t.length < 16)) {
    throw new Error("static agent tokens must be at least 16 characters");
  }
  return {
    authenticate: (token) => {
      const index = tokens.findIndex((t) => safeEqual(t, token));
      return Promise.resolve(
        index >= 0
          ? { ok: true, principal: { subject: `static-token-${index}` } }
          : { ok: false, code: "unauthenticated", reason: "unknown token" },
      );
    },
  };
}

/** The subset of a TokenReview status this authenticator needs. */
export type TokenReviewStatus = {
  authenticated?: boolean;
  audiences?: string[];
  user?: { username?: string; extra?: Record<string, string[]> };
  error?: string;
};

export type TokenReviewOptions = {
  /** Resolves with the API server's verdict; rejects when it cannot answer (-> UNAVAILABLE, never cached). */
  review: (
    token: string,
    audiences: readonly string[],
  ) => Promise<TokenReviewStatus>;
  audience: string;
  /** Full usernames, e.g. system:serviceaccount:kubewise:kubewise-agent. */
  allowedUsernames: readonly string[];
  /** How long an accepted token stays accepted without asking again (capped by the token's exp). */
  cacheTtlMs: number;
  /** How long a rejected token stays rejected; short, so a fixed RBAC or SA list applies quickly. */
  negativeCacheTtlMs?: number;
  maxCacheEntries?: number;
  now: () => number;
};

const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

function judge(
  status: TokenReviewStatus,
  options: TokenReviewOptions,
): AuthResult {
  if (status.authenticated !== true)
    return {
      ok: false,
      code: "unauthenticated",
      reason: `token rejected by TokenReview: ${status.error ?? "not authenticated"}`,
    };
  if (!(status.audiences ?? []).includes(options.audience))
    return {
      ok: false,
      code: "unauthenticated",
      reason: `token audience is not ${options.audience}`,
    };
  const username = status.user?.username;
  if (username === undefined || !options.allowedUsernames.includes(username))
    return {
      ok: false,
      code: "permission_denied",
      reason: `${username ?? "anonymous"} is not an allowed agent service account (allowed: ${options.allowedUsernames.join(", ")})`,
    };
  return { ok: true, principal: toPrincipal(username, status) };
}

function toPrincipal(
  username: string,
  status: TokenReviewStatus,
): AgentPrincipal {
  const nodeName = status.user?.extra?.[NODE_NAME_EXTRA]?.[0];
  return nodeName === undefined
    ? { subject: username }
    : { subject: username, nodeName };
}

/** The unverified `exp` claim of a JWT in ms, used only to shorten caching; undefined if absent. */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(
      Buffer.from(payload, "base64url").toString("utf8"),
    ) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Validates projected service-account tokens with TokenReview; verdicts sit in a bounded LRU cache keyed by the token's hash. */
export function createTokenReviewAuthenticator(
  options: TokenReviewOptions,
): Authenticator {
  const negativeTtlMs = Math.min(
    options.negativeCacheTtlMs ?? 5_000,
    options.cacheTtlMs,
  );
  const cache = createVerdictCache<AuthResult>(
    options.maxCacheEntries ?? 1_024,
  );
  return {
    async authenticate(token) {
      const key = createHash("sha256").update(token).digest("base64url");
      const now = options.now();
      const cached = cache.get(key, now);
      if (cached !== undefined) return cached;
      let result: AuthResult;
      try {
        result = judge(
          await options.review(token, [options.audience]),
          options,
        );
      } catch (error) {
        // Fail closed, and do not cache: the API server may be back on the next attempt.
        return {
          ok: false,
          code: "unavailable",
          reason: `cannot verify the token now: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      const ttlMs = result.ok ? options.cacheTtlMs : negativeTtlMs;
      const expiresAtMs = Math.min(
        now + ttlMs,
        jwtExpiryMs(token) ?? Number.POSITIVE_INFINITY,
      );
      cache.set(key, result, expiresAtMs);
      return result;
    },
  };
}

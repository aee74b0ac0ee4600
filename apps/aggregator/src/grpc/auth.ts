import { timingSafeEqual } from "node:crypto";

export type AgentPrincipal = { subject: string; nodeName?: string };

export type AuthResult =
  { ok: true; principal: AgentPrincipal } | { ok: false; reason: string };

/** Port: checks a bearer token (static list in the demo, TokenReview in a cluster). */
export type Authenticator = {
  authenticate: (token: string) => Promise<AuthResult>;
};

export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1];
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
          : { ok: false, reason: "unknown token" },
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
  review: (
    token: string,
    audiences: readonly string[],
  ) => Promise<TokenReviewStatus>;
  audience: string;
  allowedUsernames: readonly string[];
  cacheTtlMs: number;
  now: () => number;
};

const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

function judge(
  status: TokenReviewStatus,
  options: TokenReviewOptions,
): AuthResult {
  if (status.authenticated !== true)
    return { ok: false, reason: status.error ?? "token not authenticated" };
  if (!(status.audiences ?? []).includes(options.audience))
    return { ok: false, reason: "wrong audience" };
  const username = status.user?.username ?? "";
  if (!options.allowedUsernames.includes(username))
    return { ok: false, reason: `service account ${username} is not an agent` };
  const nodeName = status.user?.extra?.[NODE_NAME_EXTRA]?.[0];
  return {
    ok: true,
    principal:
      nodeName === undefined
        ? { subject: username }
        : { subject: username, nodeName },
  };
}

/** Validates projected service-account tokens with TokenReview; caches verdicts for at most cacheTtlMs. */
export function createTokenReviewAuthenticator(
  options: TokenReviewOptions,
): Authenticator {
  const cache = new Map<string, { result: AuthResult; expiresAtMs: number }>();
  return {
    async authenticate(token) {
      const now = options.now();
      const cached = cache.get(token);
      if (cached !== undefined && cached.expiresAtMs > now)
        return cached.result;
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
          reason: `TokenReview failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(token, { result, expiresAtMs: now + options.cacheTtlMs });
      return result;
    },
  };
}

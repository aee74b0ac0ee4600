import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";

import { isKubewiseError } from "@kubewise/core";

import { env, isOidcConfigured } from "../../env";
import { authenticateWithRateLimit } from "./credentials";
import { resolveOidcUser, verifyDatabaseUser } from "./database-users";
import { createTokenBucketLimiter } from "./rate-limit";
import { parseSessionUser } from "./session-user";

// 5 failed attempts per IP+email, then one more every 12 s (documented in apps/web/README.md).
const loginLimiter = createTokenBucketLimiter({
  capacity: 5,
  refillPerSecond: 1 / 12,
});

function clientIpOf(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  if (typeof forwarded === "string" && forwarded.length > 0)
    return forwarded.split(",")[0]?.trim() ?? "unknown";
  const realIp = headers?.["x-real-ip"];
  return typeof realIp === "string" ? realIp : "unknown";
}

function oidcProviders(): NextAuthOptions["providers"] {
  if (!isOidcConfigured()) return [];
  return [
    {
      id: "oidc",
      name: "Single sign-on",
      type: "oauth",
      wellKnown: `${env.OIDC_ISSUER}/.well-known/openid-configuration`,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile: (profile: {
        sub: string;
        email?: string;
        name?: string;
        email_verified?: unknown;
      }) => ({
        id: profile.sub,
        email: profile.email ?? null,
        name: profile.name ?? null,
        emailVerified: profile.email_verified === true,
      }),
    },
  ];
}

export const authOptions: NextAuthOptions = {
  secret: env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  // Errors (a refused or failed single sign-on) come back to the login form as ?error=<code>.
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(credentials, req) {
        const result = await authenticateWithRateLimit(
          {
            limiter: loginLimiter,
            nowMs: () => Date.now(),
            verifyUser: verifyDatabaseUser,
          },
          {
            email: credentials?.email ?? "",
            password: credentials?.password ?? "",
            clientIp: clientIpOf(req.headers),
          },
        );
        if (result.ok) return result.user;
        if (result.reason === "rate_limited")
          throw new Error("Too many attempts; wait a minute and try again.");
        return null;
      },
    }),
    ...oidcProviders(),
  ],
  callbacks: {
    async signIn({ account, profile }) {
      if (account?.provider !== "oidc") return true;
      // Users are matched by email: only an email the IdP says it verified (email_verified: true).
      const claims = profile as
        | { email?: unknown; name?: unknown; email_verified?: unknown }
        | undefined;
      if (typeof claims?.email !== "string") return false;
      try {
        await resolveOidcUser({
          email: claims.email,
          name: typeof claims.name === "string" ? claims.name : null,
          emailVerified: claims.email_verified === true,
        });
        return true;
      } catch (error) {
        if (isKubewiseError(error) && error.code === "FORBIDDEN") return false;
        throw error;
      }
    },
    async jwt({ token, user, account, profile }) {
      if (account?.provider === "oidc" && user.email) {
        token.kw = await resolveOidcUser({
          email: user.email,
          name: user.name ?? null,
          emailVerified:
            (profile as { email_verified?: unknown } | undefined)
              ?.email_verified === true,
        });
        return token;
      }
      const sessionUser = parseSessionUser(user);
      if (sessionUser) token.kw = sessionUser;
      return token;
    },
    session({ session, token }) {
      const sessionUser = parseSessionUser(token.kw);
      return { ...session, user: sessionUser };
    },
  },
};

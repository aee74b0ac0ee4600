import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { cookies } from "next/headers";

import { isKubewiseError } from "@kubewise/core";

import { env, isOidcConfigured } from "../../env";
import { CLIENT_IP_HEADER } from "../http/client-ip";
import { clock } from "../services";
import { authenticateWithRateLimit } from "./credentials";
import type { LoginLimiters } from "./credentials";
import {
  endServerSession,
  resolveOidcUser,
  resolveServerSession,
  SESSION_TTL_SECONDS,
  startServerSession,
  verifyDatabaseUser,
} from "./database-users";
import {
  DEVICE_COOKIE,
  DEVICE_COOKIE_MAX_AGE_SECONDS,
  isKnownDevice,
  readCookie,
  signDeviceCookie,
} from "./device-cookie";
import { createFailureLimiter } from "./rate-limit";
import { parseSessionUser } from "./session-user";

const FIFTEEN_MINUTES_MS = 15 * 60_000;
// Failures per 15 minutes (documented in apps/web/README.md).
const loginLimiters: LoginLimiters = {
  accountAndSource: createFailureLimiter({
    limit: 5,
    windowMs: FIFTEEN_MINUTES_MS,
  }),
  source: createFailureLimiter({ limit: 50, windowMs: FIFTEEN_MINUTES_MS }),
  account: createFailureLimiter({ limit: 20, windowMs: FIFTEEN_MINUTES_MS }),
};

/** Set by server.ts from the socket (and trusted proxies only); never read from X-Forwarded-For. */
function clientIpOf(headers: Record<string, unknown> | undefined): string {
  const ip = headers?.[CLIENT_IP_HEADER];
  return typeof ip === "string" && ip.length > 0 ? ip : "unknown";
}

async function rememberDevice(email: string, nowMs: number): Promise<void> {
  (await cookies()).set(
    DEVICE_COOKIE,
    signDeviceCookie(env.NEXTAUTH_SECRET, email, nowMs),
    {
      httpOnly: true,
      sameSite: "lax",
      secure: env.NEXTAUTH_URL.startsWith("https:"),
      path: "/",
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
    },
  );
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
  // The JWT holds only a server-side session id: sign-out and role changes apply at once.
  session: { strategy: "jwt", maxAge: SESSION_TTL_SECONDS },
  // Errors (a refused or failed single sign-on) come back to the login form as ?error=<code>.
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(credentials, req) {
        const nowMs = clock.now().getTime();
        const email = credentials?.email ?? "";
        const result = await authenticateWithRateLimit(
          {
            limiters: loginLimiters,
            nowMs: () => nowMs,
            verifyUser: verifyDatabaseUser,
          },
          {
            email,
            password: credentials?.password ?? "",
            clientIp: clientIpOf(req.headers),
            knownDevice: isKnownDevice({
              secret: env.NEXTAUTH_SECRET,
              cookie: readCookie(req.headers?.cookie, DEVICE_COOKIE),
              email,
              nowMs,
            }),
          },
        );
        if (result.ok) {
          await rememberDevice(result.user.email, nowMs);
          return result.user;
        }
        if (result.reason === "rate_limited")
          throw new Error("Too many attempts; wait 15 minutes and try again.");
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
      if (!user) return token;
      const signedIn =
        account?.provider === "oidc" && user.email
          ? await resolveOidcUser({
              email: user.email,
              name: user.name ?? null,
              emailVerified:
                (profile as { email_verified?: unknown } | undefined)
                  ?.email_verified === true,
            })
          : parseSessionUser(user);
      if (signedIn) token.sid = await startServerSession(signedIn.id);
      return token;
    },
    async session({ session, token }) {
      const sid = typeof token.sid === "string" ? token.sid : undefined;
      const sessionUser = sid ? await resolveServerSession(sid) : undefined;
      return { ...session, user: sessionUser };
    },
  },
  events: {
    async signOut({ token }) {
      if (typeof token.sid === "string") await endServerSession(token.sid);
    },
  },
};

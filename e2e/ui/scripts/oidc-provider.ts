// A local OpenID Connect provider for the browser tests (oauth2-mock-server on loopback). It has no
// login form: the identity is the standard `login_hint` authorization parameter, carried from the
// /authorize redirect to the token request by the authorization code. A hint `unverified:<email>`
// issues that email with email_verified=false.
import type { IncomingMessage } from "node:http";

import { OAuth2Server } from "oauth2-mock-server";

export type RunningOidcProvider = { issuer: string; stop(): Promise<void> };

function codeOf(req: IncomingMessage): string | undefined {
  const body = (req as IncomingMessage & { body?: Record<string, unknown> })
    .body;
  return typeof body?.code === "string" ? body.code : undefined;
}

export async function startOidcProvider(): Promise<RunningOidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  const emailByCode = new Map<string, string>();
  server.service.on(
    "beforeAuthorizeRedirect",
    (redirect: { url: URL }, req: IncomingMessage) => {
      const hint = new URL(req.url ?? "/", "http://idp").searchParams.get(
        "login_hint",
      );
      const code = redirect.url.searchParams.get("code");
      if (hint && code) emailByCode.set(code, hint);
    },
  );
  server.service.on(
    "beforeTokenSigning",
    (token: { payload: Record<string, unknown> }, req: IncomingMessage) => {
      const code = codeOf(req);
      const hint = code === undefined ? undefined : emailByCode.get(code);
      if (!hint) return;
      const email = hint.replace(/^unverified:/, "");
      Object.assign(token.payload, {
        sub: `idp|${email}`,
        email,
        email_verified: !hint.startsWith("unverified:"),
        name: email.split("@")[0],
      });
    },
  );
  await server.start(0, "127.0.0.1");
  const issuer = server.issuer.url;
  if (!issuer) throw new Error("the OIDC provider did not report its URL");
  return { issuer, stop: () => server.stop() };
}

import { randomBytes } from "node:crypto";

import { NextResponse } from "next/server";
import type { NextRequest } from "next/server";

import { env } from "./env";
import { problemResponse } from "./server/http/problem";
import {
  baseSecurityHeaders,
  buildContentSecurityPolicy,
  checkDeclaredBodySize,
} from "./server/http/security-headers";

const HTTPS = env.NEXTAUTH_URL.startsWith("https:");

function withHeaders(response: Response, headers: Record<string, string>) {
  for (const [name, value] of Object.entries(headers))
    response.headers.set(name, value);
  return response;
}

/** Security headers on every response; CSP with a fresh nonce on pages; 413 for oversized bodies. */
export function proxy(request: NextRequest): Response {
  const base = baseSecurityHeaders(HTTPS);
  const size = checkDeclaredBodySize(request.headers.get("content-length"));
  if (!size.ok)
    return withHeaders(
      problemResponse({
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
        detail: size.detail,
      }),
      base,
    );
  if (request.nextUrl.pathname.startsWith("/api/"))
    return withHeaders(NextResponse.next(), base);
  const csp = buildContentSecurityPolicy({
    nonce: randomBytes(16).toString("base64"),
    development: env.NODE_ENV === "development",
    https: HTTPS,
  });
  // Next reads the nonce from the request's CSP header and puts it on its own scripts.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  return withHeaders(response, { ...base, "content-security-policy": csp });
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};

export type CsrfVerdict =
  | { ok: true }
  | {
      ok: false;
      status: 403 | 415;
      code: "FORBIDDEN" | "UNSUPPORTED_MEDIA_TYPE";
      detail: string;
    };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isJson(contentType: string | null): boolean {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  return mediaType === "application/json";
}

function usesCookieAuth(request: Request): boolean {
  const authorization = request.headers.get("authorization");
  return !authorization?.toLowerCase().startsWith("bearer ");
}

/**
 * CSRF defence for state-changing requests: a JSON body (a cross-site form cannot send one
 * without a CORS preflight) and, for cookie-authenticated calls, an Origin equal to our own.
 * Bearer-token calls carry no ambient credentials, so Origin is not required for them.
 */
export function checkMutationRequest(
  request: Request,
  allowedOrigin: string,
): CsrfVerdict {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return { ok: true };
  if (!isJson(request.headers.get("content-type"))) {
    return {
      ok: false,
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
      detail: "Mutations require Content-Type: application/json",
    };
  }
  if (!usesCookieAuth(request)) return { ok: true };
  const origin = request.headers.get("origin");
  if (origin !== null) {
    return origin === allowedOrigin
      ? { ok: true }
      : {
          ok: false,
          status: 403,
          code: "FORBIDDEN",
          detail: `Cross-origin request from ${origin} refused`,
        };
  }
  if (request.headers.get("sec-fetch-site") === "same-origin")
    return { ok: true };
  return {
    ok: false,
    status: 403,
    code: "FORBIDDEN",
    detail: "Mutations require a same-origin Origin header",
  };
}

import type { ErrorCode, FieldErrors } from "@kubewise/core";

import { normalizeError } from "../errors/normalize";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code:
    | ErrorCode
    | "UNAUTHENTICATED"
    | "UNSUPPORTED_MEDIA_TYPE"
    | "PAYLOAD_TOO_LARGE";
  errors?: FieldErrors;
};

export function toHttpStatus(code: ErrorCode): number {
  switch (code) {
    case "NOT_FOUND":
      return 404;
    case "VALIDATION":
      return 400;
    case "CONFLICT":
      return 409;
    case "PRECONDITION_FAILED":
      return 412;
    case "FORBIDDEN":
      return 403;
    case "UNAVAILABLE":
      return 503;
    case "INTERNAL":
      return 500;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

const TITLES: Record<Problem["code"], string> = {
  NOT_FOUND: "Not found",
  VALIDATION: "Invalid request",
  CONFLICT: "Conflict",
  PRECONDITION_FAILED: "Precondition failed",
  FORBIDDEN: "Forbidden",
  UNAVAILABLE: "Service unavailable",
  INTERNAL: "Internal error",
  UNAUTHENTICATED: "Unauthenticated",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  PAYLOAD_TOO_LARGE: "Payload too large",
};

export function problemResponse(
  problem: Omit<Problem, "type" | "title">,
): Response {
  const body: Problem = {
    type: `https://kubewise.dev/problems/${problem.code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[problem.code],
    ...problem,
  };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: {
      "content-type": PROBLEM_CONTENT_TYPE,
      "cache-control": "no-store",
    },
  });
}

/** The one REST error mapper (RFC 9457 problem details). */
export function toProblemResponse(error: unknown): Response {
  const normalized = normalizeError(error);
  const hasFieldErrors = Object.keys(normalized.fieldErrors).length > 0;
  return problemResponse({
    status: toHttpStatus(normalized.code),
    code: normalized.code,
    detail: normalized.message,
    ...(hasFieldErrors ? { errors: normalized.fieldErrors } : {}),
  });
}

/** Any /api path without a route of its own: problem+json, never Next's HTML 404 page. */
export function apiRouteNotFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  return problemResponse({
    status: 404,
    code: "NOT_FOUND",
    detail: `No API route ${request.method} ${pathname}; see /api/v1/openapi.json`,
  });
}

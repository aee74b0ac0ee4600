import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

import type { ErrorCode } from "@kubewise/core";

import { normalizeError } from "../errors/normalize";

export function toTrpcCode(code: ErrorCode): TRPC_ERROR_CODE_KEY {
  switch (code) {
    case "NOT_FOUND":
      return "NOT_FOUND";
    case "VALIDATION":
      return "BAD_REQUEST";
    case "CONFLICT":
      return "CONFLICT";
    case "PRECONDITION_FAILED":
      return "PRECONDITION_FAILED";
    case "FORBIDDEN":
      return "FORBIDDEN";
    case "UNAVAILABLE":
      return "SERVICE_UNAVAILABLE";
    case "INTERNAL":
      return "INTERNAL_SERVER_ERROR";
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

/** The one tRPC error mapper: domain and zod errors keep their meaning, anything else is a generic 500. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  const normalized = normalizeError(error);
  return new TRPCError({
    code: toTrpcCode(normalized.code),
    message: normalized.message,
    cause: error,
  });
}

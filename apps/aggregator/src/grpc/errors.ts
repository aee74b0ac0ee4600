import { Metadata, status, type StatusObject } from "@grpc/grpc-js";

import { KubewiseError, type ErrorCode } from "@kubewise/core";

export type GrpcError = Pick<StatusObject, "code" | "details"> & {
  metadata: Metadata;
};

export function toGrpcStatus(code: ErrorCode): status {
  switch (code) {
    case "VALIDATION":
      return status.INVALID_ARGUMENT;
    case "NOT_FOUND":
      return status.NOT_FOUND;
    case "CONFLICT":
      return status.ABORTED;
    case "PRECONDITION_FAILED":
      return status.FAILED_PRECONDITION;
    case "FORBIDDEN":
      return status.PERMISSION_DENIED;
    case "UNAVAILABLE":
      return status.UNAVAILABLE;
    case "INTERNAL":
      return status.INTERNAL;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** Maps any thrown value to a gRPC status; unknown errors become a generic INTERNAL (details stay in the log). */
export function toGrpcError(error: unknown): GrpcError {
  if (error instanceof KubewiseError) {
    const code = toGrpcStatus(error.code);
    return {
      code,
      details: code === status.INTERNAL ? "internal error" : error.message,
      metadata: new Metadata(),
    };
  }
  return {
    code: status.INTERNAL,
    details: "internal error",
    metadata: new Metadata(),
  };
}

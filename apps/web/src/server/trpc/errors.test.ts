import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import {
  ConflictError,
  ERROR_CODES,
  ForbiddenError,
  InternalError,
  KubewiseError,
  NotFoundError,
  PreconditionFailedError,
  UnavailableError,
  ValidationError,
} from "@kubewise/core";

import { toTrpcCode, toTRPCError } from "./errors";

describe("toTRPCError", () => {
  it.each([
    {
      error: new NotFoundError("recommendation r1 not found"),
      code: "NOT_FOUND",
      message: "recommendation r1 not found",
    },
    {
      error: new ValidationError("bad phase"),
      code: "BAD_REQUEST",
      message: "bad phase",
    },
    {
      error: new ConflictError("already approved"),
      code: "CONFLICT",
      message: "already approved",
    },
    {
      error: new PreconditionFailedError("stale"),
      code: "PRECONDITION_FAILED",
      message: "stale",
    },
    {
      error: new ForbiddenError("viewer cannot approve"),
      code: "FORBIDDEN",
      message: "viewer cannot approve",
    },
    {
      error: new UnavailableError("database down"),
      code: "SERVICE_UNAVAILABLE",
      message: "database down",
    },
    {
      error: new InternalError("secret detail"),
      code: "INTERNAL_SERVER_ERROR",
      message: "Internal error",
    },
    {
      error: new Error("password=hunter2"),
      code: "INTERNAL_SERVER_ERROR",
      message: "Internal error",
    },
    {
      error: "a thrown string",
      code: "INTERNAL_SERVER_ERROR",
      message: "Internal error",
    },
  ])(
    "maps $error.name to $code without leaking internals",
    ({ error, code, message }) => {
      const mapped = toTRPCError(error);
      expect(mapped.code).toBe(code);
      expect(mapped.message).toBe(message);
      expect(mapped.cause).toBeDefined();
    },
  );

  it("maps a ZodError to BAD_REQUEST", () => {
    const parsed = z
      .object({ reason: z.string().min(1) })
      .safeParse({ reason: "" });
    expect(parsed.success).toBe(false);
    expect(toTRPCError(parsed.error).code).toBe("BAD_REQUEST");
  });

  it("passes a TRPCError through unchanged", () => {
    const original = new TRPCError({ code: "UNAUTHORIZED" });
    expect(toTRPCError(original)).toBe(original);
  });

  it.each(ERROR_CODES)(
    "has a mapping for every KubewiseError code (%s)",
    (code) => {
      expect(toTRPCError(new KubewiseError(code, "x")).code).toBe(
        toTrpcCode(code),
      );
    },
  );
});

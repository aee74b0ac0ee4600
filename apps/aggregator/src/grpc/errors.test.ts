import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";

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

import { toGrpcError, toGrpcStatus } from "./errors";

describe("toGrpcError", () => {
  it.each([
    [new ValidationError("bad seq"), status.INVALID_ARGUMENT, "bad seq"],
    [new NotFoundError("no agent"), status.NOT_FOUND, "no agent"],
    [new ConflictError("raced"), status.ABORTED, "raced"],
    [
      new PreconditionFailedError("not registered"),
      status.FAILED_PRECONDITION,
      "not registered",
    ],
    [new ForbiddenError("wrong node"), status.PERMISSION_DENIED, "wrong node"],
    [new UnavailableError("db down"), status.UNAVAILABLE, "db down"],
    [new InternalError("secret detail"), status.INTERNAL, "internal error"],
    [new Error("password=hunter2"), status.INTERNAL, "internal error"],
    ["thrown string", status.INTERNAL, "internal error"],
  ])("maps %s", (error, code, details) => {
    expect(toGrpcError(error)).toMatchObject({ code, details });
  });

  it("has a mapping for every KubewiseError code", () => {
    for (const code of ERROR_CODES) {
      expect(toGrpcError(new KubewiseError(code, "x")).code).toBe(
        toGrpcStatus(code),
      );
    }
  });
});

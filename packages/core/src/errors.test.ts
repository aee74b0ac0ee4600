import { describe, expect, it } from "vitest";

import {
  ConflictError,
  ERROR_CODES,
  ForbiddenError,
  InternalError,
  isKubewiseError,
  KubewiseError,
  NotFoundError,
  PreconditionFailedError,
  toValidationError,
  UnavailableError,
  ValidationError,
} from "./errors";

describe("KubewiseError subclasses", () => {
  it.each([
    [new NotFoundError("x"), "NOT_FOUND", "NotFoundError"],
    [new ValidationError("x"), "VALIDATION", "ValidationError"],
    [new ConflictError("x"), "CONFLICT", "ConflictError"],
    [
      new PreconditionFailedError("x"),
      "PRECONDITION_FAILED",
      "PreconditionFailedError",
    ],
    [new ForbiddenError("x"), "FORBIDDEN", "ForbiddenError"],
    [new UnavailableError("x"), "UNAVAILABLE", "UnavailableError"],
    [new InternalError("x"), "INTERNAL", "InternalError"],
  ] as const)("%o carries code %s", (error, code, name) => {
    expect(error).toBeInstanceOf(KubewiseError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(isKubewiseError(error)).toBe(true);
  });

  it("covers every code with exactly one subclass", () => {
    expect([...ERROR_CODES].sort()).toEqual(
      [
        "CONFLICT",
        "FORBIDDEN",
        "INTERNAL",
        "NOT_FOUND",
        "PRECONDITION_FAILED",
        "UNAVAILABLE",
        "VALIDATION",
      ].sort(),
    );
  });

  it("keeps the cause", () => {
    const cause = new Error("db down");
    expect(new UnavailableError("no db", { cause }).cause).toBe(cause);
    expect(new NotFoundError("x").cause).toBeUndefined();
  });

  it("groups zod-style issues into field errors", () => {
    const error = toValidationError("bad input", [
      { path: ["namespace"], message: "required" },
      { path: ["limits", 0, "cpu"], message: "too small" },
      { path: ["namespace"], message: "too long" },
      { path: [], message: "root" },
    ]);
    expect(error.fieldErrors).toEqual({
      namespace: ["required", "too long"],
      "limits.0.cpu": ["too small"],
      "": ["root"],
    });
  });

  it("does not treat plain errors as Kubewise errors", () => {
    expect(isKubewiseError(new Error("x"))).toBe(false);
    expect(isKubewiseError("x")).toBe(false);
  });
});

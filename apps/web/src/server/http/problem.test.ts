import { describe, expect, it } from "vitest";
import { z } from "zod";

import {
  ERROR_CODES,
  ForbiddenError,
  KubewiseError,
  NotFoundError,
  ValidationError,
} from "@kubewise/core";

import {
  PROBLEM_CONTENT_TYPE,
  toHttpStatus,
  toProblemResponse,
} from "./problem";

describe("toProblemResponse", () => {
  it.each([
    {
      error: new NotFoundError("no such recommendation"),
      status: 404,
      detail: "no such recommendation",
    },
    {
      error: new ForbiddenError("viewer cannot approve"),
      status: 403,
      detail: "viewer cannot approve",
    },
    {
      error: new ValidationError("bad", {
        fieldErrors: { reason: ["Required"] },
      }),
      status: 400,
      detail: "bad",
    },
    {
      error: new Error("connection string postgres://u:p@h"),
      status: 500,
      detail: "Internal error",
    },
  ])(
    "answers $status problem+json for $error.name",
    async ({ error, status, detail }) => {
      const response = toProblemResponse(error);
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
      const body = (await response.json()) as {
        status: number;
        detail: string;
        title: string;
      };
      expect(body.status).toBe(status);
      expect(body.detail).toBe(detail);
      expect(body.title.length).toBeGreaterThan(0);
    },
  );

  it("lists field errors of a ZodError", async () => {
    const parsed = z
      .object({ namespace: z.string().min(1) })
      .safeParse({ namespace: "" });
    expect(parsed.success).toBe(false);
    const body = (await toProblemResponse(parsed.error).json()) as {
      errors: Record<string, string[]>;
    };
    expect(Object.keys(body.errors)).toEqual(["namespace"]);
  });

  it.each(ERROR_CODES)("maps %s to a 4xx/5xx status", (code) => {
    const status = toHttpStatus(code);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(toProblemResponse(new KubewiseError(code, "m")).status).toBe(status);
  });
});

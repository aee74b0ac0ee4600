import { ZodError } from "zod";

import { isKubewiseError } from "@kubewise/core";
import type { ErrorCode, FieldErrors } from "@kubewise/core";

export type NormalizedError = {
  code: ErrorCode;
  /** Safe to show to the client: never the text of an unexpected error. */
  message: string;
  fieldErrors: FieldErrors;
};

const GENERIC_INTERNAL_MESSAGE = "Internal error";

function zodFieldErrors(error: ZodError): FieldErrors {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".");
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return fieldErrors;
}

export function normalizeError(error: unknown): NormalizedError {
  if (error instanceof ZodError) {
    return {
      code: "VALIDATION",
      message: "Invalid input",
      fieldErrors: zodFieldErrors(error),
    };
  }
  if (isKubewiseError(error)) {
    if (error.code === "INTERNAL")
      return {
        code: "INTERNAL",
        message: GENERIC_INTERNAL_MESSAGE,
        fieldErrors: {},
      };
    const fieldErrors =
      "fieldErrors" in error ? (error.fieldErrors as FieldErrors) : {};
    return { code: error.code, message: error.message, fieldErrors };
  }
  return {
    code: "INTERNAL",
    message: GENERIC_INTERNAL_MESSAGE,
    fieldErrors: {},
  };
}

export const ERROR_CODES = [
  "NOT_FOUND",
  "VALIDATION",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "FORBIDDEN",
  "UNAVAILABLE",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type KubewiseErrorOptions = { cause?: unknown };

/** Field path (dot-joined, "" for the root) -> messages. */
export type FieldErrors = Record<string, string[]>;

export class KubewiseError extends Error {
  readonly code: ErrorCode;

  constructor(
    code: ErrorCode,
    message: string,
    options?: KubewiseErrorOptions,
  ) {
    super(
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "KubewiseError";
    this.code = code;
  }
}

export class NotFoundError extends KubewiseError {
  constructor(message: string, options?: KubewiseErrorOptions) {
    super("NOT_FOUND", message, options);
    this.name = "NotFoundError";
  }
}

export class ValidationError extends KubewiseError {
  readonly fieldErrors: FieldErrors;

  constructor(
    message: string,
    options?: KubewiseErrorOptions & { fieldErrors?: FieldErrors },
  ) {
    super("VALIDATION", message, options);
    this.name = "ValidationError";
    this.fieldErrors = options?.fieldErrors ?? {};
  }
}

export class ConflictError extends KubewiseError {
  constructor(message: string, options?: KubewiseErrorOptions) {
    super("CONFLICT", message, options);
    this.name = "ConflictError";
  }
}

export class PreconditionFailedError extends KubewiseError {
  constructor(message: string, options?: KubewiseErrorOptions) {
    super("PRECONDITION_FAILED", message, options);
    this.name = "PreconditionFailedError";
  }
}

export class ForbiddenError extends KubewiseError {
  constructor(message: string, options?: KubewiseErrorOptions) {
    super("FORBIDDEN", message, options);
    this.name = "ForbiddenError";
  }
}

export class UnavailableError extends KubewiseError {
  constructor(message: string, options?: KubewiseErrorOptions) {
    super("UNAVAILABLE", message, options);
    this.name = "UnavailableError";
  }
}

export class InternalError extends KubewiseError {
  constructor(message: string, options?: KubewiseErrorOptions) {
    super("INTERNAL", message, options);
    this.name = "InternalError";
  }
}

export function isKubewiseError(error: unknown): error is KubewiseError {
  return error instanceof KubewiseError;
}

/** Builds a ValidationError from zod-style issues ({ path, message }). */
export function toValidationError(
  message: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  options?: KubewiseErrorOptions,
): ValidationError {
  const fieldErrors: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return new ValidationError(message, { ...options, fieldErrors });
}

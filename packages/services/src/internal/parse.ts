import type { z } from "zod";

import { toValidationError } from "@kubewise/core";

/** zod parse that throws the domain ValidationError with field errors. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success)
    throw toValidationError("invalid input", result.error.issues, {
      cause: result.error,
    });
  return result.data;
}

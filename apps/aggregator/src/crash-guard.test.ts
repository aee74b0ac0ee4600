import { describe, expect, it } from "vitest";

import { isPostgresNullSocketError } from "./crash-guard";

function withStack(error: Error, stack: string): Error {
  error.stack = stack;
  return error;
}

describe("isPostgresNullSocketError", () => {
  it.each([
    [
      "the postgres.js null-socket write",
      withStack(
        new TypeError("Cannot read properties of null (reading 'write')"),
        "TypeError\n    at Immediate.nextWrite (file:///x/node_modules/postgres/src/connection.js:255:22)",
      ),
      true,
    ],
    [
      "the same message from elsewhere",
      withStack(
        new TypeError("Cannot read properties of null (reading 'write')"),
        "TypeError\n    at ours (file:///x/src/main.ts:1:1)",
      ),
      false,
    ],
    [
      "another postgres.js error",
      withStack(
        new TypeError("Cannot read properties of null (reading 'end')"),
        "at file:///x/node_modules/postgres/src/connection.js:1:1",
      ),
      false,
    ],
    ["a plain Error", new Error("boom"), false],
    ["a string", "reading 'write'", false],
  ])("recognises %s: %s", (_name, error, expected) => {
    expect(isPostgresNullSocketError(error)).toBe(expected);
  });
});

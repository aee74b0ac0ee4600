import { describe, expect, it } from "vitest";

import {
  isPostgresNullSocketError,
  isPostgresOrphanedConnectionError,
} from "./crash-guard";

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

function withCode(error: Error, code: string, stack: string): Error {
  return Object.assign(withStack(error, stack), { code });
}

describe("isPostgresOrphanedConnectionError", () => {
  const inPostgres =
    "Error: write CONNECTION_CLOSED\n    at Socket.closed (file:///x/node_modules/postgres/src/connection.js:453:57)\n    at scope (file:///x/node_modules/postgres/src/index.js:270:16)";
  it.each([
    [
      "a closed connection in postgres.js",
      withCode(
        new Error("write CONNECTION_CLOSED"),
        "CONNECTION_CLOSED",
        inPostgres,
      ),
      true,
    ],
    [
      "a reset in postgres.js",
      withCode(new Error("read ECONNRESET"), "ECONNRESET", inPostgres),
      true,
    ],
    [
      "a closed connection raised elsewhere",
      withCode(
        new Error("x"),
        "CONNECTION_CLOSED",
        "Error\n    at ours (file:///x/src/main.ts:1:1)",
      ),
      false,
    ],
    [
      "another postgres.js error code",
      withCode(new Error("x"), "23505", inPostgres),
      false,
    ],
    ["an error without a code", withStack(new Error("x"), inPostgres), false],
    ["a string", "CONNECTION_CLOSED", false],
  ])("recognises %s: %s", (_name, error, expected) => {
    expect(isPostgresOrphanedConnectionError(error)).toBe(expected);
  });
});

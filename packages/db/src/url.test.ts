import { describe, expect, it } from "vitest";

import { DatabaseConfigError } from "./errors";
import { parseDatabaseUrl, withDatabase } from "./url";

describe("parseDatabaseUrl", () => {
  it.each([
    {
      url: "postgres://u:p@db.example:6543/kubewise",
      target: { host: "db.example", port: 6543, database: "kubewise" },
    },
    {
      url: "postgresql://u@127.0.0.1/kw%20x",
      target: { host: "127.0.0.1", port: 5432, database: "kw x" },
    },
  ])("reads host, port and database from $url", ({ url, target }) => {
    expect(parseDatabaseUrl(url)).toEqual(target);
  });

  it.each([
    {
      url: "not a url",
      message: "DATABASE_URL is not a valid postgres:// URL",
    },
    {
      url: "mysql://u:p@127.0.0.1/kubewise",
      message:
        'DATABASE_URL is not a valid postgres:// URL (scheme is "mysql")',
    },
    {
      url: "postgres://u:p@127.0.0.1:5432",
      message:
        "DATABASE_URL is not a valid postgres:// URL (no database name in the path)",
    },
    {
      url: "postgres:///kubewise",
      message: "DATABASE_URL is not a valid postgres:// URL (no host)",
    },
  ])("rejects $url with a one-line DatabaseConfigError", ({ url, message }) => {
    expect(() => parseDatabaseUrl(url)).toThrow(
      new DatabaseConfigError(message),
    );
  });

  it("never echoes the password of a rejected URL", () => {
    expect(() => parseDatabaseUrl("ftp://user:hunter2@host/db")).toThrow(
      /^(?!.*hunter2)/,
    );
  });
});

describe("withDatabase", () => {
  it("swaps only the database name", () => {
    expect(
      withDatabase("postgres://u:p%40ss@h:1/old?sslmode=disable", "new"),
    ).toBe("postgres://u:p%40ss@h:1/new?sslmode=disable");
  });
});

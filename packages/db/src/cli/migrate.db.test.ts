import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkDatabaseConnection } from "../connection-check";
import { findFreePort } from "../embedded/free-port";
import { createTestDatabase, type TestDatabase } from "../testing";

const CLI = fileURLToPath(new URL("./migrate.ts", import.meta.url));
// The journal drizzle applies: its length and last tag are what the CLI reports.
const JOURNAL = (
  JSON.parse(
    readFileSync(
      new URL("../../drizzle/meta/_journal.json", import.meta.url),
      "utf8",
    ),
  ) as { entries: { tag: string }[] }
).entries;

type Run = { code: number | null; stdout: string; stderr: string };

function runCli(databaseUrl: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code =
          error === null
            ? 0
            : typeof error.code === "number"
              ? error.code
              : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function withCredentials(
  url: string,
  password: string,
  database?: string,
): string {
  const parsed = new URL(url);
  parsed.password = password;
  if (database !== undefined) parsed.pathname = `/${database}`;
  return parsed.toString();
}

describe("db:migrate CLI", () => {
  let test: TestDatabase;
  let closedPort: number;
  let enforcesPasswords: boolean;

  beforeAll(async () => {
    test = await createTestDatabase({ migrated: false });
    closedPort = await findFreePort();
    // A DATABASE_URL server may use trust auth, where no password is ever wrong.
    enforcesPasswords = await checkDatabaseConnection({
      url: withCredentials(test.url, "s3cret-wrong"),
    }).then(
      () => false,
      () => true,
    );
  });
  afterAll(async () => {
    await test.close();
  });

  it("migrates DATABASE_URL and prints the schema version", async () => {
    const run = await runCli(test.url);
    expect(run).toMatchObject({
      code: 0,
      stdout: `migrated: schema version ${JOURNAL.length} (${JOURNAL.at(-1)?.tag})\n`,
    });
  });

  it.for([
    {
      name: "garbage",
      url: () => "not a url",
      error: /^DATABASE_URL is not a valid postgres:\/\/ URL$/,
    },
    {
      name: "unreachable server",
      url: () => `postgres://u:p@127.0.0.1:${closedPort}/kubewise`,
      error: /^cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
    },
    {
      name: "wrong password",
      url: () => withCredentials(test.url, "s3cret-wrong"),
      error:
        /^PostgreSQL at 127\.0\.0\.1:\d+ rejected the credentials \(28P01\)$/,
    },
    {
      name: "missing database",
      url: () =>
        withCredentials(test.url, new URL(test.url).password, "no_such_db"),
      error:
        /^database "no_such_db" does not exist on PostgreSQL at 127\.0\.0\.1:\d+ \(3D000\)$/,
    },
  ])(
    "exits 1 with one clear line and no stack for $name",
    async ({ name, url, error }, { skip }) => {
      if (name === "wrong password" && !enforcesPasswords) {
        skip("the server does not check passwords (trust authentication)");
      }
      const run = await runCli(url());
      expect(run.code).toBe(1);
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      const message = lines[0]?.replace(/^error: /, "");
      expect(message).toMatch(error);
      expect(run.stderr).not.toMatch(/\n\s+at |s3cret-wrong/);
    },
  );
});

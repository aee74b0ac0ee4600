import postgres from "postgres";

import { DatabaseConfigError } from "./errors";
import { describeTarget, parseDatabaseUrl, type DatabaseTarget } from "./url";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EAI_AGAIN",
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    return typeof error.code === "string" ? error.code : undefined;
  }
  return undefined;
}

function toDatabaseConfigError(
  error: unknown,
  target: DatabaseTarget,
): DatabaseConfigError {
  const code = errorCode(error) ?? "unknown";
  const where = describeTarget(target);
  if (NETWORK_CODES.has(code))
    return new DatabaseConfigError(
      `cannot reach PostgreSQL at ${where} (${code})`,
    );
  if (code === "CONNECT_TIMEOUT")
    return new DatabaseConfigError(
      `cannot reach PostgreSQL at ${where} (timeout)`,
    );
  if (code === "ENOTFOUND")
    return new DatabaseConfigError(
      `cannot resolve PostgreSQL host ${target.host} (ENOTFOUND)`,
    );
  if (code === "28P01" || code === "28000") {
    return new DatabaseConfigError(
      `PostgreSQL at ${where} rejected the credentials (${code})`,
    );
  }
  if (code === "3D000") {
    return new DatabaseConfigError(
      `database "${target.database}" does not exist on PostgreSQL at ${where} (3D000)`,
    );
  }
  const reason =
    error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new DatabaseConfigError(
    `cannot connect to PostgreSQL at ${where} (${code}: ${reason})`,
  );
}

// Validates the URL, then opens one connection; returns the server version string.
export async function checkDatabaseConnection({
  url,
  timeoutSeconds = 5,
}: {
  url: string;
  timeoutSeconds?: number;
}): Promise<string> {
  const target = parseDatabaseUrl(url);
  const sql = postgres(url, {
    max: 1,
    connect_timeout: timeoutSeconds,
    onnotice: () => undefined,
  });
  try {
    const rows = await sql<
      { version: string }[]
    >`select current_setting('server_version') as version`;
    return rows[0]?.version ?? "unknown";
  } catch (error: unknown) {
    throw toDatabaseConfigError(error, target);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

import { DatabaseConfigError } from "./errors";

export type DatabaseTarget = { host: string; port: number; database: string };

const DEFAULT_PORT = 5432;

export function parseDatabaseUrl(
  url: string,
  name = "DATABASE_URL",
): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConfigError(`${name} is not a valid postgres:// URL`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new DatabaseConfigError(
      `${name} is not a valid postgres:// URL (scheme is "${parsed.protocol.replace(/:$/, "")}")`,
    );
  }
  if (parsed.hostname === "") {
    throw new DatabaseConfigError(
      `${name} is not a valid postgres:// URL (no host)`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    throw new DatabaseConfigError(
      `${name} is not a valid postgres:// URL (no database name in the path)`,
    );
  }
  const port = parsed.port === "" ? DEFAULT_PORT : Number(parsed.port);
  return { host: parsed.hostname, port, database };
}

export function describeTarget(target: DatabaseTarget): string {
  return `${target.host}:${target.port}`;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

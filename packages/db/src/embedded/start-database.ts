import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import postgres from "postgres";

import { checkDatabaseConnection } from "../connection-check";
import { DatabaseConfigError } from "../errors";
import {
  assertReachableByPostgresUser,
  getDefaultDataDir,
  isInitialised,
  isRootUser,
} from "./data-dir";
import { findFreePort } from "./free-port";
import {
  killServerOnExit,
  loadEmbeddedPostgres,
  type EmbeddedPostgres,
} from "./load";

export type StartDatabaseOptions = {
  /** Use this server instead of starting one (validated and checked first). */
  url?: string;
  /** Embedded server data directory; survives restarts. Defaults to getDefaultDataDir(). */
  dataDir?: string;
  /** Database to create (if missing) and return in the URL; defaults to "kubewise". */
  database?: string;
  /** Extra server settings, e.g. { fsync: "off" } for throwaway test servers. */
  settings?: Record<string, string>;
  onProgress?: (message: string) => void;
};

export type RunningDatabase = {
  url: string;
  embedded: boolean;
  stop: () => Promise<void>;
};

const SUPERUSER = "postgres";
const CREDENTIALS_FILE = "kubewise-credentials.json";
const LOG_TAIL_LINES = 20;

export async function startDatabase(
  options: StartDatabaseOptions = {},
): Promise<RunningDatabase> {
  if (options.url === undefined) return startEmbedded(options);
  await checkDatabaseConnection({ url: options.url });
  return { url: options.url, embedded: false, stop: () => Promise.resolve() };
}

async function startEmbedded(
  options: StartDatabaseOptions,
): Promise<RunningDatabase> {
  const progress = options.onProgress ?? (() => undefined);
  const dataDir = options.dataDir ?? getDefaultDataDir();
  await assertReachableByPostgresUser(dataDir);
  const initialised = await isInitialised(dataDir);
  const password = await readOrCreatePassword(dataDir, initialised);
  const port = await findFreePort();
  const logTail: string[] = [];
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRootUser(),
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: toServerFlags(options.settings ?? {}),
    onLog: (message) => {
      logTail.push(...message.trim().split("\n"));
      logTail.splice(0, Math.max(0, logTail.length - LOG_TAIL_LINES));
    },
    onError: (error) => logTail.push(String(error)),
  });
  try {
    if (!initialised) {
      progress(`initialising PostgreSQL data directory ${dataDir}`);
      await server.initialise();
      await writeFile(
        join(dataDir, CREDENTIALS_FILE),
        JSON.stringify({ password }),
        { mode: 0o600 },
      );
    }
    progress(`starting PostgreSQL on 127.0.0.1:${port}`);
    await server.start();
  } catch (error: unknown) {
    await server.stop().catch(() => undefined);
    throw toStartError(error, dataDir, logTail);
  }
  return connectEmbedded(server, {
    port,
    password,
    database: options.database ?? "kubewise",
    progress,
  });
}

async function connectEmbedded(
  server: EmbeddedPostgres,
  target: {
    port: number;
    password: string;
    database: string;
    progress: (message: string) => void;
  },
): Promise<RunningDatabase> {
  const forgetServer = killServerOnExit(server);
  const base = `postgres://${SUPERUSER}:${encodeURIComponent(target.password)}@127.0.0.1:${target.port}`;
  await ensureDatabase(`${base}/postgres`, target.database);
  target.progress("PostgreSQL is ready");
  return {
    url: `${base}/${encodeURIComponent(target.database)}`,
    embedded: true,
    stop: async () => {
      forgetServer();
      await server.stop();
    },
  };
}

async function readOrCreatePassword(
  dataDir: string,
  initialised: boolean,
): Promise<string> {
  if (!initialised) return randomBytes(18).toString("base64url");
  try {
    const saved = JSON.parse(
      await readFile(join(dataDir, CREDENTIALS_FILE), "utf8"),
    ) as { password: string };
    return saved.password;
  } catch (error: unknown) {
    throw new DatabaseConfigError(
      `data directory ${dataDir} holds a PostgreSQL cluster that Kubewise did not create (no readable ${CREDENTIALS_FILE})`,
      { cause: error },
    );
  }
}

function toServerFlags(settings: Record<string, string>): string[] {
  const all = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    ...settings,
  };
  return Object.entries(all).flatMap(([key, value]) => [
    "-c",
    `${key}=${value}`,
  ]);
}

function toStartError(
  error: unknown,
  dataDir: string,
  logTail: string[],
): DatabaseConfigError {
  const logLine =
    logTail.filter((line) => /FATAL|ERROR|failed/i.test(line)).at(-1) ??
    logTail.at(-1) ??
    "no server output";
  const reason =
    error instanceof Error && error.message !== ""
      ? error.message.split("\n")[0]
      : logLine;
  return new DatabaseConfigError(
    `embedded PostgreSQL failed to start in ${dataDir}: ${reason}`,
    { cause: error },
  );
}

/** Creates `database` on the server of `adminUrl` unless it exists. */
export async function ensureDatabase(
  adminUrl: string,
  database: string,
): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows =
      await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}

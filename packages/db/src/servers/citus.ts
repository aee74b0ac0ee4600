// A Citus coordinator and its workers on this machine (tests and `npm run demo -- --citus`), and the
// per-database setup every Citus database needs: the extension on each node and the workers
// registered on the coordinator. Managed Citus services do the latter for you (docs/citus.md).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

import postgres from "postgres";

import { findFreePort } from "../embedded/free-port";
import { withDatabase } from "../url";
import { startLocalPostgres, type LocalPostgres } from "./local-postgres";

export type LocalCitus = {
  coordinatorAdminUrl: string;
  workerAdminUrls: string[];
  stop: () => Promise<void>;
};

export type LocalCitusOptions = {
  /** One data directory per node is created below it (coordinator, worker-1, ...). */
  baseDir: string;
  workers?: number;
  settings?: Record<string, string>;
  onProgress?: (message: string) => void;
};

export async function startLocalCitus(
  options: LocalCitusOptions,
): Promise<LocalCitus> {
  const nodes: LocalPostgres[] = [];
  const names = [
    "coordinator",
    ...Array.from(
      { length: options.workers ?? 2 },
      (_, i) => `worker-${i + 1}`,
    ),
  ];
  mkdirSync(options.baseDir, { recursive: true, mode: 0o755 });
  // A restarted cluster keeps its ports when it can: the coordinator's metadata names them.
  const portsFile = join(options.baseDir, "ports.json");
  const previous = existsSync(portsFile)
    ? (JSON.parse(readFileSync(portsFile, "utf8")) as number[])
    : [];
  try {
    // Sequential: each start forks and waits for its postmaster; in parallel they only contend.
    for (const [i, name] of names.entries())
      nodes.push(
        await startLocalPostgres({
          dataDir: join(options.baseDir, name),
          preload: ["citus"],
          settings: options.settings,
          port: await reusablePort(previous[i]),
          onProgress: (message) => options.onProgress?.(`${name}: ${message}`),
        }),
      );
  } catch (error: unknown) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  writeFileSync(portsFile, JSON.stringify(nodes.map((n) => n.port)));
  const [coordinator, ...workers] = nodes;
  if (coordinator === undefined) throw new Error("no coordinator started");
  return {
    coordinatorAdminUrl: coordinator.adminUrl,
    workerAdminUrls: workers.map((w) => w.adminUrl),
    stop: async () => {
      for (const node of nodes.reverse()) await node.stop();
    },
  };
}

async function reusablePort(port: number | undefined): Promise<number> {
  if (port === undefined) return findFreePort();
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  return free ? port : findFreePort();
}

async function withClient<T>(
  url: string,
  work: (sql: postgres.Sql) => Promise<T>,
): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const hostPort = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
};

/**
 * Makes `database` a Citus database on every node: creates it where missing (from `template`, when
 * given, on every node), creates the extension and registers the workers on the coordinator.
 * Idempotent. Returns the coordinator URL of that database.
 */
export async function prepareCitusDatabase(options: {
  coordinatorAdminUrl: string;
  workerAdminUrls: readonly string[];
  database: string;
}): Promise<string> {
  const { coordinatorAdminUrl, workerAdminUrls, database } = options;
  for (const adminUrl of [coordinatorAdminUrl, ...workerAdminUrls]) {
    await withClient(adminUrl, async (sql) => {
      const exists =
        await sql`select 1 from pg_database where datname = ${database}`;
      if (exists.length === 0)
        await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
    });
    await withClient(withDatabase(adminUrl, database), (sql) =>
      sql`create extension if not exists citus`.then(() => undefined),
    );
  }
  const url = withDatabase(coordinatorAdminUrl, database);
  await withClient(url, async (sql) => {
    const coordinator = hostPort(coordinatorAdminUrl);
    await sql`select citus_set_coordinator_host(${coordinator.host}, ${coordinator.port})`;
    // Workers already registered keep their place (by node id) even if their port moved.
    const known = await sql<
      { nodeid: number; nodename: string; nodeport: number }[]
    >`
      select nodeid, nodename, nodeport from pg_dist_node where groupid <> 0 order by nodeid`;
    for (const [i, workerUrl] of workerAdminUrls.entries()) {
      const worker = hostPort(workerUrl);
      const node = known[i];
      if (node === undefined)
        await sql`select citus_add_node(${worker.host}, ${worker.port})`;
      else if (node.nodename !== worker.host || node.nodeport !== worker.port)
        await sql`select citus_update_node(${node.nodeid}, ${worker.host}, ${worker.port})`;
    }
  });
  return url;
}

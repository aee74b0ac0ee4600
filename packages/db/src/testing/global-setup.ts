import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import postgres from "postgres";
import type { TestProject } from "vitest/node";

import { startDatabase } from "../embedded/start-database";
import { migrate } from "../migrate";
import { prepareCitusDatabase, startLocalCitus } from "../servers/citus";
import { startLocalPostgres } from "../servers/local-postgres";
import { withDatabase } from "../url";
import {
  PROVIDED_ADMIN_URL,
  PROVIDED_SERVER_KIND,
  PROVIDED_TEMPLATE,
  PROVIDED_TEST_NOW,
  PROVIDED_WORKER_URLS,
  type TestServerKind,
} from "./provided";
import { dropDatabaseEverywhere, freezeTemplate } from "./template";
import { parseTestNow } from "./test-now";

// Durability is pointless for a throwaway test server; these make CREATE DATABASE and commits cheap.
const TEST_SERVER_SETTINGS = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "300",
};
// Tests call run_job themselves; background jobs would also hold connections to the template.
const TIMESCALEDB_TEST_SETTINGS = {
  ...TEST_SERVER_SETTINGS,
  "timescaledb.max_background_workers": "0",
  "timescaledb.telemetry_level": "off",
};
// Fewer shards than production's 32 keep per-database shard creation fast; the code paths are the same.
const CITUS_TEST_SETTINGS = {
  ...TEST_SERVER_SETTINGS,
  max_connections: "400",
  "citus.shard_count": "4",
  "citus.max_cached_conns_per_worker": "2",
};

type TestServer = {
  kind: TestServerKind;
  adminUrl: string;
  workerAdminUrls: string[];
  stop: () => Promise<void>;
};

async function scratchDir(kind: string): Promise<{
  dir: string;
  remove: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), `kubewise-test-${kind}-`));
  // As root the server runs as `postgres`, which must be able to enter the parent directory.
  await chmod(dir, 0o755);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** KUBEWISE_TEST_DB: embedded (default), timescaledb or citus; DATABASE_URL: an external server. */
async function startServer(): Promise<TestServer> {
  const { DATABASE_URL: external, KUBEWISE_TEST_DB: kind = "embedded" } =
    // eslint-disable-next-line no-restricted-properties -- test harness entry point
    process.env;
  if (external !== undefined && external !== "") {
    const running = await startDatabase({ url: external });
    return {
      kind: "external",
      adminUrl: running.url,
      workerAdminUrls: [],
      stop: running.stop,
    };
  }
  const scratch = await scratchDir(kind);
  const progress = (message: string) =>
    console.log(`test database: ${message}`);
  if (kind === "timescaledb") {
    const server = await startLocalPostgres({
      dataDir: join(scratch.dir, "pg"),
      preload: ["timescaledb"],
      settings: TIMESCALEDB_TEST_SETTINGS,
      onProgress: progress,
    });
    return {
      kind,
      adminUrl: server.adminUrl,
      workerAdminUrls: [],
      stop: () => server.stop().then(scratch.remove),
    };
  }
  if (kind === "citus") {
    const cluster = await startLocalCitus({
      baseDir: scratch.dir,
      workers: 2,
      settings: CITUS_TEST_SETTINGS,
      onProgress: progress,
    });
    return {
      kind,
      adminUrl: cluster.coordinatorAdminUrl,
      workerAdminUrls: cluster.workerAdminUrls,
      stop: () => cluster.stop().then(scratch.remove),
    };
  }
  if (kind !== "embedded")
    throw new Error(
      `KUBEWISE_TEST_DB must be embedded, timescaledb or citus, got "${kind}"`,
    );
  const running = await startDatabase({
    dataDir: join(scratch.dir, "pg"),
    database: "postgres",
    settings: TEST_SERVER_SETTINGS,
  });
  return {
    kind,
    adminUrl: running.url,
    workerAdminUrls: [],
    stop: () => running.stop().then(scratch.remove),
  };
}

async function createTemplate(
  server: TestServer,
  template: string,
): Promise<void> {
  if (server.kind === "citus") {
    const url = await prepareCitusDatabase({
      coordinatorAdminUrl: server.adminUrl,
      workerAdminUrls: server.workerAdminUrls,
      database: template,
    });
    await migrate({ url });
    await freezeTemplate(
      [server.adminUrl, ...server.workerAdminUrls],
      template,
    );
    return;
  }
  const admin = postgres(server.adminUrl, {
    max: 1,
    onnotice: () => undefined,
  });
  try {
    await admin.unsafe(`create database "${template}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  await migrate({ url: withDatabase(server.adminUrl, template) });
  if (server.kind === "timescaledb")
    await freezeTemplate([server.adminUrl], template);
}

export default async function setup(
  project: TestProject,
): Promise<() => Promise<void>> {
  // Fails before any server starts when E2E_NOW is malformed.
  const testNow = parseTestNow(process.env.E2E_NOW).toISOString();
  const server = await startServer();
  const template = `kubewise_template_${randomBytes(4).toString("hex")}`;
  try {
    await createTemplate(server, template);
  } catch (error: unknown) {
    await server.stop();
    throw error;
  }
  project.provide(PROVIDED_ADMIN_URL, server.adminUrl);
  project.provide(PROVIDED_TEMPLATE, template);
  project.provide(PROVIDED_TEST_NOW, testNow);
  project.provide(PROVIDED_SERVER_KIND, server.kind);
  project.provide(PROVIDED_WORKER_URLS, server.workerAdminUrls);
  console.log(`db suite: "now" is pinned to ${testNow} (E2E_NOW)`);
  return async () => {
    await dropDatabaseEverywhere(
      [server.adminUrl, ...server.workerAdminUrls],
      template,
    );
    await server.stop();
  };
}

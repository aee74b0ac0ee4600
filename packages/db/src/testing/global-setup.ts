import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import postgres from "postgres";
import type { TestProject } from "vitest/node";

import { startDatabase } from "../embedded/start-database";
import { migrate } from "../migrate";
import { withDatabase } from "../url";
import {
  PROVIDED_ADMIN_URL,
  PROVIDED_TEMPLATE,
  PROVIDED_TEST_NOW,
} from "./provided";
import { parseTestNow } from "./test-now";

// Durability is pointless for a throwaway test server; these make CREATE DATABASE and commits cheap.
const TEST_SERVER_SETTINGS = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "300",
};

async function startServer(): Promise<{
  adminUrl: string;
  stop: () => Promise<void>;
}> {
  const external = process.env.DATABASE_URL;
  if (external !== undefined && external !== "") {
    const running = await startDatabase({ url: external });
    return { adminUrl: running.url, stop: running.stop };
  }
  const parent = await mkdtemp(join(tmpdir(), "kubewise-test-db-"));
  // As root the server runs as `postgres`, which must be able to enter the parent directory.
  await chmod(parent, 0o755);
  const running = await startDatabase({
    dataDir: join(parent, "pg"),
    database: "postgres",
    settings: TEST_SERVER_SETTINGS,
  });
  return {
    adminUrl: running.url,
    stop: async () => {
      await running.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

export default async function setup(
  project: TestProject,
): Promise<() => Promise<void>> {
  // Fails before any server starts when E2E_NOW is malformed.
  const testNow = parseTestNow(process.env.E2E_NOW).toISOString();
  const server = await startServer();
  const template = `kubewise_template_${randomBytes(4).toString("hex")}`;
  const admin = postgres(server.adminUrl, {
    max: 1,
    onnotice: () => undefined,
  });
  try {
    await admin.unsafe(`create database "${template}"`);
    await migrate({ url: withDatabase(server.adminUrl, template) });
  } catch (error: unknown) {
    await admin.end({ timeout: 1 });
    await server.stop();
    throw error;
  }
  project.provide(PROVIDED_ADMIN_URL, server.adminUrl);
  project.provide(PROVIDED_TEMPLATE, template);
  project.provide(PROVIDED_TEST_NOW, testNow);
  console.log(`db suite: "now" is pinned to ${testNow} (E2E_NOW)`);
  return async () => {
    await admin.unsafe(`drop database if exists "${template}" with (force)`);
    await admin.end({ timeout: 1 });
    await server.stop();
  };
}
